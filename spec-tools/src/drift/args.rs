//! The command line of `spec-drift`.

use std::path::PathBuf;

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped lines for a terminal (the default).
    Text,
    /// Tables for a pull-request comment.
    Markdown,
    /// An array of `{kind, item, change, detail}`.
    Json,
}

/// What to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Two specs on disk, each a file or a directory merged like `spec/`.
    Paths {
        /// The old spec.
        old: PathBuf,
        /// The new spec.
        new: PathBuf,
    },
    /// `spec/` at a git revision against the working tree's `spec/` (see [`super::git`]).
    Git {
        /// The base revision (`origin/main`, `HEAD~1`).
        rev: String,
    },
}

/// Command-line arguments of `spec-drift`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// What to compare.
    pub source: Source,
    /// How to print the report.
    pub format: Format,
}

/// How to call `spec-drift`.
pub const USAGE: &str = "usage: spec-drift OLD NEW [--format text|markdown|json]
       spec-drift --git REV [--format text|markdown|json]

Compare two Polar OpenAPI specs (each a file, or a directory of documents merged like spec/)
and classify every change for code that depends on polar-oauth2: breaking, behaviour, additive
or cosmetic (the table is in spec-tools/DRIFT.md).

  --git REV      compare spec/ at the git revision REV with the working tree's spec/ (run inside
                 the repository); breaking changes pass only when the same change also updates
                 tests/snapshots/api-surface.txt and CHANGELOG.md, behaviour changes only when
                 it updates CHANGELOG.md
  --format FMT   text (default), markdown (for a pull-request comment) or json
  --json         the same as --format json
  -h, --help     print this help

Exit status: 0 when nothing breaks (or it is acknowledged), 1 when something breaks or changes
behaviour, 2 on a usage, git or load error.";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Compare two specs.
    Compare(Args),
    /// Print [`USAGE`].
    Help,
}

/// Parse the arguments after the program name; the error is a one-line message for stderr.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut paths = Vec::new();
    let mut format = Format::Text;
    let mut rev = None;
    let mut options_done = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        match arg.as_str() {
            "--" if !options_done => options_done = true,
            "--json" if !options_done => format = Format::Json,
            "--format" if !options_done => {
                format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "markdown" | "md" => Format::Markdown,
                    "json" => Format::Json,
                    other => {
                        return Err(format!(
                            "unknown format `{other}` (expected text, markdown or json)"
                        ));
                    }
                }
            }
            "--git" if !options_done => rev = Some(value("--git")?),
            "-h" | "--help" if !options_done => return Ok(Command::Help),
            flag if flag.starts_with('-') && flag.len() > 1 && !options_done => {
                return Err(format!("unknown option `{flag}`"));
            }
            path => paths.push(PathBuf::from(path)),
        }
    }
    let source = match (rev, <[PathBuf; 2]>::try_from(paths)) {
        (None, Ok([old, new])) => Source::Paths { old, new },
        (Some(rev), Err(paths)) if paths.is_empty() => Source::Git { rev },
        (Some(_), _) => {
            return Err("`--git REV` compares spec/ itself: give no paths with it".into());
        }
        (None, Err(paths)) => {
            return Err(format!(
                "expected two specs (OLD and NEW, each a file or a directory) or --git REV, got {} path(s)",
                paths.len()
            ));
        }
    };
    Ok(Command::Compare(Args { source, format }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Command, String> {
        parse_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn paths(old: &str, new: &str, format: Format) -> Command {
        Command::Compare(Args {
            source: Source::Paths {
                old: old.into(),
                new: new.into(),
            },
            format,
        })
    }

    #[test]
    fn two_paths_and_a_format() {
        assert_eq!(
            args(&["a.yaml", "--json", "b"]),
            Ok(paths("a.yaml", "b", Format::Json))
        );
        assert_eq!(
            args(&["a", "b", "--format", "markdown"]),
            Ok(paths("a", "b", Format::Markdown))
        );
        assert_eq!(args(&["a", "b"]), Ok(paths("a", "b", Format::Text)));
        assert_eq!(args(&["--help"]), Ok(Command::Help));
        assert!(args(&["a"]).unwrap_err().contains("got 1"));
        assert!(
            args(&["a", "b", "--yaml"])
                .unwrap_err()
                .contains("`--yaml`")
        );
        assert!(
            args(&["a", "b", "--format", "xml"])
                .unwrap_err()
                .contains("`xml`")
        );
        assert!(
            args(&["a", "b", "--format"])
                .unwrap_err()
                .contains("needs a value")
        );
        assert_eq!(
            args(&["--", "-odd", "b"]),
            Ok(paths("-odd", "b", Format::Text))
        );
    }

    #[test]
    fn git_takes_a_revision_and_no_paths() {
        assert_eq!(
            args(&["--git", "origin/main", "--format", "json"]),
            Ok(Command::Compare(Args {
                source: Source::Git {
                    rev: "origin/main".into()
                },
                format: Format::Json,
            }))
        );
        assert!(
            args(&["--git", "HEAD", "a"])
                .unwrap_err()
                .contains("no paths")
        );
        assert!(args(&["--git"]).unwrap_err().contains("needs a value"));
    }
}
