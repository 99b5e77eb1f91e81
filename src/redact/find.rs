//! Matching: each automaton match widened to what it redacts (the rest of a secret around a
//! piece, a `polar_` token's tail, the value after a secret field name) in the original text.

use aho_corasick::AhoCorasick;

use super::unescape::View;

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// Prefix of every Polar token (`polar_at_u_…`, `polar_rt_o_…`, `polar_cs_…`, …).
pub(super) const POLAR_PREFIX: &str = "polar_";

/// A run of this many of a secret's characters is a piece of it (a truncated echo), redacted
/// with whatever more of the secret surrounds it.
pub(crate) const PIECE_LEN: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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

/// Every range of `original` to redact, from matches in `view`.
pub(super) fn find(
    automaton: &AhoCorasick,
    kinds: &[Kind],
    secrets: &[Vec<u8>],
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
        match kinds.get(m.pattern().as_usize()) {
            Some(Kind::Piece { secret, offset }) => {
                let Some(secret) = secrets.get(*secret) else {
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
