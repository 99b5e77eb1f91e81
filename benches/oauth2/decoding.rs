//! Decoding each operation's response against `#[derive(Deserialize)]` structs the way a user
//! would write them (create, get and update share `client_decode`; delete has no body), and the
//! decode time per byte at 1x, 10x and 100x the response size.

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use polar_oauth2::{AuthorizeResponse, Introspection, RegisteredClient, Token, UserInfo};

use crate::common::*;
use crate::measure::pair;
use crate::mode;

pub fn decoding(c: &mut Criterion) {
    let authorize = authorize_body();
    assert!(
        (2_500..4_000).contains(&authorize.len()),
        "authorize body is {} bytes",
        authorize.len()
    );
    // The crate decodes what the baseline decodes, display names included.
    let ours: AuthorizeResponse = serde_json::from_slice(&authorize).expect("crate decode");
    assert_eq!(ours.scopes().len(), SCOPES.len());
    assert_eq!(ours.scope_display_names().len(), spec_display_names().len());
    assert_eq!(ours.scope_display_names().differences().count(), 0);
    pair(
        c,
        "authorize_decode",
        "crate",
        || serde_json::from_slice::<BaselineAuthorize>(&authorize).expect("baseline decode"),
        || serde_json::from_slice::<AuthorizeResponse>(&authorize).expect("crate decode"),
    );

    let token = token_body();
    let ours: Token = serde_json::from_slice(&token).expect("crate decode");
    assert_eq!(ours.scope().len(), SCOPES.len());
    pair(
        c,
        "token_decode",
        "crate",
        || serde_json::from_slice::<BaselineToken>(&token).expect("baseline decode"),
        || serde_json::from_slice::<Token>(&token).expect("crate decode"),
    );

    let introspect = introspect_body();
    assert!(
        serde_json::from_slice::<Introspection>(&introspect)
            .expect("crate")
            .is_active()
    );
    pair(
        c,
        "introspect_decode",
        "crate",
        || serde_json::from_slice::<BaselineIntrospection>(&introspect).expect("baseline"),
        || serde_json::from_slice::<Introspection>(&introspect).expect("crate"),
    );

    let userinfo = userinfo_body();
    pair(
        c,
        "userinfo_decode",
        "crate",
        || serde_json::from_slice::<BaselineUserInfo>(&userinfo).expect("baseline"),
        || serde_json::from_slice::<UserInfo>(&userinfo).expect("crate"),
    );

    // create, get and update answer the same registered client.
    let client = client_body();
    let ours: RegisteredClient = serde_json::from_slice(&client).expect("crate");
    assert!(ours.registration_access_token.is_some());
    pair(
        c,
        "client_decode",
        "crate",
        || serde_json::from_slice::<BaselineRegisteredClient>(&client).expect("baseline"),
        || serde_json::from_slice::<RegisteredClient>(&client).expect("crate"),
    );

    // What the generated revoke call decodes (`RevokeTokenResponse`, an open object).
    pair(
        c,
        "revoke_decode",
        "crate",
        || serde_json::from_slice::<BaselineRevoked>(b"{}").expect("baseline"),
        || {
            serde_json::from_slice::<polar_oauth2::generated::types::RevokeTokenResponse>(b"{}")
                .expect("crate")
        },
    );

    scaling();
}

/// Linear in the response size: the crate's decode time per byte at 1x, 10x and 100x the
/// scopes (token: the `scope` string; authorize: the `scopes` array), against the baseline's.
fn scaling() {
    let mode = mode();
    if mode.calls.is_some() || !mode.runs("decode_scaling") {
        return;
    }
    println!("\nDecode time per byte (median of 31 runs), 1x / 10x / 100x the scopes:");
    let scaled = |body: &[u8], from: &str, repeat: usize| -> Vec<u8> {
        let body = std::str::from_utf8(body).expect("utf-8");
        body.replacen(
            from,
            &vec![from; repeat].join(if from.starts_with('"') { "," } else { " " }),
            1,
        )
        .into_bytes()
    };
    let per_byte = |body: &[u8], f: &mut dyn FnMut(&[u8])| {
        let mut runs: Vec<f64> = (0..31)
            .map(|_| {
                let n = 50;
                let start = Instant::now();
                for _ in 0..n {
                    f(body);
                }
                start.elapsed().as_nanos() as f64 / n as f64 / body.len() as f64
            })
            .collect();
        runs.sort_by(f64::total_cmp);
        runs[15]
    };
    let scopes = SCOPES.join(" ");
    let quoted = SCOPES.map(|s| format!("\"{s}\"")).join(",");
    for (name, body, from) in [
        ("token_decode_scaling", token_body(), scopes.as_str()),
        (
            "authorize_decode_scaling",
            authorize_body(),
            quoted.as_str(),
        ),
    ] {
        let mut line = format!("  {name}:");
        for repeat in [1, 10, 100] {
            let body = scaled(&body, from, repeat);
            let (ours, base) = if name.starts_with("token") {
                (
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<Token>(b).expect("crate"),
                        ))
                    }),
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<BaselineToken>(b).expect("baseline"),
                        ))
                    }),
                )
            } else {
                (
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<AuthorizeResponse>(b).expect("crate"),
                        ))
                    }),
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<BaselineAuthorize>(b).expect("baseline"),
                        ))
                    }),
                )
            };
            let _ = std::fmt::Write::write_fmt(
                &mut line,
                format_args!(
                    "  {repeat}x ({} B): crate {ours:.2} ns/B, baseline {base:.2} ns/B;",
                    body.len()
                ),
            );
        }
        println!("{line}");
    }
}
