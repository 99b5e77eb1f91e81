//! Secrets in text that came back from a server, found in every form a server can write them
//! in, and replaced by `[redacted]`. The one place that knows those forms; everything that
//! shows server text (error excerpts, descriptions, messages, header values) goes through it.

mod find;
#[cfg(test)]
mod tests;
mod unescape;

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

use find::{Kind, PIECE_LEN, POLAR_PREFIX, find};
use unescape::{Decoded, View};

pub(crate) use find::REDACTED;

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

/// Secrets shorter than this are matched only as whole words (not inside a longer run of
/// letters and digits), so that a 3-byte secret does not blank every word containing it.
const WORD_MATCH_BELOW: usize = 8;

/// At most about this many pieces are searched per secret (a long token's pieces overlap less).
const PIECES_PER_SECRET: usize = 128;

/// A set of secrets to find and remove. Built on the error path only.
///
/// Two kinds of secret are searched for, in one pass:
/// - **the exact secrets a request carried** (client secret, code, verifier, refresh token,
///   bearer, `state`, `nonce`, a plain PKCE challenge): as sent, in any letter case, and any run
///   of at least [`PIECE_LEN`] of their characters (a truncated echo); and base64 (standard or
///   url-safe) of the secret and of `client_id:secret` (an echoed `Authorization: Basic`), at
///   each of the three byte alignments it can have inside a longer base64 text (an echo of the
///   whole request body);
/// - **secrets nobody knew in advance**, such as the new tokens of a 200 token body that does not
///   decode: Polar's `polar_…` tokens, and the value after a secret field name, JSON
///   (`"access_token": "…"`) or form-encoded (`access_token=…`).
///
/// Both are matched on the text *after* undoing the escapes a server may apply, in any mix:
/// percent-encoding (either letter case, RFC 3986 or form-style), JSON `\uXXXX` (surrogate pairs
/// too) and `\"`-style escapes, `+` for a space. The text is decoded once into a copy that
/// remembers where each byte came from; an [`AhoCorasick`] automaton of every pattern runs over
/// it (and over the raw text, for secrets that themselves contain `%` or `\`), and each match is
/// redacted in the original. Time is linear in the text: each byte is decoded once, the
/// automaton visits it once, and a field value is scanned at most once.
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
                find(
                    automaton,
                    &self.kinds,
                    &self.secrets,
                    bytes,
                    &decoded.view(),
                    &mut ranges,
                );
                if self.raw_pass {
                    find(
                        automaton,
                        &self.kinds,
                        &self.secrets,
                        bytes,
                        &View::identity(bytes),
                        &mut ranges,
                    );
                }
            }
            None => find(
                automaton,
                &self.kinds,
                &self.secrets,
                bytes,
                &View::identity(bytes),
                &mut ranges,
            ),
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

    /// A response body with every secret replaced: [`Self::scrub_bytes`].
    pub(crate) fn scrub_body<'b>(&self, body: &'b [u8]) -> Cow<'b, [u8]> {
        self.scrub_bytes(body)
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
