//! What the server knows: clients, codes, tokens, consents, the clock, and the rules of each
//! operation (authlib 1.7 with Polar's overrides). Handlers in `routes.rs` only translate HTTP.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::clients::{ClientConfiguration, Registration, TestClient, TestClientAuth};
use super::failure::{Failure, Reply};
use super::keys::SigningKey;
use super::params::{
    Params, basic_credentials, bearer_token, is_pkce_value, is_valid_scope, scope_list, with_query,
};
use super::{
    CLIENT_CREATED_AT, CODE_ACCESS_TOKEN_LIFETIME, CODE_LIFETIME, CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET, DEFAULT_ACCESS_TOKEN_LIFETIME, ID_TOKEN_LIFETIME, ISSUER,
    ORGANIZATIONS, PUBLIC_CLIENT_ID, SESSION_COOKIE, TestOrganization, USER_EMAIL, USER_ID,
};
use crate::util::{constant_time_eq, random_token};
use polar_oauth2::Scope;
use polar_oauth2::SubType;

/// How often (in server time) spent and expired records are dropped: often enough to bound
/// memory, rarely enough that a burst of requests does not rescan the maps each time.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

pub(super) struct CodeRecord {
    client_id: String,
    /// As sent in the authorization request: `None` when the client's default was used, and
    /// the token request then need not repeat it.
    redirect_uri: Option<String>,
    /// Space-separated, as Polar stores it: one allocation instead of one per scope (a code
    /// for a client's ~60 default scopes would otherwise take ~4 KiB).
    scope: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    /// The organizations the user picked at consent: the token's down-scope (Polar issues
    /// only user tokens; `sub_type=organization` means exactly one).
    organizations: Vec<Uuid>,
    issued_at: Duration,
}

pub(super) struct TokenRecord {
    client_id: String,
    /// The down-scope (introspection's `organizations`); empty for an unrestricted token.
    organizations: Vec<Uuid>,
    scope: Vec<String>,
    access_token: String,
    pub(super) refresh_token: Option<String>,
    issued_at: Duration,
    expires_in: Duration,
    /// authlib's `is_revoked`: either token revoked makes both unusable.
    pub(super) revoked: bool,
    /// When Polar's transaction commits it: before, the token is unknown.
    committed_at: Instant,
}

/// The test user's consent to a client's scopes.
struct Consent {
    client_id: String,
    scope: Vec<String>,
}

pub(super) struct Inner {
    pub(super) offset: Duration,
    rng: SystemRandom,
    pub(super) signing_key: SigningKey,
    pub(super) web_session: String,
    pub(super) personal_access_token: String,
    pub(super) clients: HashMap<String, TestClient>,
    pub(super) codes: HashMap<String, CodeRecord>,
    pub(super) tokens: Vec<TokenRecord>,
    consents: Vec<Consent>,
    /// Server time of the next [`Inner::sweep`].
    next_sweep: Duration,
    /// How long a new token or registration stays unknown after its answer was sent.
    pub(super) commit_delay: Duration,
    /// Clients registered over HTTP and when their registration commits.
    uncommitted_clients: HashMap<String, Instant>,
}

/// Who calls a registration endpoint (Polar's `AuthSubjectMiddleware` + `WebUserOrAnonymous`).
pub(super) enum Caller {
    /// No credential, or a registration access token (`polar_crt_`), which Polar's middleware
    /// leaves anonymous for authlib to check.
    Anonymous(Option<String>),
    /// The test user's web session.
    WebUser,
}

/// An authorization request that passed validation (authlib's
/// `validate_authorization_request`).
struct ValidatedRequest {
    client: TestClient,
    redirect_uri: String,
    redirect_uri_param: Option<String>,
    state: Option<String>,
    scope: Vec<String>,
}

