//! Unit tests of the server's parts (the HTTP behaviour is tested over HTTP in
//! `tests/rules/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

use super::params::basic_credentials;
use super::state::authorize::scope_display_names;
use super::state::{Inner, base62_checksum, crc32};
use polar_oauth2::Scope;

mod units {
    use super::*;

    #[test]
    fn crc32_and_base62_match_zlib_and_polar() {
        // zlib.crc32(b"123456789") == 0xCBF43926; base62 of it, zero-padded.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(base62_checksum(0), "000000");
        assert_eq!(base62_checksum(61), "00000z");
        assert_eq!(base62_checksum(62), "000010");
    }

    #[test]
    fn base64_decode_reads_basic_credentials() {
        // base64("polar_ci_x:polar_cs_y")
        let (id, secret) = basic_credentials("Basic cG9sYXJfY2lfeDpwb2xhcl9jc195").unwrap();
        assert_eq!(id, "polar_ci_x");
        assert_eq!(secret.as_deref(), Some("polar_cs_y"));
        assert!(basic_credentials("Bearer abc").is_none());
        assert!(basic_credentials("Basic !!!").is_none());
    }

    #[test]
    fn polar_tokens_have_prefix_body_and_valid_checksum() {
        let inner = Inner::new().unwrap();
        let token = inner.polar_token("polar_at_u_").unwrap();
        let rest = token.strip_prefix("polar_at_u_").unwrap();
        assert_eq!(rest.len(), 43);
        let (body, checksum) = rest.split_at(37);
        assert!(body.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(checksum, base62_checksum(crc32(body.as_bytes())));
    }

    #[test]
    fn scope_display_names_are_the_spec_default() {
        let Value::Object(names) = scope_display_names() else {
            panic!("not an object")
        };
        let labelled = Scope::KNOWN.iter().filter(|s| s.display_name().is_some());
        assert_eq!(names.len(), labelled.count());
        for (scope, name) in &names {
            assert_eq!(
                Scope::from_wire(scope).ok().and_then(|s| s.display_name()),
                name.as_str(),
                "{scope}"
            );
        }
    }
}

mod limits {
    use std::time::Duration;

    use crate::listener::accept_backoff;
    use crate::{CODE_LIFETIME, TestServer};

    #[test]
    fn accept_backoff_doubles_from_5_ms_to_1_s() {
        let waits: Vec<u128> = (1..=10).map(|n| accept_backoff(n).as_millis()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        assert_eq!(accept_backoff(u32::MAX), Duration::from_secs(1));
    }

    /// The whole flow for the confidential client: its token.
    async fn code_token(server: &TestServer, client: &polar_oauth2::Client) -> polar_oauth2::Token {
        let pending = server.authorization_request().build().unwrap();
        let code = pending
            .callback(&server.approve(pending.url()).unwrap())
            .unwrap();
        client
            .exchange_code(
                &server.confidential_client(),
                code,
                pending.redirect_uri(),
                Some(pending.pkce_verifier().clone()),
            )
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn twenty_thousand_authorization_visits_leave_only_live_codes() {
        let server = TestServer::start().await.unwrap();
        let pending = server.authorization_request().build().unwrap();
        for _ in 0..20_000 {
            server.approve(pending.url()).unwrap();
        }
        // All 20k are still valid: nothing may be dropped yet.
        assert_eq!(server.lock().codes.len(), 20_000);
        server.advance(CODE_LIFETIME + Duration::from_secs(1));
        server.approve(pending.url()).unwrap();
        assert_eq!(server.lock().codes.len(), 1, "expired codes are dropped");
    }

    #[tokio::test]
    async fn dead_tokens_are_dropped_and_refreshable_ones_kept() {
        let server = TestServer::start().await.unwrap();
        let client = server.client().unwrap();
        for _ in 0..3 {
            code_token(&server, &client).await;
        }
        assert_eq!(server.lock().tokens.len(), 3);
        server.lock().tokens[0].revoked = true;
        server.lock().tokens[1].refresh_token = None;
        // Past the access tokens' lifetime: the revoked one and the one without a refresh
        // token are dead; the third can still be refreshed (Polar's `delete_expired`).
        server.advance(Duration::from_secs(864_001));
        server.lock().sweep();
        assert_eq!(server.lock().tokens.len(), 1);
        assert!(server.lock().tokens[0].refresh_token.is_some());
    }

    /// Rotation revokes the record it replaces; the sweep drops it at once, not when its
    /// access token expires: a refresh loop keeps one record per grant.
    #[tokio::test]
    async fn rotated_away_records_are_dropped_by_the_next_sweep() {
        let server = TestServer::builder()
            .commit_delay(Duration::ZERO)
            .start()
            .await
            .unwrap();
        let client = server.client().unwrap();
        let credentials = server.confidential_client();
        let mut token = code_token(&server, &client).await;
        for _ in 0..10 {
            let refresh_token = token.refresh_token().unwrap().clone();
            token = client.refresh(&credentials, &refresh_token).await.unwrap();
        }
        server.advance(Duration::from_secs(2));
        server.lock().sweep();
        assert_eq!(server.lock().tokens.len(), 1);
    }
}
