//! A token as JSON: decoded from Polar's token response or from its stored form, and written in
//! the stored form, whose expiry is a time rather than a lifetime.

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

use crate::scope::WireStr;
use crate::secret::{AccessToken, IdToken, RefreshToken};

use super::response::{GrantedScope, Token, TokenType};

/// The stored form of a token, for a database row or an encrypted cookie: every field as a
/// plain value (the access, refresh and ID tokens included) and the *absolute* expiry, so that a
/// token restored later knows when it expires.
///
/// ```json
/// {"access_token": "polar_at_u_…", "token_type": "Bearer",
///  "expires_at": "2026-12-01T21:00:00.123456789Z", "lifetime": 3600,
///  "refresh_token": "polar_rt_u_…", "scope": "openid email"}
/// ```
///
/// `expires_at` is RFC 3339 in UTC; `lifetime` is the server's `expires_in` in seconds. Both are
/// absent when the server gave no lifetime. [`Deserialize`] reads this form as well as the token
/// response (RFC 6749 §5.1): a document with `expires_in` is a response (its expiry counted from
/// now), one with `expires_at` and no `expires_in` is a stored token.
///
/// **Where it goes:** storage the app controls (a database row, an encrypted cookie, a secrets
/// store); never a log or a URL. `Debug` stays redacted.
///
/// ```
/// use polar_oauth2::Token;
///
/// let response = r#"{"access_token":"polar_at_u_test","token_type":"Bearer","expires_in":3600,
///     "refresh_token":"polar_rt_u_test","scope":"openid email"}"#;
/// let token: Token = serde_json::from_str(response)?;
/// let row = serde_json::to_string(&token)?; // store it
/// let restored: Token = serde_json::from_str(&row)?; // later, maybe in another process
/// assert_eq!(restored.refresh_token(), token.refresh_token());
/// let (a, b) = (restored.expires_at_system().unwrap(), token.expires_at_system().unwrap());
/// assert!(a.max(b).duration_since(a.min(b))?.as_millis() < 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Token", 7)?;
        out.serialize_field("access_token", self.access_token.secret())?;
        out.serialize_field("token_type", self.token_type.as_str())?;
        if let (Some(lifetime), Some(at)) = (self.expires_in, self.expires_at_system()) {
            out.serialize_field("expires_at", &rfc3339(at))?;
            out.serialize_field("lifetime", &lifetime.as_secs())?;
        }
        if let Some(refresh_token) = &self.refresh_token {
            out.serialize_field("refresh_token", refresh_token.secret())?;
        }
        if let Some(id_token) = &self.id_token {
            out.serialize_field("id_token", id_token.secret())?;
        }
        out.serialize_field("scope", &self.scope().to_string())?;
        out.end()
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Field names and presence follow the spec's `TokenResponse` (`Token::REQUIRED_FIELDS`
        // are required); `refresh_token` and `id_token` may be absent or null, unknown fields
        // are ignored. A document with `expires_at` (and `lifetime`) and no `expires_in` is the
        // stored form (see `Serialize`).
        #[derive(Deserialize)]
        struct Wire<'a> {
            access_token: String,
            #[serde(borrow)]
            token_type: std::borrow::Cow<'a, str>,
            #[serde(default)]
            expires_in: Field<ExpiresIn>,
            #[serde(default)]
            refresh_token: Option<String>,
            #[serde(default)]
            id_token: Option<String>,
            #[serde(default, borrow)]
            scope: Option<WireStr<'a>>,
            // Any type: a provider's own `expires_at` (a number, say) must not fail a response.
            #[serde(default)]
            expires_at: Option<AnyText>,
            #[serde(default)]
            lifetime: Option<AnyNumber>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let Some(WireStr(scope)) = wire.scope else {
            return Err(serde::de::Error::missing_field("scope"));
        };
        let mut stored_expiry = None;
        let (expires_in, received_at) = match (wire.expires_in, wire.expires_at) {
            (Field::Present(ExpiresIn(seconds)), _) => {
                (Some(Duration::from_secs(seconds)), Instant::now())
            }
            (Field::Absent, Some(AnyText(Some(at)))) => {
                let at = chrono::DateTime::parse_from_rfc3339(&at).map_err(|e| {
                    serde::de::Error::custom(format!("expires_at is not RFC 3339: {e}"))
                })?;
                let lifetime = wire
                    .lifetime
                    .and_then(|AnyNumber(n)| n)
                    .map(|n| n.min(Token::MAX_EXPIRES_IN));
                stored_expiry = Some(SystemTime::from(at));
                restore_expiry(SystemTime::from(at), lifetime)
            }
            // Required by the spec (RFC 6749 §5.1 only recommends it).
            (Field::Absent, _) => return Err(serde::de::Error::missing_field("expires_in")),
        };
        Ok(Token {
            access_token: AccessToken::new(wire.access_token),
            token_type: TokenType::from_wire(&wire.token_type),
            expires_in,
            received_at,
            stored_expiry,
            refresh_token: wire.refresh_token.map(RefreshToken::new),
            id_token: wire.id_token.map(IdToken::new),
            scope: GrantedScope::new(scope.into_owned()),
        })
    }
}

