//! Scopes and scope sets on the wire, and display names decoded every way a server sends them.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::display_names::spec_default_json;
use super::set::{for_each_space_separated, space_mask};
use serde::Deserialize;
use serde::de;

use super::value::KNOWN_VALUES;
use super::*;

#[test]
fn known_and_unknown_scopes_round_trip() {
    assert_eq!(Scope::from_wire("user:read"), Ok(Scope::UserRead));
    assert_eq!(Scope::UserRead.to_string(), "user:read");
    assert_eq!(Scope::Openid.display_name(), Some("OpenID"));
    let future: Scope = "teleport:write".parse().unwrap();
    assert_eq!(future, Scope::Unknown("teleport:write".into()));
    let json = serde_json::to_string(&future).unwrap();
    assert_eq!(json, "\"teleport:write\"");
    assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), future);
}

#[test]
fn a_wire_value_with_whitespace_is_not_one_scope() {
    for value in ["openid web:write", "a\tb", "x\n", ""] {
        let e = Scope::from_wire(value).unwrap_err();
        assert!(e.to_string().contains("not a scope token"), "{e}");
        assert!(
            serde_json::from_value::<Scope>(value.into()).is_err(),
            "{value:?}"
        );
    }
    // Lenient otherwise, as responses are: non-ASCII and quotes are kept.
    assert_eq!(
        Scope::from_wire("caf\u{e9}:\"x"),
        Ok(Scope::Unknown("caf\u{e9}:\"x".into()))
    );
    assert_eq!(
        ScopeSet::from_wire("openid web:write").len(),
        2,
        "a set splits the list"
    );
}

#[test]
fn scope_tokens_are_checked_when_parsed() {
    assert!("has space".parse::<Scope>().is_err());
    assert!("".parse::<Scope>().is_err());
    assert!("quote\"".parse::<Scope>().is_err());
}

#[test]
fn wire_scope_sets_split_on_any_ascii_whitespace_without_duplicates() {
    let set = ScopeSet::from_wire("openid\r\nx:y  openid\x0cx:y\temail ");
    assert_eq!(set.to_string(), "openid x:y email");
    assert_eq!(set, "openid x:y email".parse().unwrap());
    assert!(ScopeSet::from_wire(" \t ").is_empty());
}

#[test]
fn space_separated_tokens_are_found_at_every_offset() {
    for len in 0..40 {
        let value: String = (0..len)
            .map(|i| if i % 7 == 3 || i % 11 == 0 { ' ' } else { 'a' })
            .chain(['é', ' ', '\u{a0}', '~'])
            .collect();
        let mut found = Vec::new();
        for_each_space_separated(&value, |t| found.push(t));
        let expected: Vec<&str> = value.split(' ').filter(|t| !t.is_empty()).collect();
        assert_eq!(found, expected, "{value:?}");
    }
    for value in [
        "",
        " ",
        "a",
        "abcdefgh",
        "abcdefgh ",
        " abcdefg",
        "abcdefghijklmnop",
    ] {
        let mut found = Vec::new();
        for_each_space_separated(value, |t| found.push(t));
        let expected: Vec<&str> = value.split(' ').filter(|t| !t.is_empty()).collect();
        assert_eq!(found, expected, "{value:?}");
    }
    for byte in 0..=255u8 {
        let mask = space_mask(u64::from_le_bytes([
            byte, b' ', byte, 0, 0x80, b' ', 0xa0, 0x21,
        ]));
        let expected = 0x80 << 8 | 0x80 << 40 | if byte == b' ' { 0x80 | 0x80 << 16 } else { 0 };
        assert_eq!(mask, expected, "{byte:#x}");
    }
}

#[test]
fn scope_set_uses_the_space_separated_form() {
    let set: ScopeSet = "openid email openid x:y".parse().unwrap();
    assert_eq!(set.len(), 3);
    assert_eq!(set.to_string(), "openid email x:y");
    assert!(set.contains(&Scope::Email));
    assert_eq!(ScopeSet::from_wire("  openid\temail ").len(), 2);
}

