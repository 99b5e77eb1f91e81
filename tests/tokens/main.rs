//! Tokens over time: one grant's token source, every user's tokens in a store, and what survives
//! storage. Over real HTTP on 127.0.0.1 (the scripted server or the embedded Polar server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod persisted;
mod source;
mod source_recovery;
mod storage;
mod users;
