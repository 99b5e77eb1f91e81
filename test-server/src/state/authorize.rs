//! The authorization endpoint: validation of an authorization request (authlib's
//! `validate_authorization_request`), the consent data, the consent, and the code it issues.

use super::caller::unauthorized;
use super::registration::validation_failed;
use super::*;

impl Inner {
    /// authlib's `get_authorization_grant` + `validate_authorization_request`.
    pub(super) fn validate_authorization_request(
        &self,
        params: &Params,
    ) -> Result<ValidatedRequest, Failure> {
        let state = params.get("state").map(str::to_owned);
        let with_state = |f: Failure| f.state(state.clone());
        if params.get("response_type") != Some("code") {
            // The description authlib computes is not put in the body.
            return Err(with_state(Failure::new(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
            )));
        }
        // RFC 6749 §3.1, as authlib's `validate_no_multiple_request_parameter`.
        for name in [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
        ] {
            if params.count(name) > 1 {
                return Err(with_state(Failure::invalid_request(format!(
                    "Multiple '{name}' in request."
                ))));
            }
        }
        let Some(client_id) = params.get("client_id") else {
            return Err(with_state(Failure::invalid_client(
                StatusCode::BAD_REQUEST,
                "Missing 'client_id' parameter.",
            )));
        };
        let Some(client) = self.committed_client(client_id).cloned() else {
            return Err(with_state(Failure::invalid_client(
                StatusCode::BAD_REQUEST,
                "The client does not exist on this server.",
            )));
        };
        let redirect_uri_param = params.truthy("redirect_uri").map(str::to_owned);
        let redirect_uri = match &redirect_uri_param {
            Some(uri) if client.redirect_uris.contains(uri) => uri.clone(),
            Some(uri) => {
                return Err(with_state(Failure::invalid_request(format!(
                    "Redirect URI {uri} is not supported by client."
                ))));
            }
            None => match client.redirect_uris.first() {
                Some(uri) => uri.clone(),
                None => {
                    return Err(with_state(Failure::invalid_request(
                        "Missing 'redirect_uri' in request.",
                    )));
                }
            },
        };
        // From here on, errors are redirected to the client.
        let redirect = |f: Failure| f.state(state.clone()).redirect_to(&redirect_uri);
        // Polar: no `scope` means the client's registered scopes.
        let scope = match params.get("scope") {
            Some(scope) => scope_list(scope),
            None => client.scope.clone(),
        };
        if scope.iter().any(|s| !is_valid_scope(s)) {
            return Err(redirect(Failure::invalid_scope()));
        }
        // RFC 7636 §4.4 (authlib's `validate_code_challenge`).
        let challenge = params.truthy("code_challenge");
        let method = params.truthy("code_challenge_method");
        if challenge.is_some() || method.is_some() {
            let Some(challenge) = challenge else {
                return Err(redirect(Failure::invalid_request(
                    "Missing 'code_challenge'",
                )));
            };
            if params.count("code_challenge") > 1 {
                return Err(redirect(Failure::invalid_request(
                    "Multiple 'code_challenge' in request.",
                )));
            }
            if !is_pkce_value(challenge) {
                return Err(redirect(Failure::invalid_request(
                    "Invalid 'code_challenge'",
                )));
            }
            if method.is_some_and(|m| m != "plain" && m != "S256") {
                return Err(redirect(Failure::invalid_request(
                    "Unsupported 'code_challenge_method'",
                )));
            }
            if params.count("code_challenge_method") > 1 {
                return Err(redirect(Failure::invalid_request(
                    "Multiple 'code_challenge_method' in request.",
                )));
            }
        }
        // OpenID Connect: a nonce already used by one of the client's codes is a replay.
        let openid = params
            .get("scope")
            .is_some_and(|s| scope_list(s).iter().any(|s| s == "openid"));
        if let Some(nonce) = params.truthy("nonce").filter(|_| openid) {
            let replayed = self
                .codes
                .values()
                .any(|c| c.client_id == client.client_id && c.nonce.as_deref() == Some(nonce));
            if replayed {
                return Err(redirect(Failure::invalid_request("Replay attack")));
            }
        }
        Ok(ValidatedRequest {
            client,
            redirect_uri,
            redirect_uri_param,
            state,
            scope,
        })
    }

