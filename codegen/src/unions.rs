//! Untagged unions decode to the arm the server meant.
//!
//! typify turns a `oneOf` without a usable tag into an untagged serde enum, whose arms are tried
//! in document order: the first that decodes wins. When an earlier arm accepts every value of a
//! later one (it needs a subset of its properties, shares its enums and ignores the rest),
//! the later arm can never be produced and its data is lost without a word (Polar's `Discount`
//! decodes every repeating discount as a once/forever one and drops `duration_in_months`).
//!
//! A tag needs no help: a property whose `enum`s (`const`s, after the downgrade) are disjoint
//! across arms already makes every arm refuse the others' values. Otherwise the arms are put
//! most specific first (an arm before every arm that accepts all its values, the document's order
//! kept where nothing decides), with one warning per union changed. Arms that accept the same
//! values stay ambiguous whatever the order: one warning names them. Refusing unknown properties
//! would separate some, but makes every response break on the day Polar adds a field, so it is
//! not done. An `anyOf` that is reordered is read as a `oneOf`: typify would otherwise make a
//! struct holding every arm that decodes, the shadowing one included.

use serde_json::Value;

use crate::accepts::{covers, is_object};
use crate::error::escape_token;
use crate::walk;

/// An untagged union of object arms whose document order decodes some values to the wrong arm
/// (or whose arms cannot be told apart at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadowing {
    /// JSON pointer of the arm list (`/components/schemas/Discount/oneOf`).
    pub pointer: String,
    /// The arms' names, in document order (a `$ref`'s component, else the arm's `title`, else
    /// its index).
    pub arms: Vec<String>,
    /// `(earlier, later)`: the earlier arm accepts every value of the later one.
    pub shadowed: Vec<(String, String)>,
    /// Pairs that accept the same values, in the decoding order chosen: the first always wins.
    pub ambiguous: Vec<(String, String)>,
    /// The decoding order chosen, as indices into the document's arms.
    pub order: Vec<usize>,
}

impl Shadowing {
    /// Whether the arms are put in another order.
    #[must_use]
    pub fn reordered(&self) -> bool {
        self.order.iter().enumerate().any(|(i, &arm)| i != arm)
    }

    /// The one-line build warnings for this union: one when reordered, one when ambiguous.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let at = &self.pointer;
        if let (true, Some((first, later))) = (self.reordered(), self.shadowed.first()) {
            let more = match self.shadowed.len() {
                1 => String::new(),
                n => format!(" (and {} more pair(s))", n - 1),
            };
            let order: Vec<&str> = self
                .order
                .iter()
                .filter_map(|&i| self.arms.get(i).map(String::as_str))
                .collect();
            let any_of = if at.ends_with("/anyOf") {
                "; read as `oneOf`, one arm per value"
            } else {
                ""
            };
            out.push(format!(
                "untagged union at #{at}: arm `{first}` accepts every value of the later arm `{later}`{more}, so decoding could never produce it; arms reordered most specific first: {}{any_of}",
                order.join(", ")
            ));
        }
        if !self.ambiguous.is_empty() {
            let pairs: Vec<String> = self
                .ambiguous
                .iter()
                .take(3)
                .map(|(a, b)| format!("`{a}` and `{b}`"))
                .collect();
            let more = match self.ambiguous.len() {
                0..=3 => String::new(),
                n => format!(" (and {} more pair(s))", n - 3),
            };
            // An `anyOf` left alone is a struct of every arm that decodes (see the module docs).
            let outcome = if at.ends_with("/anyOf") && !self.reordered() {
                "the generated struct holds every arm that decodes and cannot say which one the server meant"
            } else {
                "the first of each pair always wins"
            };
            out.push(format!(
                "untagged union at #{at} is ambiguous: arms {}{more} accept the same values, so {outcome}; a discriminator or a required property of its own would tell them apart",
                pairs.join(", ")
            ));
        }
        out
    }
}

/// Every untagged union of object arms in `doc` (a downgraded document) that the document's
/// order decodes wrong, with the order that decodes right.
pub fn find(doc: &Value) -> Vec<Shadowing> {
    let mut unions = Vec::new();
    let mut copy = doc.clone();
    walk::for_each_schema(&mut copy, &mut |schema, ptr| {
        if schema.contains_key("discriminator") {
            return;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(arms)) = schema.get(key)
                && arms.len() > 1
                && arms.iter().all(|arm| is_object(doc, arm))
            {
                unions.push((format!("{ptr}/{key}"), arms.clone()));
            }
        }
    });
    unions
        .into_iter()
        .filter_map(|(pointer, arms)| judge(doc, pointer, &arms))
        .collect()
}