#[test]
fn display_names_keep_every_entry_and_allocate_only_differences() {
    let json = r#"{"openid": "OpenID", "email": "Changed label", "new:scope": "New"}"#;
    let names: ScopeDisplayNames = serde_json::from_str(json).unwrap();
    assert_eq!(names.len(), 3);
    assert_eq!(names.get("openid"), Some("OpenID"));
    assert_eq!(names.get("email"), Some("Changed label"));
    assert_eq!(names.get("new:scope"), Some("New"));
    assert_eq!(names.get("profile"), None);
    assert_eq!(names.differences().count(), 2);
    let back: serde_json::Value = serde_json::to_value(&names).unwrap();
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(json).unwrap()
    );
}

#[test]
fn decoded_display_names_equal_the_same_inserts_one_by_one() {
    // Known scopes with their own and a changed label, unknown scopes, repeats: the
    // linear decoder must give exactly what `insert` gives, entry by entry.
    let known: Vec<&str> = KNOWN_VALUES.iter().take(6).copied().collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..300 {
        let mut entries = Vec::new();
        for _ in 0..(round % 60) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let key = match seed % 3 {
                0 => known[(seed >> 8) as usize % known.len()].to_owned(),
                _ => format!("u{}", (seed >> 8) % 25),
            };
            let label = match (seed >> 16) % 2 {
                0 => Scope::known(&key)
                    .and_then(|s| s.display_name())
                    .unwrap_or("spec")
                    .to_owned(),
                _ => format!("L{}", (seed >> 20) % 3),
            };
            entries.push((key, label));
        }
        let mut expected = ScopeDisplayNames::new();
        let mut text = String::from("{");
        for (i, (k, v)) in entries.iter().enumerate() {
            expected.insert(k, v);
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                "{}:{}",
                serde_json::json!(k),
                serde_json::json!(v)
            ));
        }
        text.push('}');
        let decoded: ScopeDisplayNames = serde_json::from_str(&text).unwrap();
        assert_eq!(decoded, expected, "{text}");
    }
}

/// The text shortcut and entry-by-entry decoding agree, from serde_json and from any other
/// deserializer.
#[test]
fn display_names_decode_the_same_with_and_without_the_text_shortcut() {
    let spec = ScopeDisplayNames::spec_default();
    let compact = spec_default_json();
    assert!(
        compact.starts_with('{') && !compact.contains(": "),
        "{compact}"
    );
    let from_text: ScopeDisplayNames = serde_json::from_str(compact).unwrap();
    assert_eq!(from_text, spec);
    // The same map spaced out, or with one label changed: decoded entry by entry.
    let spaced = serde_json::to_string_pretty(&spec).unwrap();
    assert_eq!(
        serde_json::from_str::<ScopeDisplayNames>(&spaced).unwrap(),
        spec
    );
    let (first, label) = spec.iter().next().unwrap();
    let changed = compact.replacen(&serde_json::to_string(label).unwrap(), "\"Changed\"", 1);
    let decoded: ScopeDisplayNames = serde_json::from_str(&changed).unwrap();
    assert_eq!(decoded.get(first), Some("Changed"));
    assert_eq!(decoded.len(), spec.len());
    assert_eq!(decoded.differences().count(), 1);
    // serde_json's `Value` (the authorize response's replay of early fields) and a
    // deserializer that knows nothing of serde_json.
    let value: serde_json::Value = serde_json::from_str(compact).unwrap();
    assert_eq!(
        serde_json::from_value::<ScopeDisplayNames>(value).unwrap(),
        spec
    );
    let entries = spec.iter().map(|(k, v)| (k.to_owned(), v.to_owned()));
    let plain = de::value::MapDeserializer::<_, de::value::Error>::new(entries);
    assert_eq!(ScopeDisplayNames::deserialize(plain).unwrap(), spec);
}

#[test]
fn display_names_that_are_not_a_map_say_so() {
    for text in [r#""openid""#, "[1]", "3"] {
        let e = serde_json::from_str::<ScopeDisplayNames>(text).unwrap_err();
        assert!(
            e.to_string().contains("a map of scope to display name"),
            "{text}: {e}"
        );
    }
    let e = serde_json::from_str::<ScopeDisplayNames>(r#"{"openid": 1}"#).unwrap_err();
    assert!(e.to_string().contains("a string"), "{e}");
}

#[test]
fn spec_default_has_every_known_display_name() {
    let names = ScopeDisplayNames::spec_default();
    for scope in Scope::KNOWN {
        assert_eq!(names.get_scope(scope), scope.display_name(), "{scope}");
    }
}
