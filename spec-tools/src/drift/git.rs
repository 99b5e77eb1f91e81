//! `spec-drift --git REV`: the check a maintainer's CI runs on a change that touches `spec/`.
//!
//! The old side is `spec/` as committed at `REV` (listed with `git ls-tree`, read with
//! `git cat-file`), merged exactly like a directory ([`load::parse`] + [`load::merge`], in file
//! name order); the new side is the working tree's `spec/`. A breaking change passes only when
//! the same change also updates [`SNAPSHOT`] (the reviewed API surface) and [`CHANGELOG`]; a
//! behaviour change, which the snapshot cannot show, only needs [`CHANGELOG`].

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::change::{Change, Kind};
use super::spec::{load_spec, prepare};
use polar_oauth2_codegen::Error;
use polar_oauth2_codegen::{load, select};

/// The API-surface snapshot a breaking change must update, relative to the repository root.
pub const SNAPSHOT: &str = "tests/snapshots/api-surface.txt";
/// The changelog a breaking or behaviour change must update, relative to the repository root.
pub const CHANGELOG: &str = "CHANGELOG.md";
/// The spec directory, relative to the repository root.
pub const SPEC_DIR: &str = "spec";

/// The result of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The revision compared against, as given.
    pub rev: String,
    /// Every change from `spec/` at `rev` to the working tree's `spec/`.
    pub changes: Vec<Change>,
    /// Does the working tree's [`SNAPSHOT`] differ from the one at `rev`?
    pub snapshot_updated: bool,
    /// Does the working tree's [`CHANGELOG`] differ from the one at `rev`?
    pub changelog_updated: bool,
}

impl Report {
    /// The files the changes still need, for a failing check; empty when it passes.
    pub fn missing(&self) -> Vec<&'static str> {
        let breaking = self.changes.iter().any(|c| c.kind == Kind::Breaking);
        let behaviour = self.changes.iter().any(|c| c.kind == Kind::Behaviour);
        let mut missing = Vec::new();
        if breaking && !self.snapshot_updated {
            missing.push(SNAPSHOT);
        }
        if (breaking || behaviour) && !self.changelog_updated {
            missing.push(CHANGELOG);
        }
        missing
    }

    /// Does the check pass?
    pub fn passes(&self) -> bool {
        self.missing().is_empty()
    }

    /// One paragraph saying why the check passes or fails (for the end of a report).
    pub fn verdict(&self) -> String {
        let failing = self.changes.iter().any(|c| c.kind.fails());
        let missing = self.missing();
        if !failing {
            format!("spec-drift --git {}: nothing breaks.", self.rev)
        } else if missing.is_empty() {
            format!(
                "spec-drift --git {}: breaking or behaviour changes, acknowledged by updates of {} \
                 in the same change.",
                self.rev,
                [SNAPSHOT, CHANGELOG]
                    .iter()
                    .zip([self.snapshot_updated, self.changelog_updated])
                    .filter(|(_, updated)| *updated)
                    .map(|(f, _)| *f)
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        } else {
            format!(
                "spec-drift --git {}: FAILED: breaking or behaviour changes need {} updated in \
                 the same change (review the report, then `UPDATE_SNAPSHOTS=1 cargo test --test \
                 api_surface` and a CHANGELOG entry).",
                self.rev,
                missing.join(" and ")
            )
        }
    }
}

/// Run the check in the repository that contains `dir`.
pub fn check(dir: &Path, rev: &str) -> Result<Report, Error> {
    let root = toplevel(dir)?;
    let commit = resolve(&root, rev)?;
    let old = spec_at(&root, rev, &commit)?;
    let new = load_spec(&root.join(SPEC_DIR))?;
    let changes = super::diff(&old, &new);
    let updated = |file: &str| -> Result<bool, Error> {
        let before = file_at(&root, &commit, file)?;
        let now = std::fs::read(root.join(file)).ok();
        Ok(now.is_some() && before != now)
    };
    Ok(Report {
        rev: rev.to_owned(),
        changes,
        snapshot_updated: updated(SNAPSHOT)?,
        changelog_updated: updated(CHANGELOG)?,
    })
}

/// `git -C root ARGS`, its stdout; an error names the command and git's message.
fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| Error::in_file(root, "", format!("cannot run git: {e}")))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(Error::in_file(
            root,
            "",
            format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        ))
    }
}

/// The root of the working tree that contains `dir`.
fn toplevel(dir: &Path) -> Result<PathBuf, Error> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    let text = String::from_utf8_lossy(&out);
    Ok(PathBuf::from(text.trim_end_matches(['\n', '\r'])))
}

/// The commit `rev` names.
fn resolve(root: &Path, rev: &str) -> Result<String, Error> {
    let spec = format!("{rev}^{{commit}}");
    let out = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .map_err(|_| {
        Error::in_file(
            root,
            "",
            format!("`{rev}` is not a commit of this repository (in CI, fetch it first)"),
        )
    })?;
    Ok(String::from_utf8_lossy(&out).trim().to_owned())
}

/// A file's bytes at `commit`, `None` if it does not exist there.
fn file_at(root: &Path, commit: &str, path: &str) -> Result<Option<Vec<u8>>, Error> {
    let listing = git(root, &["ls-tree", "-z", commit, "--", path])?;
    if listing.is_empty() {
        return Ok(None);
    }
    git(root, &["cat-file", "blob", &format!("{commit}:{path}")]).map(Some)
}

/// `spec/` at `commit`, merged and downgraded like the working tree's.
fn spec_at(root: &Path, rev: &str, commit: &str) -> Result<Value, Error> {
    let listing = git(
        root,
        &["ls-tree", "-z", commit, "--", &format!("{SPEC_DIR}/")],
    )?;
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        // `<mode> SP <type> SP <object> TAB <path>`
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (Some(_mode), Some("blob"), Some(object)) = (meta.next(), meta.next(), meta.next())
        else {
            continue;
        };
        let is_spec = Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| load::EXTENSIONS.contains(&e));
        if is_spec {
            files.push((path.to_owned(), object.to_owned()));
        }
    }
    let shown = PathBuf::from(format!("{rev}:{SPEC_DIR}/"));
    if files.is_empty() {
        return Err(Error::in_file(
            &shown,
            "",
            "no OpenAPI document (*.yaml, *.yml or *.json) in the spec directory at this revision",
        ));
    }
    // The merge order of `load::spec_files`: by file name.
    files.sort_by(|a, b| {
        Path::new(&a.0)
            .file_name()
            .cmp(&Path::new(&b.0).file_name())
    });
    let mut docs = Vec::with_capacity(files.len());
    for (path, object) in files {
        let shown = PathBuf::from(format!("{rev}:{path}"));
        let bytes = git(root, &["cat-file", "blob", &object])?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::in_file(&shown, "", "the file is not UTF-8 text"))?;
        docs.push((shown.clone(), load::parse(&shown, &text)?));
    }
    // The operations the client has at that revision (its `select.toml`, or the default).
    let selection_path = format!("{SPEC_DIR}/{}", select::SELECTION_FILE);
    let selection = match file_at(root, commit, &selection_path)? {
        Some(bytes) => {
            let shown = PathBuf::from(format!("{rev}:{selection_path}"));
            let text = String::from_utf8(bytes)
                .map_err(|_| Error::in_file(&shown, "", "the file is not UTF-8 text"))?;
            select::parse(&shown, &text)?
        }
        None => select::Selection::default(),
    };
    prepare(&select::apply(load::merge(docs)?, &selection)?)
}
