//! The consent data decoded by its tag, wherever the tag is, and back.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::scope::{Scope, ScopeDisplayNames};

const CLIENT: &str = r#"{"created_at":"2025-01-14T10:22:31Z","modified_at":null,"client_id":"polar_ci_x","client_name":"Acme","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null}"#;
const USER: &str =
    r#"{"id":"3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b","email":"jane@example.com","avatar_url":null}"#;
const ORG: &str =
    r#"{"id":"3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b","slug":"acme","avatar_url":null}"#;

fn object(fields: &[(&str, &str)]) -> String {
    let fields: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}", fields.join(","))
}

#[test]
fn the_tag_decides_the_arm_wherever_it_is() {
    let fields = [
        ("client", CLIENT),
        ("sub_type", "\"user\""),
        ("sub", USER),
        ("scopes", r#"["openid","teleport:write"]"#),
        ("organizations", "[]"),
        (
            "scope_display_names",
            r#"{"openid":"OpenID","email":"Changed"}"#,
        ),
    ];
    for tag_at in 0..fields.len() {
        let mut order = fields.to_vec();
        let tag = order.remove(1);
        order.insert(tag_at, tag);
        let json = object(&order);
        let r: AuthorizeResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(r.sub_type(), SubType::User, "{json}");
        assert_eq!(r.client().client_id, "polar_ci_x");
        assert_eq!(r.scopes()[1], Scope::Unknown("teleport:write".into()));
        let names = r.scope_display_names();
        assert_eq!(names.get("email"), Some("Changed"), "{json}");
        assert_eq!(names.len(), 2);
        let AuthorizeResponse::User(user) = r else {
            panic!("{json}")
        };
        assert_eq!(user.sub.unwrap().email, "jane@example.com");
    }
}

#[test]
fn organization_with_null_sub_is_the_organization_arm() {
    let json = object(&[
        ("client", CLIENT),
        ("sub_type", "\"organization\""),
        ("sub", "null"),
        ("scopes", "[]"),
        ("organizations", &format!("[{ORG}]")),
        ("added_later", r#"{"ignored": [1, 2]}"#),
    ]);
    let r: AuthorizeResponse = serde_json::from_str(&json).unwrap();
    let AuthorizeResponse::Organization(org) = &r else {
        panic!("{r:?}")
    };
    assert!(org.sub.is_none());
    assert_eq!(org.organizations[0].slug, "acme");
    // Absent display names read as the spec's default.
    let names = r.scope_display_names();
    assert!(!names.is_empty());
    assert_eq!(names.len(), ScopeDisplayNames::spec_default().len());
    assert_eq!(names.get("openid"), Scope::Openid.display_name());
}

#[test]
fn a_missing_or_unknown_tag_is_an_error_naming_it() {
    let json = object(&[("client", CLIENT), ("sub", "null"), ("scopes", "[]")]);
    let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
    assert!(e.to_string().contains("missing field `sub_type`"), "{e}");
    let json = object(&[("sub_type", "\"team\""), ("client", CLIENT)]);
    let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
    assert!(e.to_string().contains("unknown variant `team`"), "{e}");
    assert!(e.to_string().contains("`organization`"), "{e}");
}

#[test]
fn a_bad_field_before_the_tag_is_named() {
    let json = object(&[("client", "{}"), ("sub_type", "\"user\""), ("sub", "null")]);
    let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
    assert!(e.to_string().contains("`client`"), "{e}");
    let json = object(&[
        ("client", r#"{"created_at": "yesterday"}"#),
        ("sub_type", "\"user\""),
    ]);
    let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
    assert!(e.to_string().starts_with("`client`: "), "{e}");
}

#[test]
fn serializes_with_the_tag_and_decodes_back() {
    let json = object(&[
        ("sub", USER),
        ("scopes", r#"["openid"]"#),
        ("organizations", "[]"),
        ("client", CLIENT),
        ("sub_type", "\"user\""),
    ]);
    let r: AuthorizeResponse = serde_json::from_str(&json).unwrap();
    let again = serde_json::to_string(&r).unwrap();
    assert!(again.starts_with(r#"{"sub_type":"user","#), "{again}");
    let back: AuthorizeResponse = serde_json::from_str(&again).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), again);
}
