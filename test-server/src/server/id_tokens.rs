//! The OpenID Connect side of a server: its issuer, discovery URL and the key that signs its
//! ID tokens.

use super::TestServer;
use crate::constants::{ISSUER, OPENID_CONFIGURATION_PATH};

impl TestServer {
    /// The `iss` of the ID tokens and the `issuer` of `/.well-known/openid-configuration`:
    /// `https://polar.sh`, Polar's real issuer (the same on its sandbox), so that an app
    /// configures one value for tests and production.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// assert_eq!(polar.issuer(), "https://polar.sh"); // what production ID tokens name too
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn issuer(&self) -> &'static str {
        ISSUER
    }

    /// The URL of the OpenID Connect discovery document on this server.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// assert!(polar.openid_configuration_url().ends_with("/.well-known/openid-configuration"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn openid_configuration_url(&self) -> String {
        format!("{}{OPENID_CONFIGURATION_PATH}", self.base_url)
    }

    /// The `kid` of the key that signs ID tokens in the JWKS (a name, as Polar's keys have).
    /// The tokens' header does not name it, as Polar's do not.
    #[must_use]
    pub fn signing_key_id(&self) -> String {
        self.shared.lock().signing_key.kid().to_owned()
    }

    /// `/.well-known/jwks.json`: the public key of the ID tokens as a JWK set.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let jwks = polar.jwks_json();
    /// assert_eq!(jwks["keys"][0]["kid"], polar.signing_key_id().as_str());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn jwks_json(&self) -> serde_json::Value {
        self.shared.lock().signing_key.jwks()
    }

    /// Sign `claims` as an ID token of this server (RS256, header `{"typ": "JWT", "alg":
    /// "RS256"}`) without checking them: for tests of what a verifier must reject (a
    /// wrong `aud`, `iss` or `nonce`, an expired token).
    ///
    /// Test-only: the key is embedded in this crate and public.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer};
    ///
    /// let server = TestServer::start().await?;
    /// let expired = server.sign_id_token(&serde_json::json!({
    ///     "iss": server.issuer(), "aud": [CONFIDENTIAL_CLIENT_ID], "sub": "someone",
    ///     "iat": 1_000_000_000, "exp": 1_000_003_600,
    /// }))?;
    /// # let _ = expired; Ok(()) }
    /// ```
    pub fn sign_id_token(&self, claims: &serde_json::Value) -> std::io::Result<String> {
        self.shared
            .lock()
            .signing_key
            .sign(claims)
            .map_err(std::io::Error::other)
    }
}
