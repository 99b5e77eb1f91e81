//! ID tokens, verified with the crate's verifier against the server's own discovery document
//! and JWKS.

use polar_oauth2::{IdToken, IdTokenVerifier, Token};

use crate::target::Target;
use crate::{Failure, Outcome, ensure, ensure_eq, fail};

const ISSUER: &str = "https://polar.sh";

/// The ID token a connection got (asked for with `openid`).
fn id_token_of(token: &Token) -> Result<&IdToken, Failure> {
    token
        .id_token()
        .ok_or_else(|| Failure("no ID token with openid".into()))
}

/// The crate's verifier for `client_id` on this server, Polar's issuer pinned.
fn verifier_for(target: &Target, client_id: &str) -> Result<IdTokenVerifier, Failure> {
    Ok(target.client()?.id_token_verifier(client_id).issuer(ISSUER))
}

/// The ID token of a code exchange verifies: issuer `https://polar.sh`, audience the client,
/// the request's nonce, `sub` the user, `email` with the `email` scope.
pub async fn verified_with_discovery_and_jwks(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, pending) = target.connect(&credentials, "openid email").await?;
    let id_token = id_token_of(&token)?;
    let verifier = verifier_for(target, credentials.client_id())?;
    let claims = verifier.verify(id_token, pending.nonce()).await?;
    ensure_eq!(claims.iss, ISSUER, "iss");
    ensure_eq!(claims.sub, target.user.id, "sub");
    ensure_eq!(claims.aud, vec![credentials.client_id().to_owned()], "aud");
    ensure_eq!(claims.nonce.as_deref(), pending.nonce(), "nonce");
    ensure_eq!(
        claims.email.as_deref(),
        Some(target.user.email.as_str()),
        "email"
    );
    ensure!(claims.exp > claims.iat, "exp is not after iat");
    Ok(())
}

/// A token checked against another nonce is refused.
pub async fn wrong_nonce_is_refused(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect(&credentials, "openid").await?;
    let id_token = id_token_of(&token)?;
    let verifier = verifier_for(target, credentials.client_id())?;
    if verifier
        .verify(id_token, Some("another-nonce"))
        .await
        .is_ok()
    {
        fail!("an ID token verified against another nonce");
    }
    Ok(())
}

/// A token issued to one client is refused by a verifier for another.
pub async fn other_audience_is_refused(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, pending) = target.connect(&credentials, "openid").await?;
    let id_token = id_token_of(&token)?;
    let verifier = verifier_for(target, &target.clients.web.client_id)?;
    if verifier.verify(id_token, pending.nonce()).await.is_ok() {
        fail!("an ID token verified for another client");
    }
    Ok(())
}

/// Polar's ID token header is `{"typ": "JWT", "alg": "RS256"}`: no `kid`, so a verifier takes
/// the JWKS's only key.
pub async fn header_is_rs256_without_kid(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect(&credentials, "openid").await?;
    let id_token = id_token_of(&token)?;
    let header = jsonwebtoken::decode_header(id_token.secret())?;
    ensure_eq!(header.alg, jsonwebtoken::Algorithm::RS256, "alg");
    ensure_eq!(header.typ.as_deref(), Some("JWT"), "typ");
    ensure_eq!(header.kid, None, "kid");
    Ok(())
}
