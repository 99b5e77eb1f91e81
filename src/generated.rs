//! The client generated at build time from `spec/` by progenitor (see `codegen/`).
//!
//! Do not edit: drop a newer Polar document into `spec/` instead. Lints are relaxed here only,
//! because the code is machine-written.
#![allow(
    missing_docs,
    unused_imports,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/polar_oauth2.rs"));
