//! An embedded Polar-compatible OAuth2 server, for testing apps built on [`polar_oauth2`]
//! offline (add it as a dev-dependency).
//!
//! Real HTTP on `127.0.0.1:<free port>`, all state in memory, one line to start:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use polar_oauth2_test_server::TestServer;
//!
//! let server = TestServer::start().await?;
//! let client = server.client()?; // a `Client` pointed at it
//! let pending = server.authorization_request().build()?; // the confidential test client
//! let redirected_to = server.approve(pending.url())?; // the user clicked "Allow"
//! let code = pending.callback(&redirected_to)?;
//! let token = client
//!     .exchange_code(&server.confidential_client(), code, pending.redirect_uri(),
//!         Some(pending.pkce_verifier().clone()))
//!     .await?;
//! # let _ = token; Ok(()) }
//! ```
//!
//! It follows Polar's server (authlib 1.7 underneath, `server/polar/oauth2/`) rather than the
//! spec where they differ. All nine operations of the spec, plus discovery:
//!
//! - `POST /v1/oauth2/token`: grants `authorization_code`, `refresh_token` and `web`; client
//!   authentication `client_secret_post` (the default), `client_secret_basic`, or `none` for
//!   public clients; single-use codes valid for 300 s ([`TestServer::advance`] moves the
//!   clock); PKCE `S256`/`plain`, mandatory for public clients; refresh tokens rotate (the old
//!   refresh token and its access token are revoked); Polar's token prefixes (`polar_ac_`,
//!   `polar_at_u_`, `polar_rt_u_`, …) and lifetimes (864000 s from a code, 3600 s otherwise);
//!   an ID token (RS256, see below) when `openid` is granted.
//!   Errors are RFC 6749 §5.2 bodies with Polar's statuses: 400, or 401 `invalid_client` with
//!   `WWW-Authenticate` when the client failed to authenticate, and `Cache-Control: no-store`.
//! - `POST /v1/oauth2/revoke` (RFC 7009): the client authenticates with `client_secret_post` or
//!   `client_secret_basic` (Polar lets no public client revoke); an unknown or already revoked
//!   token is `200 {}`; another client's token is 400 `invalid_grant`. Revoking either token of
//!   a pair revokes both.
//! - `POST /v1/oauth2/introspect` (RFC 7662): same client authentication; an active token gets
//!   every field of `IntrospectTokenResponse` (`token_type` is `"Bearer"`, what Polar stores,
//!   although the spec's enum says `access_token`/`refresh_token`); an unknown, expired or
//!   revoked token, or another client's, gets `{"active": false}`.
//! - `GET|POST /v1/oauth2/userinfo` (OpenID Connect Core §5.3), with the access token as bearer:
//!   `sub` (the user), `email` and `email_verified` with the `email` scope (never `name`), as
//!   Polar's `userinfo.py`. A revoked, expired or unknown token is 401 `invalid_token` with
//!   `WWW-Authenticate: Bearer realm="polar", …`.
//! - `POST /v1/oauth2/register`, `GET|PUT|DELETE /v1/oauth2/register/{client_id}` (RFC 7591,
//!   RFC 7592): create answers `201` with the metadata, `client_id`, `client_secret` (not for
//!   `none`), `client_id_issued_at`, `client_secret_expires_at: 0`, `registration_client_uri`
//!   and `registration_access_token`; the client works for the whole flow at once. As Polar's
//!   server does (and unlike the spec's `security: oidc | pat`), creating needs no credential
//!   or the user's web session cookie (`polar_session`); get, update and delete take the
//!   `registration_access_token` as bearer (or the cookie of the user who created the client);
//!   API tokens — a personal access token ([`TestServer::personal_access_token`]) or an OAuth2
//!   access token — are refused with `403 {"error": "NotPermitted", …}`, and the web session
//!   sent as a bearer is 401 `invalid_token` (Polar reads it only from its cookie). Delete
//!   answers `204`.
//! - `GET /v1/oauth2/authorize`: the consent data (`AuthorizeResponseUser`, with the full
//!   `scope_display_names`) for the user signed in by the `polar_session` cookie
//!   ([`TestServer::web_session_token`]), with the same refusals as registration; nobody
//!   signed in is 401 `{"detail": "Unauthorized"}` when `openid` is asked for. Once the user
//!   agreed to a client's scopes, the call answers with a `302` carrying a new code instead
//!   (unless `prompt=consent`), as Polar does.
//! - `POST /v1/oauth2/consent?<the authorization request>`: Polar's consent page posts the
//!   user's choice here (cookie, form `action=allow|deny`, `organizations=<id>`): `302` to the
//!   client's `redirect_uri` with `code` and `state`, or with `error`.
//! - `sub_type=organization` (asked for, or a client's default) yields what Polar issues since
//!   mid-2026: a *user* token down-scoped to one organization (`polar_at_u_`, `sub` = the user,
//!   introspection `organizations: [id]`); the consent data says `sub_type: "user"` and
//!   `requires_single_organization: true`, and the consent needs `organizations=<id>`
//!   (`invalid_request` without it). A returning user asking for it without `prompt` gets 400
//!   `invalid_request`, not a redirect, as on Polar.
//! - `GET /oauth2/authorize`: stands in for Polar's authorization page: it approves at once
//!   and redirects (`302`) to the client's `redirect_uri` with `code` and `state`.
//!   [`TestServer::approve`] and [`TestServer::deny`] do the same without HTTP.
//! - `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`: Polar's
//!   metadata (the same members and values, `scopes_supported` without the organization
//!   access token scopes, as a registered client's default `scope`) with this server's URLs —
//!   its `authorization_endpoint` is this server's stand-in page on another origin
//!   (`localhost` instead of `127.0.0.1`), as Polar's names its web app's page — and the public key of the ID tokens as Polar publishes it (`n`, `e`, `kty`,
//!   a named `kid`; no `use`, no `alg`). ID tokens are RS256 JWTs signed with a fixed RSA key
//!   embedded in this crate (test-only: anyone can read it), with Polar's header
//!   `{"typ": "JWT", "alg": "RS256"}`: no `kid`, so a verifier must take the JWKS's only key
//!   ([`TestServer::signing_key_id`] is its `kid`); `iss` is [`TestServer::issuer`]
//!   (`https://polar.sh`, Polar's real issuer, also on its sandbox), the same value as the
//!   discovery document's `issuer`. [`TestServer::sign_id_token`] signs any claims, for tests
//!   of rejection paths.
//!
//! Around every route, as on Polar: `Polar-Version` `2026-04` (the default) or `2026-10`, named
//! in a `polar-version` response header, any other value a bare 404 `{"detail": "Not Found"}`;
//! every answer without its own `Cache-Control` gets `private, no-store`. A new token or an
//! HTTP registration stays unknown for [`TestServerBuilder::commit_delay`] (default 30 ms),
//! since Polar commits those writes after answering.
//!
//! Robustness, since the server runs inside test suites: a failing `accept()` (out of file
//! descriptors) backs off from 5 ms to 1 s instead of spinning; a connection that does not send
//! its request headers within [`TestServerBuilder::header_read_timeout`] (default 10 s) is
//! closed, a body not received within [`TestServerBuilder::body_read_timeout`] gets a 408;
//! bodies are capped at 64 KiB (413); expired codes and dead tokens are dropped, so memory stays
//! bounded by what is still valid.
//!
//! Test data: one signed-in user ([`USER_ID`], [`USER_EMAIL`]) who manages the
//! [`ORGANIZATIONS`]; a confidential client ([`CONFIDENTIAL_CLIENT_ID`],
//! [`CONFIDENTIAL_CLIENT_SECRET`]) and a public one ([`PUBLIC_CLIENT_ID`]), both redirecting
//! to [`REDIRECT_URI`]. [`TestServer::register_client`] and the registration endpoint add more.

#![forbid(unsafe_code)]

mod builder;
mod client_configuration;
mod clients;
mod constants;
mod failure;
mod keys;
mod listener;
mod params;
mod routes;
mod seed;
mod server;
mod shared;
mod state;
#[cfg(test)]
mod tests;
mod util;

pub use builder::{DEFAULT_COMMIT_DELAY, TestServerBuilder};
pub use clients::{TestClient, TestClientAuth};
pub use constants::{CODE_ACCESS_TOKEN_LIFETIME, CODE_LIFETIME, DEFAULT_ACCESS_TOKEN_LIFETIME};
pub use seed::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, ORGANIZATIONS, PUBLIC_CLIENT_ID,
    REDIRECT_URI, TestOrganization, USER_EMAIL, USER_ID,
};
pub use server::TestServer;
