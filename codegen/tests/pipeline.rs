//! The whole pipeline on the vendored `spec/`.
use std::path::Path;

#[test]
fn vendored_spec_generates() {
    let out =
        polar_oauth2_codegen::generate_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec"))
            .unwrap_or_else(|e| panic!("{e}"));
    if let Ok(dump) = std::env::var("DUMP_GENERATED") {
        std::fs::write(&dump, &out.client).unwrap();
    }
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}