    /// The consent page's answer (`POST /v1/oauth2/consent` with `action=allow|deny` and the
    /// picked `organizations`, or an automatic approval): the redirect location with `code`,
    /// or the error.
    pub(crate) fn authorization_response(
        &mut self,
        params: &Params,
        allow: bool,
        save_consent: bool,
        organizations: &[String],
    ) -> Result<String, Failure> {
        let request = self.validate_authorization_request(params)?;
        if !allow {
            return Err(Failure::access_denied()
                .state(request.state.clone())
                .redirect_to(&request.redirect_uri));
        }
        let single = Self::requires_single_organization(params, &request)?;
        let organizations = Self::resolve_organizations(organizations, single)?;
        self.sweep();
        let code = self.polar_token("polar_ac_")?;
        self.codes.insert(
            code.clone(),
            CodeRecord {
                client_id: request.client.client_id.clone(),
                redirect_uri: request.redirect_uri_param.clone(),
                scope: request.scope.join(" "),
                nonce: params.truthy("nonce").map(str::to_owned),
                code_challenge: params.truthy("code_challenge").map(str::to_owned),
                code_challenge_method: params.truthy("code_challenge_method").map(str::to_owned),
                organizations,
                issued_at: self.now(),
            },
        );
        if save_consent {
            self.consents
                .retain(|c| c.client_id != request.client.client_id);
            self.consents.push(Consent {
                client_id: request.client.client_id.clone(),
                scope: request.scope.clone(),
            });
        }
        let mut redirect_params = vec![("code", code)];
        if let Some(state) = request.state.filter(|s| !s.is_empty()) {
            redirect_params.push(("state", state));
        }
        Ok(with_query(&request.redirect_uri, &redirect_params))
    }

    /// What the test user picks on the stand-in page ([`crate::TestServer::approve`], `GET
    /// /oauth2/authorize`): the URL's `organizations`, else the first organization when the
    /// request asks for one, else none.
    pub(crate) fn picked_organizations(&self, params: &Params) -> Vec<String> {
        let picked = params.all("organizations");
        if !picked.is_empty() {
            return picked;
        }
        let single = self
            .validate_authorization_request(params)
            .and_then(|request| Self::requires_single_organization(params, &request))
            .unwrap_or(false);
        match ORGANIZATIONS.first() {
            Some(first) if single => vec![first.id.to_string()],
            _ => Vec::new(),
        }
    }

