//! The escapes a server may apply (percent-encoding, JSON `\uXXXX` and `\"`), undone into a
//! copy that remembers which original bytes each decoded byte came from.

/// Text with its escapes undone, and for each byte the original range it came from.
pub(super) struct Decoded {
    bytes: Vec<u8>,
    /// `spans[i]`: start and end in the original of the escape (or byte) that gave byte `i`.
    spans: Vec<(u32, u32)>,
}

impl Decoded {
    pub(super) fn new(original: &[u8]) -> Self {
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

    pub(super) fn view(&self) -> View<'_> {
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
pub(super) struct View<'a> {
    pub(super) bytes: &'a [u8],
    /// `None`: the text is the original.
    spans: Option<&'a [(u32, u32)]>,
}

impl<'a> View<'a> {
    pub(super) fn identity(bytes: &'a [u8]) -> Self {
        Self { bytes, spans: None }
    }

    /// Original position where byte `i` starts (the end of the text for `i == len`).
    pub(super) fn start(&self, i: usize) -> usize {
        match self.spans {
            None => i,
            Some(spans) => spans.get(i).map_or_else(
                || spans.last().map_or(0, |s| s.1 as usize),
                |s| s.0 as usize,
            ),
        }
    }

    /// Original position where the bytes before `i` end.
    pub(super) fn end(&self, i: usize) -> usize {
        match (self.spans, i) {
            (None, i) => i,
            (Some(_), 0) => 0,
            (Some(spans), i) => spans.get(i - 1).map_or(0, |s| s.1 as usize),
        }
    }
}
