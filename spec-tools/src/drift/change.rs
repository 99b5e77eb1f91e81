//! One classified change and its verdict.

use std::fmt;

/// Component enums the hand-written facade keeps open: an unknown value decodes (as
/// `Scope::Unknown`), so a new value breaks no one.
pub const OPEN_ENUMS: &[&str] = &["Scope"];

/// The verdict on a change for code that depends on this crate. Ordered from the most to the
/// least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Code or data that worked with the old spec may fail with the new one, on the wire or
    /// when compiling against the regenerated crate.
    Breaking,
    /// Nothing fails, but the same code silently gets a different result (a server default the
    /// crate relies on changed).
    Behaviour,
    /// New capabilities or stronger guarantees; nothing that worked breaks.
    Additive,
    /// Documentation only, or nothing the generated client sees.
    Cosmetic,
}

impl Kind {
    /// Every kind, from the most to the least severe.
    pub const ALL: [Kind; 4] = [
        Kind::Breaking,
        Kind::Behaviour,
        Kind::Additive,
        Kind::Cosmetic,
    ];

    /// `breaking`, `behaviour`, `additive` or `cosmetic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Breaking => "breaking",
            Kind::Behaviour => "behaviour",
            Kind::Additive => "additive",
            Kind::Cosmetic => "cosmetic",
        }
    }

    /// Does a change of this kind fail the check (exit status 1)?
    pub fn fails(self) -> bool {
        matches!(self, Kind::Breaking | Kind::Behaviour)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// The verdict.
    pub kind: Kind,
    /// The item, by a readable path: `TokenResponse.id_token`, `GET /v1/oauth2/authorize 200`,
    /// `Scope`, `POST /v1/oauth2/token`, `document`.
    pub item: String,
    /// What happened to it: `field removed`, `made optional and nullable`, `enum value added`;
    /// a parenthesis says why when the verdict is not obvious.
    pub change: String,
    /// The values involved (`string -> integer`, `metrics:write`); may be empty.
    pub detail: String,
}

/// Does any change break a client?
pub fn is_breaking(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.kind == Kind::Breaking)
}

/// Does any change fail the check (breaking or behaviour)?
pub fn fails(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.kind.fails())
}
