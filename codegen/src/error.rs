//! The one error type of the generator: what went wrong, in which file, at which JSON pointer.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// The most of a message or a pointer an error shows, in bytes.
pub const EXCERPT_LEN: usize = 512;

/// A spec document that cannot be turned into Rust code.
///
/// Its `Display` is the message a build shows: it names the file(s) and the JSON pointer
/// (RFC 6901) at fault, so that a reader can open the file and find the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The files involved, in the order they were read (empty when not known).
    pub files: Vec<PathBuf>,
    /// JSON pointer into the document (`/paths/~1v1~1oauth2~1token/post`), `""` for the root.
    pub pointer: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Error {
    /// An error at `pointer` in a document whose file is not (yet) known.
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            files: Vec::new(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// An error about one file as a whole or at `pointer` inside it.
    pub fn in_file(file: &Path, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            files: vec![file.to_path_buf()],
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// Attach the file a pointer came from, unless the error already names one.
    #[must_use]
    pub fn with_file(mut self, file: Option<&Path>) -> Self {
        if let (true, Some(file)) = (self.files.is_empty(), file) {
            self.files.push(file.to_path_buf());
        }
        self
    }
}

/// The one rule for text from a document in a message (a key, a value, a pointer built from
/// them): at most about [`EXCERPT_LEN`] bytes, its start and its end, with how much was left
/// out between, so that a hostile 10 MB name makes a line, not megabytes of output.
#[must_use]
pub(crate) fn excerpt(text: &str) -> Cow<'_, str> {
    if text.len() <= EXCERPT_LEN {
        return Cow::Borrowed(text);
    }
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let head = floor(EXCERPT_LEN * 3 / 4);
    let tail = floor(text.len() - EXCERPT_LEN / 4);
    Cow::Owned(format!(
        "{}…[{} bytes left out]…{}",
        &text[..head],
        tail - head,
        &text[tail..]
    ))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = excerpt(&self.message);
        let pointer = excerpt(&self.pointer);
        let files = self
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ");
        match (files.is_empty(), pointer.is_empty()) {
            (true, true) => write!(f, "{message}"),
            (true, false) => write!(f, "at {}: {message}", display_pointer(&pointer)),
            (false, true) => write!(f, "{files}: {message}"),
            (false, false) => write!(f, "{files} at {}: {message}", display_pointer(&pointer)),
        }
    }
}

impl std::error::Error for Error {}

/// A pointer as a reader searches for it: `#/components/schemas/Scope`.
fn display_pointer(pointer: &str) -> String {
    format!("#{pointer}")
}

/// Escape one reference token for a JSON pointer (RFC 6901 §3: `~` -> `~0`, `/` -> `~1`).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Build a pointer from its unescaped tokens.
pub(crate) fn pointer<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    tokens.into_iter().fold(String::new(), |mut acc, t| {
        acc.push('/');
        acc.push_str(&escape_token(t));
        acc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_slash_and_tilde() {
        assert_eq!(
            pointer(["paths", "/v1/oauth2/token", "a~b"]),
            "/paths/~1v1~1oauth2~1token/a~0b"
        );
    }

    #[test]
    fn display_names_files_and_pointer() {
        let e = Error {
            files: vec!["spec/a.yaml".into(), "spec/b.yaml".into()],
            pointer: "/components/schemas/Scope".into(),
            message: "two different definitions".into(),
        };
        assert_eq!(
            e.to_string(),
            "spec/a.yaml and spec/b.yaml at #/components/schemas/Scope: two different definitions"
        );
    }
}