impl Inner {
    pub(super) fn new() -> Result<Self, String> {
        let web_session = format!("polar_test_session_{}", random_token()?);
        let mut inner = Self {
            offset: Duration::ZERO,
            rng: SystemRandom::new(),
            signing_key: SigningKey::load()?,
            web_session,
            personal_access_token: String::new(),
            clients: HashMap::new(),
            codes: HashMap::new(),
            tokens: Vec::new(),
            consents: Vec::new(),
            next_sweep: Duration::ZERO,
            commit_delay: Duration::ZERO,
            uncommitted_clients: HashMap::new(),
        };
        inner.personal_access_token = inner
            .polar_token("polar_pat_")
            .map_err(|_| "the system's secure random generator failed".to_owned())?;
        for client in [
            TestClient::confidential(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET)
                .client_name("Test Confidential App"),
            TestClient::public(PUBLIC_CLIENT_ID).client_name("Test Public App"),
        ] {
            inner
                .store_client(client, true)
                .map_err(|_| "the system's secure random generator failed".to_owned())?;
        }
        Ok(inner)
    }

    /// Store (or replace) a client, giving it what Polar's `save_client` adds: a registration
    /// access token, an owner and `client_id_issued_at`.
    pub(super) fn store_client(
        &mut self,
        mut client: TestClient,
        owned_by_user: bool,
    ) -> Result<(), Failure> {
        let hidden_secret = match client.auth_method {
            TestClientAuth::None => Some(self.polar_token("polar_cs_")?),
            _ => None,
        };
        client.registration = Some(Registration {
            access_token: self.polar_token("polar_crt_")?,
            owned_by_user,
            issued_at: self.now().as_secs(),
            hidden_secret,
        });
        self.clients.insert(client.client_id.clone(), client);
        Ok(())
    }

    /// A client whose registration has committed (Polar commits a registration after its
    /// answer: a client used at once can be unknown).
    fn committed_client(&self, client_id: &str) -> Option<&TestClient> {
        let pending = self
            .uncommitted_clients
            .get(client_id)
            .is_some_and(|at| Instant::now() < *at);
        self.clients.get(client_id).filter(|_| !pending)
    }

    /// Drop what can never be used again (at most once per [`SWEEP_INTERVAL`]): codes past
    /// their 300 s, and tokens whose access token expired and whose refresh token is gone or
    /// revoked (Polar's `delete_expired`). Spent codes are removed when exchanged.
    pub(super) fn sweep(&mut self) {
        let now = self.now();
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now.saturating_add(SWEEP_INTERVAL);
        self.codes
            .retain(|_, c| now <= c.issued_at.saturating_add(CODE_LIFETIME));
        self.tokens.retain(|t| {
            let expired = now > t.issued_at.saturating_add(t.expires_in);
            !(expired && (t.refresh_token.is_none() || t.revoked))
        });
    }

    /// Wall-clock time since the epoch, plus what `TestServer::advance` added.
    pub(super) fn now(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_add(self.offset)
    }

    // ---- the authorization endpoint ------------------------------------------------------

