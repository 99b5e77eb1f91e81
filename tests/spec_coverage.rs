//! The hand-written facade handles every `sub_type`, `grant_type` and union-arm field the spec
//! holds; a spec that adds one fails here, naming it.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use polar_oauth2::{AuthorizeResponse, Scope, Token, TokenRequest};
use polar_oauth2_codegen::coverage::{Handled, uncovered};
use polar_oauth2_codegen::{downgrade, load};
use serde_json::Value;

fn handled_grants() -> Vec<(&'static str, &'static [&'static str])> {
    TokenRequest::GRANT_TYPES
        .iter()
        .map(|g| (*g, TokenRequest::fields(g).unwrap_or_default()))
        .collect()
}

fn check(doc: &Value) -> Vec<String> {
    let grants = handled_grants();
    uncovered(
        doc,
        &Handled {
            sub_types: &AuthorizeResponse::SUB_TYPES,
            grants: &grants,
            token_response_fields: Token::FIELDS,
        },
    )
}

fn spec_in(dir: &Path) -> Value {
    let mut doc = load::load_dir(dir).unwrap_or_else(|e| panic!("{e}")).value;
    downgrade::downgrade(&mut doc).unwrap_or_else(|e| panic!("{e}"));
    doc
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `spec/` with `edit` applied to one file's text.
fn edited_spec(file: &str, edit: impl Fn(&str) -> String) -> tempdir::Dir {
    let dir = tempdir::Dir::new();
    for entry in fs::read_dir(root().join("spec")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let text = if name == file { edit(&text) } else { text };
        fs::write(dir.path().join(&name), text).unwrap();
    }
    dir
}

mod tempdir {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new() -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let p = std::env::temp_dir().join(format!(
                "polar-oauth2-coverage-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn vendored_spec_is_fully_handled_by_the_facade() {
    assert_eq!(check(&spec_in(&root().join("spec"))), Vec::<String>::new());
}

#[test]
fn every_published_spec_history_document_is_handled() {
    let dir = root().join("codegen/tests/fixtures/spec-history");
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let mut doc = load::read_file(&path).unwrap();
        downgrade::downgrade(&mut doc).unwrap();
        assert_eq!(check(&doc), Vec::<String>::new(), "{}", path.display());
    }
}

#[test]
fn a_fourth_grant_type_is_named() {
    let spec = edited_spec("oauth2-token.yaml", |text| {
        text.replace(
            "                - $ref: '#/components/schemas/WebTokenRequest'\n",
            "                - $ref: '#/components/schemas/WebTokenRequest'\n                - $ref: '#/components/schemas/ClientCredentialsTokenRequest'\n",
        )
        .replace(
            "  schemas:\n",
            "  schemas:\n    ClientCredentialsTokenRequest:\n      properties:\n        grant_type:\n          const: client_credentials\n          type: string\n        client_id:\n          type: string\n      type: object\n",
        )
    });
    let missing = check(&spec_in(spec.path()));
    assert_eq!(
        missing,
        [
            "token request grant_type `client_credentials` (`ClientCredentialsTokenRequest`) is not handled by TokenRequest"
        ]
    );
}

#[test]
fn a_new_field_in_a_grant_is_named() {
    let spec = edited_spec("oauth2-token.yaml", |text| {
        text.replace(
            "        refresh_token:\n          title: Refresh Token\n          type: string\n",
            "        refresh_token:\n          title: Refresh Token\n          type: string\n        audience:\n          type: string\n",
        )
    });
    let missing = check(&spec_in(spec.path()));
    assert_eq!(
        missing,
        [
            "token request field `RefreshTokenRequest.audience` (grant_type `refresh_token`) is not sent by TokenRequest"
        ]
    );
}

#[test]
fn a_third_sub_type_is_named() {
    let spec = edited_spec("oauth2-authorize.yaml", |text| {
        text.replace(
            "                    organization:\n                      $ref: '#/components/schemas/AuthorizeResponseOrganization'\n",
            "                    organization:\n                      $ref: '#/components/schemas/AuthorizeResponseOrganization'\n                    team:\n                      $ref: '#/components/schemas/AuthorizeResponseUser'\n",
        )
    });
    let missing = check(&spec_in(spec.path()));
    assert_eq!(
        missing,
        ["authorize response sub_type `team` is not handled by AuthorizeResponse"]
    );
}

#[test]
fn a_new_scope_is_not_a_coverage_failure_and_still_decodes() {
    let spec = edited_spec("oauth2-authorize.yaml", |text| {
        text.replace(
            "        - organization_access_tokens:write\n      title: Scope\n",
            "        - organization_access_tokens:write\n        - teleport:write\n      title: Scope\n",
        )
    });
    let doc = spec_in(spec.path());
    assert!(
        doc.pointer("/components/schemas/Scope/enum")
            .unwrap()
            .as_array()
            .unwrap()
            .contains(&Value::from("teleport:write")),
        "the edit must reach the document"
    );
    assert_eq!(check(&doc), Vec::<String>::new());
    assert_eq!(
        "teleport:write".parse::<Scope>().unwrap(),
        Scope::Unknown("teleport:write".into())
    );
}
