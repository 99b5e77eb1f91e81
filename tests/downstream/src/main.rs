//! An app's own `reqwest::Client` beside polar-oauth2's, in the order named by the argument:
//!
//! - `after`: a polar-oauth2 `Client` first, then the app's client (works: the crate installed
//!   its provider).
//! - `before`: `polar_oauth2::install_crypto_provider()`, then the app's client, then ours.
//! - `without`: the app's client alone, nothing installed. reqwest panics ("No rustls crypto
//!   provider is configured"): this is what happened before the fix, and it shows the other two
//!   runs pass because of it, not by chance.

use std::process::ExitCode;

fn app_client() -> reqwest::Client {
    match reqwest::Client::builder().build() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("the app's reqwest::Client failed to build: {e}");
            std::process::exit(2);
        }
    }
}

fn polar_client() -> polar_oauth2::Client {
    match polar_oauth2::Client::new(polar_oauth2::Server::Sandbox) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("polar_oauth2::Client failed to build: {e}");
            std::process::exit(2);
        }
    }
}

fn main() -> ExitCode {
    let order = std::env::args().nth(1).unwrap_or_default();
    match order.as_str() {
        "after" => {
            let _polar = polar_client();
            let _app = app_client();
        }
        "before" => {
            polar_oauth2::install_crypto_provider();
            let _app = app_client();
            let _polar = polar_client();
        }
        "without" => {
            let _app = app_client();
        }
        other => {
            eprintln!("usage: downstream after|before|without (got {other:?})");
            return ExitCode::from(64);
        }
    }
    println!("{order}: both clients built");
    ExitCode::SUCCESS
}
