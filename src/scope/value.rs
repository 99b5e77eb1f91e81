//! One scope: an open enum of the values the spec lists (generated from its `Scope` schema),
//! any other value kept as sent, and its wire form.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

macro_rules! define_scopes {
    ($($variant:ident => $value:literal, $display:expr, $index:literal;)*) => {
        /// One OAuth2 scope. Known values are variants; anything else is kept in
        /// [`Scope::Unknown`] so that a scope Polar adds tomorrow still decodes.
        ///
        /// ```
        /// use polar_oauth2::{Scope, ScopeSet};
        ///
        /// let scope: Scope = "user:read".parse()?;
        /// assert!(scope.is_known());
        /// // A scope Polar adds after this release is kept, not refused.
        /// let newer = Scope::from_wire("widgets:read")?;
        /// assert!(!newer.is_known());
        /// let scopes = ScopeSet::new().with(Scope::Openid).with(newer);
        /// assert!(scopes.contains(&Scope::Openid));
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Scope {
            $(
                #[doc = concat!("`", $value, "`")]
                $variant,
            )*
            /// A scope this version of the crate does not know (the value as sent).
            Unknown(String),
        }

        impl Scope {
            /// Every scope the vendored spec lists, in its order.
            pub const KNOWN: &'static [Scope] = &[$(Scope::$variant),*];

            /// The wire value (`"user:read"`).
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $(Scope::$variant => $value,)*
                    Scope::Unknown(value) => value,
                }
            }

            /// The label Polar's consent page shows (the spec's `enumNames`), if known.
            #[must_use]
            pub fn display_name(&self) -> Option<&'static str> {
                match self {
                    $(Scope::$variant => $display,)*
                    Scope::Unknown(_) => None,
                }
            }

            /// The known scope with this wire value, without allocating.
            #[must_use]
            pub fn known(value: &str) -> Option<Scope> {
                known_index(value).and_then(known_at)
            }
        }

        /// Position of a known wire value in [`Scope::KNOWN`].
        pub(super) fn known_index(value: &str) -> Option<usize> {
            // A `match` on string literals compiles to a length switch plus comparisons.
            match value {
                $($value => Some($index),)*
                _ => None,
            }
        }

        /// The known scope at `index` in [`Scope::KNOWN`]. A `match` on the position compiles
        /// to arithmetic; `Scope::KNOWN[index].clone()` would dispatch on the variant.
        pub(super) fn known_at(index: usize) -> Option<Scope> {
            match index {
                $($index => Some(Scope::$variant),)*
                _ => None,
            }
        }

        /// Wire values of the known scopes, by [`Scope::KNOWN`] position.
        pub(super) const KNOWN_VALUES: &[&str] = &[$($value),*];

        /// Display names of the known scopes, by [`Scope::KNOWN`] position.
        pub(super) const KNOWN_DISPLAY_NAMES: &[Option<&str>] = &[$($display),*];
    };
}

include!(concat!(env!("OUT_DIR"), "/scopes.rs"));

/// Words of a bit set with one bit per known scope.
pub(super) const WORDS: usize = KNOWN_DISPLAY_NAMES.len().div_ceil(64);

impl Scope {
    /// Build a scope from one wire value; unknown values are kept as [`Scope::Unknown`].
    ///
    /// Lenient like the responses it reads (any character but the separators is kept), with
    /// one exception: a value that is empty or holds ASCII whitespace is not *one* scope, since
    /// whitespace separates scopes on the wire (RFC 6749 §3.3). `"openid web:write"` would
    /// otherwise be a single `Scope` that is two scopes once sent; it is an error instead. Use
    /// [`ScopeSet::from_wire`](crate::ScopeSet::from_wire) to split such a list.
    ///
    /// ```
    /// use polar_oauth2::Scope;
    ///
    /// assert_eq!(Scope::from_wire("openid")?, Scope::Openid);
    /// assert!(Scope::from_wire("two scopes").is_err()); // a space separates scopes
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_wire(value: &str) -> Result<Scope, InvalidScope> {
        if let Some(known) = Scope::known(value) {
            return Ok(known);
        }
        if value.is_empty() || value.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(InvalidScope {
                value: value.to_owned(),
            });
        }
        Ok(Scope::Unknown(value.to_owned()))
    }

    /// `true` for every variant but [`Scope::Unknown`].
    #[must_use]
    pub fn is_known(&self) -> bool {
        !matches!(self, Scope::Unknown(_))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Unknown(v) => write!(f, "Unknown({v:?})"),
            known => write!(f, "Scope({:?})", known.as_str()),
        }
    }
}

/// A string that is not a valid scope token (RFC 6749 §3.3: one or more printable ASCII
/// characters other than space, `"` and `\`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidScope {
    value: String,
}

impl fmt::Display for InvalidScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a scope token (RFC 6749 §3.3: printable ASCII without space, '\"' or '\\')",
            self.value
        )
    }
}

impl std::error::Error for InvalidScope {}

fn is_scope_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

impl FromStr for Scope {
    type Err = InvalidScope;

    /// Parse one scope token; unknown but well-formed values become [`Scope::Unknown`].
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if is_scope_token(value) {
            Scope::from_wire(value)
        } else {
            Err(InvalidScope {
                value: value.to_owned(),
            })
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScopeVisitor;
        impl Visitor<'_> for ScopeVisitor {
            type Value = Scope;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scope string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scope, E> {
                // Lenient on purpose: any value that is one scope is kept.
                Scope::from_wire(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(ScopeVisitor)
    }
}
