//! The whole OAuth2 flow in one run.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! By default everything happens on this machine, against the embedded Polar-compatible server
//! (`polar_oauth2_test_server`): no account, no network. Each step is printed: the
//! authorization URL, the consent screen's data, the callback, the token (secrets redacted), a
//! refresh with rotation, and the old refresh token and a reused code being rejected.
//!
//! With a client registered in Polar's sandbox (https://sandbox.polar.sh, Settings → OAuth):
//!
//! ```text
//! POLAR_CLIENT_ID=polar_ci_… POLAR_CLIENT_SECRET=polar_cs_… \
//! POLAR_REDIRECT_URI=https://your.app/callback cargo run --example quickstart -- --sandbox
//! ```
//!
//! walks the same flow against the sandbox: open the printed URL, approve, and paste the URL
//! your browser was redirected to. Only `--sandbox` ever contacts the network.

use std::error::Error;
use std::process::ExitCode;

use polar_oauth2::{
    AuthorizeResponse, Client, ClientCredentials, ClientSecret, OAuthErrorCode,
    PendingAuthorization, RefreshToken, Scope, Server, Token,
};
use polar_oauth2_test_server::TestServer;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let sandbox = std::env::args().skip(1).any(|arg| arg == "--sandbox");
    let result = if sandbox {
        against_sandbox().await
    } else {
        offline().await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The flow against the embedded server on 127.0.0.1.
async fn offline() -> Result<()> {
    let server = TestServer::start().await?;
    let client = server.client()?;
    let credentials = server.confidential_client();
    println!("polar-oauth2 quickstart: the whole OAuth2 flow, offline.");
    println!(
        "Embedded Polar-compatible server at {}\n",
        server.base_url()
    );

    // 1. Where the app sends the user's browser.
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .scope(Scope::UserRead)
        .random_nonce()
        .build()?;
    println!("1. Authorization URL (fresh `state`, PKCE S256 challenge, nonce):");
    println!("   {}\n", pending.url());

    // 2. What Polar's consent screen shows, read as the signed-in user does.
    let consent = client
        .consent_data(&server.web_session_token(), &pending.authorize_params())
        .await?;
    print_consent(&consent);

    // 3. The user clicks "Allow"; the browser comes back to the app.
    let redirected_to = server.approve(pending.url())?;
    println!("3. The user clicks \"Allow\". Polar redirects the browser to:");
    println!("   {}\n", redact_code(&redirected_to));

    // 4. The app's callback: `state` checked in constant time, then the code taken.
    let code = pending.callback(&redirected_to)?;
    println!("4. Callback: `state` matches this session's; got the code {code:?}.\n");

    // 5. The code and the PKCE verifier, exchanged for tokens.
    let token = exchange(&client, &credentials, &pending, code.clone()).await?;
    println!("5. Code exchanged (with the PKCE verifier):");
    print_token(&token);
    let first_refresh = token
        .refresh_token()
        .ok_or("the token response has no refresh token")?
        .clone();

    // 6. A refresh: Polar rotates the refresh token.
    let refreshed = client.refresh(&credentials, &first_refresh).await?;
    println!("6. Refreshed. Polar rotates refresh tokens, so keep the new one:");
    print_token(&refreshed);

    // 7. The old refresh token and 8. the used code are now rejected.
    let old = client.refresh(&credentials, &first_refresh).await;
    println!(
        "7. The old refresh token is rejected: {}",
        describe_rejection(old.map(|_| ()))?
    );
    let reused = exchange(&client, &credentials, &pending, code).await;
    println!(
        "8. The code, used a second time, is rejected: {}\n",
        describe_rejection(reused.map(|_| ()))?
    );
    println!("Done. Test your own app the same way: `TestServer::start().await?` in a test.");
    Ok(())
}

/// The same flow against Polar's sandbox, with a real client and a real browser.
async fn against_sandbox() -> Result<()> {
    let var = |name: &str| {
        std::env::var(name).map_err(|_| {
            format!(
                "{name} is not set: --sandbox needs POLAR_CLIENT_ID, POLAR_CLIENT_SECRET and POLAR_REDIRECT_URI"
            )
        })
    };
    let client_id = var("POLAR_CLIENT_ID")?;
    let secret = var("POLAR_CLIENT_SECRET")?;
    let redirect_uri = var("POLAR_REDIRECT_URI")?;
    let credentials = ClientCredentials::confidential(&client_id, ClientSecret::new(secret));
    let client = Client::new(Server::Sandbox)?;
    println!("polar-oauth2 quickstart: the OAuth2 flow against Polar's sandbox.\n");

    let pending =
        polar_oauth2::AuthorizationRequest::new(&Server::Sandbox, &client_id, &redirect_uri)
            .scope(Scope::Openid)
            .scope(Scope::Email)
            .build()?;
    println!("1. Open this URL in a browser, sign in to the sandbox and click \"Allow\":");
    println!("   {}\n", pending.url());
    println!("2. Paste the URL your browser was redirected to (it starts with {redirect_uri}):");
    let redirected_to = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await??;

    let code = pending.callback(redirected_to.trim())?;
    println!("3. Callback: `state` matches; got the code {code:?}.\n");
    let token = exchange(&client, &credentials, &pending, code).await?;
    println!("4. Code exchanged (with the PKCE verifier):");
    print_token(&token);
    if let Some(first_refresh) = token.refresh_token().cloned() {
        let refreshed = client.refresh(&credentials, &first_refresh).await?;
        println!("5. Refreshed (the refresh token rotates):");
        print_token(&refreshed);
        let old = client.refresh(&credentials, &first_refresh).await;
        println!(
            "6. The old refresh token is rejected: {}",
            describe_rejection(old.map(|_| ()))?
        );
    }
    Ok(())
}

async fn exchange(
    client: &Client,
    credentials: &ClientCredentials,
    pending: &PendingAuthorization,
    code: polar_oauth2::AuthorizationCode,
) -> std::result::Result<Token, polar_oauth2::Error> {
    client
        .exchange_code(
            credentials,
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
        .await
}

fn print_consent(consent: &AuthorizeResponse) {
    let who = match consent {
        AuthorizeResponse::User(user) => user
            .sub
            .as_ref()
            .map_or("the user".to_owned(), |u| u.email.clone()),
        AuthorizeResponse::Organization(_) => "one of the user's organizations".to_owned(),
        _ => "someone".to_owned(),
    };
    let app = consent
        .client()
        .client_name
        .clone()
        .unwrap_or_else(|| consent.client().client_id.clone());
    println!("2. Consent screen: \"{app}\" asks {who} for:");
    let names = consent.scope_display_names();
    for scope in consent.scopes() {
        let label = names.get_scope(scope).unwrap_or("(no label)");
        println!("   - {scope}: {label}");
    }
    println!();
}

fn print_token(token: &Token) {
    let lifetime = token
        .expires_in()
        .map_or("no lifetime given".to_owned(), |d| {
            format!("expires in {} s", d.as_secs())
        });
    println!("   {token:?}");
    println!(
        "   access token {} ({lifetime}), refresh token {}, scopes: {}, ID token: {}\n",
        prefix(token.access_token().secret()),
        token
            .refresh_token()
            .map_or("none".to_owned(), |r: &RefreshToken| prefix(r.secret())),
        token.scope(),
        if token.id_token().is_some() {
            "yes"
        } else {
            "no"
        },
    );
}

/// The expected failure, in words; a success where a rejection was expected is an error.
fn describe_rejection(result: std::result::Result<(), polar_oauth2::Error>) -> Result<String> {
    match result {
        Ok(()) => Err("expected a rejection, got a success".into()),
        Err(polar_oauth2::Error::OAuth(e)) if e.code == OAuthErrorCode::InvalidGrant => {
            Ok(e.to_string())
        }
        Err(e) => Err(format!("expected `invalid_grant`, got: {e}").into()),
    }
}

/// A Polar token's type prefix, the rest hidden: `polar_at_u_…`.
fn prefix(secret: &str) -> String {
    let known = [
        "polar_at_u_",
        "polar_at_o_",
        "polar_rt_u_",
        "polar_rt_o_",
        "polar_ac_",
    ];
    match known.iter().find(|p| secret.starts_with(**p)) {
        Some(p) => format!("{p}…"),
        None => "[redacted]".to_owned(),
    }
}

/// The redirect URL with the code's value hidden.
fn redact_code(url: &str) -> String {
    match url.split_once("code=") {
        Some((head, tail)) => {
            let rest = tail.find('&').map_or("", |i| &tail[i..]);
            format!("{head}code={}{rest}", prefix(tail))
        }
        None => url.to_owned(),
    }
}
