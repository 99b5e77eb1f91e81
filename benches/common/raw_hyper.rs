//! The floor: hyper's HTTP/1 connection, requests built by hand, no pool, no client library.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use super::baseline::{BaselineAuthorize, BaselineToken, RefreshForm, authorize_query};
use super::payloads::*;

/// One keep-alive connection driven by hyper directly: what the round trip costs with no
/// client library (pool, redirect, timeout, URL parsing) at all. Same form and decoding as the
/// baseline.
pub struct RawHyper {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
    authorize_path: String,
}

impl RawHyper {
    /// Connects (call inside the runtime that will drive it).
    pub async fn connect(addr: std::net::SocketAddr, scope: &str) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let query = serde_urlencoded::to_string(authorize_query(scope)).expect("query");
        Self {
            sender,
            host: addr.to_string(),
            authorize_path: format!("/v1/oauth2/authorize?{query}"),
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &mut self,
        request: http::Request<Full<Bytes>>,
    ) -> T {
        let response = self.sender.send_request(request).await.expect("send");
        assert!(response.status().is_success());
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice(&body).expect("decode")
    }

    pub async fn refresh(&mut self) -> BaselineToken {
        let form = serde_urlencoded::to_string(RefreshForm {
            grant_type: "refresh_token",
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            refresh_token: REFRESH_TOKEN,
        })
        .expect("form");
        let request = http::Request::post("/v1/oauth2/token")
            .header(http::header::HOST, &self.host)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(Full::new(Bytes::from(form)))
            .expect("request");
        self.send(request).await
    }

    pub async fn consent_data(&mut self) -> BaselineAuthorize {
        let request = http::Request::get(&self.authorize_path)
            .header(http::header::HOST, &self.host)
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {ACCESS_TOKEN}"),
            )
            .body(Full::new(Bytes::new()))
            .expect("request");
        self.send(request).await
    }
}
