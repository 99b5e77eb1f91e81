//! The selection and its file, `select.toml`, read as the subset of TOML it needs: one key, a
//! list of basic strings, `#` comments; anything else is an error naming the file and line.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Name of the selection file in the spec directory.
pub const SELECTION_FILE: &str = "select.toml";

/// The selection without a file: Polar's OAuth2 API.
pub(crate) const DEFAULT_PATHS: &[&str] = &["/v1/oauth2/"];

/// The operations that become the client: those whose path starts with one of `paths`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Path prefixes (`/v1/oauth2/`); `/` selects every operation.
    pub paths: Vec<String>,
    /// The file the selection was read from (`None`: the default).
    pub file: Option<PathBuf>,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            paths: DEFAULT_PATHS.iter().map(|p| (*p).to_owned()).collect(),
            file: None,
        }
    }
}

impl Selection {
    /// Every operation of the document.
    #[must_use]
    pub fn all() -> Self {
        Self {
            paths: vec!["/".to_owned()],
            file: None,
        }
    }

    /// Whether the path `path` is selected.
    #[must_use]
    pub(crate) fn selects(&self, path: &str) -> bool {
        self.paths.iter().any(|prefix| path.starts_with(prefix))
    }
}

/// The selection of `spec_dir`: its [`SELECTION_FILE`], or the default when there is none.
pub fn read(spec_dir: &Path) -> Result<Selection, Error> {
    let file = spec_dir.join(SELECTION_FILE);
    match fs::read_to_string(&file) {
        Ok(text) => parse(&file, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Selection::default()),
        Err(e) => Err(Error::in_file(
            &file,
            "",
            format!("cannot read the file: {e}"),
        )),
    }
}

/// Parse a selection file's text (see the module docs for the format).
pub fn parse(file: &Path, text: &str) -> Result<Selection, Error> {
    let at = |line: usize, message: String| {
        Error::in_file(file, "", format!("line {}: {message}", line + 1))
    };
    let mut paths: Option<Vec<String>> = None;
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(at(
                number,
                format!("expected `paths = [...]`, found `{line}`"),
            ));
        };
        let key = key.trim();
        if key != "paths" {
            return Err(at(
                number,
                format!("unknown key `{key}`; the only key is `paths` (a list of path prefixes)"),
            ));
        }
        if paths.is_some() {
            return Err(at(number, "`paths` is given twice".to_owned()));
        }
        // The list may span lines, up to its closing bracket.
        let mut list = value.trim().to_owned();
        while !list.ends_with(']') {
            let Some((_, next)) = lines.next() else {
                return Err(at(
                    number,
                    "the list of `paths` has no closing `]`".to_owned(),
                ));
            };
            list.push(' ');
            list.push_str(strip_comment(next).trim());
        }
        paths = Some(string_list(&list).map_err(|m| at(number, m))?);
    }
    let paths = paths.ok_or_else(|| {
        Error::in_file(
            file,
            "",
            "no `paths = [...]`: list the path prefixes of the operations to generate",
        )
    })?;
    if paths.is_empty() {
        return Err(Error::in_file(
            file,
            "",
            "`paths` is empty: the client would have no operation",
        ));
    }
    if let Some(bad) = paths.iter().find(|p| !p.starts_with('/')) {
        return Err(Error::in_file(
            file,
            "",
            format!("`{bad}` is not a path prefix: it must start with `/`"),
        ));
    }
    Ok(Selection {
        paths,
        file: Some(file.to_path_buf()),
    })
}

/// A line without its `#` comment (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..i],
            _ => {}
        }
    }
    line
}

/// `["a", "b",]` -> `[a, b]`: TOML basic strings with the escapes `\"` and `\\` only.
fn string_list(text: &str) -> Result<Vec<String>, String> {
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| format!("expected a list of strings in brackets, found `{text}`"))?;
    let mut items = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let body = rest
            .strip_prefix('"')
            .ok_or_else(|| format!("expected a \"quoted\" path prefix, found `{rest}`"))?;
        let mut item = String::new();
        let mut chars = body.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, c @ ('"' | '\\'))) => item.push(c),
                    _ => return Err("only the escapes \\\" and \\\\ are supported".to_owned()),
                },
                Some((_, c)) => item.push(c),
                None => return Err(format!("unterminated string `\"{body}`")),
            }
        };
        items.push(item);
        rest = body[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(after) => rest = after.trim_start(),
            None if rest.is_empty() => {}
            None => return Err(format!("expected `,` between the strings, found `{rest}`")),
        }
    }
    Ok(items)
}
