//! Security requirements, compared by what the client sends, not by scheme name.
//!
//! A requirement names schemes; what reaches the server is a credential: `http bearer`,
//! `openIdConnect` and `oauth2` all put a token in `Authorization: Bearer`, `http basic` puts
//! credentials in `Authorization: Basic`, an `apiKey` is a named header, query parameter or
//! cookie. A client keeps working when the new spec accepts, for the credential it sends, a
//! subset of it with no more scopes: so a scheme renamed with the same kind changes nothing, and
//! authentication made optional or dropped is alike (a client that keeps sending its token
//! works in both).

use std::collections::{BTreeMap, BTreeSet};

use super::change::Kind;
use super::out::Out;
use crate::surface::Surface;

/// One alternative of an operation's security: the credentials sent together and the scopes
/// their token must carry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Alternative {
    /// Empty for anonymous access.
    credentials: BTreeSet<String>,
    scopes: BTreeSet<String>,
}

impl Alternative {
    /// Does a client that satisfied `old` satisfy `self` by sending the same credentials?
    fn accepts(&self, old: &Alternative) -> bool {
        self.credentials.is_subset(&old.credentials) && self.scopes.is_subset(&old.scopes)
    }

    fn describe(&self) -> String {
        if self.credentials.is_empty() {
            return "none".into();
        }
        let mut text = self
            .credentials
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(" + ");
        if !self.scopes.is_empty() {
            text.push_str(&format!(
                " [{}]",
                self.scopes.iter().cloned().collect::<Vec<_>>().join(" ")
            ));
        }
        text
    }
}

/// The header (or parameter) a scheme of kind `kind` (as [`Surface`] lists it) makes the client
/// send.
fn credential(kind: &str) -> String {
    let mut words = kind.split_whitespace();
    match (words.next(), words.next()) {
        (Some("openIdConnect" | "oauth2"), _) => "Authorization: Bearer".into(),
        (Some("http"), Some(scheme)) => {
            // RFC 7235: the auth-scheme is case-insensitive.
            let mut scheme = scheme.to_ascii_lowercase();
            if let Some(first) = scheme.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("Authorization: {scheme}")
        }
        (Some("apiKey"), Some(place)) => match place.split_once(':') {
            // Header names are case-insensitive (RFC 9110 §5.1).
            Some(("header", name)) => format!("header {}", name.to_ascii_lowercase()),
            Some((location, name)) => format!("{location} {name}"),
            None => format!("apiKey {place}"),
        },
        _ => kind.to_owned(),
    }
}

/// The alternatives of one operation, from [`Surface`]'s `a + b[scope …]` strings.
fn alternatives(surface: &Surface, listed: &BTreeSet<String>) -> BTreeSet<Alternative> {
    let kinds: BTreeMap<&str, &str> = surface
        .security_schemes
        .iter()
        .map(|(name, scheme)| (name.as_str(), scheme.kind.as_str()))
        .collect();
    listed
        .iter()
        .map(|alternative| {
            let mut credentials = BTreeSet::new();
            let mut scopes = BTreeSet::new();
            if alternative != "none" {
                for part in alternative.split(" + ") {
                    let (name, listed_scopes) = match part.split_once('[') {
                        Some((name, rest)) => (name, rest.strip_suffix(']').unwrap_or(rest)),
                        None => (part, ""),
                    };
                    scopes.extend(listed_scopes.split_whitespace().map(str::to_owned));
                    credentials.insert(match kinds.get(name) {
                        Some(kind) => credential(kind),
                        // A requirement naming no declared scheme: only its name is known.
                        None => format!("undeclared scheme {name}"),
                    });
                }
            }
            Alternative {
                credentials,
                scopes,
            }
        })
        .collect()
}

/// Compare an operation's security in two surfaces (each with the scheme alternatives it lists).
pub(super) fn compare(
    item: &str,
    (old_surface, old): (&Surface, &BTreeSet<String>),
    (new_surface, new): (&Surface, &BTreeSet<String>),
    out: &mut Out,
) {
    if old_surface.security_schemes == new_surface.security_schemes && old == new {
        return;
    }
    let before = alternatives(old_surface, old);
    let after = alternatives(new_surface, new);
    let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(" | ");
    let names = format!("{} -> {}", join(old), join(new));
    if before == after {
        if old != new {
            out.push(
                Kind::Cosmetic,
                item,
                "security requirement renamed (the same credential is sent)",
                names,
            );
        }
        return;
    }
    let describe = |s: &BTreeSet<Alternative>| {
        s.iter()
            .map(Alternative::describe)
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let detail = format!("{} -> {} ({names})", describe(&before), describe(&after));
    let anonymous = |a: &Alternative| a.credentials.is_empty();
    // Every way of calling that worked must still work.
    for alternative in &before {
        if after.iter().any(|new| new.accepts(alternative)) {
            continue;
        }
        let change = if anonymous(alternative) {
            "authentication now required"
        } else if after
            .iter()
            .any(|new| new.credentials.is_subset(&alternative.credentials))
        {
            "more scopes required (a token that worked may be refused)"
        } else {
            "security alternative removed (a client sending this credential is refused)"
        };
        out.push(Kind::Breaking, item, change, detail.as_str());
    }
    // New ways of calling, unless an old way stopped working (its entry shows the new ones).
    if out
        .0
        .iter()
        .any(|c| c.item == item && c.kind == Kind::Breaking)
    {
        return;
    }
    for alternative in &after {
        if before
            .iter()
            .any(|old| alternative.accepts(old) && old.accepts(alternative))
        {
            continue;
        }
        let change = if anonymous(alternative) {
            "authentication made optional or dropped (a client sending its token still works)"
        } else if before.iter().any(|old| alternative.accepts(old)) {
            "fewer scopes required"
        } else {
            "security alternative added"
        };
        out.push(Kind::Additive, item, change, detail.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_kinds_send_the_same_header_api_keys_their_own() {
        assert_eq!(credential("http bearer"), "Authorization: Bearer");
        assert_eq!(credential("http Bearer (JWT)"), "Authorization: Bearer");
        assert_eq!(
            credential("openIdConnect /.well-known/openid-configuration"),
            "Authorization: Bearer"
        );
        assert_eq!(credential("oauth2 {\"flows\":{}}"), "Authorization: Bearer");
        assert_eq!(credential("http basic"), "Authorization: Basic");
        assert_eq!(credential("apiKey header:X-Api-Key"), "header x-api-key");
        assert_eq!(credential("apiKey query:key"), "query key");
    }
}
