//! Secrets in text that came back from a server, found in every form a server can write them
//! in, and replaced by `[redacted]`. The one place that knows those forms; everything that
//! shows server text (error excerpts, descriptions, messages, header values) goes through it.
//!
//! Two kinds of secret are searched for, in one pass:
//! - **the exact secrets a request carried** (client secret, code, verifier, refresh token,
//!   bearer, `state`, `nonce`, a plain PKCE challenge): as sent, in any letter case, and any run
//!   of at least [`PIECE_LEN`] of their characters (a truncated echo); and base64 (standard or
//!   url-safe) of the secret and of `client_id:secret` (an echoed `Authorization: Basic`), at
//!   each of the three byte alignments it can have inside a longer base64 text (an echo of the
//!   whole request body);
//! - **secrets nobody knew in advance**, such as the new tokens of a 200 token body that does not
//!   decode: Polar's `polar_…` tokens, and the value after a secret field name, JSON
//!   (`"access_token": "…"`) or form-encoded (`access_token=…`).
//!
//! Both are matched on the text *after* undoing the escapes a server may apply, in any mix:
//! percent-encoding (either letter case, RFC 3986 or form-style), JSON `\uXXXX` (surrogate pairs
//! too) and `\"`-style escapes, `+` for a space. The text is decoded once into a copy that
//! remembers where each byte came from; an [`AhoCorasick`] automaton of every pattern runs over
//! it (and over the raw text, for secrets that themselves contain `%` or `\`), and each match is
//! redacted in the original. Time is linear in the text: each byte is decoded once, the
//! automaton visits it once, and a field value is scanned at most once.

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

use crate::error::Error;
use crate::secret::ClientSecret;
use crate::token::{ClientCredentials, TokenRequest};

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// Field names whose values are secrets, in JSON and form bodies alike (the codegen's secret
/// table, plus the authorization request's `state`, `nonce` and `code_challenge`).
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "session_token",
    "code_verifier",
    "token",
    "registration_access_token",
    "state",
    "nonce",
    "code_challenge",
];

/// Prefix of every Polar token (`polar_at_u_…`, `polar_rt_o_…`, `polar_cs_…`, …).
const POLAR_PREFIX: &str = "polar_";

/// Secrets shorter than this are matched only as whole words (not inside a longer run of
/// letters and digits), so that a 3-byte secret does not blank every word containing it.
const WORD_MATCH_BELOW: usize = 8;

/// A run of this many of a secret's characters is a piece of it (a truncated echo), redacted
/// with whatever more of the secret surrounds it.
pub(crate) const PIECE_LEN: usize = 12;

/// At most about this many pieces are searched per secret (a long token's pieces overlap less).
const PIECES_PER_SECRET: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An exact secret (or one of its base64 forms); `word`: only as a whole word.
    Secret { word: bool },
    /// `polar_`: the token characters that follow are redacted.
    PolarPrefix,
    /// [`PIECE_LEN`] characters of `secrets[secret]` from `offset`: the match is widened to
    /// all of the secret around it.
    Piece { secret: usize, offset: usize },
    /// A secret field name: the value that follows `:` or `=` is redacted.
    Key,
}

/// A set of secrets to find and remove; see the module docs. Built on the error path only.
pub(crate) struct Redactor {
    automaton: Option<AhoCorasick>,
    kinds: Vec<Kind>,
    /// The exact secrets, for widening a [`Kind::Piece`] match.
    secrets: Vec<Vec<u8>>,
    /// Whether any exact secret contains `%` or `\` (then the raw text is searched too).
    raw_pass: bool,
}

impl Default for Redactor {
    /// Only the secrets nobody knew in advance: `polar_…` tokens and secret field values.
    fn default() -> Self {
        Self::new(None, [])
    }
}

