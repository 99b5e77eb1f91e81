//! The base URL rules: `https` unless the host is loopback (or the caller opted in), no query
//! or fragment, no password in `Debug`.

use std::net::IpAddr;

use reqwest::Url;

use crate::error::Error;

/// `url` with its password (userinfo) replaced by `[redacted]`, for `Debug`.
pub(crate) fn without_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("[redacted]"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Not a URL: show nothing that may be a credential.
        Err(_) => url.split('@').next_back().unwrap_or_default().to_owned(),
    }
}

/// The path of a validated base URL without its trailing `/`: what the hooks' path guard
/// expects every operation's path to follow.
pub(crate) fn base_path(base: &str) -> Result<Box<str>, Error> {
    let url = Url::parse(base)
        .map_err(|e| Error::InvalidRequest(format!("base URL {base:?} is not a URL: {e}")))?;
    Ok(url.path().trim_end_matches('/').into())
}

/// `https`, or `http` on a loopback host, or anything when the caller opted in; no query or
/// fragment. The one check of a base URL: the [`Client`](crate::Client) and
/// [`AuthorizationRequest`](crate::AuthorizationRequest) both use it.
pub(crate) fn validate_base_url(base: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let url = Url::parse(base)
        .map_err(|e| Error::InvalidRequest(format!("base URL {base:?} is not a URL: {e}")))?;
    check_transport(&url, &format!("base URL {base:?}"), allow_insecure_http)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidRequest(format!(
            "base URL {base:?} must not have a query or fragment"
        )));
    }
    Ok(base.trim_end_matches('/').to_owned())
}

/// `https`, or `http` on a loopback host (or anywhere when the caller opted in); `what`
/// names the URL in the message.
pub(crate) fn check_transport(
    url: &Url,
    what: &str,
    allow_insecure_http: bool,
) -> Result<(), Error> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) || allow_insecure_http => Ok(()),
        "http" => Err(Error::InvalidRequest(format!(
            "{what} uses plain http on a non-loopback host: tokens and secrets would cross the network unencrypted; use https, or ClientBuilder::allow_insecure_http(true) on a trusted network"
        ))),
        other => Err(Error::InvalidRequest(format!(
            "{what} has scheme {other:?}; expected https"
        ))),
    }
}

/// Whether `url`'s host is this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tls::ALPN;

    #[test]
    fn tls_offers_only_http_1_1_since_reqwest_has_no_http2() {
        assert_eq!(ALPN, [b"http/1.1".as_slice()]);
    }

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        assert!(validate_base_url("https://api.polar.sh/", false).is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(validate_base_url("http://localhost:1", false).is_ok());
        assert!(validate_base_url("http://[::1]:1", false).is_ok());
        let e = validate_base_url("http://example.com", false).unwrap_err();
        assert!(e.to_string().contains("allow_insecure_http"), "{e}");
        assert!(validate_base_url("http://example.com", true).is_ok());
        assert!(validate_base_url("ftp://example.com", true).is_err());
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        assert_eq!(
            validate_base_url("https://api.polar.sh/", false).unwrap(),
            "https://api.polar.sh"
        );
    }
}
