//! The token a token request answers with (RFC 6749 §5.1), and when it expires.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use crate::scope::ScopeSet;
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// `token_type` of a token response (RFC 6749 §7.1), compared case-insensitively (§5.1).
///
/// ```
/// use polar_oauth2::TokenType;
///
/// assert_eq!(TokenType::from_wire("bearer"), TokenType::Bearer);
/// assert_eq!(TokenType::Bearer.as_str(), "Bearer");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (RFC 6750), in any letter case.
    Bearer,
    /// Any other type, as sent.
    Other(String),
}

impl TokenType {
    /// Parse a wire value (case-insensitive for known types).
    #[must_use]
    pub fn from_wire(value: &str) -> Self {
        if value.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else {
            TokenType::Other(value.to_owned())
        }
    }

    /// The canonical wire value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::Other(v) => v,
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A successful token response (RFC 6749 §5.1), with its expiry computed on arrival.
///
/// ```
/// use std::time::Duration;
/// use polar_oauth2::Token;
///
/// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
/// let token: Token = serde_json::from_str(json)?;
/// assert!(!token.is_expired());
/// assert!(token.expires_within(Duration::from_secs(3601)));
/// // Stored as JSON (a file, a database row), it keeps its expiry as a time.
/// let stored: Token = serde_json::from_str(&serde_json::to_string(&token)?)?;
/// assert_eq!(stored.access_token(), token.access_token());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Token {
    pub(super) access_token: AccessToken,
    pub(super) token_type: TokenType,
    pub(super) expires_in: Option<Duration>,
    /// Read once per response (monotonic); the wall-clock expiry is derived from it on
    /// demand, so a decode reads one clock.
    pub(super) received_at: Instant,
    /// The wall-clock expiry a restored token was stored with (see `Serialize`): reported as
    /// is, so that storing it again writes the same `expires_at`.
    pub(super) stored_expiry: Option<SystemTime>,
    pub(super) refresh_token: Option<RefreshToken>,
    pub(super) id_token: Option<IdToken>,
    pub(super) scope: GrantedScope,
}

/// The granted `scope` as received, parsed into a [`ScopeSet`] on first use: most token
/// responses are stored or used without their scopes being read.
#[derive(Clone)]
pub(super) struct GrantedScope {
    pub(super) wire: String,
    pub(super) parsed: OnceLock<ScopeSet>,
}

impl GrantedScope {
    pub(super) fn new(wire: String) -> Self {
        Self {
            wire,
            parsed: OnceLock::new(),
        }
    }

    fn get(&self) -> &ScopeSet {
        self.parsed.get_or_init(|| ScopeSet::from_wire(&self.wire))
    }
}

impl Token {
    /// The token-response fields this type reads (for the spec coverage check).
    #[cfg(test)]
    pub(crate) const FIELDS: &'static [&'static str] = &[
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "id_token",
    ];

    /// The fields a token response must have (the spec's `TokenResponse.required`; checked
    /// against the spec the build reads by `src/spec_coverage.rs`). A response without one of
    /// them is a decode error naming it, as in every official Polar SDK.
    #[cfg(test)]
    pub(crate) const REQUIRED_FIELDS: &'static [&'static str] =
        &["access_token", "token_type", "expires_in", "scope"];

    /// Longest lifetime kept, in seconds (1,000 years): a larger `expires_in` is clamped to it,
    /// so that the expiry stays a date every clock and the stored form (RFC 3339, four-digit
    /// years) can represent; no token outlives it in practice.
    pub const MAX_EXPIRES_IN: u64 = 1_000 * 31_556_952;

    /// The access token, for the `Authorization: Bearer` header.
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "scope": "openid"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// // Send it as `Authorization: Bearer …` (the client does that for you).
    /// assert_eq!(token.access_token().secret(), "polar_at_u_test");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The token type (always [`TokenType::Bearer`] from Polar).
    #[must_use]
    pub fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// The refresh token, if the server issued one.
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// // Keep the newest one: Polar revokes the old one at each refresh.
    /// assert_eq!(token.refresh_token().map(|t| t.secret()), Some("polar_rt_u_test"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// This token, carrying `refresh_token` when the server issued none: RFC 6749 §6 lets a
    /// refresh answer leave it out, and the one sent then stays valid and must be kept.
    pub(crate) fn or_refresh_token(mut self, refresh_token: &RefreshToken) -> Self {
        if self.refresh_token.is_none() {
            self.refresh_token = Some(refresh_token.clone());
        }
        self
    }

    /// The OpenID Connect ID token, if the `openid` scope was granted.
    #[must_use]
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// The granted scopes.
    ///
    /// ```
    /// use polar_oauth2::{Scope, Token};
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert!(token.scope().contains(&Scope::Email)); // what the user granted
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn scope(&self) -> &ScopeSet {
        self.scope.get()
    }

    /// The lifetime the server gave (`expires_in`), if any.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "scope": "openid"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert_eq!(token.expires_in(), Some(Duration::from_secs(3600)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_in
    }

    /// When the access token expires (monotonic clock), if the server said and it is
    /// representable.
    #[must_use]
    pub fn expires_at(&self) -> Option<Instant> {
        self.received_at.checked_add(self.expires_in?)
    }

    /// When the access token expires, as wall-clock time (for storing it): the current wall
    /// clock plus what is left of the lifetime, measured on the monotonic clock since arrival
    /// (so a wall-clock step after arrival does not shift it). For a token restored from its
    /// stored form, the `expires_at` it was stored with.
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// let at = token.expires_at_system().unwrap(); // for a database column
    /// assert!(at > std::time::SystemTime::now());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expires_at_system(&self) -> Option<SystemTime> {
        if let Some(stored) = self.stored_expiry {
            return Some(stored);
        }
        let expires_at = self.expires_at()?;
        let (now, wall) = (Instant::now(), SystemTime::now());
        match expires_at.checked_duration_since(now) {
            Some(left) => wall.checked_add(left),
            None => wall.checked_sub(now.duration_since(expires_at)),
        }
    }

    /// Whether the access token has expired (`false` when the server gave no lifetime).
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert!(!token.is_expired());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_expired(&self) -> bool {
        self.expires_within(Duration::ZERO)
    }

    /// Whether the access token expires within `margin` from now (refresh a little early).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "scope": "openid"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert!(!token.expires_within(Duration::from_secs(60)));
    /// assert!(token.expires_within(Duration::from_secs(7200)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expires_within(&self, margin: Duration) -> bool {
        match self.expires_in {
            None => false,
            Some(lifetime) => self.received_at.elapsed().saturating_add(margin) >= lifetime,
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token)
            .field("scope", self.scope())
            .finish()
    }
}