impl Redactor {
    /// A redactor for `secrets` (empty ones are ignored); `client_id` adds the base64 forms
    /// of `client_id:secret`.
    pub(crate) fn new<'a>(
        client_id: Option<&str>,
        secrets: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut kinds = Vec::new();
        let mut add = |pattern: Vec<u8>, kind: Kind| {
            if !pattern.is_empty() && !patterns.contains(&pattern) {
                patterns.push(pattern);
                kinds.push(kind);
            }
        };
        let secret_kind = |p: &[u8]| Kind::Secret {
            word: p.len() < WORD_MATCH_BELOW,
        };
        let mut raw_pass = false;
        let mut pieces = Vec::new();
        let mut exact: Vec<Vec<u8>> = Vec::new();
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            raw_pass |= secret.contains(['%', '\\']);
            let bytes = secret.as_bytes();
            if bytes.len() > PIECE_LEN {
                let step = ((bytes.len() - PIECE_LEN) / PIECES_PER_SECRET).max(1);
                let last = bytes.len() - PIECE_LEN;
                let offsets = (0..=last).step_by(step).chain(std::iter::once(last));
                for offset in offsets {
                    pieces.push((
                        bytes[offset..offset + PIECE_LEN].to_vec(),
                        Kind::Piece {
                            secret: exact.len(),
                            offset,
                        },
                    ));
                }
                exact.push(bytes.to_vec());
            }
            let mut forms = vec![secret.as_bytes().to_vec()];
            if secret.contains(' ') {
                forms.push(secret.replace(' ', "+").into_bytes());
            }
            forms.extend(base64_forms(secret.as_bytes()));
            if let Some(id) = client_id {
                forms.extend(base64_forms(format!("{id}:{secret}").as_bytes()));
                // RFC 6749 §2.3.1: both are form-encoded before they are joined.
                let encode = |s: &str| -> String {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
                };
                let joined = format!("{}:{}", encode(id), encode(secret));
                forms.extend(base64_forms(joined.as_bytes()));
            }
            for form in forms {
                let kind = secret_kind(&form);
                add(form, kind);
            }
        }
        add(POLAR_PREFIX.as_bytes().to_vec(), Kind::PolarPrefix);
        for key in SECRET_KEYS {
            add(key.as_bytes().to_vec(), Kind::Key);
        }
        for (piece, kind) in pieces {
            add(piece, kind);
        }
        // Standard semantics for overlapping iteration: every occurrence of every pattern. Any
        // letter case: a server may echo a secret upper-cased (field names and `polar_` are
        // then checked for their exact case in `find`).
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .ok();
        Self {
            automaton,
            kinds,
            secrets: exact,
            raw_pass,
        }
    }

    /// The secrets of a token request: every secret form field, and the client id for the
    /// base64 forms.
    pub(crate) fn of_token_request(request: &TokenRequest) -> Self {
        const TOKEN_SECRET_FIELDS: [&str; 5] = [
            "client_secret",
            "code",
            "code_verifier",
            "refresh_token",
            "session_token",
        ];
        let form = serde_json::to_value(request).unwrap_or_default();
        Self::new(
            form.get("client_id").and_then(|v| v.as_str()),
            TOKEN_SECRET_FIELDS
                .iter()
                .filter_map(|field| form.get(field)?.as_str()),
        )
    }

    /// The secrets of a request authenticated with `credentials`, plus `others`.
    pub(crate) fn of_client<'a>(
        credentials: &'a ClientCredentials,
        others: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self::new(
            Some(credentials.client_id()),
            credentials
                .client_secret()
                .map(ClientSecret::secret)
                .into_iter()
                .chain(others),
        )
    }

    /// `bytes` with every secret replaced by `[redacted]` (borrowed when there is none).
    pub(crate) fn scrub_bytes<'b>(&self, bytes: &'b [u8]) -> Cow<'b, [u8]> {
        let Some(automaton) = &self.automaton else {
            return Cow::Borrowed(bytes);
        };
        let mut ranges = Vec::new();
        // Escapes are rare: without `%` or `\` the text is its own decoded form.
        let decoded = memchr::memchr2(b'%', b'\\', bytes).map(|_| Decoded::new(bytes));
        match &decoded {
            Some(decoded) => {
                self.find(automaton, bytes, &decoded.view(), &mut ranges);
                if self.raw_pass {
                    self.find(automaton, bytes, &View::identity(bytes), &mut ranges);
                }
            }
            None => self.find(automaton, bytes, &View::identity(bytes), &mut ranges),
        }
        if ranges.is_empty() {
            return Cow::Borrowed(bytes);
        }
        ranges.sort_unstable();
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (start, end) in ranges {
            if end <= at {
                continue;
            }
            let start = start.max(at);
            out.extend_from_slice(&bytes[at..start]);
            // Adjacent or overlapping ranges share one marker.
            if !out.ends_with(REDACTED.as_bytes()) || start > at {
                out.extend_from_slice(REDACTED.as_bytes());
            }
            at = end;
        }
        out.extend_from_slice(&bytes[at..]);
        Cow::Owned(out)
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub(crate) fn scrub_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.scrub_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Ranges start and end on character boundaries of valid UTF-8 (a secret is valid
            // UTF-8, an escape is ASCII), so this is lossless; lossy only as a safety net.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// Kept for the callers written against the old name: [`Self::scrub_bytes`].
    pub(crate) fn scrub_body<'b>(&self, body: &'b [u8]) -> Cow<'b, [u8]> {
        self.scrub_bytes(body)
    }

    /// `error` with every text that came from the server scrubbed.
    pub(crate) fn scrub_error(&self, error: Error) -> Error {
        error.map_text(|t| self.scrub_str(t).into_owned())
    }

    /// Every range of `original` to redact, from matches in `view`.
    fn find(
        &self,
        automaton: &AhoCorasick,
        original: &[u8],
        view: &View<'_>,
        ranges: &mut Vec<(usize, usize)>,
    ) {
        let text = view.bytes;
        // Field values and token tails already redacted end here (in `original`): a match
        // starting before it is inside one, and is not scanned again (linear time).
        let mut covered = 0;
        // The same for pieces of a secret (in `text`): the rest of one echo is already widened.
        let mut piece_covered = 0;
        let Ok(matches) = automaton.try_find_overlapping_iter(text) else {
            return;
        };
        let exact_case = |s: usize, e: usize, word: &str| text.get(s..e) == Some(word.as_bytes());
        for m in matches {
            let (s, e) = (m.start(), m.end());
            match self.kinds.get(m.pattern().as_usize()) {
                Some(Kind::Piece { secret, offset }) => {
                    let Some(secret) = self.secrets.get(*secret) else {
                        continue;
                    };
                    if s < piece_covered {
                        continue;
                    }
                    let same = |a: u8, b: u8| a.eq_ignore_ascii_case(&b);
                    let (mut start, mut from) = (s, *offset);
                    while from > 0 && start > 0 && same(text[start - 1], secret[from - 1]) {
                        start -= 1;
                        from -= 1;
                    }
                    let (mut end, mut to) = (e, offset + PIECE_LEN);
                    while to < secret.len() && end < text.len() && same(text[end], secret[to]) {
                        end += 1;
                        to += 1;
                    }
                    piece_covered = end;
                    ranges.push((view.start(start), view.end(end)));
                }
                Some(Kind::Secret { word }) => {
                    let alnum = |i: Option<&u8>| i.is_some_and(u8::is_ascii_alphanumeric);
                    if *word
                        && (alnum(s.checked_sub(1).and_then(|p| text.get(p))) || alnum(text.get(e)))
                    {
                        continue;
                    }
                    ranges.push((view.start(s), view.end(e)));
                }
                Some(Kind::PolarPrefix) => {
                    if view.start(s) < covered || !exact_case(s, e, POLAR_PREFIX) {
                        continue;
                    }
                    let tail = text[e..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
                        .count();
                    if tail > 0 {
                        ranges.push((view.start(e), view.end(e + tail)));
                        covered = view.end(e + tail);
                    }
                }
                Some(Kind::Key) => {
                    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
                    let lower = text[s..e].iter().all(|b| !b.is_ascii_uppercase());
                    if view.start(s) < covered
                        || !lower
                        || s.checked_sub(1).and_then(|p| text.get(p)).is_some_and(word)
                        || text.get(e).is_some_and(word)
                    {
                        continue;
                    }
                    if let Some((start, end)) = value_after_key(original, view, e) {
                        // Already redacted (text scrubbed twice) stays as it is.
                        if end > start && original.get(start..end) != Some(REDACTED.as_bytes()) {
                            ranges.push((start, end));
                        }
                        covered = covered.max(end);
                    }
                }
                None => {}
            }
        }
    }
}

