//! Quoting server text in a message: bounded in length, control characters escaped, token-like
//! values redacted.

use crate::redact::redact_unknown_secrets;

/// Longest body excerpt kept in an error, in bytes.
pub(crate) const EXCERPT_LEN: usize = 256;

/// The start of a body, safe to show: at most 256 bytes (then `…`) on a character
/// boundary, control characters escaped, token-like values redacted.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_LEN * 4)]);
    bounded(&redact(&text))
}

/// The one rule for quoting input in an error message: at most 256 bytes (then
/// `…`) on a character boundary, control characters escaped. Reads no more of `text` than it
/// keeps, so a hostile megabyte costs nothing.
pub(crate) fn bounded(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let width = if c.is_control() {
            c.escape_default().count()
        } else {
            c.len_utf8()
        };
        // Stop before a character or escape that would pass the limit.
        if out.len() + width > EXCERPT_LEN {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` cut to at most `max` bytes on a character boundary, with `…` when cut.
pub(super) fn shorten(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Replace token-like values in text that came from the server: Polar's `polar_…` tokens and
/// the value of any secret field, JSON or form-encoded, escaped or not (see
/// [`crate::redact`], the one place that knows these forms).
pub(crate) fn redact(text: &str) -> String {
    redact_unknown_secrets(text).into_owned()
}
