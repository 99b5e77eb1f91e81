//! A registered client's credentials, and how they authenticate it at the token endpoint
//! (RFC 6749 §2.3.1).

use std::fmt;
use std::sync::Arc;

use crate::oauth2::clients::{RegisteredClient, TokenEndpointAuthMethod};
use crate::redact::Redactor;
use crate::secret::ClientSecret;

/// A registered OAuth2 client: its id, and its secret unless it is a public client.
///
/// Cheap to clone (shared, not copied): every grant holds the credentials it was made with,
/// and [`Client::refresh`](crate::Client::refresh) makes one per call.
///
/// Polar authenticates a client by the method it was registered with (RFC 6749 §2.3.1):
/// `client_secret_post` (the default: the secret in the form body), `client_secret_basic`
/// (`Authorization: Basic`), or `none` (a public client: no secret, PKCE, RFC 7636 §4.5).
///
/// ```
/// use polar_oauth2::{ClientCredentials, ClientSecret, TokenEndpointAuthMethod};
///
/// // A web app keeps its secret on the server.
/// let secret = ClientSecret::new("polar_cs_test_example");
/// let web_app = ClientCredentials::confidential("polar_ci_test_example", secret);
/// assert_eq!(web_app.auth_method(), TokenEndpointAuthMethod::ClientSecretPost);
/// // A desktop or mobile app has none: PKCE protects its code instead.
/// let cli = ClientCredentials::public("polar_ci_test_cli");
/// assert!(cli.client_secret().is_none());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials(Arc<Credentials>);

#[derive(Debug, PartialEq, Eq)]
struct Credentials {
    client_id: String,
    client_secret: Option<ClientSecret>,
    /// `client_secret_basic` rather than Polar's default `client_secret_post`.
    basic: bool,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.0.client_id)
            .field("client_secret", &self.0.client_secret)
            .field("auth_method", &self.auth_method().as_str())
            .finish()
    }
}

impl ClientCredentials {
    /// A confidential client (server-side application with a `polar_cs_…` secret) registered
    /// with `client_secret_post`, Polar's default: the secret travels in the form body.
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, ClientSecret, TokenEndpointAuthMethod};
    /// let credentials = ClientCredentials::confidential("polar_ci_test", ClientSecret::new("polar_cs_test"));
    /// assert_eq!(credentials.auth_method(), TokenEndpointAuthMethod::ClientSecretPost);
    /// ```
    #[must_use]
    pub fn confidential(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self::new(client_id.into(), Some(client_secret), false)
    }

    /// A confidential client registered with `client_secret_basic`: the token endpoint gets
    /// the credentials as `Authorization: Basic` (RFC 6749 §2.3.1). Polar's token endpoint
    /// accepts only the method a client was registered with (`invalid_client` otherwise);
    /// revocation and introspection accept either, and get them in the form body.
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, ClientSecret, TokenEndpointAuthMethod};
    /// let credentials = ClientCredentials::basic("polar_ci_test", ClientSecret::new("polar_cs_test"));
    /// assert_eq!(credentials.auth_method(), TokenEndpointAuthMethod::ClientSecretBasic);
    /// ```
    #[must_use]
    pub fn basic(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self::new(client_id.into(), Some(client_secret), true)
    }

    /// A public client (native or browser app, `none`): no secret; PKCE is then required.
    ///
    /// ```
    /// use polar_oauth2::ClientCredentials;
    /// let credentials = ClientCredentials::public("polar_ci_test");
    /// assert!(credentials.client_secret().is_none());
    /// ```
    #[must_use]
    pub fn public(client_id: impl Into<String>) -> Self {
        Self::new(client_id.into(), None, false)
    }

    fn new(client_id: String, client_secret: Option<ClientSecret>, basic: bool) -> Self {
        Self(Arc::new(Credentials {
            client_id,
            client_secret,
            basic,
        }))
    }

    /// How these credentials authenticate at the token endpoint.
    #[must_use]
    pub fn auth_method(&self) -> TokenEndpointAuthMethod {
        match (&self.0.client_secret, self.0.basic) {
            (None, _) => TokenEndpointAuthMethod::None,
            (Some(_), true) => TokenEndpointAuthMethod::ClientSecretBasic,
            (Some(_), false) => TokenEndpointAuthMethod::ClientSecretPost,
        }
    }

    /// `Authorization: Basic` for a `client_secret_basic` client: id and secret each
    /// form-urlencoded, joined by `:`, base64 (RFC 6749 §2.3.1).
    /// Whether the secret goes in the `Authorization` header rather than the form body.
    pub(super) fn is_basic(&self) -> bool {
        self.0.basic
    }

    pub(crate) fn basic_authorization(&self) -> Option<String> {
        use base64::Engine as _;
        let secret = self.0.client_secret.as_ref().filter(|_| self.0.basic)?;
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", encode(&self.0.client_id), encode(secret.secret()));
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }

    /// The client id (`polar_ci_…`); not a secret.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// The client secret, if any.
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, ClientSecret};
    ///
    /// let secret = ClientSecret::new("polar_cs_test_app");
    /// let app = ClientCredentials::confidential("polar_ci_test_app", secret);
    /// assert!(app.client_secret().is_some());
    /// assert!(ClientCredentials::public("polar_ci_test_cli").client_secret().is_none());
    /// ```
    #[must_use]
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.0.client_secret.as_ref()
    }
}

/// The credentials a client just registered authenticates with, by the method it was
/// registered with (`client_secret_basic` or else `client_secret_post` with a secret, `none`
/// without one).
///
/// ```no_run
/// # async fn register(client: &polar_oauth2::Client) -> Result<(), polar_oauth2::Error> {
/// use polar_oauth2::{ClientCredentials, ClientRegistration};
/// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
/// let registered = client.register_client(None, &registration).await?;
/// let credentials = ClientCredentials::from(&registered);
/// # let _ = credentials; Ok(()) }
/// ```
impl From<&RegisteredClient> for ClientCredentials {
    fn from(client: &RegisteredClient) -> Self {
        let basic =
            client.token_endpoint_auth_method == Some(TokenEndpointAuthMethod::ClientSecretBasic);
        Self::new(
            client.client_id.clone(),
            client.client_secret.clone(),
            basic,
        )
    }
}

impl Redactor {
    /// The secrets of a request authenticated with `credentials`, plus `others`.
    pub(crate) fn of_client<'a>(
        credentials: &'a ClientCredentials,
        others: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self::new(
            Some(credentials.client_id()),
            credentials
                .client_secret()
                .map(ClientSecret::secret)
                .into_iter()
                .chain(others),
        )
    }
}
