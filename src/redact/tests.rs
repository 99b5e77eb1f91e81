//! Every form of a secret a server can echo, found; what is not secret, kept.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;

const SECRET: &str = "polar_cs_Sec+ret/é x";

fn scrub(r: &Redactor, text: &str) -> String {
    r.scrub_str(text).into_owned()
}

fn assert_hidden(r: &Redactor, text: &str, secret: &str) {
    let out = scrub(r, text);
    assert!(!out.contains(secret), "{text:?} -> {out:?}");
    assert!(out.contains(REDACTED), "{text:?} -> {out:?}");
}

fn percent(bytes: &[u8], keep: impl Fn(u8) -> bool, upper: bool) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b if keep(b) => char::from(b).to_string(),
            b if upper => format!("%{b:02X}"),
            b => format!("%{b:02x}"),
        })
        .collect()
}

#[test]
fn every_form_of_an_exact_secret_is_found() {
    // A secret without the `polar_` prefix, so only the exact-secret patterns can find it.
    let secret = "Sec+ret/é x-9~*";
    let r = Redactor::new(Some("polar_ci_app"), [secret]);
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let form_safe = |b: u8| b.is_ascii_alphanumeric() || b"*-._".contains(&b);
    let json = serde_json::to_string(secret).unwrap();
    let all_u: String = secret
        .encode_utf16()
        .map(|u| format!("\\u{u:04x}"))
        .collect();
    let forms = [
        ("as sent", secret.to_owned()),
        (
            "form, upper hex",
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        ),
        (
            "form, lower hex",
            percent(secret.as_bytes(), form_safe, false).replace("%20", "+"),
        ),
        (
            "RFC 3986, upper",
            percent(secret.as_bytes(), unreserved, true),
        ),
        (
            "RFC 3986, lower",
            percent(secret.as_bytes(), unreserved, false),
        ),
        (
            "every byte encoded",
            percent(secret.as_bytes(), |_| false, false),
        ),
        ("JSON", json.trim_matches('"').to_owned()),
        ("JSON, all \\u", all_u),
        ("base64", STANDARD_NO_PAD.encode(secret)),
        (
            "base64, padded",
            base64::engine::general_purpose::STANDARD.encode(secret),
        ),
        ("base64url", URL_SAFE_NO_PAD.encode(secret)),
        (
            "Basic id:secret",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("polar_ci_app:{secret}"))
            ),
        ),
        (
            "Basic, form-encoded parts",
            format!(
                "Basic {}",
                STANDARD_NO_PAD.encode(format!(
                    "polar_ci_app:{}",
                    url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
                ))
            ),
        ),
    ];
    for (name, form) in forms {
        let text = format!("error: you sent <{form}> which is wrong");
        let out = scrub(&r, &text);
        assert!(!out.contains(&form), "{name}: {out}");
        assert!(
            out.contains("error: you sent <") && out.ends_with("> which is wrong"),
            "{name}: {out}"
        );
        assert!(out.contains(REDACTED), "{name}: {out}");
    }
}

#[test]
fn short_secrets_are_found_as_whole_words_only() {
    let r = Redactor::new(None, ["abc"]);
    assert_eq!(scrub(&r, "code=abc&x=1"), "code=[redacted]&x=1");
    assert_eq!(scrub(&r, "you sent \"abc\""), "you sent \"[redacted]\"");
    assert_eq!(scrub(&r, "abc"), "[redacted]");
    assert_eq!(scrub(&r, "%61bc!"), "[redacted]!");
    // Inside a longer word it is ordinary text.
    assert_eq!(scrub(&r, "the abcdef alphabet"), "the abcdef alphabet");
    // The old rule searched nothing under 8 bytes.
    let r = Redactor::new(None, ["s3cr3t"]);
    assert_hidden(&r, "state mismatch: s3cr3t", "s3cr3t");
}

#[test]
fn unknown_tokens_in_a_form_encoded_body_are_found() {
    let body = "access_token=polar_at_u_AAAA&token_type=Bearer&expires_in=3600&refresh_token=RRRR1234&id_token=eyJ.x.y";
    let out = scrub(&Redactor::default(), body);
    for leaked in ["AAAA", "RRRR1234", "eyJ.x.y"] {
        assert!(!out.contains(leaked), "{out}");
    }
    assert!(out.contains("token_type=Bearer&expires_in=3600"), "{out}");
}

#[test]
fn unknown_tokens_in_a_u_escaped_json_body_are_found() {
    let body = r#"{"\u0061ccess_token": "QQQQ", "refresh\u005ftoken":"\u0052RRR", "x": "polar\u005frt_u_ZZZZ", "id_token" : "a\"b\u0063"}"#;
    let out = scrub(&Redactor::default(), body);
    for leaked in ["QQQQ", "RRR", "ZZZZ", "a\\\"b", "u0063"] {
        assert!(!out.contains(leaked), "{leaked}: {out}");
    }
    assert!(out.contains(r#""x": "polar\u005f[redacted]""#), "{out}");
}

#[test]
fn json_inside_a_json_string_is_found() {
    let body = r#"{"detail": "upstream said {\"access_token\": \"WWWW\"}"}"#;
    let out = scrub(&Redactor::default(), body);
    assert!(!out.contains("WWWW"), "{out}");
}

#[test]
fn plain_json_keeps_what_is_not_secret() {
    let body = r#"{"access_token": "abc\"def", "token_type": "Bearer", "x": "polar_rt_u_123 ok", "error_code": "E1"}"#;
    let out = scrub(&Redactor::default(), body);
    assert!(
        !out.contains("abc") && !out.contains("def") && !out.contains("123"),
        "{out}"
    );
    assert!(out.contains("\"token_type\": \"Bearer\""), "{out}");
    assert!(out.contains("polar_[redacted] ok"), "{out}");
    assert!(out.contains("\"error_code\": \"E1\""), "{out}");
    assert_eq!(scrub(&Redactor::default(), "nothing here"), "nothing here");
    assert!(matches!(
        Redactor::default().scrub_str("nothing"),
        Cow::Borrowed(_)
    ));
}

#[test]
fn malformed_escapes_do_not_panic() {
    let r = Redactor::new(Some("id"), [SECRET]);
    for text in [
        "%",
        "%4",
        "%zz",
        "\\",
        "\\u12",
        "\\ud800",
        "\\ud800\\u0041",
        "\\udc00",
        "é%C3",
        "a\\",
    ] {
        let _ = scrub(&r, text);
        let _ = r.scrub_bytes(text.as_bytes());
    }
    let _ = r.scrub_bytes(&[0xff, b'%', 0xfe, b'\\', b'u']);
}

#[test]
fn scrubbing_is_linear_in_the_text() {
    // Many key matches whose values run to the end: each byte is scanned once.
    let r = Redactor::new(None, ["secretvalue1"]);
    let time = |n: usize| {
        let text = "code=".repeat(n);
        let start = std::time::Instant::now();
        for _ in 0..3 {
            std::hint::black_box(r.scrub_str(&text));
        }
        start.elapsed()
    };
    let (small, large) = (time(20_000).max(time(20_000)), time(200_000));
    assert!(large < small * 40, "{small:?} -> {large:?}");
}
