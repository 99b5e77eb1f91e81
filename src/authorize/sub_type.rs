//! `sub_type`: whether a token acts for the user or for one of the user's organizations.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of subject a token is asked for (`sub_type`).
///
/// Since 2026-06-26 (Polar PRs #12681/#12697) Polar's authorization flow issues *user* tokens
/// only: asking for [`SubType::Organization`] yields a token of the signed-in **user**
/// (`polar_at_u_…`, `sub` = the user's id, userinfo the user's) limited to the one organization
/// the user picks on the consent screen (introspection's `organizations` lists it). Key an
/// organization connection by that organization id, not by `sub`. The consent data then says
/// `sub_type: "user"` with `requires_single_organization: true`, and a user who already consented
/// gets a 400 `invalid_request` instead of a redirect unless the request has `prompt=consent`.
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, Server, SubType};
///
/// // Ask for a token that acts for one of the user's organizations.
/// let redirect_uri = "https://app.example.com/callback";
/// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_app", redirect_uri)
///     .sub_type(SubType::Organization);
/// assert!(request.build()?.url().contains("sub_type=organization"));
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SubType {
    /// A Polar user.
    User,
    /// One of the user's organizations: a user token limited to it (see above).
    Organization,
}

impl SubType {
    /// The wire value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SubType::User => "user",
            SubType::Organization => "organization",
        }
    }
}

impl fmt::Display for SubType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
