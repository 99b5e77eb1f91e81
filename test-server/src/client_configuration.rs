//! The body of a registration request (RFC 7591) validated as Polar does: pydantic's checks
//! with FastAPI's 422 `detail` list, then authlib's claims against the server metadata.

use serde_json::{Map, Value, json};

use crate::clients::TestClientAuth;
use crate::params::{scope_list, supported_scopes};

/// The validated body of a registration request (Polar's `OAuth2ClientConfiguration`, FastAPI's
/// validation, then authlib's `ClientMetadataClaims`).
#[derive(Debug)]
pub(crate) struct ClientConfiguration {
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) auth_method: TestClientAuth,
    pub(crate) grant_types: Vec<String>,
    pub(crate) scope: Vec<String>,
    pub(crate) client_name: String,
    pub(crate) extra_metadata: Map<String, Value>,
    /// `client_id` of an update (`OAuth2ClientConfigurationUpdate`).
    pub(crate) client_id: Option<String>,
}

/// One entry of FastAPI's 422 `detail` list.
fn validation_error(loc: &[&str], kind: &str, msg: &str, input: &Value) -> Value {
    let mut location = vec![Value::from("body")];
    location.extend(loc.iter().map(|l| Value::from(*l)));
    json!({"type": kind, "loc": location, "msg": msg, "input": input})
}

impl ClientConfiguration {
    /// Pydantic's validation: `Err` carries FastAPI's `detail` list (a 422).
    pub(crate) fn parse(body: &[u8], update: bool) -> Result<Self, Vec<Value>> {
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) if body.is_empty() => {
                let _ = e;
                return Err(vec![validation_error(
                    &[],
                    "missing",
                    "Field required",
                    &Value::Null,
                )]);
            }
            Err(e) => {
                return Err(vec![json!({
                    "type": "json_invalid",
                    "loc": ["body", e.column()],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": e.to_string()},
                })]);
            }
        };
        let Value::Object(fields) = &value else {
            return Err(vec![validation_error(
                &[],
                "model_attributes_type",
                "Input should be a valid dictionary or object to extract fields from",
                &value,
            )]);
        };
        let mut errors = Vec::new();
        let string = |name: &str, errors: &mut Vec<Value>| -> Option<String> {
            match fields.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    errors.push(validation_error(
                        &[name],
                        "string_type",
                        "Input should be a valid string",
                        other,
                    ));
                    None
                }
            }
        };
        let mut redirect_uris = Vec::new();
        match fields.get("redirect_uris") {
            None => errors.push(validation_error(
                &["redirect_uris"],
                "missing",
                "Field required",
                &value,
            )),
            Some(Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    if let Err(error) = redirect_uri(item) {
                        let mut error = error;
                        if let Some(Value::Array(loc)) = error.get_mut("loc") {
                            loc.push(index.into());
                        }
                        errors.push(error);
                    } else if let Some(uri) = item.as_str() {
                        redirect_uris.push(uri.into());
                    }
                }
            }
            Some(other) => errors.push(validation_error(
                &["redirect_uris"],
                "list_type",
                "Input should be a valid list",
                other,
            )),
        }
        let auth_method = match string("token_endpoint_auth_method", &mut errors) {
            None => TestClientAuth::ClientSecretPost,
            Some(method) => TestClientAuth::from_wire(&method).unwrap_or_else(|| {
                errors.push(validation_error(
                    &["token_endpoint_auth_method"],
                    "literal_error",
                    "Input should be 'client_secret_basic', 'client_secret_post' or 'none'",
                    &Value::from(method),
                ));
                TestClientAuth::ClientSecretPost
            }),
        };
        let grant_types = match fields.get("grant_types") {
            None | Some(Value::Null) => vec!["authorization_code".into(), "refresh_token".into()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| match item.as_str() {
                    Some(g @ ("authorization_code" | "refresh_token")) => Some(g.to_owned()),
                    _ => {
                        errors.push(validation_error(
                            &["grant_types"],
                            "literal_error",
                            "Input should be 'authorization_code' or 'refresh_token'",
                            item,
                        ));
                        None
                    }
                })
                .collect(),
            Some(other) => {
                errors.push(validation_error(
                    &["grant_types"],
                    "list_type",
                    "Input should be a valid list",
                    other,
                ));
                Vec::new()
            }
        };
        let scope = string("scope", &mut errors).map_or_else(
            || supported_scopes().map(str::to_owned).collect(),
            |s| scope_list(&s),
        );
        let client_name = string("client_name", &mut errors);
        if client_name.is_none() && !fields.contains_key("client_name") {
            errors.push(validation_error(
                &["client_name"],
                "missing",
                "Field required",
                &value,
            ));
        }
        let client_id = if update {
            let id = string("client_id", &mut errors);
            if id.is_none() && !fields.contains_key("client_id") {
                errors.push(validation_error(
                    &["client_id"],
                    "missing",
                    "Field required",
                    &value,
                ));
            }
            id
        } else {
            None
        };
        let mut extra_metadata = Map::new();
        for name in ["client_uri", "logo_uri", "tos_uri", "policy_uri"] {
            if let Some(uri) = string(name, &mut errors) {
                extra_metadata.insert(name.into(), uri.into());
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            redirect_uris,
            auth_method,
            grant_types,
            scope,
            client_name: client_name.unwrap_or_default(),
            extra_metadata,
            client_id,
        })
    }

    /// authlib's `ClientMetadataClaims` against the server metadata: every scope must be one
    /// of `scopes_supported` (`web:*` and the organization access token scopes cannot be
    /// registered).
    pub(crate) fn check_claims(&self) -> Result<(), &'static str> {
        if self
            .scope
            .iter()
            .any(|s| !supported_scopes().any(|supported| supported == s))
        {
            return Err("Invalid claim: 'scope'");
        }
        Ok(())
    }
}

/// One item of `redirect_uris` as pydantic checks it (`AnyUrl`, then Polar's HTTPS rule):
/// the error of FastAPI's `detail`, its `loc` still without the item's index.
fn redirect_uri(item: &Value) -> Result<(), Value> {
    let loc = json!(["body", "redirect_uris"]);
    let Some(uri) = item.as_str() else {
        return Err(json!({"type": "url_type", "loc": loc,
            "msg": "URL input should be a string or URL", "input": item}));
    };
    // pydantic-core parses URLs with the same `url` crate: the same error texts.
    if let Err(error) = url::Url::parse(uri) {
        return Err(json!({"type": "url_parsing", "loc": loc,
            "msg": format!("Input should be a valid URL, {error}"), "input": item,
            "ctx": {"error": error.to_string()}}));
    }
    if !is_https_or_localhost(uri) {
        return Err(json!({"type": "value_error", "loc": loc,
            "msg": "Value error, An HTTPS URL is required.", "input": item,
            "ctx": {"error": {}}}));
    }
    Ok(())
}

/// Polar's `URIOrLocalhost`: `https`, or `http` to `localhost`/`*.localhost`/a private IPv4.
fn is_https_or_localhost(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    if url.scheme() != "http" {
        return true;
    }
    match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost" || host.ends_with(".localhost"),
        // Python's `IPv4Address.is_private` includes loopback.
        Some(url::Host::Ipv4(ip)) => ip.is_private() || ip.is_loopback(),
        _ => false,
    }
}
