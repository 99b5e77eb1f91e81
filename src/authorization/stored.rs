//! The stored form of a [`PendingAuthorization`], held on restore to every rule `build` keeps.

use url::Url;

use crate::authorize::{AuthorizeParams, PkceMethod, SubType};
use crate::error::Error;
use crate::secret::PkceCodeVerifier;

use super::pending::PendingAuthorization;
use super::pkce::pkce_challenge;
use super::request::{authorization_page, check_redirect_uri, query_pairs};
use super::state::CsrfToken;

/// The stored form of a [`PendingAuthorization`], for the user's session between the redirect
/// and the callback: every field as a plain value, secrets included (`state`, the PKCE verifier,
/// the nonce).
///
/// **Where it goes:** a server-side session, or a cookie that is encrypted (or at least signed,
/// and `HttpOnly`, `Secure`, `SameSite=Lax`); never a log, a URL or anything the user's browser
/// can read or change unnoticed.
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, PendingAuthorization, Server};
///
/// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_example", "https://your.app/callback")
///     .random_nonce()
///     .build()?;
/// let stored = serde_json::to_string(&pending)?; // into the encrypted session cookie
/// let restored: PendingAuthorization = serde_json::from_str(&stored)?;
/// assert_eq!(restored.url(), pending.url());
/// assert_eq!(restored.nonce(), pending.nonce());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl serde::Serialize for PendingAuthorization {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = &self.params;
        StoredPending::<&str> {
            url: &self.url,
            state: self.state.secret(),
            pkce_verifier: self.pkce_verifier.secret(),
            nonce: self.nonce.as_deref(),
            redirect_uri: &self.redirect_uri,
            params: StoredParams {
                client_id: p.client_id.as_deref(),
                redirect_uri: p.redirect_uri.as_deref(),
                scope: p.scope.as_deref(),
                state: p.state.as_deref(),
                nonce: p.nonce.as_deref(),
                prompt: p.prompt.as_deref(),
                code_challenge: p.code_challenge.as_deref(),
                code_challenge_method: p.code_challenge_method.map(PkceMethod::as_str),
                sub_type: p.sub_type,
            },
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for PendingAuthorization {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = StoredPending::<String>::deserialize(deserializer)?;
        let p = s.params;
        let code_challenge_method = match p.code_challenge_method.as_deref() {
            None => None,
            Some("S256") => Some(PkceMethod::S256),
            Some("plain") => Some(PkceMethod::Plain),
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "unknown code_challenge_method {other:?}"
                )));
            }
        };
        let pending = PendingAuthorization {
            url: s.url,
            // A stored state is held to the same minimum as a fresh one.
            state: CsrfToken::new(s.state).map_err(serde::de::Error::custom)?,
            pkce_verifier: PkceCodeVerifier::new(s.pkce_verifier),
            nonce: s.nonce,
            redirect_uri: s.redirect_uri,
            params: AuthorizeParams {
                client_id: p.client_id,
                redirect_uri: p.redirect_uri,
                scope: p.scope,
                state: p.state,
                nonce: p.nonce,
                prompt: p.prompt,
                code_challenge: p.code_challenge,
                code_challenge_method,
                sub_type: p.sub_type,
            },
        };
        pending.check().map_err(serde::de::Error::custom)?;
        Ok(pending)
    }
}

impl PendingAuthorization {
    /// What `build` guarantees, checked again on a restored one (whose stored form may have
    /// been changed): the page is `https` (or `http` on a loopback host), `redirect_uri` is
    /// absolute without a fragment, the verifier is one RFC 7636 allows, and the URL carries
    /// exactly this request (state, challenge of this verifier, redirect_uri, nonce…) after
    /// the page's own query.
    fn check(&self) -> Result<(), Error> {
        // The page alone in messages: the query holds `state` (and a plain verifier).
        let page = self.url.split(['?', '#']).next().unwrap_or_default();
        authorization_page(page)?;
        let url = Url::parse(&self.url).map_err(|e| {
            Error::InvalidRequest(format!("the stored authorization URL is not a URL: {e}"))
        })?;
        if url.fragment().is_some() {
            return Err(Error::InvalidRequest(
                "the stored authorization URL has a fragment, which build never writes".into(),
            ));
        }
        check_redirect_uri(&self.redirect_uri)?;
        let verifier = self.pkce_verifier.secret();
        if !(43..=128).contains(&verifier.len())
            || !verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            return Err(Error::InvalidRequest(
                "pkce_verifier is not 43 to 128 unreserved characters (RFC 7636 §4.1)".into(),
            ));
        }
        let p = &self.params;
        let method = p.code_challenge_method.unwrap_or(PkceMethod::S256);
        let consistent = p.state.as_deref() == Some(self.state.secret())
            && p.redirect_uri.as_deref() == Some(self.redirect_uri.as_str())
            && p.nonce == self.nonce
            && p.code_challenge.as_deref()
                == Some(pkce_challenge(&self.pkce_verifier, method).as_str());
        let sent: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let expected = query_pairs(p);
        let carried = sent.len() >= expected.len()
            && sent[sent.len() - expected.len()..]
                .iter()
                .zip(&expected)
                .all(|((n, v), (en, ev))| n == en && v == ev);
        if consistent && carried {
            Ok(())
        } else {
            Err(Error::InvalidRequest(
                "the stored authorization URL does not carry the stored request".into(),
            ))
        }
    }
}

/// Field names of the stored form (strings borrowed when writing, owned when reading).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "T: serde::Serialize",
    deserialize = "T: serde::Deserialize<'de>"
))]
struct StoredPending<T> {
    url: T,
    state: T,
    pkce_verifier: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<T>,
    redirect_uri: T,
    params: StoredParams<T>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "T: serde::Serialize",
    deserialize = "T: serde::Deserialize<'de>"
))]
struct StoredParams<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prompt: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge_method: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub_type: Option<SubType>,
}