    /// authlib's `get_authorization_grant` + `validate_authorization_request`.
    fn validate_authorization_request(&self, params: &Params) -> Result<ValidatedRequest, Failure> {
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

    /// Polar's `ValidateSubAndPrompt._validate_sub`: whether the request asks for one
    /// organization (`sub_type=organization`, or the client's default). Polar issues only user
    /// tokens; the legacy `sub` parameter is ignored. Errors here are not redirected.
    fn requires_single_organization(
        params: &Params,
        request: &ValidatedRequest,
    ) -> Result<bool, Failure> {
        let sub_type = match params.truthy("sub_type") {
            None => request.client.default_sub_type,
            Some("user") => SubType::User,
            Some("organization") => SubType::Organization,
            Some(_) => {
                return Err(
                    Failure::invalid_request("Invalid sub_type").state(request.state.clone())
                );
            }
        };
        Ok(sub_type == SubType::Organization)
    }

    /// What the test user picks on the stand-in page ([`crate::TestServer::approve`], `GET
    /// /oauth2/authorize`): the URL's `organizations`, else the first organization when the
    /// request asks for one, else none.
    pub(super) fn picked_organizations(&self, params: &Params) -> Vec<String> {
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

    /// Polar's `_resolve_organization_ids`: the organizations picked at consent (each one the
    /// user can access), exactly one when `single` (the smallest id if several were sent).
    fn resolve_organizations(selected: &[String], single: bool) -> Result<Vec<Uuid>, Failure> {
        let mut ids = Vec::new();
        for value in selected {
            let id = Uuid::parse_str(value)
                .map_err(|_| Failure::invalid_request("Invalid 'organizations' UUID"))?;
            if !ORGANIZATIONS.iter().any(|o| o.id == id) {
                return Err(Failure::invalid_request(format!(
                    "Organization {id} is not accessible"
                )));
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if single {
            ids.sort_by_key(Uuid::to_string);
            ids.truncate(1);
            if ids.is_empty() {
                return Err(Failure::invalid_request(
                    "sub_type=organization requires selecting an organization",
                ));
            }
        }
        Ok(ids)
    }

    /// The consent page's answer (`POST /v1/oauth2/consent` with `action=allow|deny` and the
    /// picked `organizations`, or an automatic approval): the redirect location with `code`,
    /// or the error.
    pub(super) fn authorization_response(
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

    /// `GET /v1/oauth2/authorize`: the consent data for the signed-in user.
    pub(super) fn consent_data(
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
    pub(super) fn consent(
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
                    "msg": if other.is_some() { "Input should be 'allow' or 'deny'" } else { "Field required" },
                    "input": other,
                })]);
            }
        };
        match self.authorization_response(query, allow, true, &form.all("organizations")) {
            Ok(location) => Reply::Redirect(location),
            Err(failure) => failure.into_reply(),
        }
    }

