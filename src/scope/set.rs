//! A set of scopes, written space-separated on the wire (RFC 6749 §3.3), read from a response
//! in time linear in its length.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::value::{InvalidScope, Scope, WORDS, known_at, known_index};

/// A set of scopes, written on the wire space-separated (RFC 6749 §3.3): `"openid email"`.
///
/// Keeps the order values were added in and ignores duplicates.
///
/// ```
/// use polar_oauth2::{Scope, ScopeSet};
///
/// let granted = ScopeSet::from_wire("openid email teleport:write");
/// assert!(granted.contains(&Scope::Email));
/// assert!(!granted.contains(&Scope::Profile));
/// assert_eq!(granted.to_string(), "openid email teleport:write"); // unknown scopes kept
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet {
    scopes: Vec<Scope>,
}

impl ScopeSet {
    /// An empty set.
    ///
    /// ```
    /// use polar_oauth2::{Scope, ScopeSet};
    ///
    /// let mut scopes = ScopeSet::new();
    /// assert!(scopes.insert(Scope::Openid));
    /// assert!(!scopes.insert(Scope::Openid)); // already there
    /// assert_eq!(scopes.len(), 1);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a scope; returns `false` if it was already there.
    pub fn insert(&mut self, scope: Scope) -> bool {
        if self.scopes.contains(&scope) {
            return false;
        }
        self.scopes.push(scope);
        true
    }

    /// Builder form of [`Self::insert`].
    ///
    /// ```
    /// use polar_oauth2::{Scope, ScopeSet};
    ///
    /// let scopes = ScopeSet::new().with(Scope::Openid).with(Scope::Email);
    /// assert_eq!(scopes.to_string(), "openid email");
    /// ```
    #[must_use]
    pub fn with(mut self, scope: Scope) -> Self {
        self.insert(scope);
        self
    }

    /// Whether the set holds `scope`.
    #[must_use]
    pub fn contains(&self, scope: &Scope) -> bool {
        self.scopes.contains(scope)
    }

    /// Whether every scope of `other` is in this set.
    ///
    /// ```
    /// use polar_oauth2::ScopeSet;
    ///
    /// let granted = ScopeSet::from_wire("openid email user:read");
    /// assert!(granted.is_superset(&ScopeSet::from_wire("openid email")));
    /// ```
    #[must_use]
    pub fn is_superset(&self, other: &ScopeSet) -> bool {
        other.iter().all(|s| self.contains(s))
    }

    /// The scopes, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Scope> {
        self.scopes.iter()
    }

    /// Number of scopes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.scopes.len()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// Parse the space-separated wire form leniently (any run of ASCII whitespace separates;
    /// unknown values are kept). Used for responses, which are never rejected for their scopes.
    ///
    /// ```
    /// use polar_oauth2::{Scope, ScopeSet};
    ///
    /// let granted = ScopeSet::from_wire("openid email");
    /// assert!(granted.contains(&Scope::Openid));
    /// assert_eq!(granted.len(), 2);
    /// ```
    #[must_use]
    pub fn from_wire(value: &str) -> Self {
        let mut set = WireScopes {
            scopes: Vec::with_capacity(value.len() / 12 + 1),
            seen: [0; WORDS],
            unknown: Vec::new(),
            unknown_set: None,
        };
        // Split on spaces, the separator Polar writes; a token that is not a known scope is
        // split again on the other ASCII whitespace before it is kept.
        for_each_space_separated(value, |token| match known_index(token) {
            Some(i) => set.push_known(i),
            None if token.bytes().any(|b| b.is_ascii_whitespace()) => {
                for part in token.split_ascii_whitespace() {
                    set.push(part);
                }
            }
            None => set.push_unknown(token),
        });
        ScopeSet { scopes: set.scopes }
    }
}

