//! The calls made with tokens: the token endpoint's grants (RFC 6749), revocation (RFC 7009),
//! introspection (RFC 7662) and userinfo (OpenID Connect).

use super::redact::Echoes;
use super::{Client, credential, fresh, success};
use crate::error::Error;
use crate::generated::types::{IntrospectTokenRequest, RevokeTokenRequest, TokenTypeHint};
use crate::oauth2::introspect::Introspection;
use crate::oauth2::revoke::IssuedToken;
use crate::oauth2::userinfo::UserInfo;
use crate::secret::{AccessToken, AuthorizationCode, ClientSecret, PkceCodeVerifier, RefreshToken};
use crate::token::{
    AuthorizationCodeGrant, ClientCredentials, RefreshTokenGrant, Token, TokenRequest,
};

const REQUEST_TOKEN: &str = "oauth2:request_token";
const REVOKE: &str = "oauth2:revoke_token";
const INTROSPECT: &str = "oauth2:introspect_token";
const USERINFO: &str = "oauth2:userinfo";

impl Client {
    /// `POST /v1/oauth2/token` with any grant. The client authenticates by its
    /// [`auth_method`](ClientCredentials::auth_method): in the form body, or as
    /// `Authorization: Basic` for `client_secret_basic` (the only one Polar then accepts).
    ///
    /// Sent again only when the connection could not be established, whatever the
    /// [`RetryPolicy`](crate::RetryPolicy): an authorization code is single-use, and a request
    /// that reached the server may have consumed it.
    ///
    /// ```
    /// use polar_oauth2::{RefreshTokenGrant, TokenRequest};
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let (client, credentials) = (polar.client()?, polar.confidential_client());
    /// let pending = polar.authorization_request().build()?;
    /// let code = pending.callback(&polar.approve(pending.url())?)?;
    /// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
    /// let token = client.exchange_code(&credentials, code, uri, verifier).await?;
    /// let grant = RefreshTokenGrant::new(credentials, token.refresh_token().unwrap().clone());
    /// let refreshed = client.request_token(&TokenRequest::from(grant)).await?;
    /// assert_ne!(refreshed.access_token(), token.access_token());
    /// # Ok(()) }
    /// ```
    pub async fn request_token(&self, request: &TokenRequest) -> Result<Token, Error> {
        let basic = request.credentials().basic_authorization();
        let sent = || Echoes::of_token_request(request);
        let token: Token = self
            .call(REQUEST_TOKEN, sent, || {
                self.api.oauth2_request_token(basic.as_deref(), request)
            })
            .await?;
        let refresh_token = token.refresh_token().map(|t| t.secret());
        fresh::FRESH.record(
            [token.access_token().secret()]
                .into_iter()
                .chain(refresh_token),
        );
        Ok(token)
    }

    /// Exchange an authorization code (RFC 6749 §4.1.3), with the PKCE verifier if the
    /// authorization request had a challenge (always, for public clients).
    ///
    /// ```no_run
    /// # async fn callback(client: &polar_oauth2::Client, pending: &polar_oauth2::PendingAuthorization,
    /// #     redirected_to: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// use polar_oauth2::{ClientCredentials, ClientSecret};
    /// let credentials = ClientCredentials::confidential("polar_ci_…", ClientSecret::new("polar_cs_…"));
    /// let code = pending.callback(redirected_to)?; // checks `state`
    /// let token = client
    ///     .exchange_code(&credentials, code, pending.redirect_uri(),
    ///         Some(pending.pkce_verifier().clone()))
    ///     .await?;
    /// println!("granted {} until {:?}", token.scope(), token.expires_at_system());
    /// # Ok(()) }
    /// ```
    pub async fn exchange_code(
        &self,
        credentials: &ClientCredentials,
        code: AuthorizationCode,
        redirect_uri: &str,
        code_verifier: Option<PkceCodeVerifier>,
    ) -> Result<Token, Error> {
        let mut grant = AuthorizationCodeGrant::new(credentials.clone(), code, redirect_uri);
        if let Some(verifier) = code_verifier {
            grant = grant.code_verifier(verifier);
        }
        self.request_token(&grant.into()).await
    }

    /// Refresh (RFC 6749 §6). Polar revokes `refresh_token` and returns a new one: store it.
    /// When a server answers without a refresh token (§6 allows it; the old one then stays
    /// valid), the returned token carries `refresh_token`, so that storing it keeps the grant.
    /// [`TokenSource`](crate::TokenSource) does this when needed, once for all callers.
    ///
    /// ```no_run
    /// # async fn renew(client: &polar_oauth2::Client, credentials: &polar_oauth2::ClientCredentials,
    /// #     token: polar_oauth2::Token) -> Result<polar_oauth2::Token, polar_oauth2::Error> {
    /// let token = match token.refresh_token() {
    ///     Some(refresh_token) if token.expires_within(std::time::Duration::from_secs(60)) => {
    ///         client.refresh(credentials, refresh_token).await? // the old one is now revoked
    ///     }
    ///     _ => token,
    /// };
    /// # Ok(token) }
    /// ```
    pub async fn refresh(
        &self,
        credentials: &ClientCredentials,
        refresh_token: &RefreshToken,
    ) -> Result<Token, Error> {
        let grant = RefreshTokenGrant::new(credentials.clone(), refresh_token.clone());
        let token = self.request_token(&grant.into()).await?;
        Ok(token.or_refresh_token(refresh_token))
    }

