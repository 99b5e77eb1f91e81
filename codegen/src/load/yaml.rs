//! YAML text as JSON values, bounded: alias expansion by a budget per input byte, flow
//! collections by nesting depth, both checked before the nesting costs anything.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Deepest nesting of YAML flow collections (`[`, `{`) accepted: serde_yaml's and serde_json's
/// own recursion limit. Checked by a linear scan before the YAML parser sees the text, whose
/// cost in the depth of flow collections is quadratic.
pub const MAX_FLOW_DEPTH: usize = 128;

/// How much a YAML document may weigh once its aliases are expanded, per byte of its text
/// (plus [`EXPANSION_SLACK`]): one per node and one per byte of a string or key. Without
/// aliases a document weighs at most about twice its length, so this leaves room for some
/// reuse and none for an anchor that grows the document a thousandfold.
const EXPANSION_PER_BYTE: usize = 4;

/// See [`EXPANSION_PER_BYTE`].
const EXPANSION_SLACK: usize = 1 << 16;

/// YAML text as JSON values, refused as soon as its alias expansion passes the budget (see
/// [`EXPANSION_PER_BYTE`]): serde_yaml replays an anchor's events at each alias, so a small
/// file can otherwise expand to gigabytes.
pub(super) fn parse_yaml(text: &str) -> Result<Value, serde_yaml::Error> {
    let budget = Budget {
        left: Cell::new(
            text.len()
                .saturating_mul(EXPANSION_PER_BYTE)
                .saturating_add(EXPANSION_SLACK),
        ),
    };
    Expanding { budget: &budget }.deserialize(serde_yaml::Deserializer::from_str(text))
}

struct Budget {
    left: Cell<usize>,
}

impl Budget {
    fn spend<E: de::Error>(&self, weight: usize) -> Result<(), E> {
        match self.left.get().checked_sub(weight) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(E::custom(format!(
                "the document expands (through YAML aliases) to more than {EXPANSION_PER_BYTE} times its size"
            ))),
        }
    }
}

/// A JSON value built from serde events, each node and string byte paid for from the budget.
#[derive(Clone, Copy)]
struct Expanding<'b> {
    budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for Expanding<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Expanding<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.budget.spend(1)?;
        // As serde_json's own `Value`: a NaN or an infinity is null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.budget.spend(v.len().saturating_add(1))?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.budget.spend(v.len().saturating_add(1))?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.budget.spend(1)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.budget.spend(1)?;
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.budget.spend(key.len())?;
            let value = map.next_value_seed(self)?;
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

/// Check, in one pass over `text`, that YAML flow collections nest at most
/// [`MAX_FLOW_DEPTH`] deep; `Err(line)` where they pass it. Brackets inside quoted scalars,
/// comments and block scalars do not count; a bracket inside a block context's plain scalar
/// counts only where it could start a node, so ordinary prose never reaches the limit.
pub(super) fn check_flow_depth(text: &str) -> Result<(), usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut i = 0;
    // Indentation of the current line, and of the line that opened a block scalar.
    let mut indent = 0usize;
    let mut at_line_start = true;
    let mut block_scalar: Option<usize> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if at_line_start {
            let spaces = bytes[i..].iter().take_while(|b| **b == b' ').count();
            let blank = matches!(bytes.get(i + spaces), None | Some(b'\n' | b'\r'));
            if let Some(parent) = block_scalar {
                if blank || spaces > parent {
                    // A line of the block scalar: text, whatever it holds.
                    let end = memchr_newline(bytes, i);
                    line += 1;
                    i = end + 1;
                    continue;
                }
                block_scalar = None;
            }
            indent = spaces;
            at_line_start = false;
            i += spaces;
            continue;
        }
        // Looked at only for the few bytes that matter: each looks back over the blanks just
        // before it, so the scan stays linear.
        let starts_node = || {
            if depth > 0 {
                flow_node_start(bytes, i)
            } else {
                block_node_start(bytes, i)
            }
        };
        match c {
            b'\n' => {
                line += 1;
                at_line_start = true;
            }
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                i = memchr_newline(bytes, i);
                continue;
            }
            b'"' if starts_node() => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    if bytes.get(i) == Some(&b'\n') {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'\'' if starts_node() => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'|' | b'>' if depth == 0 && starts_node() => block_scalar = Some(indent),
            b'[' | b'{' if starts_node() => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(line);
                }
            }
            b']' | b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Index of the newline at or after `from`, or the end of `bytes`.
fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// Whether a node may start at `i` in a block context: first on its line (after the
/// indentation), or after `- `, `? ` or `: `.
fn block_node_start(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    let mut spaced = false;
    while j > 0 && matches!(bytes[j - 1], b' ' | b'\t') {
        j -= 1;
        spaced = true;
    }
    match j.checked_sub(1).map(|p| bytes[p]) {
        None | Some(b'\n' | b'\r') => true,
        Some(b'-' | b'?' | b':') => spaced,
        Some(_) => false,
    }
}

/// Whether a node may start at `i` inside a flow collection: after `[`, `{`, `,` or `:`.
fn flow_node_start(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(bytes[j - 1], b' ' | b'\t' | b'\n' | b'\r') {
        j -= 1;
    }
    j.checked_sub(1)
        .is_none_or(|p| matches!(bytes[p], b'[' | b'{' | b',' | b':'))
}