/// The base64 forms of `bytes` searched for: standard and url-safe alphabets, as encoded on
/// their own, and for each of the three offsets (modulo 3) at which `bytes` can start inside a
/// longer encoded text (an echo of a whole request body), the characters that depend on
/// `bytes` alone: only whole groups, minus the leading characters that share bits with
/// whatever precedes.
fn base64_forms(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut forms = vec![
        STANDARD_NO_PAD.encode(bytes).into_bytes(),
        URL_SAFE_NO_PAD.encode(bytes).into_bytes(),
    ];
    // Characters that mix in bits of the bytes before, for 0, 1 and 2 of them.
    const MIXED: [usize; 3] = [0, 2, 3];
    for (shift, mixed) in MIXED.iter().enumerate() {
        let mut shifted = vec![0; shift];
        shifted.extend_from_slice(bytes);
        let whole = &shifted[..shifted.len() - shifted.len() % 3];
        for encoded in [STANDARD_NO_PAD.encode(whole), URL_SAFE_NO_PAD.encode(whole)] {
            if let Some(own) = encoded.get(*mixed..) {
                forms.push(own.as_bytes().to_vec());
            }
        }
    }
    forms.retain(|f| f.len() >= 4);
    forms
}

/// The original range of the value that follows a secret field name ending at `key_end`
/// (in `view`): `"key": "value"`, `key=value`, `"key":value`.
fn value_after_key(original: &[u8], view: &View<'_>, key_end: usize) -> Option<(usize, usize)> {
    let text = view.bytes;
    let mut i = key_end;
    if text.get(i) == Some(&b'"') {
        i += 1;
    }
    let skip_space = |mut i: usize| {
        while text.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    i = skip_space(i);
    if !matches!(text.get(i), Some(b':' | b'=')) {
        return None;
    }
    i = skip_space(i + 1);
    if i >= text.len() {
        return None;
    }
    if text[i] == b'"' {
        let open = view.start(i);
        if original.get(open) == Some(&b'"') {
            // A plain JSON string: its end, escapes and all, in the original.
            let end = open + 1 + json_string_len(&original[open + 1..]);
            return Some((open + 1, end));
        }
        // A quote that was itself escaped (JSON inside a string): up to the next quote.
        let close = text[i + 1..]
            .iter()
            .position(|b| *b == b'"')
            .map_or(text.len(), |p| i + 1 + p);
        return Some((view.start(i + 1), view.start(close)));
    }
    let len = text[i..]
        .iter()
        .take_while(|b| {
            !matches!(b, b'&' | b',' | b'}' | b']' | b';' | b'"' | b'\'' | b'<')
                && !b.is_ascii_whitespace()
        })
        .count();
    Some((view.start(i), view.end(i + len)))
}

/// Length of a JSON string's contents up to (not including) its closing quote, or to the end.
fn json_string_len(s: &[u8]) -> usize {
    let mut escaped = false;
    for (i, b) in s.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return i,
            _ => {}
        }
    }
    s.len()
}

