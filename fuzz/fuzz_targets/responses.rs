//! Response handling for both calls on arbitrary status, headers and body: no panic, `Ok` only
//! for a 200, every error typed and consistent with the status, renderings bounded, and no
//! secret the request carried in any rendering.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use polar_oauth2::fuzzing::{authorize_response, token_response};
use polar_oauth2::Error;

/// Secrets the request is taken to have carried; the server may echo them back.
const SENT: [&str; 3] = [
    "polar_cs_test_fuzz_client_secret",
    "test-fuzz-pkce-verifier~with.unreserved",
    "test_fuzz_session_token",
];

#[derive(Debug, Arbitrary)]
struct Response<'a> {
    authorize: bool,
    status: u16,
    content_type: Option<&'a [u8]>,
    retry_after: Option<&'a [u8]>,
    www_authenticate: Option<&'a [u8]>,
    /// Splice a sent secret into the body at this byte offset.
    echo: Option<(u8, u16)>,
    body: &'a [u8],
}

fuzz_target!(|r: Response<'_>| {
    let mut headers = Vec::new();
    for (name, value) in [
        ("content-type", r.content_type),
        ("retry-after", r.retry_after),
        ("www-authenticate", r.www_authenticate),
    ] {
        if let Some(v) = value {
            headers.push((name, v));
        }
    }
    let mut body = r.body.to_vec();
    if let Some((which, at)) = r.echo {
        let at = usize::from(at).min(body.len());
        let secret = SENT[usize::from(which) % SENT.len()];
        body.splice(at..at, secret.bytes());
    }
    let status = 100 + r.status % 500;
    let outcome = if r.authorize {
        authorize_response(status, &headers, &body, &SENT).map(|_| ())
    } else {
        token_response(status, &headers, &body, &SENT).map(|_| ())
    };
    let error = match outcome {
        Ok(()) => {
            assert_eq!(status, 200, "Ok from HTTP {status}");
            return;
        }
        Err(e) => e,
    };
    let success = (200..300).contains(&status);
    match &error {
        Error::Decode(d) => {
            assert!(success, "decode error from HTTP {status}");
            assert_eq!(d.status.map(|s| s.as_u16()), Some(status));
        }
        Error::OAuth(_) | Error::Http(_) => assert!(!success, "{error:?}"),
        Error::Validation(_) => assert_eq!(status, 422),
        other => panic!("unexpected error kind: {other:?}"),
    }
    let display = error.to_string();
    let debug = format!("{error:?}");
    assert!(display.len() <= 70_000, "{} bytes", display.len());
    for secret in SENT {
        assert!(!display.contains(secret), "{display}");
        assert!(!debug.contains(secret), "{debug}");
    }
});
