//! Compare two spec documents and classify each change for code that depends on this crate.
//!
//! Both documents are read as the library reads them (merged if a directory, then downgraded to
//! 3.0) and flattened into a [`Surface`]; the two surfaces are compared item by item, so the
//! order of keys, parameters, `required` lists and enum values never produces an entry.
//!
//! # Whose view
//!
//! A change is judged twice: on the **wire** (does a program built from the old spec still talk
//! to the new server?) and in the **Rust API** (does code compiled against the crate still
//! compile? progenitor generates pub structs with pub fields, enums without
//! `#[non_exhaustive]`, and positional methods, one argument per parameter). The verdict is the
//! worse of the two; the exit status is driven by the verdict (1 for `breaking` or `behaviour`).
//!
//! Direction decides many rows: a schema is *request* data if it is reachable (through `$ref`s)
//! from a parameter or request body, *response* data if reachable from a response. The caller
//! *builds* request data (a new struct field breaks its struct literals) and *reads* response
//! data (a new enum variant breaks its `match`). A schema that is both, or neither (progenitor
//! still generates a type for it), gets the stricter verdict.
//!
//! # The table
//!
//! This table is the specification of the rules; `spec-tools/DRIFT.md` reproduces it (a test keeps
//! the two equal).
//!
//! | Change | Wire impact | Rust API impact | Verdict |
//! |---|---|---|---|
//! | operation removed | calls fail | generated method removed | breaking |
//! | operation added | none | new method | additive |
//! | `operationId` changed | none | generated method renamed | breaking |
//! | parameter or request body removed | the server may reject what is still sent | method argument removed | breaking |
//! | parameter or request body added, required | old calls are rejected | new method argument | breaking |
//! | parameter added, optional | none | new positional argument: call sites stop compiling | breaking |
//! | parameter made required / optional | required: old calls rejected; optional: none | argument switches between `T` and `Option<T>` | breaking |
//! | response removed, or the only success status replaced (`200` -> `204`) | the expected response is gone | return type changes | breaking |
//! | success status (`1xx`-`3xx`) added | the old client calls it an unexpected response | none | breaking |
//! | error status added | none | none | additive |
//! | type or media type changed | payload no longer encodes or decodes | field or argument type changes | breaking |
//! | schema removed | none | generated type removed | breaking |
//! | schema added | none | new type | additive |
//! | schema renamed with the same structure (found by structure, reported once) | none: JSON carries no type names | generated type renamed | breaking |
//! | field removed | response: data missing; request: the server may reject it | pub field removed | breaking |
//! | field added to request data, required | old requests rejected | new pub field | breaking |
//! | field added to request data, optional | none | new pub field: struct literals of a type the caller builds stop compiling | breaking |
//! | field added to response-only data | none | new pub field; code that reads the type compiles | additive |
//! | response field made optional or nullable | decoding fails on an absent or null value | `T` -> `Option<T>` | breaking |
//! | request field made required or non-nullable | old requests rejected | `Option<T>` -> `T` | breaking |
//! | request field made optional or nullable, response field made required or non-nullable | none | breaking when the field switches between `T` and `Option<T>`, else none | breaking / additive |
//! | enum value or union arm removed; discriminator changed or a value removed | data no longer accepted | variant removed | breaking |
//! | enum value, union arm or discriminator value added to response data (closed enum) | decoding fails on the new value | new variant: a `match` stops compiling | breaking |
//! | enum value or union arm added to request data, or a value added to an open enum ([`OPEN_ENUMS`]: `Scope` keeps unknown values) | none | new variant; code that builds values compiles | additive |
//! | untagged union arms reordered in response data | decoding tries the arms in order: another arm may match | none | breaking |
//! | union arms reordered in request data (requests are never decoded), or in a tagged union | none | none | cosmetic |
//! | untagged union made shadowed (an earlier arm accepts every value of a later one) or ambiguous (two arms accept the same values) | decoding changes meaning: a value comes back as another arm, or the generator reorders the arms (an `anyOf` then becomes an enum) | the generated union may change shape | breaking |
//! | constraint tightened on request data, or loosened on response data | refused by the server / data not seen before | none | breaking |
//! | constraint loosened on request data, or tightened on response data | none | none | additive |
//! | a number spelled differently (`1` vs `1.0`) | none | none | no entry |
//! | `pattern` added, changed or removed | none | none: dropped by the generator (a client must not reject server data on a regex; the server validates) | cosmetic |
//! | authentication required where it was optional; a credential alternative removed; more scopes required | the old client's request is refused | none (no authentication is generated) | breaking |
//! | authentication made optional or dropped; an alternative added; fewer scopes required | a client that keeps sending its token still works | none | additive |
//! | security scheme renamed or re-declared with the same credential (`http bearer`, `openIdConnect` and `oauth2` all send `Authorization: Bearer`; `apiKey` by location and name) | the same header is sent | none | cosmetic |
//! | `default` changed on a request field the facade omits ([`SERVER_DEFAULTED_FIELDS`]) | the same request now gets the server's new default | none: the same code silently gets a different result | behaviour |
//! | `default` changed on any other field | none: the crate sends the field, or the server sends it back | generated default functions follow | cosmetic |
//! | server URL removed / added | the base URL is gone / none | none | breaking / additive |
//! | a keyword this tool does not interpret changed | unknown | unknown | breaking |
//! | descriptions, summaries, titles, examples, display names (`enumNames`), tags, `info`, `deprecated`, `x-` extensions | none | doc comments | cosmetic |
//!
//! `behaviour` is its own verdict rather than `breaking`: nothing fails to compile or to decode,
//! and the API-surface snapshot (which lists no defaults) does not change, so it is acknowledged
//! by a `CHANGELOG.md` entry alone (see [`git`]), while `breaking` needs the snapshot too.

mod args;
mod change;
mod classify;
pub mod git;
mod out;
mod rename;
mod render;
mod security;
mod shadowing;
mod spec;

use std::path::Path;

use serde_json::Value;

pub use crate::coverage::SERVER_DEFAULTED_FIELDS;
use crate::surface::Surface;
use polar_oauth2_codegen::Error;

pub use args::{Args, Command, Format, Source, USAGE, parse_args};
pub use change::{Change, Kind, OPEN_ENUMS, fails, is_breaking};
pub use render::{render, render_human, render_json, render_markdown};
pub use spec::{load_spec, prepare};

/// Compare the specs at two paths (files or directories).
pub fn diff_paths(old: &Path, new: &Path) -> Result<Vec<Change>, Error> {
    Ok(diff(&load_spec(old)?, &load_spec(new)?))
}

/// Compare two downgraded documents.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = diff_surfaces(&Surface::from_doc(old), &Surface::from_doc(new));
    changes.extend(shadowing::changes(old, new));
    changes.sort();
    changes.dedup();
    changes
}

/// Compare two surfaces; the result is sorted by kind, then item, then change.
pub fn diff_surfaces(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut changes = classify::classify(old, new);
    changes.sort();
    changes.dedup();
    changes
}

#[cfg(test)]
mod tests;
