//! OAuth2 scopes: an open enum, scope sets, and the display names Polar shows on its consent page.
//!
//! The known scopes and their display names come from the spec's `Scope` schema (`enum` and
//! `enumNames`), generated into `OUT_DIR/scopes.rs` at build time. Polar adds scopes about
//! monthly; a value this build does not know decodes as [`Scope::Unknown`] instead of failing
//! the whole response (RFC 6749 §3.3 scope tokens are open-ended).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
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
        fn known_index(value: &str) -> Option<usize> {
            // A `match` on string literals compiles to a length switch plus comparisons.
            match value {
                $($value => Some($index),)*
                _ => None,
            }
        }

        /// The known scope at `index` in [`Scope::KNOWN`]. A `match` on the position compiles
        /// to arithmetic; `Scope::KNOWN[index].clone()` would dispatch on the variant.
        fn known_at(index: usize) -> Option<Scope> {
            match index {
                $($index => Some(Scope::$variant),)*
                _ => None,
            }
        }

        /// Wire values of the known scopes, by [`Scope::KNOWN`] position.
        const KNOWN_VALUES: &[&str] = &[$($value),*];

        /// Display names of the known scopes, by [`Scope::KNOWN`] position.
        const KNOWN_DISPLAY_NAMES: &[Option<&str>] = &[$($display),*];
    };
}

include!(concat!(env!("OUT_DIR"), "/scopes.rs"));

