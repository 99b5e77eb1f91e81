//! What the integration tests share: one scripted HTTP/1.1 server on 127.0.0.1 for every test
//! that needs a hand-made server ([`Server`], answering with [`Reply`]s and recording each
//! [`Recorded`] request), realistic response bodies, and the authorization code flow against
//! the embedded server.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod bodies;
mod flow;
mod reply;
mod request;
mod server;

pub use bodies::{ORG_SUB, TOKEN_BODY, USER_SUB, authorize_body};
pub use flow::{approve, assert_oauth, exchange, oauth_error, start_with_client, tokens};
pub use reply::Reply;
pub use request::{Recorded, read_request};
pub use server::{Record, Server, refused_addr};
