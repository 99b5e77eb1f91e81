//! One refresh, the way a user's binary would do it.
use polar_oauth2::{Client, ClientCredentials, ClientSecret, RefreshToken, Server};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new(Server::Sandbox)?;
    let credentials = ClientCredentials::confidential("polar_ci_x", ClientSecret::new("polar_cs_x"));
    let token = client
        .refresh(&credentials, &RefreshToken::new("polar_rt_u_x"))
        .await?;
    println!("{:?}", token.expires_at());
    Ok(())
}
