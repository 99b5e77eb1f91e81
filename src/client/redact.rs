//! Echoed secrets: the values a request carried, found again in whatever a server sent back
//! (an error body, a decode excerpt, a header) and replaced by `[redacted]`. One place for every
//! operation: the client builds an [`Echoes`] from the request's secrets on the error path only.

use std::borrow::Cow;

use crate::error::Error;
use crate::token::TokenRequest;

/// The secret values a request carried, in the forms a server could echo them back in (as
/// sent, form-encoded, JSON-escaped). Built only on the error path.
pub(crate) struct Echoes(Vec<String>);

impl Echoes {
    /// Form fields of a token request that hold secrets.
    const TOKEN_SECRET_FIELDS: [&'static str; 5] = [
        "client_secret",
        "code",
        "code_verifier",
        "refresh_token",
        "session_token",
    ];

    /// Shorter values are not searched for: they would match ordinary text. Real secrets are
    /// far longer (Polar's tokens, RFC 7636's 43-character minimum verifier).
    const MIN_LEN: usize = 8;

    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms = Vec::new();
        for secret in secrets.into_iter().filter(|s| s.len() >= Self::MIN_LEN) {
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let escaped = serde_json::to_string(secret).unwrap_or_default();
            let escaped = escaped.trim_matches('"').to_owned();
            for form in [secret.to_owned(), encoded, escaped] {
                if !form.is_empty() && !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        // Longest first, so a secret that contains another is removed whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Self(forms)
    }

    pub(crate) fn of_token_request(request: &TokenRequest) -> Self {
        let form = serde_json::to_value(request).unwrap_or_default();
        Self::new(
            Self::TOKEN_SECRET_FIELDS
                .iter()
                .filter_map(|field| form.get(field)?.as_str()),
        )
    }

    /// `body` with every echo replaced by `[redacted]`.
    pub(crate) fn scrub_body<'b>(&self, body: &'b [u8]) -> Cow<'b, [u8]> {
        let mut out = Cow::Borrowed(body);
        for form in &self.0 {
            let needle = form.as_bytes();
            if out.windows(needle.len()).any(|w| w == needle) {
                let mut scrubbed = Vec::with_capacity(out.len());
                let mut rest: &[u8] = &out;
                while !rest.is_empty() {
                    if rest.starts_with(needle) {
                        scrubbed.extend_from_slice(REDACTED.as_bytes());
                        rest = &rest[needle.len()..];
                    } else {
                        scrubbed.push(rest[0]);
                        rest = &rest[1..];
                    }
                }
                out = Cow::Owned(scrubbed);
            }
        }
        out
    }

    fn scrub_text(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |t, form| {
            t.replace(form.as_str(), REDACTED)
        })
    }

    pub(crate) fn scrub_error(&self, error: Error) -> Error {
        if self.0.is_empty() {
            return error;
        }
        error.map_text(|t| self.scrub_text(t))
    }
}

pub(crate) const REDACTED: &str = "[redacted]";
