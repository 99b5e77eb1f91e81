//! Unit tests of the server's parts (the HTTP behaviour is tested over HTTP in
//! `tests/test_server.rs` and `tests/flow.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

use super::params::basic_credentials;
use super::state::{Inner, base62_checksum, crc32, scope_display_names};
use crate::scope::Scope;

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
                Scope::from_wire(scope).display_name(),
                name.as_str(),
                "{scope}"
            );
        }
        assert!(!names.contains_key("web:read"));
    }
}
