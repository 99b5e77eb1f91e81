//! The hand-written baseline: what a user writes with reqwest + serde and no generator.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::payloads::*;

/// `#[serde(tag = "sub_type")]` over the two arms, display names in a `HashMap`.
#[derive(Debug, Deserialize)]
#[serde(tag = "sub_type", rename_all = "snake_case")]
#[allow(dead_code)] // fields are decoded, not read
pub enum BaselineAuthorize {
    User {
        client: BaselineClient,
        sub: Option<BaselineUser>,
        scopes: Vec<String>,
        #[serde(default)]
        scope_display_names: HashMap<String, String>,
    },
    Organization {
        client: BaselineClient,
        sub: Option<BaselineOrganization>,
        scopes: Vec<String>,
        #[serde(default)]
        scope_display_names: HashMap<String, String>,
        organizations: Vec<BaselineOrganization>,
    },
}

/// Same field types as the generated `OAuth2ClientPublic`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineClient {
    created_at: chrono::DateTime<chrono::Utc>,
    modified_at: Option<chrono::DateTime<chrono::Utc>>,
    client_id: String,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    tos_uri: Option<String>,
    policy_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineUser {
    id: uuid::Uuid,
    email: String,
    avatar_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineOrganization {
    id: uuid::Uuid,
    slug: String,
    avatar_url: Option<String>,
}

/// RFC 6749 §5.1 as a plain struct, `scope` left as the wire string.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineToken {
    access_token: String,
    token_type: String,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
    id_token: Option<String>,
    scope: Option<String>,
}

/// RFC 7662 §2.2 as a user would write it: `active` plus optional claims.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineIntrospection {
    active: bool,
    client_id: Option<String>,
    token_type: Option<String>,
    scope: Option<String>,
    sub_type: Option<String>,
    sub: Option<String>,
    #[serde(default)]
    organizations: Vec<String>,
    aud: Option<String>,
    iss: Option<String>,
    exp: Option<u64>,
    iat: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineUserInfo {
    sub: String,
    name: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineRegisteredClient {
    client_id: String,
    client_secret: Option<String>,
    client_id_issued_at: Option<u64>,
    client_secret_expires_at: Option<u64>,
    registration_access_token: Option<String>,
    registration_client_uri: Option<String>,
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    response_types: Vec<String>,
    scope: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    tos_uri: Option<String>,
    policy_uri: Option<String>,
    default_sub_type: Option<String>,
}

/// Revocation answers `{}` (RFC 7009 §2.2: the body is not read by clients).
#[derive(Debug, Deserialize)]
pub struct BaselineRevoked {}

#[derive(Serialize)]
pub(super) struct RefreshForm<'a> {
    pub(super) grant_type: &'a str,
    pub(super) client_id: &'a str,
    pub(super) client_secret: &'a str,
    pub(super) refresh_token: &'a str,
}

#[derive(Serialize)]
struct TokenForm<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    token: &'a str,
    token_type_hint: &'a str,
}

#[derive(Serialize)]
struct RegistrationBody<'a> {
    client_name: &'a str,
    redirect_uris: [&'a str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
}

/// One `reqwest::Client`, each request built by hand, `.json()` to decode: the nine operations.
pub struct HandWritten {
    pub http: reqwest::Client,
    pub base: String,
    token_url: String,
    authorize_url: String,
}

/// The authorize query both the crate and the baseline send (10 scopes, PKCE, state).
pub fn authorize_query(scope: &str) -> [(&'static str, &str); 7] {
    [
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", scope),
        ("state", STATE),
        ("code_challenge", CODE_CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

impl HandWritten {
    pub fn new(base: &str, http: reqwest::Client) -> Self {
        Self {
            http,
            base: base.to_owned(),
            token_url: format!("{base}/v1/oauth2/token"),
            authorize_url: format!("{base}/v1/oauth2/authorize"),
        }
    }

    /// reqwest's defaults, with TLS on ring (rustls is built without a default provider here).
    pub fn default_http() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder().build().expect("reqwest client")
    }

    pub async fn refresh(&self) -> reqwest::Result<BaselineToken> {
        let form = RefreshForm {
            grant_type: "refresh_token",
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            refresh_token: REFRESH_TOKEN,
        };
        self.http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    pub async fn consent_data(&self, scope: &str) -> reqwest::Result<BaselineAuthorize> {
        self.http
            .get(&self.authorize_url)
            .bearer_auth(ACCESS_TOKEN)
            .query(&authorize_query(scope))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    fn token_form(hint: &str) -> TokenForm<'_> {
        TokenForm {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            token: ACCESS_TOKEN,
            token_type_hint: hint,
        }
    }

    pub async fn revoke(&self) -> reqwest::Result<BaselineRevoked> {
        let url = format!("{}/v1/oauth2/revoke", self.base);
        let form = Self::token_form("access_token");
        let response = self.http.post(url).form(&form).send().await?;
        response.error_for_status()?.json().await
    }

    pub async fn introspect(&self) -> reqwest::Result<BaselineIntrospection> {
        let url = format!("{}/v1/oauth2/introspect", self.base);
        let form = Self::token_form("access_token");
        let response = self.http.post(url).form(&form).send().await?;
        response.error_for_status()?.json().await
    }

    pub async fn userinfo(&self) -> reqwest::Result<BaselineUserInfo> {
        let url = format!("{}/v1/oauth2/userinfo", self.base);
        let response = self.http.get(url).bearer_auth(ACCESS_TOKEN).send().await?;
        response.error_for_status()?.json().await
    }

    pub async fn create_client(&self) -> reqwest::Result<BaselineRegisteredClient> {
        let url = format!("{}/v1/oauth2/register", self.base);
        let body = RegistrationBody {
            client_name: "Acme Analytics",
            redirect_uris: [REDIRECT_URI],
            client_id: None,
        };
        // Polar registers clients anonymously (see `Client::register_client`).
        let request = self.http.post(url).json(&body);
        request.send().await?.error_for_status()?.json().await
    }

    pub async fn get_client(&self) -> reqwest::Result<BaselineRegisteredClient> {
        let url = format!("{}/v1/oauth2/register/{CLIENT_ID}", self.base);
        let request = self.http.get(url).bearer_auth(REGISTRATION_TOKEN);
        request.send().await?.error_for_status()?.json().await
    }

    pub async fn update_client(&self) -> reqwest::Result<BaselineRegisteredClient> {
        let url = format!("{}/v1/oauth2/register/{CLIENT_ID}", self.base);
        let body = RegistrationBody {
            client_name: "Acme Analytics",
            redirect_uris: [REDIRECT_URI],
            client_id: Some(CLIENT_ID),
        };
        let request = self
            .http
            .put(url)
            .bearer_auth(REGISTRATION_TOKEN)
            .json(&body);
        request.send().await?.error_for_status()?.json().await
    }

    pub async fn delete_client(&self) -> reqwest::Result<()> {
        let url = format!("{}/v1/oauth2/register/{CLIENT_ID}", self.base);
        let request = self.http.delete(url).bearer_auth(REGISTRATION_TOKEN);
        request.send().await?.error_for_status()?;
        Ok(())
    }
}
