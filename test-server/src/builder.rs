//! Starting a server: [`TestServerBuilder`]'s connection limits and commit lag, then the
//! listener on a free port of `127.0.0.1`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;

use crate::listener::accept_loop;
use crate::server::TestServer;
use crate::shared::{Limits, Shared};
use crate::state::Inner;

/// Options of a [`TestServer`]: the connection timeouts and the commit lag.
/// [`TestServer::start`] uses the defaults.
///
/// ```
/// use std::time::Duration;
/// use polar_oauth2_test_server::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = TestServer::builder()
///     .header_read_timeout(Duration::from_millis(500))
///     .start()
///     .await?;
/// # let _ = server; Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct TestServerBuilder {
    limits: Limits,
    commit_delay: Option<Duration>,
}

/// The default of [`TestServerBuilder::commit_delay`].
///
/// ```
/// use polar_oauth2_test_server::{DEFAULT_COMMIT_DELAY, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A longer lag, to shake out code that uses a credential before Polar stored it.
/// let polar = TestServer::builder().commit_delay(DEFAULT_COMMIT_DELAY * 10).start().await?;
/// # Ok(()) }
/// ```
pub const DEFAULT_COMMIT_DELAY: Duration = Duration::from_millis(30);

impl TestServerBuilder {
    /// How long a connection may take to send a request's headers before it is closed
    /// (default 10 s): a slowloris client cannot hold a connection open.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// let builder = TestServer::builder().header_read_timeout(Duration::from_millis(200));
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a request body may take to arrive before the server answers 408 and closes
    /// the connection (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// let builder = TestServer::builder().body_read_timeout(Duration::from_millis(200));
    /// ```
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_read_timeout = timeout;
        self
    }

    /// How long a token (from any grant) or a client registered over HTTP stays unknown after
    /// the server answered with it (default [`DEFAULT_COMMIT_DELAY`], 30 ms).
    ///
    /// Polar's server commits token, revocation and registration writes *after* sending its
    /// answer, so a credential used at once can be answered 401 `invalid_token` (or
    /// `invalid_grant`, `{"active": false}`, `invalid_client`) for a moment; this server does
    /// the same, so that an app's tests meet the race its production code must survive.
    /// [`polar_oauth2::Client`] already holds or retries credentials it has just received. Use
    /// `Duration::ZERO` for tests that speak raw HTTP and use a credential at once.
    /// Capped at one hour.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::builder().commit_delay(Duration::ZERO).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn commit_delay(mut self, delay: Duration) -> Self {
        self.commit_delay = Some(delay.min(Duration::from_secs(3600)));
        self
    }

    /// Start the server on `127.0.0.1` on a free port. Must be called inside a Tokio runtime.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::builder().start().await?; // the same as `TestServer::start()`
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> std::io::Result<TestServer> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(std::io::Error::other(
                "TestServer::start must run inside a Tokio runtime",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let mut inner = Inner::new().map_err(std::io::Error::other)?;
        inner.commit_delay = self.commit_delay.unwrap_or(DEFAULT_COMMIT_DELAY);
        let shared = Arc::new(Shared {
            inner: Mutex::new(inner),
            base_url: base_url.clone(),
            limits: self.limits,
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(TestServer {
            base_url,
            shared,
            accept,
        })
    }
}

impl TestServer {
    /// Start a server on `127.0.0.1` on a free port, with the test user and the two test
    /// clients. Must be called inside a Tokio runtime.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?; // on 127.0.0.1; stopped when dropped
    /// assert!(polar.base_url().starts_with("http://127.0.0.1:"));
    /// let client = polar.client()?; // a `polar_oauth2::Client` for it
    /// # Ok(()) }
    /// ```
    pub async fn start() -> std::io::Result<TestServer> {
        Self::builder().start().await
    }

    /// A server with non-default connection limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A test speaking raw HTTP uses each credential as soon as it gets it.
    /// let polar = TestServer::builder()
    ///     .commit_delay(Duration::ZERO)
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }
}
