//! The path guard: a request goes out only to its operation's own path. progenitor's
//! `encode_path` leaves a `.` or `..` path parameter as it is and URL parsing then resolves it
//! away (`DELETE /v1/oauth2/register/..` would become `DELETE /v1/oauth2/`); an empty one names
//! no segment. Percent-encoding cannot help: `%2e` is a dot segment too (WHATWG URL, RFC 3986
//! §6.2.2.2). So the hooks compare the URL's path with the operation's template, which the
//! generator writes beside progenitor's output (`OPERATION_PATHS`).

use crate::generated::OPERATION_PATHS;

/// The path template of the generated operation `operation_id`; `None` for a request that is
/// not one of the generated operations (the ID token verifier's discovery and keys).
pub(crate) fn template(operation_id: &str) -> Option<&'static str> {
    OPERATION_PATHS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, template)| *template)
}

/// Whether `path` (a URL's path, percent-encoded) is `base_path` followed by `template` with
/// each `{parameter}` standing for at least one character of a single segment. Resolving a dot
/// segment removes segments, and an empty parameter leaves an empty one: neither matches.
pub(crate) fn matches(base_path: &str, template: &str, path: &str) -> bool {
    let Some(rest) = path.strip_prefix(base_path) else {
        return false;
    };
    let mut wanted = template.split('/');
    let mut got = rest.split('/');
    loop {
        match (wanted.next(), got.next()) {
            (None, None) => return true,
            (Some(t), Some(g)) if segment_matches(t, g) => {}
            _ => return false,
        }
    }
}

/// One segment of a template (`{id}`, `v1`, `{a}.{b}`) against one of a path.
fn segment_matches(template: &str, segment: &str) -> bool {
    let mut pieces = template.split('{');
    let Some(mut rest) = segment.strip_prefix(pieces.next().unwrap_or_default()) else {
        return false;
    };
    let mut pieces = pieces.peekable();
    while let Some(piece) = pieces.next() {
        // `name}literal`: the parameter takes at least one character, then the literal follows.
        let literal = piece.split_once('}').map_or("", |(_, literal)| literal);
        let mut chars = rest.chars();
        if chars.next().is_none() {
            return false;
        }
        let after = chars.as_str();
        if pieces.peek().is_none() {
            return after.ends_with(literal);
        }
        match after.find(literal) {
            Some(at) => rest = &after[at + literal.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Why a request was refused before it was sent.
pub(crate) fn refusal(operation_id: &str, template: &str) -> String {
    format!(
        "a path parameter of {operation_id} ({template}) is empty or a dot segment (`.`, `..`), which would send the request to another path: each must be a non-empty segment other than `.` or `..` (nothing was sent)"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_path_with_its_parameters_filled_in_matches_its_template() {
        let t = "/v1/oauth2/register/{client_id}";
        assert!(matches("", t, "/v1/oauth2/register/polar_ci_x"));
        assert!(matches("/prefix", t, "/prefix/v1/oauth2/register/a%2Fb"));
        assert!(matches("", "/v1/oauth2/token", "/v1/oauth2/token"));
        assert!(matches("", "/a/{x}.{y}/b", "/a/1.json/b"));
        assert!(matches("", "/a/v{n}", "/a/v2"));
    }

    #[test]
    fn resolved_dot_segments_and_empty_parameters_do_not_match() {
        let t = "/v1/oauth2/register/{client_id}";
        for id in [".", "..", "%2e", "%2E%2e", ".%2e", ""] {
            let url = reqwest::Url::parse(&format!("http://127.0.0.1/v1/oauth2/register/{id}"))
                .unwrap_or_else(|e| panic!("{id:?}: {e}"));
            assert!(!matches("", t, url.path()), "{id:?} -> {}", url.path());
        }
        assert!(!matches("", "/a/{x}/b/{y}", "/b/y"));
        assert!(!matches("/prefix", t, "/v1/oauth2/register/x"));
        assert!(!matches("", "/a/{x}.{y}/b", "/a/.json/b"));
        assert!(!matches("", "/a/v{n}", "/a/v"));
        assert!(!matches("", t, "/v1/oauth2/register/x/y"));
    }

    #[test]
    fn every_generated_operation_has_a_template() {
        assert!(!OPERATION_PATHS.is_empty());
        for (id, path) in OPERATION_PATHS {
            assert_eq!(template(id), Some(*path));
        }
        assert_eq!(template("not_an_operation"), None);
    }
}
