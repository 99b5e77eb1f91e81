//! Polar's published documents through the whole pipeline: the four snapshots of its OAuth2
//! section in `fixtures/spec-history/` (each alone, and each split in two files) and the
//! vendored `spec/` generate without warnings, with what the facade relies on (one `grant_type`
//! enum per token request arm, authorize arms without `sub_type`, the facade's types in place of
//! the unions, every operation's method) and a seam that runs one way.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use polar_oauth2_codegen::{generate, load, load_spec, prepare, walk};
use support::*;

/// What the facade relies on, in the code generated from any document that has the authorize
/// and token operations (each snapshot, the vendored spec).
fn assert_facade_seams(code: &Code, doc: &str) {
    // Each token request arm has its own grant_type enum with exactly its own value: with one
    // shared `GrantType` enum (typify names inline enums after their title), a refresh request
    // would send `grant_type=authorization_code`.
    for (arm, value) in [
        ("AuthorizationCodeTokenRequest", "authorization_code"),
        ("RefreshTokenRequest", "refresh_token"),
        ("WebTokenRequest", "web"),
    ] {
        let enum_name = format!("{arm}GrantType");
        assert_eq!(code.enum_values(&enum_name), [value], "{doc}: {enum_name}");
        assert_eq!(
            code.field(arm, "grant_type").as_deref(),
            Some(enum_name.as_str()),
            "{doc}: {arm}.grant_type"
        );
    }
    let names = code.type_names();
    assert!(
        !names.iter().any(|n| n == "GrantType"),
        "{doc}: a shared `GrantType` enum came back: {names:?}"
    );

    // The authorize arms lose their tag: the facade's internally tagged enum consumes it.
    for arm in ["AuthorizeResponseUser", "AuthorizeResponseOrganization"] {
        let fields = code.fields(arm);
        assert!(
            !fields.iter().any(|(name, _)| name == "sub_type"),
            "{doc}: {arm} still has `sub_type`: {fields:?}"
        );
        assert_eq!(
            code.field(arm, "scopes").as_deref(),
            Some("::std::vec::Vec<crate::scope::Scope>"),
            "{doc}: {arm}.scopes"
        );
        assert_eq!(
            code.field(arm, "scope_display_names").as_deref(),
            Some("::std::option::Option<crate::scope::ScopeDisplayNames>"),
            "{doc}: {arm}.scope_display_names"
        );
    }

    // The replaced schemas are not generated at all; the methods use the facade's types.
    for replaced in [
        "AuthorizeResponse",
        "TokenRequest",
        "TokenResponse",
        "Scope",
        "ScopeDisplayNames",
        "ResponseOauth2Authorize",
        "Oauth2RequestTokenBody",
    ] {
        assert!(
            !names.iter().any(|n| n == replaced),
            "{doc}: `{replaced}` was generated: {names:?}"
        );
    }
    let (_, authorize) = code.signature("oauth2_authorize");
    assert_eq!(
        authorize, "Result<ResponseValue<crate::authorize::AuthorizeResponse>, Error<()>>",
        "{doc}"
    );
    let (params, token) = code.signature("oauth2_request_token");
    // `Authorization` carries a `client_secret_basic` client's credentials.
    assert_eq!(
        params,
        [
            ("authorization".to_owned(), "Option<&'a str>".to_owned()),
            (
                "body".to_owned(),
                "&'a crate::token::TokenRequest".to_owned()
            )
        ],
        "{doc}"
    );
    assert_eq!(
        token, "Result<ResponseValue<crate::token::Token>, Error<()>>",
        "{doc}"
    );
}

// ---------------------------------------------------------------------------------------------
// The four snapshots

/// One snapshot alone: generates, with no warning, with every seam and all 9 methods.
fn check_snapshot(name: &str) -> Code {
    let (scratch, _, result) = generate_one(name, name, &history_text(name));
    let output = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    // Empty on purpose: every construct these documents use has a rewrite in `downgrade`
    // (see `no_31_construct_survives_the_downgrade`) or is plain 3.0, so a warning here would
    // mean something new is being lost.
    assert_eq!(output.warnings, Vec::<String>::new(), "{name}");
    let code = Code::parse(&output);
    assert_facade_seams(&code, name);
    assert_one_way_seam(&code, scratch.path(), name);
    assert_eq!(code.method_names(), ALL_METHODS, "{name}");
    code
}

