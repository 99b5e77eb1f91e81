//! [`FileStore`]: one JSON file per user in a directory of the app's, written atomically and
//! readable by the owner only.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};

use super::store::TokenStore;
use crate::token::Token;

/// Tokens kept in files: one per user key, in one directory, so a restart keeps every user
/// connected. For one server process; several servers share a database instead (see
/// [`TokenStore`]).
///
/// - A file's name is the SHA-256 of the key in hex: any key (an email, a path) is a safe
///   file name, and the name does not reveal the user.
/// - A save writes a temporary file, flushes it to disk, renames it over the old one and syncs
///   the directory: a crash leaves the old token or the new one, never half of one.
/// - On Unix the directory is created `0700` and the files `0600`. The files hold tokens in
///   clear: keep the directory off backups and shared volumes, or encrypt the disk.
///
/// ```no_run
/// use polar_oauth2::{Client, ClientCredentials, FileStore, Server, Tokens};
///
/// # fn demo(client: Client, credentials: ClientCredentials) -> std::io::Result<()> {
/// let tokens = Tokens::new(client, credentials, FileStore::open("/var/lib/your-app/polar-tokens")?);
/// # let _ = tokens; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// The store in `dir`, created (owner-only on Unix) if it does not exist.
    ///
    /// ```
    /// use polar_oauth2::{FileStore, Token, TokenStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = std::env::temp_dir().join(format!("polar-oauth2-doc-{}", std::process::id()));
    /// let store = FileStore::open(&dir)?; // created if missing, readable by its owner only
    /// let token: Token = serde_json::from_str(
    ///     r#"{"access_token": "polar_at_u_test", "token_type": "Bearer", "expires_in": 3600,
    ///         "scope": "openid"}"#,
    /// )?;
    /// store.save("user-42", &token).await?;
    /// assert!(FileStore::open(&dir)?.load("user-42").await?.is_some()); // after a restart too
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .map_err(|e| context(e, "cannot create the token directory", &dir))?;
        Ok(Self { dir })
    }

    /// The file `key`'s token is kept in.
    ///
    /// ```
    /// use polar_oauth2::FileStore;
    ///
    /// let dir = std::env::temp_dir().join(format!("polar-tokens-path-{}", std::process::id()));
    /// let store = FileStore::open(&dir)?;
    /// // Named by the key's SHA-256: the key (an email, say) is not in the file name.
    /// assert!(!store.path("user@example.com").to_string_lossy().contains("example.com"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn path(&self, key: &str) -> PathBuf {
        let hash = digest(&SHA256, key.as_bytes());
        let name: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.json"))
    }

    fn load_now(path: &Path) -> io::Result<Option<Token>> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(context(e, "cannot read", path)),
        };
        // serde_json's message may quote the file's content (a token): report where, not what.
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            let what = format!(
                "not a stored token ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            );
            context(
                io::Error::new(io::ErrorKind::InvalidData, what),
                "cannot load",
                path,
            )
        })
    }

    fn save_now(dir: &Path, path: &Path, json: &[u8]) -> io::Result<()> {
        let mut suffix = [0u8; 8];
        SystemRandom::new()
            .fill(&mut suffix)
            .map_err(|_| io::Error::other("no system randomness for a temporary file name"))?;
        let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
        let temporary = path.with_extension(format!("json.{suffix}.tmp"));
        let written = Self::write_new(&temporary, json).and_then(|()| {
            fs::rename(&temporary, path).map_err(|e| context(e, "cannot rename into", path))
        });
        if written.is_err() {
            // Best effort: the error that matters is the write's.
            let _ = fs::remove_file(&temporary);
        }
        written?;
        sync_dir(dir)
    }

    fn write_new(path: &Path, json: &[u8]) -> io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .map_err(|e| context(e, "cannot create", path))?;
        file.write_all(json)
            .and_then(|()| file.sync_all())
            .map_err(|e| context(e, "cannot write", path))
    }

    fn delete_now(dir: &Path, path: &Path) -> io::Result<()> {
        match fs::remove_file(path) {
            Ok(()) => sync_dir(dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(context(e, "cannot delete", path)),
        }
    }
}

/// Make a rename or a removal in `dir` durable (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| context(e, "cannot sync", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn context(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// File work off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| io::Error::other(format!("the token file task failed: {e}")))?
}

impl TokenStore for FileStore {
    type Error = io::Error;

    async fn load(&self, key: &str) -> io::Result<Option<Token>> {
        let path = self.path(key);
        blocking(move || Self::load_now(&path)).await
    }

    async fn save(&self, key: &str, token: &Token) -> io::Result<()> {
        let json = serde_json::to_vec(token).map_err(io::Error::other)?;
        let (dir, path) = (self.dir.clone(), self.path(key));
        blocking(move || Self::save_now(&dir, &path, &json)).await
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        let (dir, path) = (self.dir.clone(), self.path(key));
        blocking(move || Self::delete_now(&dir, &path)).await
    }
}
