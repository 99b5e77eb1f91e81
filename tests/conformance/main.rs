//! The conformance suite: every scenario states what Polar's own server does and runs twice,
//! against the embedded server (`embedded::<name>`, part of the ordinary test run) and against
//! Polar's real server (`real::<name>`, ignored unless asked for with `--ignored`; it then
//! needs `POLAR_SERVER_URL` and `POLAR_SERVER_SEED`, the JSON that
//! `../shared/polar-server/seed.sh` writes, and fails without them).
//!
//! Scenarios drive the crate's public API; the browser's part of the flow (the consent page)
//! is plain HTTP with the session cookie, as Polar's web app does it (`browser.rs`).

mod browser;
mod target;

mod consent;
mod errors;
mod headers;
mod id_token;
mod introspect;
mod organization;
mod promises;
mod refresh;
mod registration;
mod revoke;
mod token;
mod userinfo;
mod versions;

use std::fmt;

/// Why a scenario failed. `Debug` is the message itself, so that a failing test prints it as
/// written; any error converts into it with `?`.
pub struct Failure(pub String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

/// The words of a scope string, sorted: Polar keeps scopes in a Python set, whose order may
/// change from one server process to the next.
pub fn scope_words(scope: &str) -> Vec<String> {
    let mut words: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    words.sort_unstable();
    words
}

/// What a scenario returns.
pub type Outcome = Result<(), Failure>;

/// Fail the scenario with a formatted message.
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::Failure(format!($($arg)*)))
    };
}

/// Fail the scenario unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::fail!($($arg)*);
        }
    };
}

/// Fail unless both are equal, naming what was compared.
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $what:expr) => {
        match (&$left, &$right) {
            (left, right) => {
                if left != right {
                    $crate::fail!("{}: got {:?}, Polar gives {:?}", $what, left, right);
                }
            }
        }
    };
}

pub(crate) use {ensure, ensure_eq, fail};

/// The OAuth2 error of a call that must fail with `code` and HTTP `status`.
pub fn expect_oauth<T>(
    result: Result<T, polar_oauth2::Error>,
    code: &str,
    status: u16,
    what: &str,
) -> Result<polar_oauth2::OAuthError, Failure> {
    match result {
        Ok(_) => fail!("{what}: succeeded, Polar answers {status} `{code}`"),
        Err(polar_oauth2::Error::OAuth(error)) => {
            ensure!(
                error.code.as_str() == code && error.status.as_u16() == status,
                "{what}: got {status_got} `{code_got}`, Polar answers {status} `{code}`",
                status_got = error.status.as_u16(),
                code_got = error.code
            );
            Ok(error)
        }
        Err(other) => fail!("{what}: got `{other}`, Polar answers {status} `{code}`"),
    }
}

/// A call that must fail with HTTP `status` (whatever the crate's error arm).
pub fn expect_status<T>(
    result: Result<T, polar_oauth2::Error>,
    status: u16,
    what: &str,
) -> Result<polar_oauth2::Error, Failure> {
    match result {
        Ok(_) => fail!("{what}: succeeded, Polar answers HTTP {status}"),
        Err(error) if error.status().map(|s| s.as_u16()) == Some(status) => Ok(error),
        Err(other) => fail!("{what}: got `{other}`, Polar answers HTTP {status}"),
    }
}

/// Polar commits a revocation (and a rotation) after it has answered, so a check of its effect
/// made at once may still see the token alive: run `check` until it passes, at most 20 times
/// 50 ms apart, and return its last outcome. Only for effects of a call that already returned.
pub async fn settled<F, Fut>(mut check: F) -> Outcome
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let mut outcome = check().await;
    for _ in 1..20 {
        if outcome.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        outcome = check().await;
    }
    outcome
}

/// Each `module::scenario` becomes `embedded::scenario` and `real::scenario`.
macro_rules! scenarios {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() -> $crate::Outcome {
                    let target = $crate::target::Target::embedded().await?;
                    $crate::$module::$name(&target).await
                }
            )*
        }

        mod real {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs Polar's real server: POLAR_SERVER_URL and POLAR_SERVER_SEED"]
                async fn $name() -> $crate::Outcome {
                    let target = $crate::target::Target::real().await?;
                    $crate::$module::$name(&target).await
                }
            )*
        }
    };
}

scenarios! {
    token::code_with_client_secret_post,
    token::code_with_client_secret_basic,
    token::code_for_public_client_with_pkce,
    token::code_with_plain_pkce,
    token::code_is_single_use,
    token::code_with_other_redirect_uri_is_invalid_grant,
    token::code_with_wrong_pkce_verifier_is_invalid_grant,
    token::public_client_without_verifier_is_invalid_request,
    token::web_grant_for_the_signed_in_user,
    refresh::refresh_rotates_and_old_refresh_token_dies,
    refresh::refresh_for_public_client,
    refresh::refresh_with_client_secret_basic,
    revoke::revoking_access_token_kills_its_refresh_token,
    revoke::revoking_refresh_token_kills_its_access_token,
    revoke::revoking_unknown_token_is_success,
    revoke::revoking_other_clients_token_is_invalid_grant,
    introspect::active_access_token_fields,
    introspect::active_refresh_token_fields,
    introspect::other_clients_token_is_inactive,
    introspect::unknown_token_is_inactive,
    userinfo::openid_only_gives_sub,
    userinfo::profile_adds_no_email,
    userinfo::email_gives_email,
    userinfo::post_works_like_get,
    userinfo::personal_access_token_is_invalid_token,
    userinfo::just_issued_tokens_work_at_once,
    id_token::verified_with_discovery_and_jwks,
    id_token::wrong_nonce_is_refused,
    id_token::other_audience_is_refused,
    id_token::header_is_rs256_without_kid,
    registration::anonymous_registration_and_management,
    registration::public_client_registration_has_no_secret,
    registration::registered_client_completes_the_flow,
    registration::api_tokens_cannot_register_or_manage,
    registration::web_session_registers_through_the_crate,
    registration::registration_defaults,
    registration::registration_422_shape,
    errors::wrong_client_secret_is_401_invalid_client,
    errors::unknown_client_is_400_invalid_client,
    errors::denied_consent_redirects_access_denied,
    errors::consent_without_session_is_401,
    errors::unknown_redirect_uri_is_not_redirected,
    errors::stale_bearer_is_401_on_any_route,
    errors::prompt_none_without_consent_is_consent_required,
    consent::consent_data_with_session_cookie,
    consent::consent_data_through_the_crate,
    consent::consented_client_skips_the_consent_step,
    consent::session_as_bearer_is_refused,
    organization::organization_request_yields_a_user_token,
    organization::returning_user_without_prompt_is_invalid_request,
    versions::polar_version_2026_04,
    versions::polar_version_2026_10,
    versions::unknown_polar_version_is_404,
    headers::token_answers_are_no_store_no_cache,
    headers::other_answers_are_private_no_store,
    promises::discovery_document,
    promises::jwks_has_one_rsa_key,
    promises::token_prefixes_and_lifetimes,
    promises::authorization_url_is_discoverys_page,
}
