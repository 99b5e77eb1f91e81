//! Untagged unions whose arms start to shadow one another (see [`polar_oauth2_codegen::unions`]): an earlier
//! arm that accepts every value of a later one, or two arms that accept the same values. Decoding
//! changes meaning (a value comes back as another arm, or the generator reorders the arms and
//! reads an `anyOf` as a `oneOf`), so it is breaking whatever the direction.

use std::collections::BTreeSet;

use serde_json::Value;

use super::change::{Change, Kind};
use polar_oauth2_codegen::unions::{self, Shadowing};

/// The shadowing `new` has that `old` did not, one entry per union and kind.
pub(super) fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let before = unions::find(old);
    let mut out = Vec::new();
    for union in unions::find(new) {
        let was = before.iter().find(|u| u.pointer == union.pointer);
        let pairs = |u: Option<&Shadowing>, ambiguous: bool| match u {
            Some(u) if ambiguous => both_ways(u),
            Some(u) => {
                let both = both_ways(u);
                u.shadowed
                    .iter()
                    .filter(|pair| !both.contains(&sorted(pair)))
                    .cloned()
                    .collect()
            }
            None => BTreeSet::new(),
        };
        let item = readable(&union.pointer);
        for (ambiguous, change) in [
            (
                false,
                "untagged union arm shadowed (an earlier arm accepts every value of a later one: decoding changes meaning)",
            ),
            (
                true,
                "untagged union made ambiguous (two arms accept the same values)",
            ),
        ] {
            let added: Vec<String> = pairs(Some(&union), ambiguous)
                .difference(&pairs(was, ambiguous))
                .map(|(a, b)| match ambiguous {
                    true => format!("{a} and {b}"),
                    false => format!("{a} accepts {b}"),
                })
                .collect();
            if !added.is_empty() {
                out.push(Change {
                    kind: Kind::Breaking,
                    item: item.clone(),
                    change: change.to_owned(),
                    detail: added.join("; "),
                });
            }
        }
    }
    out
}

/// The pairs of arms that accept each other's values, each in name order (which one is tried
/// first does not make them less ambiguous).
fn both_ways(union: &Shadowing) -> BTreeSet<(String, String)> {
    union.ambiguous.iter().map(sorted).collect()
}

fn sorted((a, b): &(String, String)) -> (String, String) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

/// `Checkout.discount` for `/components/schemas/Checkout/properties/discount/oneOf`; other
/// places by their pointer.
fn readable(pointer: &str) -> String {
    let union = pointer
        .trim_end_matches("/oneOf")
        .trim_end_matches("/anyOf");
    match union.strip_prefix("/components/schemas/") {
        Some(rest) => rest
            .replace("/properties/", ".")
            .replace("~1", "/")
            .replace("~0", "~"),
        None => format!("#{pointer}"),
    }
}