/// Text with its escapes undone, and for each byte the original range it came from.
struct Decoded {
    bytes: Vec<u8>,
    /// `spans[i]`: start and end in the original of the escape (or byte) that gave byte `i`.
    spans: Vec<(u32, u32)>,
}

impl Decoded {
    fn new(original: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(original.len());
        let mut spans = Vec::with_capacity(original.len());
        let mut i = 0;
        let pos = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        while i < original.len() {
            let (decoded, len) = decode_at(&original[i..]);
            for b in decoded.as_slice() {
                bytes.push(*b);
                spans.push((pos(i), pos(i + len)));
            }
            i += len;
        }
        Self { bytes, spans }
    }

    fn view(&self) -> View<'_> {
        View {
            bytes: &self.bytes,
            spans: Some(&self.spans),
        }
    }
}

/// Decoded bytes (at most 4) and how many original bytes gave them.
struct Out {
    buf: [u8; 4],
    len: usize,
}

impl Out {
    fn one(b: u8) -> Self {
        Self {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }
    fn char(c: char) -> Self {
        let mut buf = [0; 4];
        let len = c.encode_utf8(&mut buf).len();
        Self { buf, len }
    }
    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

fn hex(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

fn hex4(s: &[u8]) -> Option<u32> {
    s.get(..4)?
        .iter()
        .try_fold(0, |acc, b| Some(acc * 16 + hex(*b)?))
}

/// The escape (or plain byte) at the start of `s`.
fn decode_at(s: &[u8]) -> (Out, usize) {
    match s {
        [b'%', h, l, ..] if hex(*h).is_some() && hex(*l).is_some() => {
            let value = hex(*h).unwrap_or(0) * 16 + hex(*l).unwrap_or(0);
            (Out::one(u8::try_from(value).unwrap_or(b'%')), 3)
        }
        [b'\\', b'u', rest @ ..] => match hex4(rest) {
            Some(high @ 0xD800..=0xDBFF) => match (rest.get(4..6), rest.get(6..).and_then(hex4)) {
                (Some(b"\\u"), Some(low @ 0xDC00..=0xDFFF)) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    char::from_u32(c).map_or((Out::one(b'\\'), 1), |c| (Out::char(c), 12))
                }
                _ => (Out::one(b'\\'), 1),
            },
            Some(unit) => char::from_u32(unit).map_or((Out::one(b'\\'), 1), |c| (Out::char(c), 6)),
            None => (Out::one(b'\\'), 1),
        },
        [b'\\', e, ..] => match e {
            b'"' | b'\\' | b'/' | b'\'' => (Out::one(*e), 2),
            b'n' => (Out::one(b'\n'), 2),
            b't' => (Out::one(b'\t'), 2),
            b'r' => (Out::one(b'\r'), 2),
            b'b' => (Out::one(0x08), 2),
            b'f' => (Out::one(0x0c), 2),
            _ => (Out::one(b'\\'), 1),
        },
        [b, ..] => (Out::one(*b), 1),
        [] => (Out::one(0), 1),
    }
}

/// Text to search, and how its positions map to the original.
struct View<'a> {
    bytes: &'a [u8],
    /// `None`: the text is the original.
    spans: Option<&'a [(u32, u32)]>,
}

impl<'a> View<'a> {
    fn identity(bytes: &'a [u8]) -> Self {
        Self { bytes, spans: None }
    }

