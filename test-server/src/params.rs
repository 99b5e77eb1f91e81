//! Request parameters and credentials as Starlette and authlib read them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use polar_oauth2::Scope;

/// `CODE_CHALLENGE_PATTERN`/`CODE_VERIFIER_PATTERN` of RFC 7636 §4.1–4.2.
const PKCE_LENGTH: std::ops::RangeInclusive<usize> = 43..=128;

/// `Authorization: Basic base64(id:secret)` (authlib's `extract_basic_authorization`).
pub(super) fn basic_credentials(header: &str) -> Option<(String, Option<String>)> {
    let (scheme, token) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(token.trim()).ok()?).ok()?;
    Some(match decoded.split_once(':') {
        Some((id, secret)) => (id.to_owned(), Some(secret.to_owned())),
        None => (decoded, None),
    })
}

/// The query of a URL, of a path with a query, or a query alone.
pub(super) fn query_of(url: &str) -> &str {
    let without_fragment = url.split('#').next().unwrap_or_default();
    match without_fragment.split_once('?') {
        Some((_, query)) => query,
        None if without_fragment.contains('=') => without_fragment,
        None => "",
    }
}

/// authlib's `add_params_to_uri`: the parameters appended to the URI's query.
pub(super) fn with_query(uri: &str, params: &[(&str, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        serializer.append_pair(name, value);
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{}", serializer.finish())
}

/// Query or form parameters, in order. `get` returns the last value, as Starlette does.
#[derive(Debug, Clone, Default)]
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub(super) fn parse(query: &str) -> Self {
        Self::parse_bytes(query.as_bytes())
    }

    pub(super) fn parse_bytes(bytes: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value if present and not empty (Python truthiness, as authlib tests it).
    pub(super) fn truthy(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub(super) fn count(&self, name: &str) -> usize {
        self.0.iter().filter(|(k, _)| k == name).count()
    }

    /// Every value of a repeated parameter, in order (Starlette's `getlist`).
    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// The bearer token of an `Authorization` header (Starlette's `get_authorization_scheme_param`
/// and Polar's `get_bearer_token`): scheme `Bearer` in any case, a non-empty ASCII value.
pub(super) fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let (scheme, value) = authorization?.split_once(' ')?;
    let value = value.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !value.is_empty() && value.is_ascii())
        .then_some(value)
}

/// `web:read` and `web:write` are reserved for Polar's own clients.
pub(super) fn is_reserved(scope: &str) -> bool {
    scope == "web:read" || scope == "web:write"
}

/// Polar's `SCOPES_SUPPORTED`: discovery's `scopes_supported` and a registered client's
/// default scope. The spec's scopes without the reserved ones and the organization access
/// token scopes, which Polar keeps out.
pub(super) fn supported_scopes() -> impl Iterator<Item = &'static str> {
    Scope::KNOWN
        .iter()
        .map(Scope::as_str)
        .filter(|s| !is_reserved(s) && !s.starts_with("organization_access_tokens:"))
}

/// A scope Polar's server knows: the spec's, or a reserved one (which the spec stopped listing
/// in 2026-06 while the server kept them).
pub(super) fn is_valid_scope(scope: &str) -> bool {
    Scope::known(scope).is_some() || is_reserved(scope)
}

/// authlib's `scope_to_list`.
pub(super) fn scope_list(scope: &str) -> Vec<String> {
    scope.split_ascii_whitespace().map(str::to_owned).collect()
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
pub(super) fn is_pkce_value(value: &str) -> bool {
    PKCE_LENGTH.contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}
