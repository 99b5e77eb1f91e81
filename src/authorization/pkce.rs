//! PKCE (RFC 7636): the random values a request draws (verifier, `state`, nonce) and the
//! challenge sent in place of the verifier.

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

use crate::authorize::PkceMethod;
use crate::error::Error;
use crate::secret::PkceCodeVerifier;

/// Random bytes in a generated `state`, PKCE verifier or nonce: 32 bytes, 43 characters
/// base64url (RFC 7636 §4.1 asks for at least 256 bits of entropy in the verifier).
const RANDOM_BYTES: usize = 32;

/// `code_challenge` for a verifier (RFC 7636 §4.2).
pub(super) fn pkce_challenge(verifier: &PkceCodeVerifier, method: PkceMethod) -> String {
    match method {
        PkceMethod::Plain => verifier.secret().to_owned(),
        // `PkceMethod` is non-exhaustive for users, not here: every other method is S256.
        _ => base64url(digest::digest(&digest::SHA256, verifier.secret().as_bytes()).as_ref()),
    }
}

/// 32 random bytes from the system generator, base64url-encoded (43 characters, all in
/// RFC 7636's unreserved set).
pub(super) fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; RANDOM_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::InvalidRequest("the system's secure random generator failed".into()))?;
    Ok(base64url(&bytes))
}

/// Base64url without padding (RFC 4648 §5), as PKCE (RFC 7636 Appendix A) and JWTs use it.
pub(super) fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