impl Scope {
    /// Build a scope from one wire value; unknown values are kept as [`Scope::Unknown`].
    ///
    /// Lenient like the responses it reads (any character but the separators is kept), with
    /// one exception: a value that is empty or holds ASCII whitespace is not *one* scope, since
    /// whitespace separates scopes on the wire (RFC 6749 §3.3). `"openid web:write"` would
    /// otherwise be a single `Scope` that is two scopes once sent; it is an error instead. Use
    /// [`ScopeSet::from_wire`] to split such a list.
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
/// lookup itself (see `BENCHMARKS.md`). Every position handed out is next to a space byte or
/// an end, hence a character boundary.
fn for_each_space_separated<'a>(value: &'a str, mut f: impl FnMut(&'a str)) {
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
fn space_mask(word: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = word ^ 0x2020_2020_2020_2020; // a space becomes a zero byte
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Unknown values compared one by one up to this many; past it, a hash set. A response of
/// many distinct unknown scopes then costs time linear in its size, not quadratic (issue 11,
/// item 1), while the usual handful of unknown values is still only compared.
const SCAN_LIMIT: usize = 16;

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

const WORDS: usize = KNOWN_DISPLAY_NAMES.len().div_ceil(64);

/// The `scope_display_names` map of an authorize response, stored compactly.
///
/// Polar sends the labels of *every* scope in every response, nearly always exactly the
/// spec's. Entries equal to the spec's are kept as one bit each; only entries that differ (a
/// changed label, a scope this build does not know) are stored as strings. Every entry stays
/// readable ([`Self::get`], [`Self::iter`]) and serializes back to the same entries it was
/// decoded from (in the spec's order, then the differing entries in the order received).
///
/// ```
/// use polar_oauth2::{Scope, ScopeDisplayNames};
///
/// let names = ScopeDisplayNames::spec_default();
/// assert_eq!(names.get("openid"), Scope::Openid.display_name());
/// // What a decoded response says differently from the spec this build knows.
/// assert_eq!(names.differences().count(), 0);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ScopeDisplayNames {
    /// Bit `i` set: scope `Scope::KNOWN[i]` is present with its spec display name.
    known: [u64; WORDS],
    /// Entries that differ from the spec, in the order received.
    other: Vec<(Box<str>, Box<str>)>,
}

impl ScopeDisplayNames {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The spec's default value: every known scope with its display name.
    ///
    /// ```
    /// use polar_oauth2::ScopeDisplayNames;
    ///
    /// let names = ScopeDisplayNames::spec_default();
    /// for (scope, label) in names.iter().take(3) {
    ///     println!("{scope}: {label}"); // what a consent page of your own would list
    /// }
    /// ```
    #[must_use]
    pub fn spec_default() -> Self {
        let mut names = Self::new();
        for (i, name) in KNOWN_DISPLAY_NAMES.iter().enumerate() {
            if name.is_some() {
                names.known[i / 64] |= 1 << (i % 64);
            }
        }
        names
    }

    /// The display name for a scope's wire value.
    #[must_use]
    pub fn get(&self, scope: &str) -> Option<&str> {
        if let Some((_, name)) = self.other.iter().find(|(k, _)| &**k == scope) {
            return Some(name);
        }
        let i = known_index(scope)?;
        self.has_known(i).then(|| KNOWN_DISPLAY_NAMES[i]).flatten()
    }

    /// The display name for a scope.
    #[must_use]
    pub fn get_scope(&self, scope: &Scope) -> Option<&str> {
        self.get(scope.as_str())
    }

    fn has_known(&self, i: usize) -> bool {
        self.known[i / 64] & (1 << (i % 64)) != 0
    }

    /// Set one entry (a known scope with its spec label costs no allocation).
    pub fn insert(&mut self, scope: &str, display_name: &str) {
        let index = known_index(scope);
        if !self.other.is_empty() {
            self.other.retain(|(k, _)| &**k != scope);
        }
        if let Some(i) = index {
            self.known[i / 64] &= !(1 << (i % 64));
            if KNOWN_DISPLAY_NAMES[i] == Some(display_name) {
                self.known[i / 64] |= 1 << (i % 64);
                return;
            }
        }
        self.other.push((scope.into(), display_name.into()));
    }

    /// Every entry: the known scopes in spec order, then the others in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let known = (0..KNOWN_DISPLAY_NAMES.len())
            .filter(|&i| self.has_known(i))
            .filter_map(|i| Some((Scope::KNOWN[i].as_str(), KNOWN_DISPLAY_NAMES[i]?)));
        known.chain(self.other.iter().map(|(k, v)| (&**k, &**v)))
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.known
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum::<usize>()
            + self.other.len()
    }

    /// Whether there are no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries whose label differs from the spec's, or whose scope this build does not know.
    pub fn differences(&self) -> impl Iterator<Item = (&str, &str)> {
        self.other.iter().map(|(k, v)| (&**k, &**v))
    }
}

impl fmt::Debug for ScopeDisplayNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for ScopeDisplayNames {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The name under which serde_json's deserializers hand out a value's JSON text unparsed (the
/// protocol of `serde_json::value::RawValue`, stable since serde_json 1.0.29). Any other
/// deserializer sees an ordinary newtype struct and the map is decoded entry by entry.
const RAW_JSON: &str = "$serde_json::private::RawValue";

/// Decoding: Polar sends every scope's label in every authorize response, in the spec's order
/// and, nearly always, exactly the spec's labels. From serde_json, the map's text is first
/// compared with the spec's map as serde_json writes it (compact, spec order), which is what
/// Polar's server writes: equal, it is [`ScopeDisplayNames::spec_default`] without decoding a
/// string (skipping the text costs a third of decoding it). Any other text, and any other
/// deserializer, is decoded entry by entry, with the same result as if the shortcut did not
/// exist.
impl<'de> Deserialize<'de> for ScopeDisplayNames {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_JSON, NamesVisitor)
    }
}

/// The spec's map as serde_json writes it, made on first use.
fn spec_default_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        serde_json::to_string(&ScopeDisplayNames::spec_default()).unwrap_or_default()
    })
}

/// The map decoded entry by entry (never through [`RAW_JSON`]).
struct Entries(ScopeDisplayNames);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(NamesVisitor).map(Entries)
    }
}

struct NamesVisitor;