    /// `POST /v1/oauth2/revoke` (RFC 7009): the token stops working; revoking a refresh token
    /// also revokes the access tokens issued with it. An unknown or already revoked token is
    /// success (§2.2). Polar accepts only confidential clients here: a public client's
    /// credentials give [`Error::InvalidRequest`] without a request.
    ///
    /// ```no_run
    /// # async fn logout(client: &polar_oauth2::Client, credentials: &polar_oauth2::ClientCredentials,
    /// #     token: &polar_oauth2::Token) -> Result<(), polar_oauth2::Error> {
    /// if let Some(refresh_token) = token.refresh_token() {
    ///     client.revoke(credentials, refresh_token).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn revoke<'t>(
        &self,
        credentials: &ClientCredentials,
        token: impl Into<IssuedToken<'t>>,
    ) -> Result<(), Error> {
        let token = token.into();
        let body = RevokeTokenRequest {
            client_id: credentials.client_id().to_owned(),
            client_secret: confidential(credentials, REVOKE)?.clone(),
            token: token.opaque(),
            token_type_hint: Some(hint(&token)),
        };
        let sent = || client_echoes(credentials, token.secret());
        success(
            self.call(REVOKE, sent, || self.api.oauth2_revoke_token(None, &body))
                .await,
        )
    }

    /// `POST /v1/oauth2/introspect` (RFC 7662): whether a token is active, and its claims.
    /// Polar answers only for tokens issued to the calling client (another client's token is
    /// inactive), and accepts only confidential clients.
    ///
    /// ```no_run
    /// # async fn check(client: &polar_oauth2::Client, credentials: &polar_oauth2::ClientCredentials,
    /// #     access_token: &polar_oauth2::AccessToken) -> Result<(), polar_oauth2::Error> {
    /// match client.introspect(credentials, access_token).await?.active() {
    ///     Some(token) => println!("active until {:?}, scope {}", token.expires_at(), token.scope),
    ///     None => println!("expired or revoked"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn introspect<'t>(
        &self,
        credentials: &ClientCredentials,
        token: impl Into<IssuedToken<'t>>,
    ) -> Result<Introspection, Error> {
        let token = token.into();
        let body = IntrospectTokenRequest {
            client_id: credentials.client_id().to_owned(),
            client_secret: confidential(credentials, INTROSPECT)?.clone(),
            token: token.opaque(),
            token_type_hint: Some(hint(&token)),
        };
        let sent = || client_echoes(credentials, token.secret());
        self.call(INTROSPECT, sent, || {
            self.api.oauth2_introspect_token(None, &body)
        })
        .await
    }

    /// `GET /v1/oauth2/userinfo` (OpenID Connect Core §5.3): who `access_token` is for.
    /// See [`UserInfo`] for which claims Polar sends for users and organizations.
    ///
    /// ```no_run
    /// # async fn me(client: &polar_oauth2::Client, token: &polar_oauth2::Token)
    /// #     -> Result<(), polar_oauth2::Error> {
    /// let me = client.userinfo(token.access_token()).await?;
    /// println!("signed in as {} ({:?})", me.sub, me.email);
    /// # Ok(()) }
    /// ```
    pub async fn userinfo(&self, access_token: &AccessToken) -> Result<UserInfo, Error> {
        let header = credential::bearer(access_token.secret());
        let sent = || Echoes::of([access_token.secret()]);
        self.call(USERINFO, sent, || self.api.oauth2_userinfo(Some(&header)))
            .await
    }
}

/// The client secret of a confidential client; revocation and introspection refuse others
/// (Polar's endpoints accept `client_secret_post` and `client_secret_basic` only).
fn confidential<'c>(
    credentials: &'c ClientCredentials,
    operation: &str,
) -> Result<&'c ClientSecret, Error> {
    credentials.client_secret().ok_or_else(|| {
        Error::InvalidRequest(format!(
            "{operation} needs a confidential client (a client secret): Polar authenticates it with client_secret_post or client_secret_basic only"
        ))
    })
}

fn hint(token: &IssuedToken<'_>) -> TokenTypeHint {
    match token {
        IssuedToken::Refresh(_) => TokenTypeHint::RefreshToken,
        _ => TokenTypeHint::AccessToken,
    }
}

/// The secrets of a revoke or introspect request.
fn client_echoes(credentials: &ClientCredentials, token: &str) -> Echoes {
    Echoes::of_client(credentials, [token])
}
