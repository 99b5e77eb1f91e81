//! Randomness and secret comparison for the tokens this server issues and checks.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;
use ring::rand::{SecureRandom as _, SystemRandom};
use subtle::ConstantTimeEq as _;

/// 32 random bytes from the system generator, base64url-encoded (43 characters).
pub(crate) fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system's secure random generator failed".to_owned())?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Equality whose running time depends on neither the contents nor the lengths: both sides are
/// hashed to 32 bytes (hiding the lengths), and the digests compared by `subtle`.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let a = digest::digest(&digest::SHA256, a);
    let b = digest::digest(&digest::SHA256, b);
    a.as_ref().ct_eq(b.as_ref()).into()
}
