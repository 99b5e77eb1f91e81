//! Maintainer tools for `polar-oauth2`, never part of a user's build: spec drift (the
//! `spec-drift` binary), the API surface and its committed snapshot, and the spec coverage data
//! the library's tests check the facade against. Each reads `spec/` through
//! `polar-oauth2-codegen`, the way the build does.
#![forbid(unsafe_code)]

pub mod coverage;
pub mod drift;
pub mod snapshot;
pub mod surface;

/// The generator's test fixtures (`spec-history/`: Polar's published OAuth2 documents by date;
/// `polar-spec/`: its whole API document).
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../codegen/tests/fixtures");