    /// Original position where byte `i` starts (the end of the text for `i == len`).
    fn start(&self, i: usize) -> usize {
        match self.spans {
            None => i,
            Some(spans) => spans.get(i).map_or_else(
                || spans.last().map_or(0, |s| s.1 as usize),
                |s| s.0 as usize,
            ),
        }
    }

    /// Original position where the bytes before `i` end.
    fn end(&self, i: usize) -> usize {
        match (self.spans, i) {
            (None, i) => i,
            (Some(_), 0) => 0,
            (Some(spans), i) => spans.get(i - 1).map_or(0, |s| s.1 as usize),
        }
    }
}

/// [`Redactor::default`], built once: for text that has no request behind it.
pub(crate) fn redact_unknown_secrets(text: &str) -> Cow<'_, str> {
    static REDACTOR: OnceLock<Redactor> = OnceLock::new();
    REDACTOR.get_or_init(Redactor::default).scrub_str(text)
}

/// What the client calls the redactor of a request's secrets.
pub(crate) type Echoes = Redactor;

impl Echoes {
    /// [`Redactor::new`] without a client id (a bearer, `state`, …).
    pub(crate) fn of<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        Self::new(None, secrets)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const SECRET: &str = "polar_cs_Sec+ret/é x";

    fn scrub(r: &Redactor, text: &str) -> String {
        r.scrub_str(text).into_owned()
    }

