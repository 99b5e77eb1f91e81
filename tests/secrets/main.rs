//! No secret reaches `Debug`, `Display` or the log: the secret types and every type holding
//! one, the generated types of the spec, and every error, including errors made from hostile
//! server bodies that echo the request's secrets back in any encoding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod canaries;
mod echoes;
mod generated;
mod hostile;
mod redaction;
mod types;
