//! The browser's return to the app: the callback finished in one call ([`Connector::finish`]),
//! and the pending authorization it finishes, as restored from the app's storage.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod finish;
mod pending_restore;

use polar_oauth2::Connector;
use polar_oauth2_test_server::{REDIRECT_URI, TestServer};

/// The app's connector for the embedded server's confidential client and its login page.
fn connector(polar: &TestServer) -> Connector {
    Connector::new(
        &polar.client().unwrap(),
        polar.confidential_client(),
        REDIRECT_URI,
    )
    .authorization_page(polar.authorization_endpoint())
}
