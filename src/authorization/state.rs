//! The `state` parameter: a random CSRF token, compared in constant time.

use std::fmt;

use ring::digest;

use crate::error::Error;

use super::pkce::random_token;

/// The `state` parameter: a one-time CSRF token tying the callback to the browser session that
/// started the flow (RFC 6749 §10.12). `Debug` is redacted, and `==` is [`Self::matches`]:
/// constant time.
///
/// A token is at least [`Self::MIN_LEN`] characters: an empty or short value (a lost
/// session read back as `""`, a counter, a user id) is refused when it is made, so that a
/// forged `?code=…&state=` can never match it.
///
/// ```
/// use polar_oauth2::CsrfToken;
///
/// let state = CsrfToken::new_random()?;
/// assert!(state.matches(state.secret()));
/// assert!(!state.matches("forged"));
/// // Too short to be unguessable: refused.
/// assert!(CsrfToken::new("42").is_err());
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// Shortest `state` accepted, in bytes. Length cannot prove randomness, but it rules out
    /// the empty and trivially guessable values; 16 is what 64 random bits take in hex, less
    /// than any common encoding of a random value needs (22 base64url characters for 128
    /// bits, 32 hex, 36 for a UUID) so that app-made states keep working. Generated states
    /// ([`Self::new_random`]) are 43 characters, 256 bits.
    pub const MIN_LEN: usize = 16;

    /// Wrap a value, e.g. one read back from the user's session. Fails when it is shorter
    /// than [`Self::MIN_LEN`] bytes (an empty value included).
    ///
    /// ```
    /// use polar_oauth2::CsrfToken;
    ///
    /// // A state the app made itself (unguessable, at least `MIN_LEN` characters).
    /// let state = CsrfToken::new("kL3x9QzV7mN2pR8tY4wB6cD1fG5hJ0aE")?;
    /// assert!(CsrfToken::new("").is_err()); // a lost session read back as ""
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        if value.len() < Self::MIN_LEN {
            return Err(Error::InvalidRequest(format!(
                "state is {} bytes long; at least {} are required (an empty or short state could be forged)",
                value.len(),
                Self::MIN_LEN
            )));
        }
        Ok(Self(value))
    }

    /// A fresh random value (256 bits, base64url) from the system's secure random generator.
    ///
    /// ```
    /// use polar_oauth2::CsrfToken;
    ///
    /// let state = CsrfToken::new_random()?; // 43 characters, 256 random bits
    /// assert_eq!(state.secret().len(), 43);
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new_random() -> Result<Self, Error> {
        random_token().map(Self)
    }

    /// The value itself, to store in the user's session.
    ///
    /// **Security:** anyone who learns it before the callback can forge one for this session.
    #[must_use]
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Whether `received` equals this token, compared in constant time (the time taken does
    /// not depend on where the values differ, nor on their lengths).
    ///
    /// ```
    /// use polar_oauth2::CsrfToken;
    ///
    /// let state = CsrfToken::new_random()?;
    /// assert!(state.matches(state.secret())); // constant time
    /// assert!(!state.matches(""));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    #[must_use]
    pub fn matches(&self, received: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), received.as_bytes())
    }
}

impl PartialEq for CsrfToken {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for CsrfToken {}

impl fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfToken([redacted])")
    }
}

/// Equality whose running time depends on neither the contents nor the lengths: both sides are
/// hashed to 32 bytes (so the lengths are hidden), and the digests compared by `subtle`.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    let a = digest::digest(&digest::SHA256, a);
    let b = digest::digest(&digest::SHA256, b);
    a.as_ref().ct_eq(b.as_ref()).into()
}
