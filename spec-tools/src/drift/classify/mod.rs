//! The classification rules of the table in [`super`]: one function per part of the surface.

mod compare;
mod constraints;
mod nodes;

use super::change::{Change, Kind};
use super::out::{Out, cosmetic_maps, union_keys};
use super::{rename, security};
use crate::surface::Surface;

#[cfg(test)]
pub(super) use constraints::{Narrowing, narrowing};

/// Every change from `old` to `new`, unsorted.
pub(super) fn classify(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut out = Out::default();
    let renames = rename::find(old, new);
    let renamed;
    let old = if renames.is_empty() {
        old
    } else {
        for (from, to) in &renames {
            out.push(
                Kind::Breaking,
                to.as_str(),
                "schema renamed (same structure; the generated type is renamed)",
                format!("{from} -> {to}"),
            );
        }
        renamed = rename::apply(old, &renames);
        &renamed
    };
    document(old, new, &mut out);
    operations(old, new, &mut out);
    nodes::nodes(old, new, &mut out);
    out.0
}

/// `info`, servers, security schemes, tags and other top-level documentation.
fn document(old: &Surface, new: &Surface, out: &mut Out) {
    cosmetic_maps("document", &old.cosmetic, &new.cosmetic, out);
    for url in union_keys(&old.servers, &new.servers) {
        match (old.servers.get(url), new.servers.get(url)) {
            (Some(_), None) => out.push(Kind::Breaking, url.as_str(), "server removed", ""),
            (None, Some(_)) => out.push(Kind::Additive, url.as_str(), "server added", ""),
            (Some(a), Some(b)) => cosmetic_maps(url, a, b, out),
            (None, None) => {}
        }
    }
    // What a scheme's name stands for matters only where an operation requires it: that is
    // judged per operation, by the credential sent (see `security`).
    for name in union_keys(&old.security_schemes, &new.security_schemes) {
        let item = format!("security scheme {name}");
        match (
            old.security_schemes.get(name),
            new.security_schemes.get(name),
        ) {
            (Some(a), None) => out.push(Kind::Cosmetic, item, "security scheme removed", &a.kind),
            (None, Some(b)) => out.push(Kind::Cosmetic, item, "security scheme added", &b.kind),
            (Some(a), Some(b)) => {
                if a.kind != b.kind {
                    out.push(
                        Kind::Cosmetic,
                        item.as_str(),
                        "security scheme changed",
                        format!("{} -> {}", a.kind, b.kind),
                    );
                }
                cosmetic_maps(&item, &a.cosmetic, &b.cosmetic, out);
            }
            (None, None) => {}
        }
    }
}

fn operations(old: &Surface, new: &Surface, out: &mut Out) {
    for key in union_keys(&old.operations, &new.operations) {
        match (old.operations.get(key), new.operations.get(key)) {
            (Some(o), None) => out.push(
                Kind::Breaking,
                o.label.as_str(),
                "operation removed",
                o.id.clone().unwrap_or_default(),
            ),
            (None, Some(n)) => out.push(
                Kind::Additive,
                n.label.as_str(),
                "operation added",
                n.id.clone().unwrap_or_default(),
            ),
            (Some(o), Some(n)) => {
                let item = n.label.as_str();
                if o.id != n.id {
                    out.push(
                        Kind::Breaking,
                        item,
                        "operationId changed (the generated method is renamed)",
                        format!(
                            "{} -> {}",
                            o.id.as_deref().unwrap_or("none"),
                            n.id.as_deref().unwrap_or("none")
                        ),
                    );
                }
                security::compare(item, (old, &o.security), (new, &n.security), out);
                cosmetic_maps(item, &o.cosmetic, &n.cosmetic, out);
            }
            (None, None) => {}
        }
    }
}
