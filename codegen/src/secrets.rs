//! Which fields carry secrets: one table for every operation the spec has, today's and the
//! next document's.
//!
//! [`crate::shape`] rewrites every string property named in [`SECRET_FIELDS`], wherever it
//! appears in a request or response schema, into a reference to a component the generator
//! replaces with the library's secret type (`crate::secret::…`: redacted `Debug`, no `Display`,
//! read with an explicit `.secret()`). A generated struct therefore cannot print a client
//! secret or a token, whichever operation it belongs to.
//!
//! A field whose name *looks* secret (see `looks_secret`) must be in one of the two tables:
//! [`unclassified`] names any that is in neither, and the library's coverage test fails on it.
//! That is how a new `*_secret` or `*_token` field in a future document is caught before it
//! reaches a log.

use serde_json::Value;

use crate::error::escape_token;
use crate::walk;

/// Property name -> the library's secret type (a type in `crate::secret`).
pub const SECRET_FIELDS: &[(&str, &str)] = &[
    // RFC 6749 §2.3.1: client authentication in the form body.
    ("client_secret", "ClientSecret"),
    // RFC 6749 §5.1: the token response.
    ("access_token", "AccessToken"),
    ("refresh_token", "RefreshToken"),
    // OpenID Connect Core §3.1.3.3.
    ("id_token", "IdToken"),
    // Polar's `web` grant.
    ("session_token", "SessionToken"),
    // RFC 6749 §4.1.3 and RFC 7636 §4.5.
    ("code", "AuthorizationCode"),
    ("code_verifier", "PkceCodeVerifier"),
    // RFC 7009 §2.1 and RFC 7662 §2.1: an access or a refresh token.
    ("token", "OpaqueToken"),
    // RFC 7592 §3: the bearer that manages a registered client.
    ("registration_access_token", "RegistrationAccessToken"),
];

/// Names that look secret (see `looks_secret`) but are not: each with the reason.
pub(crate) const NOT_SECRET: &[(&str, &str)] = &[
    ("token_type", "RFC 6749 §7.1: `Bearer`"),
    (
        "token_type_hint",
        "RFC 7009 §2.1: `access_token` or `refresh_token`",
    ),
    (
        "token_endpoint_auth_method",
        "RFC 7591 §2: `client_secret_post`, …",
    ),
    ("client_secret_expires_at", "RFC 7591 §3.2.1: a timestamp"),
    ("token_endpoint", "RFC 8414 §2: a URL"),
];

/// Component-name prefix of the schemas that stand for secret types (kept apart from the
/// document's own names).
pub const COMPONENT_PREFIX: &str = "PolarOauth2Secret";

/// The secret type for a property name, if it carries a secret.
#[must_use]
pub fn secret_type(property: &str) -> Option<&'static str> {
    SECRET_FIELDS
        .iter()
        .find(|(name, _)| *name == property)
        .map(|(_, rust_type)| *rust_type)
}

/// The component key that stands for `rust_type` (e.g. `PolarOauth2SecretClientSecret`).
#[must_use]
pub(crate) fn component_name(rust_type: &str) -> String {
    format!("{COMPONENT_PREFIX}{rust_type}")
}

/// Whether a field name looks like it could hold a secret: `*secret*`, `*token*`,
/// `*password*`, `*verifier*`, `*credential*`, `*api_key*`, or exactly `code`.
#[must_use]
pub(crate) fn looks_secret(property: &str) -> bool {
    let name = property.to_ascii_lowercase();
    name == "code"
        || [
            "secret",
            "token",
            "password",
            "verifier",
            "credential",
            "api_key",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// Every property in `doc` whose name looks secret but is in neither [`SECRET_FIELDS`] nor
/// `NOT_SECRET`, as `name (at #/pointer)`, in document order.
#[must_use]
pub fn unclassified(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk::for_each_schema(&mut doc.clone(), &mut |schema, ptr| {
        for name in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.keys())
        {
            let known = secret_type(name).is_some() || NOT_SECRET.iter().any(|(n, _)| *n == name);
            if looks_secret(name) && !known {
                found.push(format!(
                    "`{name}` (at #{ptr}/properties/{})",
                    escape_token(name)
                ));
            }
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_secret_field_looks_secret_and_no_name_is_in_both_tables() {
        for (name, _) in SECRET_FIELDS {
            assert!(looks_secret(name), "{name}");
            assert!(!NOT_SECRET.iter().any(|(n, _)| n == name), "{name}");
        }
        for (name, _) in NOT_SECRET {
            assert!(looks_secret(name), "{name} needs no entry");
        }
    }

    #[test]
    fn a_new_secret_looking_field_is_named_with_its_pointer() {
        let doc = json!({"components": {"schemas": {"X": {"properties": {
            "client_secret": {"type": "string"},
            "token_type": {"type": "string"},
            "device_secret": {"type": "string"},
            "nested": {"properties": {"api_key_id": {"type": "string"}}}
        }}}}});
        assert_eq!(
            unclassified(&doc),
            [
                "`device_secret` (at #/components/schemas/X/properties/device_secret)",
                "`api_key_id` (at #/components/schemas/X/properties/nested/properties/api_key_id)"
            ]
        );
    }
}