    fn assert_hidden(r: &Redactor, text: &str, secret: &str) {
        let out = scrub(r, text);
        assert!(!out.contains(secret), "{text:?} -> {out:?}");
        assert!(out.contains(REDACTED), "{text:?} -> {out:?}");
    }

    fn percent(bytes: &[u8], keep: impl Fn(u8) -> bool, upper: bool) -> String {
        bytes
            .iter()
            .map(|&b| match b {
                b if keep(b) => char::from(b).to_string(),
                b if upper => format!("%{b:02X}"),
                b => format!("%{b:02x}"),
            })
            .collect()
    }

    #[test]
    fn every_form_of_an_exact_secret_is_found() {
        // A secret without the `polar_` prefix, so only the exact-secret patterns can find it.
        let secret = "Sec+ret/é x-9~*";
        let r = Redactor::new(Some("polar_ci_app"), [secret]);
        let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let form_safe = |b: u8| b.is_ascii_alphanumeric() || b"*-._".contains(&b);
        let json = serde_json::to_string(secret).unwrap();
        let all_u: String = secret
            .encode_utf16()
            .map(|u| format!("\\u{u:04x}"))
            .collect();
        let forms = [
            ("as sent", secret.to_owned()),
            (
                "form, upper hex",
                url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            ),
            (
                "form, lower hex",
                percent(secret.as_bytes(), form_safe, false).replace("%20", "+"),
            ),
            (
                "RFC 3986, upper",
                percent(secret.as_bytes(), unreserved, true),
            ),
            (
                "RFC 3986, lower",
                percent(secret.as_bytes(), unreserved, false),
            ),
            (
                "every byte encoded",
                percent(secret.as_bytes(), |_| false, false),
            ),
            ("JSON", json.trim_matches('"').to_owned()),
            ("JSON, all \\u", all_u),
            ("base64", STANDARD_NO_PAD.encode(secret)),
            (
                "base64, padded",
                base64::engine::general_purpose::STANDARD.encode(secret),
            ),
            ("base64url", URL_SAFE_NO_PAD.encode(secret)),
            (
                "Basic id:secret",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("polar_ci_app:{secret}"))
                ),
            ),
            (
                "Basic, form-encoded parts",
                format!(
                    "Basic {}",
                    STANDARD_NO_PAD.encode(format!(
                        "polar_ci_app:{}",
                        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
                    ))
                ),
            ),
        ];
        for (name, form) in forms {
            let text = format!("error: you sent <{form}> which is wrong");
            let out = scrub(&r, &text);
            assert!(!out.contains(&form), "{name}: {out}");
            assert!(
                out.contains("error: you sent <") && out.ends_with("> which is wrong"),
                "{name}: {out}"
            );
            assert!(out.contains(REDACTED), "{name}: {out}");
        }
    }

    #[test]
    fn short_secrets_are_found_as_whole_words_only() {
        let r = Redactor::new(None, ["abc"]);
        assert_eq!(scrub(&r, "code=abc&x=1"), "code=[redacted]&x=1");
        assert_eq!(scrub(&r, "you sent \"abc\""), "you sent \"[redacted]\"");
        assert_eq!(scrub(&r, "abc"), "[redacted]");
        assert_eq!(scrub(&r, "%61bc!"), "[redacted]!");
        // Inside a longer word it is ordinary text.
        assert_eq!(scrub(&r, "the abcdef alphabet"), "the abcdef alphabet");
        // The old rule searched nothing under 8 bytes.
        let r = Redactor::new(None, ["s3cr3t"]);
        assert_hidden(&r, "state mismatch: s3cr3t", "s3cr3t");
    }

    #[test]
    fn unknown_tokens_in_a_form_encoded_body_are_found() {
        let body = "access_token=polar_at_u_AAAA&token_type=Bearer&expires_in=3600&refresh_token=RRRR1234&id_token=eyJ.x.y";
        let out = scrub(&Redactor::default(), body);
        for leaked in ["AAAA", "RRRR1234", "eyJ.x.y"] {
            assert!(!out.contains(leaked), "{out}");
        }
        assert!(out.contains("token_type=Bearer&expires_in=3600"), "{out}");
    }

    #[test]
    fn unknown_tokens_in_a_u_escaped_json_body_are_found() {
        let body = r#"{"\u0061ccess_token": "QQQQ", "refresh\u005ftoken":"\u0052RRR", "x": "polar\u005frt_u_ZZZZ", "id_token" : "a\"b\u0063"}"#;
        let out = scrub(&Redactor::default(), body);
        for leaked in ["QQQQ", "RRR", "ZZZZ", "a\\\"b", "u0063"] {
            assert!(!out.contains(leaked), "{leaked}: {out}");
        }
        assert!(out.contains(r#""x": "polar\u005f[redacted]""#), "{out}");
    }

    #[test]
    fn json_inside_a_json_string_is_found() {
        let body = r#"{"detail": "upstream said {\"access_token\": \"WWWW\"}"}"#;
        let out = scrub(&Redactor::default(), body);
        assert!(!out.contains("WWWW"), "{out}");
    }

    #[test]
    fn plain_json_keeps_what_is_not_secret() {
        let body = r#"{"access_token": "abc\"def", "token_type": "Bearer", "x": "polar_rt_u_123 ok", "error_code": "E1"}"#;
        let out = scrub(&Redactor::default(), body);
        assert!(
            !out.contains("abc") && !out.contains("def") && !out.contains("123"),
            "{out}"
        );
        assert!(out.contains("\"token_type\": \"Bearer\""), "{out}");
        assert!(out.contains("polar_[redacted] ok"), "{out}");
        assert!(out.contains("\"error_code\": \"E1\""), "{out}");
        assert_eq!(scrub(&Redactor::default(), "nothing here"), "nothing here");
        assert!(matches!(
            Redactor::default().scrub_str("nothing"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn malformed_escapes_do_not_panic() {
        let r = Redactor::new(Some("id"), [SECRET]);
        for text in [
            "%",
            "%4",
            "%zz",
            "\\",
            "\\u12",
            "\\ud800",
            "\\ud800\\u0041",
            "\\udc00",
            "é%C3",
            "a\\",
        ] {
            let _ = scrub(&r, text);
            let _ = r.scrub_bytes(text.as_bytes());
        }
        let _ = r.scrub_bytes(&[0xff, b'%', 0xfe, b'\\', b'u']);
    }

    #[test]
    fn scrubbing_is_linear_in_the_text() {
        // Many key matches whose values run to the end: each byte is scanned once.
        let r = Redactor::new(None, ["secretvalue1"]);
        let time = |n: usize| {
            let text = "code=".repeat(n);
            let start = std::time::Instant::now();
            for _ in 0..3 {
                std::hint::black_box(r.scrub_str(&text));
            }
            start.elapsed()
        };
        let (small, large) = (time(20_000).max(time(20_000)), time(200_000));
        assert!(large < small * 40, "{small:?} -> {large:?}");
    }
}
