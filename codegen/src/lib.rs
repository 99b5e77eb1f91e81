//! Build-time generator for [`polar-oauth2`](https://docs.rs/polar-oauth2).
//!
//! Data flows one way: `spec/` -> [`load`] (merge the documents) -> [`select`] (the operations
//! that become the client, and what they reach) -> [`downgrade`] (OpenAPI 3.1 -> 3.0) ->
//! [`shape`] (hoist the unions the facade replaces) -> [`unions`] (untagged arms most specific
//! first) -> [`generate`] (progenitor, its output unedited, prettyplease) -> `OUT_DIR`. Nothing
//! here sends a request; nothing in the library parses YAML. [`build_script::run`] is what the
//! library's `build.rs` calls.
#![forbid(unsafe_code)]

mod accepts;
pub mod build_script;
mod deep_object_types;
pub mod downgrade;
pub mod error;
pub mod generate;
pub mod load;
mod operation_paths;
mod refs;
pub mod run;
mod rust_names;
mod scopes;
pub mod secrets;
pub mod select;
pub mod shape;
pub mod unions;
pub mod walk;

use std::path::Path;
use std::time::{Duration, Instant};

pub use error::Error;

/// Everything one run of the generator produces.
#[derive(Debug, Clone)]
pub struct Output {
    /// The generated client module (progenitor output, pretty-printed).
    pub client: String,
    /// Input for `define_scopes!` in the library's `scope.rs`.
    pub scopes: String,
    /// Constructs that no rewrite knows: printed as build warnings.
    pub warnings: Vec<String>,
    /// Time spent in each phase, in order.
    pub timings: Vec<(&'static str, Duration)>,
}

/// The document after load + downgrade + shape: what progenitor sees.
pub fn prepare(doc: &load::Document) -> Result<(serde_json::Value, Vec<String>), Error> {
    let mut value = doc.value.clone();
    let mut warnings = downgrade::downgrade(&mut value).map_err(|e| doc.locate(e))?;
    warnings.extend(downgrade::drop_patterns(&mut value));
    // Shaping finds operations by `operationId`: a missing or repeated one is named first.
    generate::check_operation_ids(&value).map_err(|e| doc.locate(e))?;
    shape::shape(&mut value).map_err(|e| doc.locate(e))?;
    // After shaping: the unions the facade replaces with its own types are left to it.
    let replaced: Vec<String> = generate::replacements(&value)
        .into_iter()
        .map(|(component, _)| component)
        .collect();
    warnings.extend(unions::decode_most_specific_first(&mut value, &replaced));
    Ok((value, warnings))
}

/// Load every document in `spec_dir` and keep its selection (see [`select`]): what every reader
/// of `spec/` (the generator, the API surface, spec drift) starts from.
pub fn load_spec(spec_dir: &Path) -> Result<load::Document, Error> {
    let doc = load::load_dir(spec_dir)?;
    select::apply(doc, &select::read(spec_dir)?)
}

/// Run the whole pipeline on a spec directory.
pub fn generate_dir(spec_dir: &Path) -> Result<Output, Error> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<_>| {
        timings.push((name, clock.elapsed()));
        clock = Instant::now();
    };
    let doc = load::load_dir(spec_dir)?;
    lap("load", &mut timings);
    let doc = select::apply(doc, &select::read(spec_dir)?)?;
    lap("select", &mut timings);
    let (value, warnings) = prepare(&doc)?;
    lap("downgrade+shape", &mut timings);
    let scopes = scopes::render(&scopes::known_scopes(&value).map_err(|e| doc.locate(e))?);
    let client = generate::generate(&value).map_err(|e| doc.locate(e))?;
    lap("generate", &mut timings);
    Ok(Output {
        client,
        scopes,
        warnings,
        timings,
    })
}