impl<'de> Visitor<'de> for NamesVisitor {
    type Value = ScopeDisplayNames;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of scope to display name")
    }

    /// A deserializer without serde_json's raw values: the map itself.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(NamesVisitor)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(WireStr(first)) = map.next_key::<WireStr<'de>>()? else {
            return Ok(ScopeDisplayNames::new());
        };
        if first == RAW_JSON {
            let WireStr(text) = map.next_value::<WireStr<'de>>()?;
            if text == spec_default_json() {
                return Ok(ScopeDisplayNames::spec_default());
            }
            return serde_json::from_str::<Entries>(&text)
                .map(|Entries(names)| names)
                .map_err(de::Error::custom);
        }
        let mut names = NamesDecoder::default();
        // Polar writes the entries in the spec's order: the scope after the previous entry's
        // (or the one after that, past a scope without a display name) is compared first,
        // before the full lookup. Borrowed strings: a known entry costs no allocation.
        let mut next = 0;
        let mut entry = Some(first);
        while let Some(k) = entry {
            let WireStr(v) = map.next_value::<WireStr<'de>>()?;
            let index = KNOWN_VALUES
                .get(next..)
                .and_then(|ahead| ahead.iter().take(3).position(|known| *known == k))
                .map(|ahead| next + ahead)
                .or_else(|| known_index(&k));
            if let Some(i) = index {
                next = i + 1;
            }
            names.insert(index, &k, &v);
            entry = map.next_key::<WireStr<'de>>()?.map(|WireStr(k)| k);
        }
        Ok(names.finish())
    }
}

/// [`ScopeDisplayNames`] being decoded: [`ScopeDisplayNames::insert`]'s meaning (a repeated
/// scope: the last entry wins, placed where it was received) in time linear in the number of
/// entries, whatever a server sends (issue 11, item 1: `retain` per entry was quadratic).
#[derive(Default)]
struct NamesDecoder {
    known: [u64; WORDS],
    /// Known scopes that have an entry in `other` (a label that differs from the spec's).
    known_in_other: [u64; WORDS],
    /// Entries that differ from the spec, in the order received; `None` where a later entry
    /// for the same scope replaced it.
    other: Vec<Option<(Box<str>, Box<str>)>>,
    /// Position in `other` by scope, once `other` is longer than [`SCAN_LIMIT`]
    /// (SipHash with a random key: a server cannot choose colliding keys).
    positions: Option<HashMap<Box<str>, usize>>,
}

impl NamesDecoder {
    fn insert(&mut self, index: Option<usize>, scope: &str, display_name: &str) {
        // A known scope can have an earlier differing entry only if its bit says so.
        let earlier = match index {
            Some(i) => self.known_in_other[i / 64] & (1 << (i % 64)) != 0,
            None => !self.other.is_empty(),
        };
        if earlier {
            self.remove(scope);
        }
        if let Some(i) = index {
            let (word, bit) = (i / 64, 1u64 << (i % 64));
            self.known_in_other[word] &= !bit;
            if KNOWN_DISPLAY_NAMES[i] == Some(display_name) {
                self.known[word] |= bit;
                return;
            }
            self.known[word] &= !bit;
            self.known_in_other[word] |= bit;
        }
        if self.positions.is_none() && self.other.len() >= SCAN_LIMIT {
            let live = self.other.iter().enumerate();
            self.positions = Some(
                live.filter_map(|(p, e)| Some((e.as_ref()?.0.clone(), p)))
                    .collect(),
            );
        }
        if let Some(positions) = &mut self.positions {
            positions.insert(scope.into(), self.other.len());
        }
        self.other.push(Some((scope.into(), display_name.into())));
    }

    fn remove(&mut self, scope: &str) {
        let position = match &mut self.positions {
            Some(positions) => positions.remove(scope),
            None => self
                .other
                .iter()
                .position(|e| e.as_ref().is_some_and(|(k, _)| &**k == scope)),
        };
        if let Some(slot) = position.and_then(|p| self.other.get_mut(p)) {
            *slot = None;
        }
    }

    fn finish(self) -> ScopeDisplayNames {
        ScopeDisplayNames {
            known: self.known,
            other: self.other.into_iter().flatten().collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_scopes_round_trip() {
        assert_eq!(Scope::from_wire("user:read"), Ok(Scope::UserRead));
        assert_eq!(Scope::UserRead.to_string(), "user:read");
        assert_eq!(Scope::Openid.display_name(), Some("OpenID"));
        let future: Scope = "teleport:write".parse().unwrap();
        assert_eq!(future, Scope::Unknown("teleport:write".into()));
        let json = serde_json::to_string(&future).unwrap();
        assert_eq!(json, "\"teleport:write\"");
        assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), future);
    }

