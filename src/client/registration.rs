//! Dynamic client registration (RFC 7591) and the management of a registered client (RFC 7592).

use super::credential::{ClientManagement, Headers};
use super::redact::Echoes;
use super::{Client, fresh, success};
use crate::error::Error;
use crate::oauth2::clients::{ClientRegistration, ClientUpdate, RegisteredClient};
use crate::secret::SessionToken;

const CREATE_CLIENT: &str = "oauth2:clients:oauth2:create_client";
const GET_CLIENT: &str = "oauth2:clients:oauth2:get_client";
const UPDATE_CLIENT: &str = "oauth2:clients:oauth2:update_client";
const DELETE_CLIENT: &str = "oauth2:clients:oauth2:delete_client";

impl Client {
    /// `POST /v1/oauth2/register` (RFC 7591 dynamic client registration): register a new
    /// OAuth2 client. The answer (`201`) carries the client's secret and its
    /// [`RegistrationAccessToken`](crate::RegistrationAccessToken), which manages the client
    /// from then on: store both. [`ClientCredentials`](crate::ClientCredentials)'s
    /// `From<&RegisteredClient>` makes the new client's credentials.
    ///
    /// Polar registers clients anonymously (`None`) or for a signed-in user (`Some` web
    /// session, sent as its session cookie: the client then shows in that user's dashboard).
    /// Its spec lists `oidc | pat`, but its server refuses personal access tokens and OAuth2
    /// tokens here (403 `NotPermitted`), so the types take neither.
    ///
    /// ```no_run
    /// # async fn register(client: &polar_oauth2::Client) -> Result<(), polar_oauth2::Error> {
    /// use polar_oauth2::ClientRegistration;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// println!("client id {}", registered.client_id);
    /// # Ok(()) }
    /// ```
    pub async fn register_client(
        &self,
        session: Option<&SessionToken>,
        registration: &ClientRegistration,
    ) -> Result<RegisteredClient, Error> {
        let headers = session.map(Headers::session).unwrap_or_default();
        let sent = || Echoes::of(session.iter().map(|s| s.secret()));
        let request = || {
            self.api.oauth2_clients_oauth2_create_client(
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
                registration,
            )
        };
        let registered: RegisteredClient = self.call(CREATE_CLIENT, sent, request).await?;
        let token = registered.registration_access_token.as_ref();
        fresh::FRESH.record(
            [registered.client_id.as_str()]
                .into_iter()
                .chain(token.map(|t| t.secret())),
        );
        Ok(registered)
    }

    /// `GET /v1/oauth2/register/{client_id}` (RFC 7592 §2.1): a registered client's metadata,
    /// with the client's registration access token or its registering user's web session.
    ///
    /// ```
    /// use polar_oauth2::ClientRegistration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// let manage = registered.registration_access_token.unwrap(); // store it with the client
    /// let fetched = client.get_client(&manage, &registered.client_id).await?;
    /// assert_eq!(fetched.client_name.as_deref(), Some("Acme"));
    /// # Ok(()) }
    /// ```
    pub async fn get_client<'c>(
        &self,
        credential: impl Into<ClientManagement<'c>>,
        client_id: &str,
    ) -> Result<RegisteredClient, Error> {
        let credential = credential.into();
        let headers = Headers::management(credential);
        let sent = || Echoes::of([credential.secret()]);
        let request = || {
            self.api.oauth2_clients_oauth2_get_client(
                client_id,
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
            )
        };
        self.call(GET_CLIENT, sent, request).await
    }

    /// `PUT /v1/oauth2/register/{client_id}` (RFC 7592 §2.2): replace a registered client's
    /// metadata.
    ///
    /// ```
    /// use polar_oauth2::{ClientRegistration, ClientUpdate};
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// let manage = registered.registration_access_token.unwrap(); // store it with the client
    /// let metadata = registration.client_uri("https://acme.example");
    /// let renamed = ClientUpdate::new(&registered.client_id, metadata);
    /// let updated = client.update_client(&manage, &renamed).await?;
    /// assert_eq!(updated.client_uri.as_deref(), Some("https://acme.example"));
    /// # Ok(()) }
    /// ```
    pub async fn update_client<'c>(
        &self,
        credential: impl Into<ClientManagement<'c>>,
        update: &ClientUpdate,
    ) -> Result<RegisteredClient, Error> {
        let credential = credential.into();
        let headers = Headers::management(credential);
        let sent = || Echoes::of([credential.secret()]);
        let request = || {
            self.api.oauth2_clients_oauth2_update_client(
                update.client_id(),
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
                update,
            )
        };
        self.call(UPDATE_CLIENT, sent, request).await
    }

    /// `DELETE /v1/oauth2/register/{client_id}` (RFC 7592 §2.3): delete a registered client
    /// (Polar answers 204).
    ///
    /// ```
    /// use polar_oauth2::ClientRegistration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// let manage = registered.registration_access_token.unwrap(); // store it with the client
    /// client.delete_client(&manage, &registered.client_id).await?;
    /// assert!(client.get_client(&manage, &registered.client_id).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn delete_client<'c>(
        &self,
        credential: impl Into<ClientManagement<'c>>,
        client_id: &str,
    ) -> Result<(), Error> {
        let credential = credential.into();
        let headers = Headers::management(credential);
        let sent = || Echoes::of([credential.secret()]);
        let request = || {
            self.api.oauth2_clients_oauth2_delete_client(
                client_id,
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
            )
        };
        success(self.call(DELETE_CLIENT, sent, request).await)
    }
}
