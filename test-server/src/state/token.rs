//! The token endpoint (RFC 6749 §3.2): client authentication and the three grants, with
//! Polar's prefixes, lifetimes and rotation.

use super::*;

impl Inner {
    /// `POST /v1/oauth2/token` (authlib's `create_token_response`).
    pub(crate) fn token_endpoint(
        &mut self,
        form: &Params,
        authorization: Option<&str>,
    ) -> Result<Reply, Failure> {
        // Swept here, before any grant looks a record up: a sweep between finding a record
        // and rotating it would move the record's index.
        self.sweep();
        let grant_type = form.get("grant_type");
        let methods: &[TestClientAuth] = match grant_type {
            Some("authorization_code" | "refresh_token") => &[
                TestClientAuth::ClientSecretBasic,
                TestClientAuth::ClientSecretPost,
                TestClientAuth::None,
            ],
            Some("web") => &[
                TestClientAuth::ClientSecretBasic,
                TestClientAuth::ClientSecretPost,
            ],
            // The description authlib computes is not put in the body.
            _ => {
                return Err(Failure::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                ));
            }
        };
        let (client, auth_method) = self.authenticate_client(form, authorization, methods)?;
        let token = match grant_type {
            Some("authorization_code") => {
                self.authorization_code_grant(form, &client, auth_method)?
            }
            Some("refresh_token") => self.refresh_token_grant(form, &client)?,
            _ => self.web_grant(form, &client)?,
        };
        Ok(Reply::Json {
            status: StatusCode::OK,
            body: token,
            no_store: true,
            www_authenticate: None,
        })
    }

    /// authlib's `ClientAuthentication.authenticate`: the first method that yields a client
    /// registered for that method wins. Only the token endpoint checks the registered method
    /// (`check_endpoint_auth_method`); revocation and introspection take either.
    pub(super) fn authenticate_client(
        &self,
        form: &Params,
        authorization: Option<&str>,
        methods: &[TestClientAuth],
    ) -> Result<(TestClient, TestClientAuth), Failure> {
        self.authenticate_client_at(form, authorization, methods, true)
    }

    pub(super) fn authenticate_client_at(
        &self,
        form: &Params,
        authorization: Option<&str>,
        methods: &[TestClientAuth],
        token_endpoint: bool,
    ) -> Result<(TestClient, TestClientAuth), Failure> {
        let registered_for =
            |client: &TestClient, method| !token_endpoint || client.auth_method == method;
        let unknown =
            |status| Failure::invalid_client(status, "The client does not exist on this server.");
        for method in methods {
            match method {
                TestClientAuth::ClientSecretBasic => {
                    if let Some((id, Some(secret))) = authorization.and_then(basic_credentials)
                        && !id.is_empty()
                        && !secret.is_empty()
                    {
                        let client = self
                            .committed_client(&id)
                            .ok_or_else(|| unknown(StatusCode::UNAUTHORIZED))?;
                        if client.check_secret(&secret)
                            && registered_for(client, TestClientAuth::ClientSecretBasic)
                        {
                            return Ok((client.clone(), *method));
                        }
                    }
                }
                TestClientAuth::ClientSecretPost => {
                    if let (Some(id), Some(secret)) =
                        (form.truthy("client_id"), form.truthy("client_secret"))
                    {
                        let client = self
                            .committed_client(id)
                            .ok_or_else(|| unknown(StatusCode::BAD_REQUEST))?;
                        if client.check_secret(secret)
                            && registered_for(client, TestClientAuth::ClientSecretPost)
                        {
                            return Ok((client.clone(), *method));
                        }
                    }
                }
                TestClientAuth::None => {
                    if let Some(id) = form.truthy("client_id")
                        && form.truthy("client_secret").is_none()
                    {
                        let client = self
                            .committed_client(id)
                            .ok_or_else(|| unknown(StatusCode::BAD_REQUEST))?;
                        if registered_for(client, TestClientAuth::None) {
                            return Ok((client.clone(), *method));
                        }
                    }
                }
            }
        }
        // Python's list repr, as in authlib's message.
        let names: Vec<String> = methods
            .iter()
            .map(|m| format!("'{}'", m.as_str()))
            .collect();
        // With `client_secret_basic` among the methods, authlib answers 401.
        Err(Failure::invalid_client(
            StatusCode::UNAUTHORIZED,
            format!(
                "The client cannot authenticate with methods: [{}]",
                names.join(", ")
            ),
        ))
    }

    pub(super) fn unauthorized_client(grant_type: &str) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "unauthorized_client").describe(format!(
            "The client is not authorized to use 'grant_type={grant_type}'"
        ))
    }

    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5–4.6).
    pub(super) fn authorization_code_grant(
        &mut self,
        form: &Params,
        client: &TestClient,
        auth_method: TestClientAuth,
    ) -> Result<Value, Failure> {
        if !client.allows_grant("authorization_code") {
            return Err(Self::unauthorized_client("authorization_code"));
        }
        let Some(code) = form.get("code") else {
            return Err(Failure::invalid_request("Missing 'code' in request."));
        };
        let now = self.now();
        let record = self.codes.get(code).filter(|c| {
            c.client_id == client.client_id && now <= c.issued_at.saturating_add(CODE_LIFETIME)
        });
        let Some(record) = record else {
            return Err(Failure::invalid_grant("Invalid 'code' in request."));
        };
        if let Some(original) = &record.redirect_uri
            && form.get("redirect_uri") != Some(original.as_str())
        {
            return Err(Failure::invalid_grant("Invalid 'redirect_uri' in request."));
        }
        let verifier = form.truthy("code_verifier");
        if auth_method == TestClientAuth::None && verifier.is_none() {
            return Err(Failure::invalid_request("Missing 'code_verifier'"));
        }
        if record.code_challenge.is_some() || verifier.is_some() {
            let Some(verifier) = verifier else {
                return Err(Failure::invalid_request("Missing 'code_verifier'"));
            };
            if !is_pkce_value(verifier) {
                return Err(Failure::invalid_request("Invalid 'code_verifier'"));
            }
            let expected = match record.code_challenge_method.as_deref() {
                Some("S256") => {
                    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
                }
                _ => verifier.to_owned(),
            };
            let challenge = record.code_challenge.as_deref().unwrap_or_default();
            if record.code_challenge.is_none()
                || !constant_time_eq(expected.as_bytes(), challenge.as_bytes())
            {
                return Err(Failure::invalid_grant("Code challenge failed."));
            }
        }
        let organizations = record.organizations.clone();
        let nonce = record.nonce.clone();
        let auth_time = record.issued_at;
        let scope = client.allowed_scope(&scope_list(&record.scope));
        let mut token = self.issue_token(
            client,
            organizations,
            scope.clone(),
            CODE_ACCESS_TOKEN_LIFETIME,
            client.allows_grant("refresh_token"),
        )?;
        if scope.iter().any(|s| s == "openid") {
            let id_token = self.id_token(client, &scope, nonce, auth_time, &token)?;
            if let Value::Object(fields) = &mut token {
                fields.insert("id_token".into(), Value::String(id_token));
            }
        }
        // Single use: the code is gone once it has been exchanged.
        self.codes.remove(code);
        Ok(token)
    }

    /// RFC 6749 §6, with Polar's rotation: the old refresh token is revoked.
    pub(super) fn refresh_token_grant(
        &mut self,
        form: &Params,
        client: &TestClient,
    ) -> Result<Value, Failure> {
        if !client.allows_grant("refresh_token") {
            return Err(Self::unauthorized_client("refresh_token"));
        }
        let Some(refresh_token) = form.get("refresh_token") else {
            return Err(Failure::invalid_request(
                "Missing 'refresh_token' in request.",
            ));
        };
        let instant = Instant::now();
        let index = self.tokens.iter().position(|t| {
            !t.revoked
                && instant >= t.committed_at
                && t.refresh_token
                    .as_deref()
                    .is_some_and(|r| constant_time_eq(r.as_bytes(), refresh_token.as_bytes()))
        });
        let Some(index) = index.filter(|&i| self.tokens[i].client_id == client.client_id) else {
            return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_grant"));
        };
        let original = self.tokens[index].scope.clone();
        let scope = match form.truthy("scope") {
            Some(requested) => {
                let requested = scope_list(requested);
                if original.is_empty() || !requested.iter().all(|s| original.contains(s)) {
                    return Err(Failure::invalid_scope());
                }
                requested
            }
            None => original,
        };
        let organizations = self.tokens[index].organizations.clone();
        let token = self.issue_token(
            client,
            organizations,
            client.allowed_scope(&scope),
            DEFAULT_ACCESS_TOKEN_LIFETIME,
            true,
        )?;
        self.tokens[index].revoked = true;
        Ok(token)
    }

    /// Polar's `web` grant: a web session exchanged for a token (first-party clients).
    pub(super) fn web_grant(
        &mut self,
        form: &Params,
        client: &TestClient,
    ) -> Result<Value, Failure> {
        if !client.allows_grant("web") {
            return Err(Self::unauthorized_client("web"));
        }
        let Some(session_token) = form.get("session_token") else {
            return Err(Failure::invalid_request(
                "Missing 'session_token' in request.",
            ));
        };
        let sub_type = match form.truthy("sub_type") {
            None | Some("user") => SubType::User,
            Some("organization") => SubType::Organization,
            Some(_) => return Err(Failure::invalid_request("Invalid sub_type")),
        };
        let sub = form.get("sub");
        match (sub_type, sub) {
            (SubType::Organization, None) => {
                return Err(Failure::invalid_request(
                    "Missing 'sub' for organization sub_type",
                ));
            }
            (SubType::User, Some(_)) => {
                return Err(Failure::invalid_request(
                    "Can't specify 'sub' for user sub_type",
                ));
            }
            _ => {}
        }
        let requested = form.truthy("scope").map(scope_list);
        if requested
            .as_ref()
            .is_some_and(|scope| scope.iter().any(|s| !is_valid_scope(s)))
        {
            return Err(Failure::invalid_scope());
        }
        if !constant_time_eq(session_token.as_bytes(), self.web_session.as_bytes()) {
            return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_grant"));
        }
        // Polar mints a user token down-scoped to the one organization asked for.
        let organizations = match (sub_type, sub) {
            (SubType::Organization, Some(sub)) => {
                let id = Uuid::parse_str(sub)
                    .map_err(|_| Failure::invalid_request("Invalid 'sub' UUID"))?;
                if !ORGANIZATIONS.iter().any(|o| o.id == id) {
                    return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_grant"));
                }
                vec![id]
            }
            _ => Vec::new(),
        };
        let scope = requested.unwrap_or_else(|| client.scope.clone());
        self.issue_token(
            client,
            organizations,
            client.allowed_scope(&scope),
            DEFAULT_ACCESS_TOKEN_LIFETIME,
            false,
        )
    }

    /// authlib's `BearerTokenGenerator.generate` with Polar's prefixes, stored.
    pub(super) fn issue_token(
        &mut self,
        client: &TestClient,
        organizations: Vec<Uuid>,
        scope: Vec<String>,
        expires_in: Duration,
        include_refresh_token: bool,
    ) -> Result<Value, Failure> {
        let access_token = self.polar_token("polar_at_u_")?;
        let refresh_token = if include_refresh_token {
            Some(self.polar_token("polar_rt_u_")?)
        } else {
            None
        };
        let mut body = Map::new();
        body.insert("token_type".into(), "Bearer".into());
        body.insert("access_token".into(), access_token.clone().into());
        body.insert("expires_in".into(), expires_in.as_secs().into());
        if let Some(refresh_token) = &refresh_token {
            body.insert("refresh_token".into(), refresh_token.clone().into());
        }
        if !scope.is_empty() {
            body.insert("scope".into(), scope.join(" ").into());
        }
        self.tokens.push(TokenRecord {
            client_id: client.client_id.clone(),
            organizations,
            scope,
            access_token,
            refresh_token,
            issued_at: self.now(),
            expires_in,
            revoked: false,
            committed_at: Instant::now() + self.commit_delay,
        });
        Ok(Value::Object(body))
    }
}
