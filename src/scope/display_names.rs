//! The labels Polar's consent page shows for each scope, stored as one bit per entry equal to
//! the spec's and a string per entry that differs.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::set::{SCAN_LIMIT, WireStr};
use super::value::{KNOWN_DISPLAY_NAMES, KNOWN_VALUES, Scope, WORDS, known_index};

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
pub(super) fn spec_default_json() -> &'static str {
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
/// entries, whatever a server sends.
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
