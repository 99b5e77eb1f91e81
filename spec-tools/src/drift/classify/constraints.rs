//! Validation keywords: whether a change narrows or widens the accepted values, judged by the
//! direction the data travels.

use crate::drift::change::Kind;
use crate::drift::out::{Out, loosened, same_text, tightened, union_keys};
use crate::surface::{Direction, Node};

/// Whether a constraint change narrows or widens the accepted values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Narrowing {
    Tighter,
    Looser,
    Unknown,
}

pub(crate) fn narrowing(name: &str, old: Option<&str>, new: Option<&str>) -> Narrowing {
    // Flags: does the value restrict?
    let restricts = |v: Option<&str>| match name {
        "additionalProperties" => v == Some("false"),
        _ => v == Some("true"),
    };
    let number = |v: Option<&str>| v.and_then(|v| v.parse::<f64>().ok());
    match name {
        "exclusiveMinimum" | "exclusiveMaximum" | "uniqueItems" | "additionalProperties" => {
            match (restricts(old), restricts(new)) {
                (false, true) => Narrowing::Tighter,
                (true, false) => Narrowing::Looser,
                // Same flag but a different spelling (a 3.1 number): cannot tell.
                _ => Narrowing::Unknown,
            }
        }
        _ => match (old, new) {
            (None, Some(_)) => Narrowing::Tighter,
            (Some(_), None) => Narrowing::Looser,
            _ => match (number(old), number(new)) {
                (Some(a), Some(b)) if name.starts_with("min") => {
                    if b > a {
                        Narrowing::Tighter
                    } else {
                        Narrowing::Looser
                    }
                }
                (Some(a), Some(b)) if name.starts_with("max") => {
                    if b < a {
                        Narrowing::Tighter
                    } else {
                        Narrowing::Looser
                    }
                }
                _ => Narrowing::Unknown,
            },
        },
    }
}

pub(super) fn constraints(key: &str, o: &Node, n: &Node, dir: Direction, out: &mut Out) {
    for name in union_keys(&o.constraints, &n.constraints) {
        let (a, b) = (
            o.constraints.get(name).map(String::as_str),
            n.constraints.get(name).map(String::as_str),
        );
        if same_text(a, b) {
            continue;
        }
        if name == "pattern" {
            // See `downgrade`: the generator drops `pattern`; the server validates.
            let change = match (a, b) {
                (None, _) => "constraint pattern added",
                (_, None) => "constraint pattern removed",
                _ => "constraint pattern changed",
            };
            out.push(
                Kind::Cosmetic,
                key,
                format!("{change} (dropped by the generator: the client does not check it)"),
                format!("{} -> {}", a.unwrap_or("none"), b.unwrap_or("none")),
            );
            continue;
        }
        let kind = match narrowing(name, a, b) {
            Narrowing::Tighter => tightened(dir),
            Narrowing::Looser => loosened(dir),
            Narrowing::Unknown => Kind::Breaking,
        };
        let change = match (a, b) {
            (None, _) => format!("constraint {name} added"),
            (_, None) => format!("constraint {name} removed"),
            _ => format!("constraint {name} changed"),
        };
        out.push(
            kind,
            key,
            change,
            format!("{} -> {}", a.unwrap_or("none"), b.unwrap_or("none")),
        );
    }
}
