//! Dynamic client registration (RFC 7591) and its management (RFC 7592).

use super::*;

impl Inner {
    /// `POST /v1/oauth2/register`: 201 with the client's metadata, `client_id`,
    /// `client_secret` (not for `none`), `client_id_issued_at`, `client_secret_expires_at: 0`,
    /// `registration_client_uri` and `registration_access_token`.
    pub(crate) fn register(&mut self, caller: &Caller, body: &[u8], base_url: &str) -> Reply {
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
    pub(super) fn configured_client(
        &self,
        caller: &Caller,
        client_id: &str,
    ) -> Result<String, Reply> {
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
    pub(crate) fn read_client(&self, caller: &Caller, client_id: &str, base_url: &str) -> Reply {
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
    pub(crate) fn update_client(
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
    pub(crate) fn delete_client(&mut self, caller: &Caller, client_id: &str) -> Reply {
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
}

/// FastAPI's 422, as Polar's `request_validation_exception_handler` shapes it.
pub(super) fn validation_failed(detail: Vec<Value>) -> Reply {
    Reply::polar_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "RequestValidationError",
        Value::Array(detail),
    )
}

/// authlib's `InvalidClientMetadataError` (RFC 7591 §3.2.2).
pub(super) fn invalid_client_metadata(description: &str) -> Reply {
    Failure::new(StatusCode::BAD_REQUEST, "invalid_client_metadata")
        .describe(description)
        .into_reply()
}

/// The registered metadata onto a stored client (the secret and auth method are the
/// caller's business).
pub(super) fn apply_configuration(client: &mut TestClient, configuration: ClientConfiguration) {
    client.redirect_uris = configuration.redirect_uris;
    client.grant_types = configuration.grant_types;
    client.scope = configuration.scope;
    client.client_name = Some(configuration.client_name);
    client.extra_metadata = configuration.extra_metadata;
}