    #[test]
    fn a_wire_value_with_whitespace_is_not_one_scope() {
        for value in ["openid web:write", "a\tb", "x\n", ""] {
            let e = Scope::from_wire(value).unwrap_err();
            assert!(e.to_string().contains("not a scope token"), "{e}");
            assert!(
                serde_json::from_value::<Scope>(value.into()).is_err(),
                "{value:?}"
            );
        }
        // Lenient otherwise, as responses are: non-ASCII and quotes are kept.
        assert_eq!(
            Scope::from_wire("caf\u{e9}:\"x"),
            Ok(Scope::Unknown("caf\u{e9}:\"x".into()))
        );
        assert_eq!(
            ScopeSet::from_wire("openid web:write").len(),
            2,
            "a set splits the list"
        );
    }

    #[test]
    fn scope_tokens_are_checked_when_parsed() {
        assert!("has space".parse::<Scope>().is_err());
        assert!("".parse::<Scope>().is_err());
        assert!("quote\"".parse::<Scope>().is_err());
    }

    #[test]
    fn wire_scope_sets_split_on_any_ascii_whitespace_without_duplicates() {
        let set = ScopeSet::from_wire("openid\r\nx:y  openid\x0cx:y\temail ");
        assert_eq!(set.to_string(), "openid x:y email");
        assert_eq!(set, "openid x:y email".parse().unwrap());
        assert!(ScopeSet::from_wire(" \t ").is_empty());
    }

    #[test]
    fn space_separated_tokens_are_found_at_every_offset() {
        for len in 0..40 {
            let value: String = (0..len)
                .map(|i| if i % 7 == 3 || i % 11 == 0 { ' ' } else { 'a' })
                .chain(['é', ' ', '\u{a0}', '~'])
                .collect();
            let mut found = Vec::new();
            for_each_space_separated(&value, |t| found.push(t));
            let expected: Vec<&str> = value.split(' ').filter(|t| !t.is_empty()).collect();
            assert_eq!(found, expected, "{value:?}");
        }
        for value in [
            "",
            " ",
            "a",
            "abcdefgh",
            "abcdefgh ",
            " abcdefg",
            "abcdefghijklmnop",
        ] {
            let mut found = Vec::new();
            for_each_space_separated(value, |t| found.push(t));
            let expected: Vec<&str> = value.split(' ').filter(|t| !t.is_empty()).collect();
            assert_eq!(found, expected, "{value:?}");
        }
        for byte in 0..=255u8 {
            let mask = space_mask(u64::from_le_bytes([
                byte, b' ', byte, 0, 0x80, b' ', 0xa0, 0x21,
            ]));
            let expected =
                0x80 << 8 | 0x80 << 40 | if byte == b' ' { 0x80 | 0x80 << 16 } else { 0 };
            assert_eq!(mask, expected, "{byte:#x}");
        }
    }

    #[test]
    fn scope_set_uses_the_space_separated_form() {
        let set: ScopeSet = "openid email openid x:y".parse().unwrap();
        assert_eq!(set.len(), 3);
        assert_eq!(set.to_string(), "openid email x:y");
        assert!(set.contains(&Scope::Email));
        assert_eq!(ScopeSet::from_wire("  openid\temail ").len(), 2);
    }

    #[test]
    fn display_names_keep_every_entry_and_allocate_only_differences() {
        let json = r#"{"openid": "OpenID", "email": "Changed label", "new:scope": "New"}"#;
        let names: ScopeDisplayNames = serde_json::from_str(json).unwrap();
        assert_eq!(names.len(), 3);
        assert_eq!(names.get("openid"), Some("OpenID"));
        assert_eq!(names.get("email"), Some("Changed label"));
        assert_eq!(names.get("new:scope"), Some("New"));
        assert_eq!(names.get("profile"), None);
        assert_eq!(names.differences().count(), 2);
        let back: serde_json::Value = serde_json::to_value(&names).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
    }