/// Call `f` with each non-empty run of non-space bytes of `value`, finding the spaces eight
/// bytes at a time: on strings this short, `str::split` costs more per token than the scope
/// lookup itself. Every position handed out is next to a space byte or an end, hence a
/// character boundary.
pub(super) fn for_each_space_separated<'a>(value: &'a str, mut f: impl FnMut(&'a str)) {
    let mut start = 0;
    let mut base = 0;
    let mut token = |start: usize, end: usize| {
        if end > start
            && let Some(token) = value.get(start..end)
        {
            f(token);
        }
    };
    let mut words = value.as_bytes().chunks_exact(8);
    for word in &mut words {
        let mut spaces = space_mask(u64::from_le_bytes(
            <[u8; 8]>::try_from(word).unwrap_or_default(),
        ));
        while spaces != 0 {
            let end = base + (spaces.trailing_zeros() / 8) as usize;
            token(start, end);
            start = end + 1;
            spaces &= spaces - 1;
        }
        base += 8;
    }
    for (i, &byte) in words.remainder().iter().enumerate() {
        if byte == b' ' {
            token(start, base + i);
            start = base + i + 1;
        }
    }
    token(start, value.len());
}

/// The high bit of each byte of `word` that is a space, and no other bit (exact: no carry
/// crosses a byte).
pub(super) fn space_mask(word: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = word ^ 0x2020_2020_2020_2020; // a space becomes a zero byte
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Unknown values compared one by one up to this many; past it, a hash set. A response of
/// many distinct unknown scopes then costs time linear in its size, not quadratic, while the
/// usual handful of unknown values is still only compared.
pub(super) const SCAN_LIMIT: usize = 16;

/// A scope set being read from the wire: known scopes are deduplicated by their position (one
/// bit each), unknown ones by comparing with the few already there, or by a hash set (keyed
/// randomly, so a server cannot choose colliding values) once there are more.
struct WireScopes<'a> {
    scopes: Vec<Scope>,
    seen: [u64; WORDS],
    /// The unknown values kept so far (as they appear in the input), until there are more
    /// than [`SCAN_LIMIT`]; then they move to `unknown_set`.
    unknown: Vec<&'a str>,
    unknown_set: Option<HashSet<&'a str>>,
}

impl<'a> WireScopes<'a> {
    fn push(&mut self, token: &'a str) {
        match known_index(token) {
            Some(i) => self.push_known(i),
            None => self.push_unknown(token),
        }
    }

    #[inline]
    fn push_known(&mut self, i: usize) {
        let (word, bit) = (i / 64, 1 << (i % 64));
        if self.seen[word] & bit == 0 {
            self.seen[word] |= bit;
            self.scopes.extend(known_at(i));
        }
    }

    fn push_unknown(&mut self, token: &'a str) {
        let seen = match &mut self.unknown_set {
            Some(set) => !set.insert(token),
            None => {
                let seen = self.unknown.contains(&token);
                if !seen {
                    self.unknown.push(token);
                    if self.unknown.len() > SCAN_LIMIT {
                        self.unknown_set = Some(self.unknown.drain(..).collect());
                    }
                }
                seen
            }
        };
        if !seen {
            self.scopes.push(Scope::Unknown(token.to_owned()));
        }
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.scopes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.scopes.iter().map(Scope::as_str))
            .finish()
    }
}

impl FromStr for ScopeSet {
    type Err = InvalidScope;

    /// Parse a space-separated list, checking each token (RFC 6749 §3.3).
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let mut set = ScopeSet::new();
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            set.insert(token.parse()?);
        }
        Ok(set)
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = ScopeSet::new();
        for scope in iter {
            set.insert(scope);
        }
        set
    }
}

impl<'a> IntoIterator for &'a ScopeSet {
    type Item = &'a Scope;
    type IntoIter = std::slice::Iter<'a, Scope>;
    fn into_iter(self) -> Self::IntoIter {
        self.scopes.iter()
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ScopeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let WireStr(value) = WireStr::deserialize(deserializer)?;
        Ok(ScopeSet::from_wire(&value))
    }
}

/// A string from the input, borrowed when the input allows it. (serde's own `Cow<str>` always
/// allocates: it deserializes a `String` and wraps it.)
pub(crate) struct WireStr<'de>(pub(crate) Cow<'de, str>);

impl<'de: 'a, 'a> Deserialize<'de> for WireStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(std::marker::PhantomData<&'a str>);
        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = WireStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(WireStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(WireStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(WireStr(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor(std::marker::PhantomData))
    }
}
