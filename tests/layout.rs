//! The README's layout table is the map of the repository: every path it names exists, and every
//! room of the code (a `.rs` file or a module directory) is named in its directory's row, so a
//! file added or moved without updating the map fails here.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Directories whose every room must be named in their row; the others (data, fixtures,
/// examples) are described as a whole.
const MAPPED: &[&str] = &[
    "src/",
    "test-server/src/",
    "test-server/tests/",
    "codegen/src/",
    "spec-tools/src/",
    "tests/",
];

/// Files that every module directory or test target has and no row needs to name.
const IMPLIED: &[&str] = &["mod.rs", "main.rs", "lib.rs", "tests.rs"];

/// `(path, description)` of each row of the README's `## Layout` table.
fn rows() -> Vec<(String, String)> {
    let readme = fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let section = readme
        .split("\n## Layout\n")
        .nth(1)
        .expect("README.md has a `## Layout` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let mut cells = line.trim_matches('|').splitn(2, '|');
            let path = cells.next().unwrap().trim().trim_matches('`').to_owned();
            let what = cells.next().unwrap_or_default().to_owned();
            (path, what)
        })
        .collect()
}

/// The names a row's description quotes in backticks.
fn quoted(what: &str) -> Vec<&str> {
    what.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_path_the_map_names_exists() {
    let rows = rows();
    assert!(!rows.is_empty(), "the layout table has no rows");
    for (path, what) in &rows {
        let dir = Path::new(ROOT).join(path);
        assert!(
            dir.exists(),
            "the layout table names `{path}`, which does not exist"
        );
        if !path.ends_with('/') {
            continue;
        }
        for name in quoted(what) {
            let looks_like_a_room = name.ends_with(".rs") || name.ends_with('/');
            if !looks_like_a_room || name.contains(' ') {
                continue;
            }
            // `src/x.rs` is a path from the repository's root, `x.rs` a room of this row's.
            if name.trim_end_matches('/').contains('/') {
                assert!(
                    Path::new(ROOT).join(name).exists(),
                    "the row of `{path}` names `{name}`, which does not exist"
                );
            } else {
                assert!(
                    dir.join(name).exists(),
                    "the row of `{path}` names `{name}`, which is not in {path}"
                );
            }
        }
    }
}

#[test]
fn every_room_is_on_the_map() {
    let rows = rows();
    let mut missing = Vec::new();
    for (path, what) in rows
        .iter()
        .filter(|(path, _)| path.ends_with('/') && MAPPED.iter().any(|dir| path.starts_with(dir)))
    {
        let named = quoted(what);
        for entry in fs::read_dir(Path::new(ROOT).join(path)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().unwrap().is_dir();
            let room = if is_dir {
                format!("{name}/")
            } else if name.ends_with(".rs") && !IMPLIED.contains(&name.as_str()) {
                name
            } else {
                continue;
            };
            // A directory with its own row is on the map through that row.
            let has_row = is_dir && rows.iter().any(|(p, _)| *p == format!("{path}{room}"));
            if !has_row && !named.contains(&room.as_str()) {
                missing.push(format!("{path}{room}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "rooms missing from the README's layout table: {missing:?}"
    );
}
