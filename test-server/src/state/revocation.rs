//! Revocation (RFC 7009) and introspection (RFC 7662).

use super::*;

impl Inner {
    /// authlib's `check_params` of both endpoints, then `_QueryTokenMixin.query_token`: the
    /// index of the record whose access (or refresh) token is `token`, revoked or not.
    pub(super) fn query_token(&self, form: &Params) -> Result<Option<usize>, Failure> {
        let Some(token) = form.get("token") else {
            return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_request"));
        };
        let hint = form.truthy("token_type_hint");
        if hint.is_some_and(|h| h != "access_token" && h != "refresh_token") {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "unsupported_token_type",
            ));
        }
        let matches = |value: &str| constant_time_eq(value.as_bytes(), token.as_bytes());
        let instant = Instant::now();
        Ok(self.tokens.iter().position(|t| {
            instant >= t.committed_at
                && match hint {
                    Some("access_token") => matches(&t.access_token),
                    Some("refresh_token") => t.refresh_token.as_deref().is_some_and(matches),
                    _ => {
                        matches(&t.access_token) || t.refresh_token.as_deref().is_some_and(matches)
                    }
                }
        }))
    }

    /// `POST /v1/oauth2/revoke` (RFC 7009 §2): the client authenticates (`client_secret_basic`
    /// or `client_secret_post`; a public client cannot revoke); an unknown or already revoked
    /// token is a success; another client's token is `invalid_grant`. Polar revokes the whole
    /// record, so revoking either token of a pair makes both unusable.
    pub(crate) fn revoke(
        &mut self,
        form: &Params,
        authorization: Option<&str>,
    ) -> Result<Reply, Failure> {
        let (client, _) =
            self.authenticate_client_at(form, authorization, ENDPOINT_AUTH_METHODS, false)?;
        if let Some(index) = self.query_token(form)? {
            if self.tokens[index].client_id != client.client_id {
                return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_grant"));
            }
            self.tokens[index].revoked = true;
        }
        Ok(Reply::no_store(StatusCode::OK, json!({})))
    }

    /// `POST /v1/oauth2/introspect` (RFC 7662 §2): `{"active": false}` for an unknown,
    /// expired or revoked token or another client's; else Polar's `get_introspection_data`
    /// (`token_type` is the stored `Bearer`, `exp` the access token's expiry, `iss` Polar's
    /// issuer, `organizations` the token's down-scope, empty here).
    pub(crate) fn introspect(
        &self,
        form: &Params,
        authorization: Option<&str>,
    ) -> Result<Reply, Failure> {
        let (client, _) =
            self.authenticate_client_at(form, authorization, ENDPOINT_AUTH_METHODS, false)?;
        let now = self.now();
        let token = self
            .query_token(form)?
            .map(|i| &self.tokens[i])
            .filter(|t| t.client_id == client.client_id);
        let body = match token {
            Some(t) if !t.revoked && now <= t.issued_at.saturating_add(t.expires_in) => {
                let organizations: Vec<String> =
                    t.organizations.iter().map(Uuid::to_string).collect();
                json!({
                    "active": true,
                    "client_id": t.client_id,
                    "token_type": "Bearer",
                    "scope": t.scope.join(" "),
                    "sub_type": SubType::User.as_str(),
                    "sub": USER_ID.to_string(),
                    "organizations": organizations,
                    "aud": t.client_id,
                    "iss": ISSUER,
                    "exp": t.issued_at.saturating_add(t.expires_in).as_secs(),
                    "iat": t.issued_at.as_secs(),
                })
            }
            _ => json!({"active": false}),
        };
        Ok(Reply::no_store(StatusCode::OK, body))
    }
}

/// The methods of Polar's `RevocationEndpoint` and `IntrospectionEndpoint`.
pub(super) const ENDPOINT_AUTH_METHODS: &[TestClientAuth] = &[
    TestClientAuth::ClientSecretBasic,
    TestClientAuth::ClientSecretPost,
];