    /// `GET /v1/oauth2/authorize`: the consent data for the signed-in user.
    pub(crate) fn consent_data(
        &mut self,
        params: &Params,
        authorization: Option<&str>,
        cookie: Option<&str>,
    ) -> Reply {
        let user_signed_in = match self.web_user(authorization, cookie) {
            Ok(signed_in) => signed_in,
            Err(reply) => return reply,
        };
        let request = match self.validate_authorization_request(params) {
            Ok(request) => request,
            Err(failure) => return failure.into_reply(),
        };
        let redirect = |f: Failure| {
            f.state(request.state.clone())
                .redirect_to(&request.redirect_uri)
                .into_reply()
        };
        let prompt = params.truthy("prompt");
        // OpenID Connect's prompt rules apply when `openid` is asked for.
        let openid = params
            .get("scope")
            .is_some_and(|s| scope_list(s).iter().any(|s| s == "openid"));
        let mut effective_prompt: Option<&str> = None;
        if openid {
            match prompt {
                None if !user_signed_in => effective_prompt = Some("login"),
                None => {}
                Some("none") if !user_signed_in => {
                    return redirect(Failure::new(StatusCode::BAD_REQUEST, "login_required"));
                }
                Some(prompt) => {
                    let prompts: Vec<&str> = prompt.split_ascii_whitespace().collect();
                    if prompts.contains(&"none") && prompts.len() > 1 {
                        return redirect(Failure::invalid_request("Invalid 'prompt' parameter."));
                    }
                    if !user_signed_in || prompts.contains(&"login") {
                        effective_prompt = Some("login");
                    } else if prompts.contains(&"consent") {
                        effective_prompt = Some("consent");
                    } else if prompts.contains(&"select_account") {
                        effective_prompt = Some("select_account");
                    }
                }
            }
        }
        let single = match Self::requires_single_organization(params, &request) {
            Ok(single) => single,
            Err(failure) => return failure.into_reply(),
        };
        let granted = user_signed_in
            && self.consents.iter().any(|c| {
                c.client_id == request.client.client_id
                    && request.scope.iter().all(|s| c.scope.contains(s))
            });
        if prompt == Some("none") {
            if !user_signed_in {
                return redirect(Failure::new(StatusCode::BAD_REQUEST, "login_required"));
            }
            if !granted {
                return redirect(Failure::new(StatusCode::BAD_REQUEST, "consent_required"));
            }
        }
        if prompt.is_none() && granted {
            effective_prompt = Some("none");
        }
        match effective_prompt {
            Some("login") => return Reply::detail(StatusCode::UNAUTHORIZED, "Unauthorized"),
            // Consent already given: Polar answers with the redirect itself (or, with no
            // organization to pick from a page, its error).
            Some("none") => {
                return match self.authorization_response(params, true, false, &[]) {
                    Ok(location) => Reply::Redirect(location),
                    Err(failure) => failure.into_reply(),
                };
            }
            _ => {}
        }
        let client = &request.client;
        let mut body = json!({
            "client": {
                "created_at": CLIENT_CREATED_AT,
                "modified_at": null,
                "client_id": client.client_id,
                "client_name": client.client_name,
                "client_uri": client.extra_metadata.get("client_uri"),
                "logo_uri": client.extra_metadata.get("logo_uri"),
                "tos_uri": client.extra_metadata.get("tos_uri"),
                "policy_uri": client.extra_metadata.get("policy_uri"),
            },
            // Polar issues only user tokens: `sub_type=organization` asks for one organization.
            "sub_type": SubType::User.as_str(),
            "scopes": request.scope,
            "scope_display_names": scope_display_names(),
        });
        let sub = if user_signed_in {
            json!({"id": USER_ID, "email": USER_EMAIL, "avatar_url": null})
        } else {
            Value::Null
        };
        if let Value::Object(fields) = &mut body {
            fields.insert("sub".into(), sub);
            // The organizations the user can down-scope the token to.
            let organizations: Vec<Value> = if user_signed_in {
                ORGANIZATIONS.iter().map(organization_json).collect()
            } else {
                Vec::new()
            };
            fields.insert("organizations".into(), Value::Array(organizations));
            fields.insert("requires_single_organization".into(), Value::Bool(single));
        }
        Reply::Json {
            status: StatusCode::OK,
            body,
            no_store: false,
            www_authenticate: None,
        }
    }

    /// `POST /v1/oauth2/consent?<the authorization request>` (Polar's web app, not in the
    /// spec): the signed-in user's `action=allow|deny`, with the `organizations` picked.
    pub(crate) fn consent(
        &mut self,
        query: &Params,
        form: &Params,
        authorization: Option<&str>,
        cookie: Option<&str>,
    ) -> Reply {
        match self.web_user(authorization, cookie) {
            Ok(true) => {}
            Ok(false) => return unauthorized(),
            Err(reply) => return reply,
        }
        let allow = match form.get("action") {
            Some("allow") => true,
            Some("deny") => false,
            other => {
                return validation_failed(vec![json!({
                    "type": if other.is_some() { "literal_error" } else { "missing" },
                    "loc": ["body", "action"],
                    "msg": if other.is_some() {
                        "Input should be 'allow' or 'deny'"
                    } else {
                        "Field required"
                    },
                    "input": other,
                })]);
            }
        };
        // authlib's consent path re-validates the request and redirects its errors without
        // `state` (a denial keeps it).
        if let Err(failure) = self.validate_authorization_request(query) {
            return failure.state(None).into_reply();
        }
        match self.authorization_response(query, allow, true, &form.all("organizations")) {
            Ok(location) => Reply::Redirect(location),
            Err(failure) => failure.into_reply(),
        }
    }
}

/// Every scope Polar's consent page has a label for: the spec's 62-entry default.
pub(crate) fn scope_display_names() -> Value {
    let names: Map<String, Value> = Scope::KNOWN
        .iter()
        .filter_map(|s| Some((s.as_str().to_owned(), Value::from(s.display_name()?))))
        .collect();
    Value::Object(names)
}

pub(super) fn organization_json(organization: &TestOrganization) -> Value {
    json!({"id": organization.id, "slug": organization.slug, "avatar_url": null})
}
