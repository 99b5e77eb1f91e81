//! Who is calling: Polar's `AuthSubjectMiddleware` and `WebUserOrAnonymous` (the web session
//! from its cookie only; API tokens refused where only a web user or nobody may call).

use super::*;

impl Inner {
    /// Polar's `AuthSubjectMiddleware` then `WebUserOrAnonymous`: `Ok(true)` for the
    /// signed-in user (the web session is read only from the `polar_session` cookie),
    /// `Ok(false)` for anonymous (no credential, or a registration access token left for
    /// authlib to check); an API token (OAuth2 access token, personal access token) is 403
    /// `NotPermitted`, any other bearer 401 `invalid_token`.
    pub(super) fn web_user(
        &self,
        authorization: Option<&str>,
        cookie: Option<&str>,
    ) -> Result<bool, Reply> {
        if let Some(bearer) = bearer_token(authorization) {
            if bearer.starts_with("polar_crt_") {
                return Ok(false);
            }
            let api_token = self.live_access_token(bearer).is_some()
                || constant_time_eq(bearer.as_bytes(), self.personal_access_token.as_bytes());
            return Err(if api_token {
                not_permitted()
            } else {
                Failure::invalid_token().into_reply()
            });
        }
        Ok(cookie.is_some_and(|c| {
            c.split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .any(|(name, value)| {
                    name == SESSION_COOKIE
                        && constant_time_eq(value.as_bytes(), self.web_session.as_bytes())
                })
        }))
    }

    /// The live (neither revoked nor expired) token record of an access token.
    pub(super) fn live_access_token(&self, bearer: &str) -> Option<&TokenRecord> {
        let now = self.now();
        let instant = Instant::now();
        self.tokens.iter().find(|t| {
            !t.revoked
                && instant >= t.committed_at
                && now <= t.issued_at.saturating_add(t.expires_in)
                && constant_time_eq(t.access_token.as_bytes(), bearer.as_bytes())
        })
    }

    /// Whether Polar's middleware lets this bearer through: a registration access token, a
    /// live OAuth2 access token or the personal access token (never the web session: Polar
    /// reads it only from its cookie).
    pub(crate) fn is_known_bearer(&self, bearer: &str) -> bool {
        bearer.starts_with("polar_crt_")
            || constant_time_eq(bearer.as_bytes(), self.personal_access_token.as_bytes())
            || self.live_access_token(bearer).is_some()
    }

    /// Who calls a registration endpoint: the web user (cookie), a registration access token,
    /// or nobody; API tokens and other bearers are refused as by [`Self::web_user`].
    pub(crate) fn registration_caller(
        &self,
        authorization: Option<&str>,
        cookie: Option<&str>,
    ) -> Result<Caller, Reply> {
        if self.web_user(authorization, cookie)? {
            return Ok(Caller::WebUser);
        }
        Ok(Caller::Anonymous(
            bearer_token(authorization).map(str::to_owned),
        ))
    }
}

/// Polar's `NotPermitted`: an API token where only the web session or nobody may call.
pub(super) fn not_permitted() -> Reply {
    Reply::polar_error(
        StatusCode::FORBIDDEN,
        "NotPermitted",
        "Not permitted".into(),
    )
}

/// Polar's `Unauthorized` (no credentials at all).
pub(super) fn unauthorized() -> Reply {
    Reply::Json {
        status: StatusCode::UNAUTHORIZED,
        body: json!({"error": "Unauthorized", "detail": "Unauthorized"}),
        no_store: false,
        www_authenticate: Some(format!("Bearer realm=\"{}\"", crate::constants::REALM)),
    }
}
