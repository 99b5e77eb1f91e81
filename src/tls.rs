//! TLS: rustls with *ring*, installed as the process-wide crypto provider unless the app chose
//! one (reqwest's `rustls-no-provider`, which Cargo unifies into the app's reqwest, leaves that
//! choice to the program; see [`install_crypto_provider`]).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

use crate::error::Error;

/// The provider this crate installs: *ring*, or aws-lc-rs with the `aws-lc-rs` feature.
fn crate_provider() -> CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    {
        rustls::crypto::aws_lc_rs::default_provider()
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    {
        rustls::crypto::ring::default_provider()
    }
}

/// Install the crate's rustls crypto provider (*ring*; aws-lc-rs with the `aws-lc-rs` feature)
/// as the process default, unless one is already installed. Idempotent and cheap.
///
/// Building a [`Client`](crate::Client) does this by itself. Call it at start-up when the app
/// builds its own `reqwest::Client` before its first polar-oauth2 `Client`: with the
/// `rustls-no-provider` feature this crate enables in reqwest, that `build()` would otherwise
/// panic with "No rustls crypto provider is configured".
///
/// A provider installed by the app (before or after this call, even concurrently) is never
/// replaced: whichever is installed first stays for the life of the process.
///
/// ```
/// polar_oauth2::install_crypto_provider();
/// // The app's own client, built before any polar_oauth2::Client:
/// let http = reqwest::Client::builder().build()?;
/// # let _ = http;
/// # Ok::<(), reqwest::Error>(())
/// ```
///
/// # TLS beside your own reqwest
///
/// This crate turns on reqwest's `rustls-no-provider` feature, which leaves the choice of a rustls
/// crypto provider to the program. Cargo unifies features, so an app that depends on
/// `reqwest = { version = "0.13", default-features = false }` gets that feature too, and its own
/// `reqwest::Client::builder().build()` then panics with "No rustls crypto provider is
/// configured" unless a provider was installed process-wide first. reqwest's own `rustls`
/// feature avoids the panic by bundling aws-lc-rs, whose C build (aws-lc-sys) more than doubles
/// a cold build; *ring* is already in the tree (for `state`, PKCE and ID tokens), so it is this
/// crate's default.
///
/// So:
/// - Building a polar-oauth2 [`Client`](crate::Client) installs the crate's provider as the
///   process default if none is installed yet ([`install_crypto_provider`]). It never replaces a
///   provider the app installed. Every `reqwest::Client` the app builds afterwards works.
/// - An app that builds its own `reqwest::Client` (or any rustls config with
///   `ClientConfig::builder()`) *before* its first polar-oauth2 `Client` calls
///   [`install_crypto_provider`] once at start-up.
/// - The `aws-lc-rs` cargo feature turns on reqwest's own `rustls` feature (reqwest then never
///   panics, whatever is installed) and makes aws-lc-rs the crate's provider instead of *ring*.
///
/// The crate's own `reqwest::Client` uses the process default provider (the app's, when it
/// installed one) with the platform's certificate verifier.
pub fn install_crypto_provider() {
    if CryptoProvider::get_default().is_none() {
        // Losing a race to another installer is fine: theirs stays, as documented.
        let _ = crate_provider().install_default();
    }
}

/// What the TLS handshake offers: HTTP/1.1 only. reqwest is built without `http2` (Polar's API
/// answers over HTTP/1.1, and h2 was the largest crate nothing needed); offering `h2` here
/// would let a server pick a protocol this client cannot speak.
pub(crate) const ALPN: &[&[u8]] = &[b"http/1.1"];

/// The TLS configuration of the crate's own `reqwest::Client`: the process default provider
/// (installed by [`install_crypto_provider`] if need be), safe default protocol versions, the
/// platform's certificate verifier, ALPN for HTTP/1.1 only ([`ALPN`]).
pub(crate) fn client_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    install_crypto_provider();
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(crate_provider()));
    let tls_error = |e: rustls::Error| Error::InvalidRequest(format!("cannot set up TLS: {e}"));
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_platform_verifier()
        .map_err(tls_error)?
        .with_no_client_auth();
    tls.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(tls)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn after_install_a_process_default_exists_and_a_config_builds() {
        install_crypto_provider();
        assert!(CryptoProvider::get_default().is_some());
        install_crypto_provider(); // idempotent: no panic, no error
        let config = client_config().unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
    }
}
