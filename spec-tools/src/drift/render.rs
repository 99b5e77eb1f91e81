//! The reports: text for a terminal, Markdown for a pull-request comment, JSON for machines.

use serde_json::{Value, json};

use super::args::Format;
use super::change::{Change, Kind};

/// The report in `format`.
pub fn render(changes: &[Change], format: Format) -> String {
    match format {
        Format::Text => render_human(changes),
        Format::Markdown => render_markdown(changes),
        Format::Json => render_json(changes),
    }
}

/// `2 breaking, 0 behaviour, 1 additive, 5 cosmetic`.
fn counts(changes: &[Change]) -> String {
    Kind::ALL
        .iter()
        .map(|&kind| {
            let n = changes.iter().filter(|c| c.kind == kind).count();
            format!("{n} {kind}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The human report: a count line, then one group per kind, one change per line.
pub fn render_human(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no changes\n".into();
    }
    let mut out = counts(changes);
    out.push('\n');
    for kind in Kind::ALL {
        let mut group = changes.iter().filter(|c| c.kind == kind).peekable();
        if group.peek().is_none() {
            continue;
        }
        out.push('\n');
        out.push_str(kind.as_str());
        out.push_str(":\n");
        for c in group {
            out.push_str("  ");
            out.push_str(&c.item);
            out.push_str(": ");
            out.push_str(&c.change);
            if !c.detail.is_empty() {
                out.push_str(" (");
                out.push_str(&c.detail);
                out.push(')');
            }
            out.push('\n');
        }
    }
    out
}

/// What a group of the Markdown report means for a reader of the pull request.
fn meaning(kind: Kind) -> &'static str {
    match kind {
        Kind::Breaking => {
            "code or data that worked may fail, on the wire or when compiling against the crate"
        }
        Kind::Behaviour => "nothing fails, but the same code silently gets a different result",
        Kind::Additive => "new capabilities; nothing that worked breaks",
        Kind::Cosmetic => "documentation, or nothing the generated client sees",
    }
}

/// A table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report (for a pull-request comment): a heading with the counts, then one table
/// per kind; cosmetic changes folded in a `<details>` block.
pub fn render_markdown(changes: &[Change]) -> String {
    let mut out = String::from("### spec-drift\n\n");
    if changes.is_empty() {
        out.push_str("No changes to the API surface.\n");
        return out;
    }
    out.push_str(&format!("**{}**\n", counts(changes)));
    for kind in Kind::ALL {
        let group: Vec<&Change> = changes.iter().filter(|c| c.kind == kind).collect();
        if group.is_empty() {
            continue;
        }
        let title = format!("{} {kind} ({})", group.len(), meaning(kind));
        if kind == Kind::Cosmetic {
            out.push_str(&format!("\n<details><summary>{title}</summary>\n\n"));
        } else {
            out.push_str(&format!("\n#### {title}\n\n"));
        }
        out.push_str("| Item | Change | Detail |\n|---|---|---|\n");
        for c in group {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                cell(&c.item).replace('`', "'"),
                cell(&c.change),
                cell(&c.detail)
            ));
        }
        if kind == Kind::Cosmetic {
            out.push_str("\n</details>\n");
        }
    }
    out
}

/// The JSON report: an array of `{kind, item, change, detail}`, pretty-printed.
pub fn render_json(changes: &[Change]) -> String {
    let array: Vec<Value> = changes
        .iter()
        .map(|c| json!({"kind": c.kind.as_str(), "item": c.item, "change": c.change, "detail": c.detail}))
        .collect();
    format!("{:#}\n", Value::Array(array))
}

/// The longest detail text, in characters.
const SHORT: usize = 80;

/// A value as a short one-line string: strings bare, everything else as JSON.
pub(super) fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > SHORT {
        let mut cut: String = text.chars().take(SHORT - 1).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// `old -> new`, short; two long texts are cut to the words that differ, with one word of
/// context: `… metrics:read webhooks:read … -> … metrics:read metrics:write webhooks:read …`.
pub(super) fn short_pair(old: &Value, new: &Value) -> String {
    let (Value::String(a), Value::String(b)) = (old, new) else {
        return format!("{} -> {}", short(old), short(new));
    };
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    if a.join(" ").chars().count() <= SHORT && b.join(" ").chars().count() <= SHORT {
        return format!("{} -> {}", a.join(" "), b.join(" "));
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let cut = |words: &[&str]| {
        let start = prefix.saturating_sub(1);
        let end = (words.len() - suffix + 1).min(words.len());
        let mut text = words[start..end].join(" ");
        if start > 0 {
            text.insert_str(0, "… ");
        }
        if end < words.len() {
            text.push_str(" …");
        }
        short(&Value::String(text))
    };
    format!("{} -> {}", cut(&a), cut(&b))
}
