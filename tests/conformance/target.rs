//! The two servers a scenario runs against, and what their seed provides: the signed-in user,
//! their organizations and credentials, and four clients (one per authentication method, and
//! one allowed the `web` grant).

use std::time::Duration;

use polar_oauth2::{
    AuthorizationRequest, Client, ClientCredentials, ClientRegistration, ClientSecret,
    PendingAuthorization, RegisteredClient, ScopeSet, Server, Token, TokenEndpointAuthMethod,
};
use polar_oauth2_test_server::{self as test_server, TestClient, TestServer};
use serde::Deserialize;

use crate::{Failure, browser, fail};

/// The scopes every seeded client is registered with (`seed.py`'s `CLIENT_SCOPE`).
const CLIENT_SCOPE: &str = "openid profile email user:read organizations:read";
/// The embedded server's second registered redirect URI.
const OTHER_REDIRECT_URI: &str = "https://app.example.com/other";

/// The signed-in user.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
}

/// One of the user's organizations.
#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    pub id: String,
}

/// A seeded client.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedClient {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub registration_access_token: Option<String>,
    pub token_endpoint_auth_method: String,
}

impl SeedClient {
    /// What the crate sends for this client.
    pub fn credentials(&self) -> ClientCredentials {
        match &self.client_secret {
            Some(secret) if self.token_endpoint_auth_method == "client_secret_basic" => {
                ClientCredentials::basic(&self.client_id, ClientSecret::new(secret))
            }
            Some(secret) => {
                ClientCredentials::confidential(&self.client_id, ClientSecret::new(secret))
            }
            None => ClientCredentials::public(&self.client_id),
        }
    }
}

/// The seeded clients, by authentication method.
#[derive(Debug, Clone, Deserialize)]
pub struct Clients {
    /// `client_secret_post`.
    pub confidential_post: SeedClient,
    /// `client_secret_basic`.
    pub confidential_basic: SeedClient,
    /// `none` (PKCE).
    pub public: SeedClient,
    /// `client_secret_post`, also allowed the `web` grant.
    pub web: SeedClient,
}

/// A server under test with its seed (the shape of `seed.sh`'s JSON).
#[derive(Deserialize)]
pub struct Target {
    pub base_url: String,
    pub user: User,
    pub organizations: Vec<Organization>,
    #[serde(rename = "web_session_token")]
    pub web_session: String,
    pub session_cookie_name: String,
    pub personal_access_token: String,
    pub redirect_uri: String,
    pub other_redirect_uri: String,
    pub clients: Clients,
    /// The authorization page, as the server's discovery document names it (Polar's is its
    /// web app's, not an API route).
    #[serde(default)]
    pub authorization_page: String,
    /// The embedded server, kept running for the scenario.
    #[serde(skip)]
    _embedded: Option<TestServer>,
}

impl Target {
    /// Polar's real server, from `POLAR_SERVER_URL` and the seed file `POLAR_SERVER_SEED`.
    pub async fn real() -> Result<Target, Failure> {
        let (Ok(url), Ok(seed)) = (
            std::env::var("POLAR_SERVER_URL"),
            std::env::var("POLAR_SERVER_SEED"),
        ) else {
            fail!(
                "Polar's real server is not configured: set POLAR_SERVER_URL (e.g. \
                 http://127.0.0.1:8000) and POLAR_SERVER_SEED (the JSON written by \
                 ../shared/polar-server/seed.sh); see .ci/polar-server"
            );
        };
        let text = std::fs::read_to_string(&seed)
            .map_err(|e| Failure(format!("POLAR_SERVER_SEED {seed}: {e}")))?;
        let mut target: Target = serde_json::from_str(&text)
            .map_err(|e| Failure(format!("POLAR_SERVER_SEED {seed} is not a seed file: {e}")))?;
        target.base_url = url.trim_end_matches('/').to_owned();
        target.discover().await?;
        Ok(target)
    }

    /// A fresh embedded server with the same seed: the test user, and the four clients
    /// registered as `seed.py` registers them on Polar's server.
    pub async fn embedded() -> Result<Target, Failure> {
        let server = TestServer::start().await?;
        let scope = ScopeSet::from_wire(CLIENT_SCOPE);
        let redirect_uris = [test_server::REDIRECT_URI, OTHER_REDIRECT_URI];
        let clients = [
            TestClient::confidential("polar_ci_conformance_post", "polar_cs_conformance_post"),
            TestClient::confidential("polar_ci_conformance_basic", "polar_cs_conformance_basic")
                .client_secret_basic(),
            TestClient::public("polar_ci_conformance_public"),
            TestClient::confidential("polar_ci_conformance_web", "polar_cs_conformance_web")
                .grant_types(["authorization_code", "refresh_token", "web"]),
        ];
        let mut seeded = Vec::new();
        for client in clients {
            let client = client.redirect_uris(redirect_uris).scope(&scope);
            let credentials = client.credentials();
            server.register_client(client);
            let registration_access_token = server
                .registration_access_token(credentials.client_id())
                .map(|t| t.secret().to_owned());
            seeded.push(SeedClient {
                client_id: credentials.client_id().to_owned(),
                client_secret: credentials.client_secret().map(|s| s.secret().to_owned()),
                registration_access_token,
                token_endpoint_auth_method: credentials.auth_method().as_str().to_owned(),
            });
        }
        let [confidential_post, confidential_basic, public, web] =
            <[SeedClient; 4]>::try_from(seeded)
                .map_err(|_| Failure("four clients were seeded".into()))?;
        let mut target = Target {
            base_url: server.base_url().to_owned(),
            user: User {
                id: test_server::USER_ID.to_string(),
                email: test_server::USER_EMAIL.to_owned(),
            },
            organizations: test_server::ORGANIZATIONS
                .iter()
                .map(|o| Organization {
                    id: o.id.to_string(),
                })
                .collect(),
            web_session: server.web_session_token().secret().to_owned(),
            session_cookie_name: "polar_session".to_owned(),
            personal_access_token: server.personal_access_token().secret().to_owned(),
            redirect_uri: test_server::REDIRECT_URI.to_owned(),
            other_redirect_uri: OTHER_REDIRECT_URI.to_owned(),
            clients: Clients {
                confidential_post,
                confidential_basic,
                public,
                web,
            },
            authorization_page: String::new(),
            _embedded: Some(server),
        };
        target.discover().await?;
        Ok(target)
    }