/// `expires_in` in seconds (RFC 6749 §5.1: a number of seconds). Every JSON number that
/// denotes a non-negative integer is accepted, however it is written (`3600`, `3600.0`,
/// `-0`, `1e10`), clamped to [`Token::MAX_EXPIRES_IN`]; a fraction, a negative number or a
/// non-number is an error saying so. Rejecting `3600.0` would throw away valid tokens whose
/// code (or rotated refresh token) is already spent.
struct ExpiresIn(u64);

impl<'de> Deserialize<'de> for ExpiresIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;
        impl serde::de::Visitor<'_> for SecondsVisitor {
            type Value = ExpiresIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative whole number of seconds")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ExpiresIn, E> {
                Ok(ExpiresIn(v.min(Token::MAX_EXPIRES_IN)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ExpiresIn, E> {
                u64::try_from(v)
                    .map(|v| self.visit_u64(v))
                    .unwrap_or_else(|_| {
                        Err(E::custom(format!(
                            "expires_in is {v}: a lifetime cannot be negative"
                        )))
                    })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ExpiresIn, E> {
                if !v.is_finite() || v.fract() != 0.0 {
                    return Err(E::custom(format!(
                        "expires_in is {v}: not a whole number of seconds"
                    )));
                }
                if v < 0.0 {
                    return Err(E::custom(format!(
                        "expires_in is {v}: a lifetime cannot be negative"
                    )));
                }
                // Whole and non-negative (`-0.0` included); `as` saturates at `u64::MAX`.
                Ok(ExpiresIn((v as u64).min(Token::MAX_EXPIRES_IN)))
            }
        }
        deserializer.deserialize_any(SecondsVisitor)
    }
}

/// A field that is absent (the default) or present; unlike `Option`, a `null` is handed to `T`,
/// which may refuse it with its own message.
#[derive(Default)]
enum Field<T> {
    #[default]
    Absent,
    Present(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Field::Present)
    }
}

/// A string, or `None` for any other value.
struct AnyText(Option<String>);

impl<'de> Deserialize<'de> for AnyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Text(String),
            Other(serde::de::IgnoredAny),
        }
        Ok(AnyText(match Any::deserialize(deserializer)? {
            Any::Text(t) => Some(t),
            Any::Other(_) => None,
        }))
    }
}

/// An unsigned integer, or `None` for any other value.
struct AnyNumber(Option<u64>);

impl<'de> Deserialize<'de> for AnyNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Number(u64),
            Other(serde::de::IgnoredAny),
        }
        Ok(AnyNumber(match Any::deserialize(deserializer)? {
            Any::Number(n) => Some(n),
            Any::Other(_) => None,
        }))
    }
}

/// `at` in RFC 3339 (UTC), saturated to what a four-digit year can write: chrono's
/// `From<SystemTime>` panics past its own range and `DateTime::parse_from_rfc3339` refuses
/// five-digit years, so an expiry outside them would make a token unstorable. Before 1970 is
/// written as 1970: expired either way.
fn rfc3339(at: SystemTime) -> String {
    use chrono::{DateTime, SecondsFormat, Utc};
    // 9999-12-31T23:59:59.999999999Z
    const LAST: i64 = 253_402_300_799;
    let last = DateTime::<Utc>::from_timestamp(LAST, 999_999_999).unwrap_or(DateTime::UNIX_EPOCH);
    let at = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs())
            .ok()
            .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, after.subsec_nanos()))
            .map_or(last, |at| at.min(last)),
        Err(_) => DateTime::UNIX_EPOCH,
    };
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The lifetime and monotonic arrival time of a stored token that expires at `expires_at`
/// (wall clock) after `lifetime` seconds: arrival is placed `lifetime` before the expiry, on the
/// monotonic clock. When that instant cannot be represented (before the machine booted), the
/// arrival is now and the lifetime what is left, so the expiry is still `expires_at` (or now,
/// for a token that expired before then).
fn restore_expiry(expires_at: SystemTime, lifetime: Option<u64>) -> (Option<Duration>, Instant) {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let left = || expires_at.duration_since(wall).unwrap_or(Duration::ZERO);
    let Some(lifetime) = lifetime.map(Duration::from_secs) else {
        return (Some(left()), now);
    };
    let arrived = expires_at.checked_sub(lifetime);
    let received_at = arrived.and_then(|arrived| match wall.duration_since(arrived) {
        Ok(age) => now.checked_sub(age),
        Err(ahead) => now.checked_add(ahead.duration()),
    });
    match received_at {
        Some(received_at) => (Some(lifetime), received_at),
        None => (Some(left()), now),
    }
}