/// The seam runs one way: the generated code names the library only through the generator's
/// replacements and the hooks' inner type, and every operation the hooks can receive has its
/// path template in `OPERATION_PATHS`, the one the spec gives it (without it, the path guard
/// would not know the operation).
fn assert_one_way_seam(code: &Code, spec_dir: &Path, doc: &str) {
    let loaded = load_spec(spec_dir).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let (shaped, _) = prepare(&loaded).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let replaced: Vec<String> = generate::replacements(&shaped)
        .into_iter()
        .map(|(_, rust_type)| rust_type)
        .collect();
    for path in code.crate_paths() {
        let known = replaced.contains(&path)
            || path == generate::INNER_TYPE
            || path.starts_with(&format!("{}::", generate::GENERATED_MODULE));
        assert!(
            known,
            "{doc}: the generated code names `{path}` of the library"
        );
    }
    let table = code.operation_paths();
    let mut spec_requests: Vec<String> = Vec::new();
    for (path, item) in shaped["paths"].as_object().into_iter().flatten() {
        for (method, _) in item.as_object().into_iter().flatten() {
            if walk::METHODS.contains(&method.as_str()) {
                spec_requests.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let mut generated_requests = Vec::new();
    for (id, request) in code.operation_infos() {
        let template = table
            .iter()
            .find(|(key, _)| *key == id)
            .map(|(_, template)| template)
            .unwrap_or_else(|| panic!("{doc}: operation `{id}` is not in OPERATION_PATHS"));
        assert!(
            request.ends_with(&format!(" {template}")),
            "{doc}: `{id}` sends {request}, its template is {template}"
        );
        generated_requests.push(request);
    }
    spec_requests.sort();
    generated_requests.sort();
    assert_eq!(generated_requests, spec_requests, "{doc}");
    assert_eq!(table.len(), spec_requests.len(), "{doc}");
}

#[test]
fn snapshot_2026_03_05_generates() {
    let code = check_snapshot(HISTORY[0]);
    assert_eq!(code.field("AuthorizeResponseUser", "organizations"), None);
}

#[test]
fn snapshot_2026_04_03_generates() {
    check_snapshot(HISTORY[1]);
}

#[test]
fn snapshot_2026_06_18_generates() {
    let code = check_snapshot(HISTORY[2]);
    assert_eq!(code.field("AuthorizeResponseUser", "organizations"), None);
    // `default_sub_type: {$ref: SubType, default: organization}`: the `$ref` sibling is kept.
    assert!(
        code.flat().contains(
            "fn o_auth2_client_configuration_default_sub_type() -> super::SubType { super::SubType::Organization }"
        ),
        "the default of `default_sub_type` was lost"
    );
}

#[test]
fn snapshot_2026_08_20_generates_with_its_drift() {
    let code = check_snapshot(HISTORY[3]);
    // The real drift of this snapshot shows in the generated code.
    assert_eq!(
        code.field("AuthorizeResponseUser", "organizations")
            .as_deref(),
        Some("::std::vec::Vec<AuthorizeOrganization>")
    );
    assert_eq!(
        code.field("AuthorizeResponseUser", "requires_single_organization")
            .as_deref(),
        Some("bool")
    );
    assert_eq!(
        code.field("OAuth2ClientConfiguration", "default_sub_type")
            .as_deref(),
        Some("SubType")
    );
    assert!(
        code.flat().contains(
            "fn o_auth2_client_configuration_default_sub_type() -> super::SubType { super::SubType::User }"
        ),
        "the default of `default_sub_type` was lost"
    );
    // `DELETE /v1/oauth2/register/{client_id}` now answers 204 (it was 200 with a JSON body).
    let (_, delete) = code.signature("oauth2_clients_oauth2_delete_client");
    assert_eq!(delete, "Result<ResponseValue<()>, Error<()>>");
}

/// Each snapshot split in two files (the operations shared out, the components repeated, as
/// Polar publishes one document per operation) merges back into the same client.
#[test]
fn each_snapshot_split_in_two_files_generates_the_same_client() {
    for name in HISTORY {
        let whole = history_value(name);
        let paths = whole["paths"].as_object().expect("paths");
        let half = paths.len() / 2;
        let (mut first, mut second) = (whole.clone(), whole.clone());
        first["paths"] = paths
            .iter()
            .take(half)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        second["paths"] = paths
            .iter()
            .skip(half)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();

        let alone = Scratch::new(&format!("whole-{name}"));
        alone.write_yaml("oauth2.yaml", &whole);
        let split = Scratch::new(&format!("split-{name}"));
        split.write_yaml("oauth2-a.yaml", &first);
        split.write_yaml("oauth2-b.yaml", &second);

        let expected = generate_caught(alone.path()).unwrap_or_else(|e| panic!("{e}"));
        let merged = generate_caught(split.path()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            merged.client == expected.client,
            "{name}: the split generates other code"
        );
        assert_eq!(merged.scopes, expected.scopes, "{name}");
        assert_eq!(merged.warnings, expected.warnings, "{name}");
    }
}

/// The vendored `spec/`, whatever documents it holds: one client method per operation, named
/// after its `operationId`, and the facade's seams in place.
#[test]
fn vendored_spec_generates_with_the_facade_seams() {
    let doc = load::load_dir(&vendored_spec()).unwrap_or_else(|e| panic!("{e}"));
    let mut expected: Vec<String> = doc.value["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter_map(|(_, op)| op.get("operationId")?.as_str())
        .map(|id| id.replace(':', "_"))
        .collect();
    expected.sort();
    let output = generate_caught(&vendored_spec()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.warnings, Vec::<String>::new());
    let code = Code::parse(&output);
    assert_facade_seams(&code, "spec/");
    assert_one_way_seam(&code, &vendored_spec(), "spec/");
    let mut methods = code.method_names();
    methods.sort();
    assert_eq!(methods, expected);
}

/// How long the pipeline takes on the vendored `spec/` and how much it generates (printed with
/// `--nocapture`). No bound is asserted on a shared machine; the build script prints the same
/// numbers with `POLAR_OAUTH2_CODEGEN_TIMINGS=1`.
#[test]
fn measure_the_vendored_spec() {
    let _ = generate_caught(&vendored_spec()); // warm the file cache
    let runs = 5;
    let mut best = Duration::MAX;
    let mut output = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = generate_caught(&vendored_spec()).unwrap_or_else(|e| panic!("{e}"));
        best = best.min(start.elapsed());
        output = Some(out);
    }
    let output = output.expect("at least one run");
    let phases: Vec<_> = output
        .timings
        .iter()
        .map(|(phase, took)| format!("{phase} {:.1} ms", took.as_secs_f64() * 1e3))
        .collect();
    println!(
        "vendored spec/: best of {runs} runs {:.1} ms ({}); {} lines, {} bytes generated",
        best.as_secs_f64() * 1e3,
        phases.join(", "),
        output.client.lines().count(),
        output.client.len()
    );
    assert!(output.client.lines().count() > 100);
}
