//! What the scripted server answers to one request, and how it puts that on the wire: a whole
//! response, or a fault (a delay, a body dripped or cut short, a close, a reset, raw bytes).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How the connection ends after a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Ready for the next request (keep-alive).
    KeepAlive,
    /// Shut down cleanly (FIN).
    Close,
    /// Reset (RST) a moment after the last byte.
    Reset,
    /// Never answer: hold the connection open.
    Hang,
}

/// A scripted response. Built from a constructor, then shaped by the builder methods.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Written as is instead of a response built from the fields above.
    raw: Option<Vec<u8>>,
    delay: Duration,
    body_delay: Duration,
    drip: Option<Duration>,
    declared: Option<u64>,
    chunked: bool,
    filler: u64,
    cut_at: Option<usize>,
    end: End,
}

impl Reply {
    fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
            raw: None,
            delay: Duration::ZERO,
            body_delay: Duration::ZERO,
            drip: None,
            declared: None,
            chunked: false,
            filler: 0,
            cut_at: None,
            end: End::KeepAlive,
        }
    }

    /// `status` with a JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::with_content_type(status, "application/json", body.into().into_bytes())
    }

    /// `status` with a body of this content type.
    pub fn with_content_type(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::new(
            status,
            vec![("content-type".into(), content_type.into())],
            body.into(),
        )
    }

    /// `status` and no header but the length (add some with [`Reply::header`]).
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status, Vec::new(), body.into())
    }

    /// A JSON `status` whose body is `len` spaces, written in 64 KiB blocks as fast as the
    /// client reads them; the server counts what it wrote ([`super::Server::body_bytes_written`]).
    pub fn filler(status: u16, len: u64) -> Self {
        let mut reply = Self::json(status, "");
        reply.filler = len;
        reply
    }

    /// These bytes as they are, then a clean close: a response no builder method makes.
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Self {
        let mut reply = Self::status(0, Vec::new());
        reply.raw = Some(bytes.into());
        reply.end = End::Close;
        reply
    }

    /// Read the request, then close without a byte of response.
    pub fn close() -> Self {
        Self::raw(Vec::new())
    }

    /// Read the request and never answer.
    pub fn hang() -> Self {
        let mut reply = Self::raw(Vec::new());
        reply.end = End::Hang;
        reply
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Wait this long before the head.
    pub fn delay(mut self, wait: Duration) -> Self {
        self.delay = wait;
        self
    }

    /// Wait this long between the head and the body.
    pub fn body_delay(mut self, wait: Duration) -> Self {
        self.body_delay = wait;
        self
    }

    /// Send the body one byte at a time, pausing this long before each.
    pub fn drip(mut self, pause: Duration) -> Self {
        self.drip = Some(pause);
        self
    }

    /// Declare this `Content-Length` whatever the body's (more than it: a body cut short).
    pub fn declared_length(mut self, len: u64) -> Self {
        self.declared = Some(len);
        self
    }

    /// Send the body with chunked transfer encoding, no `Content-Length`.
    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }

    /// Write only the first `len` bytes of the body.
    pub fn cut_at(mut self, len: usize) -> Self {
        self.cut_at = Some(len);
        self
    }

    /// Close the connection cleanly after the reply.
    pub fn then_close(mut self) -> Self {
        self.end = End::Close;
        self
    }

    /// Reset the connection (RST, not FIN) after the reply.
    pub fn then_reset(mut self) -> Self {
        self.end = End::Reset;
        self
    }

    fn head(&self) -> Vec<u8> {
        let framing = if self.chunked {
            "transfer-encoding: chunked".to_owned()
        } else {
            let len = self.body.len() as u64 + self.filler;
            format!("content-length: {}", self.declared.unwrap_or(len))
        };
        let mut head = format!("HTTP/1.1 {} X\r\n{framing}\r\n", self.status);
        for (n, v) in &self.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        head.into_bytes()
    }

    /// Play this reply on `stream`; whether the connection may serve another request.
    pub(super) async fn play(&self, stream: &mut TcpStream, written: &AtomicU64) -> bool {
        tokio::time::sleep(self.delay).await;
        if let Some(raw) = &self.raw {
            let _ = stream.write_all(raw).await;
            return self.finish(stream).await;
        }
        let body = &self.body[..self.cut_at.unwrap_or(self.body.len()).min(self.body.len())];
        let mut out = self.head();
        let immediate = self.body_delay.is_zero() && self.drip.is_none() && self.filler == 0;
        if immediate {
            // One write per response: two small writes would meet Nagle's algorithm and the
            // client's delayed ACK (a 40 ms stall per keep-alive request).
            out.extend_from_slice(&self.framed(body));
            if self.chunked {
                out.extend_from_slice(b"0\r\n\r\n");
            }
            if stream.write_all(&out).await.is_err() {
                return false;
            }
        } else if !self.write_slowly(stream, out, body, written).await {
            return false;
        }
        self.finish(stream).await
    }

    async fn write_slowly(
        &self,
        stream: &mut TcpStream,
        head: Vec<u8>,
        body: &[u8],
        written: &AtomicU64,
    ) -> bool {
        if stream.write_all(&head).await.is_err() {
            return false;
        }
        tokio::time::sleep(self.body_delay).await;
        if let Some(pause) = self.drip {
            for byte in body {
                tokio::time::sleep(pause).await;
                if stream.write_all(&self.framed(&[*byte])).await.is_err() {
                    return false;
                }
            }
        } else if stream.write_all(&self.framed(body)).await.is_err() {
            return false;
        }
        let block = vec![b' '; 64 * 1024];
        let mut left = self.filler;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            if stream.write_all(&self.framed(&block[..n])).await.is_err() {
                return false;
            }
            written.fetch_add(n as u64, Ordering::SeqCst);
            left -= n as u64;
        }
        if self.chunked {
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
        true
    }

    /// `bytes` as sent: as they are, or as one chunk.
    fn framed(&self, bytes: &[u8]) -> Vec<u8> {
        if !self.chunked || bytes.is_empty() {
            return bytes.to_vec();
        }
        let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
        chunk.extend_from_slice(bytes);
        chunk.extend_from_slice(b"\r\n");
        chunk
    }

    /// End the exchange as scripted; whether the connection stays open for another request.
    async fn finish(&self, stream: &mut TcpStream) -> bool {
        match self.end {
            End::KeepAlive => true,
            End::Close => {
                let _ = stream.shutdown().await;
                false
            }
            End::Reset => {
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                // SO_LINGER 0: closing sends RST instead of FIN.
                let _ = stream.set_zero_linger();
                false
            }
            End::Hang => std::future::pending().await,
        }
    }
}
