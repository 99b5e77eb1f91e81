//! The same refresh with oauth2-rs 5 and reqwest.
use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, ClientSecret, RefreshToken, TokenResponse, TokenUrl};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = BasicClient::new(ClientId::new("polar_ci_x".into()))
        .set_client_secret(ClientSecret::new("polar_cs_x".into()))
        .set_auth_uri(AuthUrl::new("https://sandbox.polar.sh/oauth2/authorize".into())?)
        .set_token_uri(TokenUrl::new("https://sandbox-api.polar.sh/v1/oauth2/token".into())?);
    let http = oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()?;
    let token = client
        .exchange_refresh_token(&RefreshToken::new("polar_rt_u_x".into()))
        .request_async(&http)
        .await?;
    println!("{:?}", token.expires_in());
    Ok(())
}