    /// Read the authorization page from the discovery document.
    async fn discover(&mut self) -> Result<(), Failure> {
        let document: serde_json::Value = crate::browser::http()?
            .get(format!(
                "{}/.well-known/openid-configuration",
                self.base_url
            ))
            .send()
            .await?
            .json()
            .await?;
        match document["authorization_endpoint"].as_str() {
            Some(page) => self.authorization_page = page.to_owned(),
            None => fail!("the discovery document names no authorization_endpoint"),
        }
        Ok(())
    }

    /// The server as the crate names it.
    pub fn server(&self) -> Server {
        Server::Custom(self.base_url.clone())
    }

    /// A crate client for this server.
    pub fn client(&self) -> Result<Client, Failure> {
        Ok(Client::builder(self.server())
            .timeout(Some(Duration::from_secs(30)))
            .build()?)
    }

    /// The first organization of the user.
    pub fn organization(&self) -> Result<&Organization, Failure> {
        match self.organizations.first() {
            Some(organization) => Ok(organization),
            None => fail!("the seed has no organization"),
        }
    }

    /// An authorization request for `client_id` and the seed's redirect URI, with a fresh
    /// nonce (Polar refuses a reused one as a replay attack).
    pub fn request(&self, client_id: &str, scope: &str) -> AuthorizationRequest {
        AuthorizationRequest::new(&self.server(), client_id, &self.redirect_uri)
            .endpoint(&self.authorization_page)
            .scopes(ScopeSet::from_wire(scope))
            .random_nonce()
    }

    /// The whole connect flow for `credentials`: authorization URL, the user's consent, the
    /// callback, the code exchange (with the PKCE verifier).
    pub async fn connect(
        &self,
        credentials: &ClientCredentials,
        scope: &str,
    ) -> Result<(Token, PendingAuthorization), Failure> {
        let pending = self.request(credentials.client_id(), scope).build()?;
        let token = self.finish(credentials, &pending).await?;
        Ok((token, pending))
    }

    /// [`Self::connect`], then wait until Polar has committed the new token (it does so just
    /// after answering, see `userinfo::just_issued_tokens_work_at_once`), for scenarios about
    /// what happens to a token later (revocation, introspection, refresh).
    pub async fn connect_settled(
        &self,
        credentials: &ClientCredentials,
        scope: &str,
    ) -> Result<(Token, PendingAuthorization), Failure> {
        let (token, pending) = self.connect(credentials, scope).await?;
        let client = self.client()?;
        crate::settled(|| async {
            client.userinfo(token.access_token()).await?;
            Ok(())
        })
        .await?;
        Ok((token, pending))
    }

    /// The user approves `pending`, and its code is exchanged.
    pub async fn finish(
        &self,
        credentials: &ClientCredentials,
        pending: &PendingAuthorization,
    ) -> Result<Token, Failure> {
        let redirected_to = browser::approve(self, pending.url()).await?;
        let code = pending.callback(&redirected_to)?;
        let token = self
            .client()?
            .exchange_code(
                credentials,
                code,
                pending.redirect_uri(),
                Some(pending.pkce_verifier().clone()),
            )
            .await?;
        Ok(token)
    }

    /// A client registered anonymously right now (no consent given yet), with both redirect
    /// URIs and the seed's scopes.
    pub async fn fresh_client(
        &self,
        method: TokenEndpointAuthMethod,
    ) -> Result<RegisteredClient, Failure> {
        let mut registration = ClientRegistration::new(
            "conformance",
            [self.redirect_uri.clone(), self.other_redirect_uri.clone()],
        )
        .scope(ScopeSet::from_wire(CLIENT_SCOPE));
        registration = match method {
            TokenEndpointAuthMethod::None => registration.public(),
            method => registration.token_endpoint_auth_method(method),
        };
        let client = self.client()?;
        let registered = client.register_client(None, &registration).await?;
        // Polar commits a registration just after answering; the browser's steps that follow
        // use the client id by hand, so wait here until the client can be read back (the crate
        // rides out the commit for the registration token it has just received).
        if let Some(token) = &registered.registration_access_token {
            client.get_client(token, &registered.client_id).await?;
        }
        Ok(registered)
    }

    /// The `Cookie` header of the user's browser.
    pub fn session_cookie(&self) -> String {
        format!("{}={}", self.session_cookie_name, self.web_session)
    }
}

/// The credentials of a registered client, by the method it was registered with.
pub fn credentials_of(client: &RegisteredClient) -> ClientCredentials {
    ClientCredentials::from(client)
}