    /// Polar's `AuthSubjectMiddleware` then `WebUserOrAnonymous`: `Ok(true)` for the
    /// signed-in user (the web session is read only from the `polar_session` cookie),
    /// `Ok(false)` for anonymous (no credential, or a registration access token left for
    /// authlib to check); an API token (OAuth2 access token, personal access token) is 403
    /// `NotPermitted`, any other bearer 401 `invalid_token`.
    fn web_user(&self, authorization: Option<&str>, cookie: Option<&str>) -> Result<bool, Reply> {
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

    // ---- the token endpoint --------------------------------------------------------------

    /// `POST /v1/oauth2/token` (authlib's `create_token_response`).
    pub(super) fn token_endpoint(
        &mut self,
        form: &Params,
        authorization: Option<&str>,
    ) -> Result<Reply, Failure> {
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
    fn authenticate_client(
        &self,
        form: &Params,
        authorization: Option<&str>,
        methods: &[TestClientAuth],
    ) -> Result<(TestClient, TestClientAuth), Failure> {
        self.authenticate_client_at(form, authorization, methods, true)
    }

    fn authenticate_client_at(
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

    fn unauthorized_client(grant_type: &str) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "unauthorized_client").describe(format!(
            "The client is not authorized to use 'grant_type={grant_type}'"
        ))
    }

    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5–4.6).
    fn authorization_code_grant(
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
    fn refresh_token_grant(
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
    fn web_grant(&mut self, form: &Params, client: &TestClient) -> Result<Value, Failure> {
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
    fn issue_token(
        &mut self,
        client: &TestClient,
        organizations: Vec<Uuid>,
        scope: Vec<String>,
        expires_in: Duration,
        include_refresh_token: bool,
    ) -> Result<Value, Failure> {
        self.sweep();
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

    /// An OpenID Connect ID token as authlib's `OpenIDCode`/`OpenIDToken` make it for Polar
    /// (`JWT_CONFIG`: RS256, issuer `https://polar.sh`, 3600 s): `iss`, `aud` (a list with the
    /// client id), `iat`, `exp`, `auth_time`, `nonce` (`null` when the authorization request
    /// had none: authlib 1.7's `get_authorization_code_claims` copies it as is), `at_hash`,
    /// then the userinfo claims (`generate_user_info`).
    fn id_token(
        &self,
        client: &TestClient,
        scope: &[String],
        nonce: Option<String>,
        auth_time: Duration,
        token: &Value,
    ) -> Result<String, Failure> {
        let now = self.now().as_secs();
        let mut claims = Map::new();
        claims.insert("iss".into(), ISSUER.into());
        claims.insert("aud".into(), json!([client.client_id]));
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), now.saturating_add(ID_TOKEN_LIFETIME).into());
        claims.insert("auth_time".into(), auth_time.as_secs().into());
        claims.insert("nonce".into(), nonce.map_or(Value::Null, Value::from));
        if let Some(access_token) = token.get("access_token").and_then(Value::as_str) {
            let hash = digest::digest(&digest::SHA256, access_token.as_bytes());
            let half = &hash.as_ref()[..16];
            claims.insert("at_hash".into(), URL_SAFE_NO_PAD.encode(half).into());
        }
        claims.extend(userinfo_claims(scope));
        self.signing_key.sign(&Value::Object(claims)).map_err(|e| {
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error").describe(e)
        })
    }

    // ---- revocation and introspection (RFC 7009, RFC 7662) -------------------------------

    /// authlib's `check_params` of both endpoints, then `_QueryTokenMixin.query_token`: the
    /// index of the record whose access (or refresh) token is `token`, revoked or not.
    fn query_token(&self, form: &Params) -> Result<Option<usize>, Failure> {
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
    pub(super) fn revoke(
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
    pub(super) fn introspect(
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

    // ---- userinfo (OpenID Connect Core §5.3) ---------------------------------------------

    /// The live (neither revoked nor expired) token record of an access token.
    fn live_access_token(&self, bearer: &str) -> Option<&TokenRecord> {
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
    pub(super) fn is_known_bearer(&self, bearer: &str) -> bool {
        bearer.starts_with("polar_crt_")
            || constant_time_eq(bearer.as_bytes(), self.personal_access_token.as_bytes())
            || self.live_access_token(bearer).is_some()
    }

    /// `GET|POST /v1/oauth2/userinfo`: a bearer that is not a live access token is 401
    /// `invalid_token` (RFC 6750 §3.1); no bearer at all is Polar's `Unauthorized`.
    pub(super) fn userinfo(&self, authorization: Option<&str>) -> Reply {
        let Some(bearer) = bearer_token(authorization) else {
            return unauthorized();
        };
        match self.live_access_token(bearer) {
            Some(token) => {
                Reply::json(StatusCode::OK, Value::Object(userinfo_claims(&token.scope)))
            }
            None => Failure::invalid_token().into_reply(),
        }
    }

    // ---- client registration (RFC 7591, RFC 7592) ----------------------------------------

    /// Who calls a registration endpoint: the web user (cookie), a registration access token,
    /// or nobody; API tokens and other bearers are refused as by [`Self::web_user`].
    pub(super) fn registration_caller(
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

    /// `POST /v1/oauth2/register`: 201 with the client's metadata, `client_id`,
    /// `client_secret` (not for `none`), `client_id_issued_at`, `client_secret_expires_at: 0`,
    /// `registration_client_uri` and `registration_access_token`.
    pub(super) fn register(&mut self, caller: &Caller, body: &[u8], base_url: &str) -> Reply {
        let configuration = match ClientConfiguration::parse(body, false) {
            Ok(configuration) => configuration,
            Err(detail) => return validation_failed(detail),
        };
        if let Err(description) = configuration.check_claims() {
            return invalid_client_metadata(description);
        }
        let client_id = match self.polar_token("polar_ci_") {
            Ok(id) => id,
            Err(failure) => return failure.into_reply(),
        };
        let mut client = match configuration.auth_method {
            TestClientAuth::None => TestClient::public(client_id),
            method => match self.polar_token("polar_cs_") {
                Ok(secret) => {
                    let client = TestClient::confidential(client_id, secret);
                    if method == TestClientAuth::ClientSecretBasic {
                        client.client_secret_basic()
                    } else {
                        client
                    }
                }
                Err(failure) => return failure.into_reply(),
            },
        };
        apply_configuration(&mut client, configuration);
        let id = client.client_id.clone();
        if let Err(failure) = self.store_client(client, matches!(caller, Caller::WebUser)) {
            return failure.into_reply();
        }
        if !self.commit_delay.is_zero() {
            let now = Instant::now();
            self.uncommitted_clients.retain(|_, at| now < *at);
            self.uncommitted_clients
                .insert(id.clone(), now + self.commit_delay);
        }
        match self.clients.get(&id) {
            Some(client) => {
                Reply::no_store(StatusCode::CREATED, client.registration_json(base_url))
            }
            None => Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        }
    }

    /// authlib's `ClientConfigurationEndpoint` with Polar's `authenticate_token` and
    /// `authenticate_client`: the caller's credential must be the client's registration access
    /// token, or the web session of the user who registered it.
    fn configured_client(&self, caller: &Caller, client_id: &str) -> Result<String, Reply> {
        let credential_matches = |client: &TestClient| {
            let Some(registration) = &client.registration else {
                return false;
            };
            match caller {
                Caller::WebUser => registration.owned_by_user,
                Caller::Anonymous(Some(token)) => {
                    constant_time_eq(registration.access_token.as_bytes(), token.as_bytes())
                }
                Caller::Anonymous(None) => false,
            }
        };
        if matches!(caller, Caller::Anonymous(None)) {
            return Err(Failure::access_denied().into_reply());
        }
        match self.committed_client(client_id) {
            Some(client) if credential_matches(client) => Ok(client.client_id.clone()),
            _ => Err(Failure::invalid_client(
                StatusCode::UNAUTHORIZED,
                "The client does not exist on this server.",
            )
            .into_reply()),
        }
    }

    /// `GET /v1/oauth2/register/{client_id}` (RFC 7592 §2.1).
    pub(super) fn read_client(&self, caller: &Caller, client_id: &str, base_url: &str) -> Reply {
        match self.configured_client(caller, client_id) {
            Ok(id) => match self.clients.get(&id) {
                Some(client) => Reply::no_store(StatusCode::OK, client.registration_json(base_url)),
                None => Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            },
            Err(reply) => reply,
        }
    }

    /// `PUT /v1/oauth2/register/{client_id}` (RFC 7592 §2.2): the body's `client_id` must be
    /// the path's; metadata left out of the body go back to Polar's defaults (the body is
    /// validated with them filled in, then merged over the stored metadata).
    pub(super) fn update_client(
        &mut self,
        caller: &Caller,
        client_id: &str,
        body: &[u8],
        base_url: &str,
    ) -> Reply {
        let configuration = match ClientConfiguration::parse(body, true) {
            Ok(configuration) => configuration,
            Err(detail) => return validation_failed(detail),
        };
        let id = match self.configured_client(caller, client_id) {
            Ok(id) => id,
            Err(reply) => return reply,
        };
        if configuration.client_id.as_deref() != Some(id.as_str()) {
            return Failure::new(StatusCode::BAD_REQUEST, "invalid_request").into_reply();
        }
        if let Err(description) = configuration.check_claims() {
            return invalid_client_metadata(description);
        }
        let Some(client) = self.clients.get_mut(&id) else {
            return Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        };
        let new_method = configuration.auth_method;
        if new_method != client.auth_method {
            // The stored secret stays; only the method that presents it changes.
            if client.client_secret.is_none()
                && let Some(secret) = client
                    .registration
                    .as_ref()
                    .and_then(|r| r.hidden_secret.clone())
            {
                client.client_secret = Some(polar_oauth2::ClientSecret::new(secret));
            }
            client.auth_method = new_method;
        }
        apply_configuration(client, configuration);
        Reply::no_store(StatusCode::OK, client.registration_json(base_url))
    }

    /// `DELETE /v1/oauth2/register/{client_id}` (RFC 7592 §2.3): 204; the client is gone for
    /// every endpoint.
    pub(super) fn delete_client(&mut self, caller: &Caller, client_id: &str) -> Reply {
        match self.configured_client(caller, client_id) {
            Ok(id) => {
                self.clients.remove(&id);
                self.codes.retain(|_, c| c.client_id != id);
                Reply::Empty {
                    status: StatusCode::NO_CONTENT,
                    no_store: true,
                }
            }
            Err(reply) => reply,
        }
    }

    /// Polar's `generate_token`: prefix, 37 random letters and digits, and a 6-character
    /// base62 CRC32 checksum (which secret scanners check).
    pub(super) fn polar_token(&self, prefix: &str) -> Result<String, Failure> {
        const LETTERS_AND_DIGITS: &[u8; 62] =
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut body = String::with_capacity(37);
        let mut random = [0u8; 64];
        while body.len() < 37 {
            self.rng.fill(&mut random).map_err(|_| {
                Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error")
                    .describe("the system's secure random generator failed")
            })?;
            // Rejection sampling keeps the 62 characters equally likely.
            for &byte in random.iter().filter(|&&b| b < 248) {
                if body.len() == 37 {
                    break;
                }
                body.push(char::from(LETTERS_AND_DIGITS[usize::from(byte % 62)]));
            }
        }
        let checksum = base62_checksum(crc32(body.as_bytes()));
        Ok(format!("{prefix}{body}{checksum}"))
    }
}

/// Every scope Polar's consent page has a label for: the spec's 62-entry default.
pub(super) fn scope_display_names() -> Value {
    let names: Map<String, Value> = Scope::KNOWN
        .iter()
        .filter_map(|s| Some((s.as_str().to_owned(), Value::from(s.display_name()?))))
        .collect();
    Value::Object(names)
}

/// The methods of Polar's `RevocationEndpoint` and `IntrospectionEndpoint`.
const ENDPOINT_AUTH_METHODS: &[TestClientAuth] = &[
    TestClientAuth::ClientSecretBasic,
    TestClientAuth::ClientSecretPost,
];

/// Polar's `NotPermitted`: an API token where only the web session or nobody may call.
fn not_permitted() -> Reply {
    Reply::polar_error(
        StatusCode::FORBIDDEN,
        "NotPermitted",
        "Not permitted".into(),
    )
}

/// Polar's `Unauthorized` (no credentials at all).
fn unauthorized() -> Reply {
    Reply::Json {
        status: StatusCode::UNAUTHORIZED,
        body: json!({"error": "Unauthorized", "detail": "Unauthorized"}),
        no_store: false,
        www_authenticate: Some(format!("Bearer realm=\"{}\"", super::REALM)),
    }
}

/// FastAPI's 422, as Polar's `request_validation_exception_handler` shapes it.
fn validation_failed(detail: Vec<Value>) -> Reply {
    Reply::polar_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "RequestValidationError",
        Value::Array(detail),
    )
}

/// authlib's `InvalidClientMetadataError` (RFC 7591 §3.2.2).
fn invalid_client_metadata(description: &str) -> Reply {
    Failure::new(StatusCode::BAD_REQUEST, "invalid_client_metadata")
        .describe(description)
        .into_reply()
}

/// The registered metadata onto a stored client (the secret and auth method are the
/// caller's business).
fn apply_configuration(client: &mut TestClient, configuration: ClientConfiguration) {
    client.redirect_uris = configuration.redirect_uris;
    client.grant_types = configuration.grant_types;
    client.scope = configuration.scope;
    client.client_name = Some(configuration.client_name);
    client.extra_metadata = configuration.extra_metadata;
}

/// Polar's `generate_user_info` for the test user: `sub` always, `email` and
/// `email_verified` with the `email` scope (never `name`).
pub(super) fn userinfo_claims(scope: &[String]) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), USER_ID.to_string().into());
    if scope.iter().any(|granted| granted == "email") {
        claims.insert("email".into(), USER_EMAIL.into());
        claims.insert("email_verified".into(), true.into());
    }
    claims
}

fn organization_json(organization: &TestOrganization) -> Value {
    json!({"id": organization.id, "slug": organization.slug, "avatar_url": null})
}

/// zlib's CRC-32 (IEEE 802.3).
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Polar's `_crc32_to_base62`: digits, upper case, lower case; zero-padded to 6.
pub(super) fn base62_checksum(mut number: u32) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(6);
    while number > 0 {
        out.push(DIGITS[(number % 62) as usize]);
        number /= 62;
    }
    while out.len() < 6 {
        out.push(b'0');
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}
