//! Tokens kept in a [`FileStore`]: a forced expiry against the embedded server shows the refresh,
//! the rotation and the persisted token; the files are owner-only and a damaged one is named.

use polar_oauth2::{FileStore, OAuthErrorCode, Scope, Token, TokenStore, Tokens};
use polar_oauth2_test_server::TestServer;

use super::users::token;

/// The embedded server's user connected through the whole flow, as an app's test does it.
async fn connected(polar: &TestServer) -> Token {
    let client = polar.client().unwrap();
    super::support::tokens(polar, &client, &[Scope::Openid]).await
}

#[tokio::test]
async fn a_forced_expiry_shows_the_refresh_the_rotation_and_the_persisted_token() {
    let polar = TestServer::start().await.unwrap();
    let client = polar.client().unwrap();
    let dir = tempdir("forced-expiry");
    let tokens = Tokens::new(
        client.clone(),
        polar.confidential_client(),
        FileStore::open(&dir).unwrap(),
    );
    let first = connected(&polar).await;
    tokens.connect("erin", first.clone()).await.unwrap();
    assert_eq!(
        &tokens.access_token("erin").await.unwrap(),
        first.access_token(),
        "a fresh token is handed out as is"
    );

    tokens.expire_now("erin").await.unwrap();
    let refreshed = tokens.access_token("erin").await.unwrap();
    assert_ne!(&refreshed, first.access_token());
    // Rotation: the old refresh token is spent.
    let reused = client
        .refresh(&polar.confidential_client(), first.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        reused.as_oauth().unwrap().code,
        OAuthErrorCode::InvalidGrant
    );
    // Persisted: a new process (same directory) hands out the refreshed token.
    let restarted = Tokens::new(
        client.clone(),
        polar.confidential_client(),
        FileStore::open(&dir).unwrap(),
    );
    assert_eq!(restarted.access_token("erin").await.unwrap(), refreshed);
    assert!(client.userinfo(&refreshed).await.is_ok());

    restarted.disconnect("erin").await.unwrap();
    let introspected = client
        .introspect(&polar.confidential_client(), &refreshed)
        .await
        .unwrap();
    assert!(introspected.active().is_none(), "the grant is revoked");
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("polar-oauth2-tokens-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn the_file_store_keeps_each_key_in_an_owner_only_file_inside_its_directory() {
    let dir = tempdir("file-store");
    let store = FileStore::open(&dir).unwrap();
    let keys = [
        "../../etc/passwd",
        "/absolute",
        "a/b\\c",
        "",
        "user@example.com",
    ];
    for (i, key) in keys.iter().enumerate() {
        store
            .save(key, &token(&format!("k{i}"), 3600))
            .await
            .unwrap();
        let path = store.path(key);
        assert_eq!(path.parent().unwrap(), dir, "{key:?} escaped: {path:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{key:?}");
        }
    }
    for (i, key) in keys.iter().enumerate() {
        let loaded = store.load(key).await.unwrap().unwrap();
        assert_eq!(
            loaded.access_token().secret(),
            format!("polar_at_u_test_k{i}")
        );
    }
    // Only the tokens: no temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), keys.len());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    store.delete(keys[0]).await.unwrap();
    assert!(store.load(keys[0]).await.unwrap().is_none());
    store.delete(keys[0]).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_damaged_token_file_is_an_error_naming_the_file_not_its_content() {
    let dir = tempdir("damaged");
    let store = FileStore::open(&dir).unwrap();
    std::fs::write(
        store.path("frank"),
        r#"{"access_token": 1, "refresh_token": "polar_rt_u_test_secret"}"#,
    )
    .unwrap();
    let e = store.load("frank").await.unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains(&store.path("frank").display().to_string()),
        "{message}"
    );
    assert!(!message.contains("polar_rt_u_test_secret"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}
