//! What the server knows (the store: clients, codes, tokens, consents, the clock) here, and
//! the rules of each operation (authlib 1.7 with Polar's overrides) in one file per concept.
//! Handlers in `routes.rs` only translate HTTP.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::client_configuration::ClientConfiguration;
use crate::clients::{Registration, TestClient, TestClientAuth};
use crate::constants::{
    CLIENT_CREATED_AT, CODE_ACCESS_TOKEN_LIFETIME, CODE_LIFETIME, DEFAULT_ACCESS_TOKEN_LIFETIME,
    ID_TOKEN_LIFETIME, ISSUER, SESSION_COOKIE,
};
use crate::failure::{Failure, Reply};
use crate::keys::SigningKey;
use crate::params::{
    Params, basic_credentials, bearer_token, is_pkce_value, is_valid_scope, scope_list, with_query,
};
use crate::seed::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, ORGANIZATIONS, PUBLIC_CLIENT_ID,
    TestOrganization, USER_EMAIL, USER_ID,
};
use crate::util::{constant_time_eq, random_token};
use polar_oauth2::Scope;
use polar_oauth2::SubType;

pub(super) mod authorize;
mod caller;
mod oidc;
mod organizations;
mod registration;
mod revocation;
mod token;

/// How often (in server time) spent and expired records are dropped: often enough to bound
/// memory, rarely enough that a burst of requests does not rescan the maps each time.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

pub(super) struct CodeRecord {
    client_id: String,
    /// As sent in the authorization request: `None` when the client's default was used, and
    /// the token request then need not repeat it.
    redirect_uri: Option<String>,
    /// Space-separated, as Polar stores it: one allocation instead of one per scope, since
    /// every visit to the authorization page stores a code.
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
    /// their 300 s, revoked token records (rotated away or revoked: authlib's `is_revoked`
    /// makes both tokens of a record unusable, so every endpoint answers for it as for an
    /// unknown token), and records whose access token expired without a refresh token.
    /// Spent codes are removed when exchanged. A refresh loop thus keeps one record per grant.
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
            !(t.revoked || (expired && t.refresh_token.is_none()))
        });
    }

    /// Wall-clock time since the epoch, plus what `TestServer::advance` added.
    pub(super) fn now(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_add(self.offset)
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