    #[test]
    fn decoded_display_names_equal_the_same_inserts_one_by_one() {
        // Known scopes with their own and a changed label, unknown scopes, repeats: the
        // linear decoder must give exactly what `insert` gives, entry by entry.
        let known: Vec<&str> = KNOWN_VALUES.iter().take(6).copied().collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for round in 0..300 {
            let mut entries = Vec::new();
            for _ in 0..(round % 60) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let key = match seed % 3 {
                    0 => known[(seed >> 8) as usize % known.len()].to_owned(),
                    _ => format!("u{}", (seed >> 8) % 25),
                };
                let label = match (seed >> 16) % 2 {
                    0 => Scope::known(&key)
                        .and_then(|s| s.display_name())
                        .unwrap_or("spec")
                        .to_owned(),
                    _ => format!("L{}", (seed >> 20) % 3),
                };
                entries.push((key, label));
            }
            let mut expected = ScopeDisplayNames::new();
            let mut text = String::from("{");
            for (i, (k, v)) in entries.iter().enumerate() {
                expected.insert(k, v);
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&format!(
                    "{}:{}",
                    serde_json::json!(k),
                    serde_json::json!(v)
                ));
            }
            text.push('}');
            let decoded: ScopeDisplayNames = serde_json::from_str(&text).unwrap();
            assert_eq!(decoded, expected, "{text}");
        }
    }

    /// The text shortcut and entry-by-entry decoding agree, from serde_json and from any other
    /// deserializer.
    #[test]
    fn display_names_decode_the_same_with_and_without_the_text_shortcut() {
        let spec = ScopeDisplayNames::spec_default();
        let compact = spec_default_json();
        assert!(
            compact.starts_with('{') && !compact.contains(": "),
            "{compact}"
        );
        let from_text: ScopeDisplayNames = serde_json::from_str(compact).unwrap();
        assert_eq!(from_text, spec);
        // The same map spaced out, or with one label changed: decoded entry by entry.
        let spaced = serde_json::to_string_pretty(&spec).unwrap();
        assert_eq!(
            serde_json::from_str::<ScopeDisplayNames>(&spaced).unwrap(),
            spec
        );
        let (first, label) = spec.iter().next().unwrap();
        let changed = compact.replacen(&serde_json::to_string(label).unwrap(), "\"Changed\"", 1);
        let decoded: ScopeDisplayNames = serde_json::from_str(&changed).unwrap();
        assert_eq!(decoded.get(first), Some("Changed"));
        assert_eq!(decoded.len(), spec.len());
        assert_eq!(decoded.differences().count(), 1);
        // serde_json's `Value` (the authorize response's replay of early fields) and a
        // deserializer that knows nothing of serde_json.
        let value: serde_json::Value = serde_json::from_str(compact).unwrap();
        assert_eq!(
            serde_json::from_value::<ScopeDisplayNames>(value).unwrap(),
            spec
        );
        let entries = spec.iter().map(|(k, v)| (k.to_owned(), v.to_owned()));
        let plain = de::value::MapDeserializer::<_, de::value::Error>::new(entries);
        assert_eq!(ScopeDisplayNames::deserialize(plain).unwrap(), spec);
    }

    #[test]
    fn display_names_that_are_not_a_map_say_so() {
        for text in [r#""openid""#, "[1]", "3"] {
            let e = serde_json::from_str::<ScopeDisplayNames>(text).unwrap_err();
            assert!(
                e.to_string().contains("a map of scope to display name"),
                "{text}: {e}"
            );
        }
        let e = serde_json::from_str::<ScopeDisplayNames>(r#"{"openid": 1}"#).unwrap_err();
        assert!(e.to_string().contains("a string"), "{e}");
    }

    #[test]
    fn spec_default_has_every_known_display_name() {
        let names = ScopeDisplayNames::spec_default();
        for scope in Scope::KNOWN {
            assert_eq!(names.get_scope(scope), scope.display_name(), "{scope}");
        }
    }
}
