//! Compare a generated text with its committed snapshot, showing a unified diff.

use std::fs;
use std::path::Path;

/// Set to `1` to rewrite snapshots instead of comparing them.
pub const UPDATE_VAR: &str = "UPDATE_SNAPSHOTS";

/// `Ok` when `actual` equals the snapshot at `path` (or the snapshot was rewritten because
/// [`UPDATE_VAR`] is `1`); otherwise a message with a unified diff (`-` snapshot, `+` actual).
pub fn check(actual: &str, path: &Path) -> Result<(), String> {
    check_with(
        actual,
        path,
        std::env::var(UPDATE_VAR).is_ok_and(|v| v == "1"),
    )
}

/// [`check`] with the update decision made by the caller.
pub fn check_with(actual: &str, path: &Path, update: bool) -> Result<(), String> {
    if update {
        return fs::write(path, actual)
            .map_err(|e| format!("cannot write snapshot {}: {e}", path.display()));
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    match diff(&expected, actual) {
        None => Ok(()),
        Some(diff) => Err(format!(
            "the API surface differs from the snapshot {} (- snapshot, + now):\n{diff}\n\
             If the change is intended, review it and run the tests again with {UPDATE_VAR}=1, \
             then commit the snapshot.",
            path.display()
        )),
    }
}

/// A unified diff with 2 lines of context, or `None` when the texts are equal.
pub fn diff(old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table; snapshots are a few hundred lines.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let near_change = |k: usize| {
        let lo = k.saturating_sub(2);
        let hi = (k + 2).min(ops.len() - 1);
        ops[lo..=hi].iter().any(|(op, _)| *op != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near_change(k) {
            if skipped {
                out.push_str("@@\n");
                skipped = false;
            }
            out.push(*op);
            out.push_str(line);
            out.push('\n');
        } else {
            skipped = true;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_added_and_removed_lines_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nX\ne\nf\ng\n";
        assert_eq!(diff(old, new).unwrap(), "@@\n b\n c\n-d\n+X\n e\n f\n");
        assert_eq!(diff(old, old), None);
    }
}
