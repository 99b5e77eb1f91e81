//! `spec-drift --git REV` on a scratch git repository: the check a maintainer's CI runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polar_oauth2_spec_tools::FIXTURES;
use serde_json::Value;

const JUNE: &str = "oauth2-subset.2026-06-18.1e0b520ed1.yaml";
const AUGUST: &str = "oauth2-subset.2026-08-20.790b7ebcd6.yaml";

/// A repository in a fresh temporary directory, removed on drop.
struct Repo(PathBuf);

impl Repo {
    fn new(name: &str) -> Repo {
        let dir =
            std::env::temp_dir().join(format!("spec-drift-git-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("spec")).unwrap();
        std::fs::create_dir_all(dir.join("tests/snapshots")).unwrap();
        let repo = Repo(dir);
        repo.git(&["init", "-q"]);
        repo.git(&["config", "user.name", "spec-drift test"]);
        repo.git(&["config", "user.email", "spec-drift@example.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.0)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }

    fn write(&self, path: &str, content: &[u8]) {
        std::fs::write(self.0.join(path), content).unwrap();
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// `spec-drift ARGS`, run in `dir` (a subdirectory of the repository works too).
    fn spec_drift(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_spec-drift"))
            .args(args)
            .current_dir(self.0.join(dir))
            .output()
            .unwrap()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join("spec-history").join(name)).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn breaking_spec_changes_fail_until_the_snapshot_and_changelog_are_updated() {
    let repo = Repo::new("breaking");
    // Two documents merged in file-name order, and a file that is not a spec.
    repo.write("spec/oauth2.yaml", &fixture(JUNE));
    repo.write("spec/README.md", b"not a spec\n");
    repo.write("tests/snapshots/api-surface.txt", b"surface v1\n");
    repo.commit("june spec");

    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text(&out.stdout).starts_with("no changes\n"), "{out:?}");

    // The pull request: a newer spec, nothing else.
    repo.write("spec/oauth2.yaml", &fixture(AUGUST));
    let out = repo.spec_drift(
        Path::new("spec"),
        &["--git", "HEAD", "--format", "markdown"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = text(&out.stdout);
    assert!(report.starts_with("### spec-drift\n"), "{report}");
    assert!(
        report.contains(
            "| `DELETE /v1/oauth2/register/{client_id} 200` | status changed | 200 -> 204; body any, application/json -> none |"
        ),
        "{report}"
    );
    assert!(
        report.contains("FAILED")
            && report.contains("tests/snapshots/api-surface.txt and CHANGELOG.md"),
        "{report}"
    );

    // The snapshot alone is not enough.
    repo.write("tests/snapshots/api-surface.txt", b"surface v2\n");
    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stdout).contains("need CHANGELOG.md updated"),
        "{out:?}"
    );

    // With a CHANGELOG entry it passes, and says why.
    repo.write(
        "CHANGELOG.md",
        b"## Unreleased\n- Polar's 2026-08-20 spec\n",
    );
    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text(&out.stdout).contains("acknowledged"), "{out:?}");

    // Committed, the same check against the previous commit; JSON keeps stdout one array.
    repo.commit("august spec");
    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD~1", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        parsed
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "breaking"),
        "{parsed:#}"
    );
    assert!(text(&out.stderr).contains("acknowledged"), "{out:?}");
}

#[test]
fn a_behaviour_change_needs_a_changelog_entry_only() {
    let repo = Repo::new("behaviour");
    repo.write("spec/oauth2.yaml", &fixture(AUGUST));
    repo.commit("august spec");
    let mut doc: Value = serde_yaml::from_slice(&fixture(AUGUST)).unwrap();
    doc["components"]["schemas"]["WebTokenRequest"]["properties"]["sub_type"]["default"] =
        Value::String("organization".into());
    repo.write(
        "spec/oauth2.yaml",
        serde_yaml::to_string(&doc).unwrap().as_bytes(),
    );
    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = text(&out.stdout);
    assert!(
        report.starts_with("0 breaking, 1 behaviour, 0 additive, 0 cosmetic\n"),
        "{report}"
    );
    assert!(report.contains("need CHANGELOG.md updated"), "{report}");
    repo.write(
        "CHANGELOG.md",
        b"- Polar's web grant now defaults to organization\n",
    );
    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn git_errors_exit_2_and_say_what_is_wrong() {
    let repo = Repo::new("errors");
    repo.write("spec/oauth2.yaml", &fixture(AUGUST));
    repo.commit("august spec");
    let out = repo.spec_drift(Path::new("."), &["--git", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        text(&out.stderr).contains("`no-such-rev` is not a commit of this repository"),
        "{out:?}"
    );
    // A first commit has no parent: the error names it (`.ci/run` then compares HEAD).
    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD~1"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // A broken document at the revision names the revision's file.
    repo.write("spec/oauth2.yaml", b"openapi: 3.1.0\npaths: [\n");
    repo.commit("broken");
    repo.write("spec/oauth2.yaml", &fixture(AUGUST));
    let out = repo.spec_drift(Path::new("."), &["--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        text(&out.stderr).contains("HEAD:spec/oauth2.yaml: invalid YAML at line"),
        "{out:?}"
    );
    // Outside a repository.
    let outside = std::env::temp_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_spec-drift"))
        .args(["--git", "HEAD"])
        .current_dir(&outside)
        .env("GIT_CEILING_DIRECTORIES", &outside)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(text(&out.stderr).contains("rev-parse"), "{out:?}");
}