/// The shadowing in one union, `None` when its document order is right.
fn judge(doc: &Value, pointer: String, arms: &[Value]) -> Option<Shadowing> {
    let n = arms.len();
    let names: Vec<String> = arms.iter().enumerate().map(|(i, a)| name(a, i)).collect();
    // covered[i][j]: arm i accepts every value of arm j.
    let covered: Vec<Vec<bool>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| i != j && covers(doc, &arms[i], &arms[j]))
                .collect()
        })
        .collect();
    let shadowed: Vec<(String, String)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .filter(|&(i, j)| covered[i][j])
        .map(|(i, j)| (names[i].clone(), names[j].clone()))
        .collect();
    if shadowed.is_empty() {
        return None;
    }
    // An arm goes before every arm that accepts all its values but not the other way round.
    let strictly = |i: usize, j: usize| covered[i][j] && !covered[j][i];
    let mut left: Vec<usize> = (0..n).collect();
    let mut order = Vec::with_capacity(n);
    while !left.is_empty() {
        let next = left
            .iter()
            .position(|&i| !left.iter().any(|&j| strictly(i, j)))
            .unwrap_or(0);
        order.push(left.remove(next));
    }
    let ambiguous = order
        .iter()
        .enumerate()
        .flat_map(|(p, &i)| order[p + 1..].iter().map(move |&j| (i, j)))
        .filter(|&(i, j)| covered[i][j])
        .map(|(i, j)| (names[i].clone(), names[j].clone()))
        .collect();
    Some(Shadowing {
        pointer,
        arms: names,
        shadowed,
        ambiguous,
        order,
    })
}

/// An arm's name in messages: the component it refers to, else its title, else its index.
fn name(arm: &Value, index: usize) -> String {
    let reference = arm.get("$ref").and_then(Value::as_str);
    let title = arm.get("title").and_then(Value::as_str);
    match (reference, title) {
        (Some(r), _) => r.rsplit('/').next().unwrap_or(r).to_owned(),
        (None, Some(t)) => t.to_owned(),
        (None, None) => format!("arm {index}"),
    }
}

/// Put every shadowed union of `doc` (except those under the components in `skip`, which the
/// facade replaces with its own types) in the order that decodes right; the warnings say what
/// was changed and what stays ambiguous.
pub(crate) fn decode_most_specific_first(doc: &mut Value, skip: &[String]) -> Vec<String> {
    let skipped = |pointer: &str| {
        skip.iter().any(|component| {
            let prefix = format!("/components/schemas/{}/", escape_token(component));
            pointer.starts_with(&prefix)
        })
    };
    let found: Vec<Shadowing> = find(doc)
        .into_iter()
        .filter(|union| !skipped(&union.pointer))
        .collect();
    let warnings = found.iter().flat_map(Shadowing::warnings).collect();
    // Inner unions first (`find` lists a union before those inside its arms): reordering an
    // outer union moves its inline arms, and with them the pointers of the unions inside.
    for union in found.iter().rev() {
        if !union.reordered() {
            continue;
        }
        let Some((holder, key)) = union.pointer.rsplit_once('/') else {
            continue;
        };
        let Some(schema) = doc.pointer_mut(holder).and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(Value::Array(arms)) = schema.remove(key) else {
            continue;
        };
        let ordered = union
            .order
            .iter()
            .filter_map(|&i| arms.get(i).cloned())
            .collect();
        schema.insert("oneOf".to_owned(), Value::Array(ordered));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(required: &[&str], properties: Value) -> Value {
        json!({"type": "object", "required": required, "properties": properties})
    }

    /// An inline arm holding a shadowed union of its own: both end up most specific first.
    #[test]
    fn a_union_inside_an_inline_arm_of_a_reordered_union_is_reordered_too() {
        let id = json!({"type": "string"});
        let inner = json!({"oneOf": [object(&["id"], json!({"id": id})),
                                     object(&["id", "n"], json!({"id": id, "n": {"type": "integer"}}))]});
        let outer = json!({"oneOf": [
            object(&["a"], json!({"a": id})),
            object(&["a", "b"], json!({"a": id, "b": inner}))]});
        let mut doc = json!({"components": {"schemas": {"Outer": outer}}});
        let warnings = decode_most_specific_first(&mut doc, &[]);
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        let outer = &doc["components"]["schemas"]["Outer"]["oneOf"];
        assert_eq!(outer[0]["required"], json!(["a", "b"]));
        let inner = &outer[0]["properties"]["b"]["oneOf"];
        assert_eq!(inner[0]["required"], json!(["id", "n"]), "{doc:#}");
        assert_eq!(find(&doc), []);
    }

    #[test]
    fn unions_the_facade_replaces_are_left_alone() {
        let id = json!({"type": "string"});
        let union = json!({"anyOf": [object(&["id"], json!({"id": id})),
                                     object(&["id", "n"], json!({"id": id, "n": id}))]});
        let mut doc = json!({"components": {"schemas": {"UserInfo": union.clone()}}});
        assert_eq!(
            decode_most_specific_first(&mut doc, &["UserInfo".to_owned()]),
            Vec::<String>::new()
        );
        assert_eq!(doc["components"]["schemas"]["UserInfo"], union);
    }
}
