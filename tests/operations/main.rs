//! Each operation over real HTTP on 127.0.0.1, one module per operation family: what goes on
//! the wire (method, path, form or JSON, headers, credentials) and how each answer decodes or
//! fails. `every_operation` checks the rules that hold for all of them against the spec the
//! build reads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod authorize;
mod credentials;
mod errors;
mod every_operation;
mod introspect;
mod registration;
mod revoke;
mod spec;
mod token;
mod userinfo;

use polar_oauth2::{ClientCredentials, ClientSecret, Error};
use support::{Reply, Server};

/// Every character class that form encoding can get wrong.
const TRICKY: &str = "a b+c&d=e%f/g?h#i é 日本 🦀";

/// Credentials whose id and secret hold [`TRICKY`].
fn creds() -> ClientCredentials {
    ClientCredentials::confidential(
        format!("polar_ci_test{TRICKY}"),
        ClientSecret::new(format!("polar_cs_test{TRICKY}")),
    )
}

/// Owned name-value pairs, as a decoded form or query.
fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A token response decoded as a code exchange gets it (a refresh also fills in the refresh
/// token it sent, see `a_refresh_answer_without_a_refresh_token_carries_the_one_sent`).
async fn token(status: u16, body: &str) -> Result<polar_oauth2::Token, Error> {
    Server::reply(Reply::json(status, body))
        .await
        .exchange_code(&creds())
        .await
}
