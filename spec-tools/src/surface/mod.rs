//! A stable, sorted, human-readable listing of the API surface of an OpenAPI document.
//!
//! The listing is taken from the *downgraded* document (after [`polar_oauth2_codegen::downgrade`], before
//! [`polar_oauth2_codegen::shape`]), so that it reflects the spec as Polar publishes it. One item per line,
//! every line names its item in full (so a one-line diff is self-explanatory), sections and items
//! in a fixed order: the document (API version, servers, security schemes), then the operations
//! (by path, then method) with their parameters, request bodies and responses, then the
//! component schemas by name. Enum values are sorted, one per line, so that a new scope is a
//! one-line diff. Descriptions, titles, examples, defaults, display names and `x-` extensions do
//! not appear: they are kept in the model for [`crate::drift`] only.
//!
//! Line kinds (`KIND ITEM: ATTRIBUTES` or `KIND ITEM = VALUE`):
//!
//! ```text
//! info version: 0.1.0
//! server https://api.polar.sh
//! security-scheme oidc: openIdConnect /.well-known/openid-configuration
//! operation POST /v1/oauth2/token: oauth2:request_token
//! security POST /v1/oauth2/token: none
//! param GET /v1/oauth2/register/{client_id} path:client_id: string, required
//! body POST /v1/oauth2/token: oneOf, required, application/x-www-form-urlencoded
//! response GET /v1/oauth2/authorize 200: oneOf, application/json
//! arm GET /v1/oauth2/authorize 200 = AuthorizeResponseUser
//! discriminator GET /v1/oauth2/authorize 200: sub_type
//! mapping GET /v1/oauth2/authorize 200 = user -> AuthorizeResponseUser
//! schema TokenResponse: object
//! field TokenResponse.id_token: string, optional, nullable
//! enum Scope = "metrics:write"
//! constraint AuthorizationCodeTokenRequest.redirect_uri: maxLength = 2083
//! ```
//!
//! Inline schemas get a path below their parent: `X.field` for a property, `X[]` for array
//! items, `X{}` for additional properties, `X#0` for an inline union arm. A child that is a plain
//! `$ref` or a plain `type`/`format` is shown in its parent's type (`array<Scope>`,
//! `map<string>`) instead of on a line of its own.
//!
//! Nodes are keyed by their parent and their own name, so a deep document costs memory in
//! proportion to its size; a node's full path is rebuilt only where it is printed.

mod builder;
mod direction;
mod model;
mod read;
mod render;
mod schema;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polar_oauth2_codegen::Error;
use polar_oauth2_codegen::downgrade;
use serde_json::Value;

use builder::Builder;
pub use model::Surface;
pub(crate) use model::{Direction, Node, NodeId, Place};
use schema::{cosmetic_of, security_scheme};

/// The listing of `doc`, an OpenAPI document already passed through [`downgrade::downgrade`].
pub fn surface(doc: &Value) -> String {
    Surface::from_doc(doc).render()
}

/// Load every document in `spec_dir`, merge, keep the selection
/// ([`polar_oauth2_codegen::select`]), downgrade, and list the surface.
pub fn surface_dir(spec_dir: &Path) -> Result<String, Error> {
    let doc = polar_oauth2_codegen::load_spec(spec_dir)?;
    let mut value = doc.value.clone();
    downgrade::downgrade(&mut value).map_err(|e| doc.locate(e))?;
    Ok(surface(&value))
}

impl Surface {
    /// Read the surface of `doc` (a downgraded document). Malformed parts are listed as they
    /// are (`?` for a missing name) rather than refused: the loader has already checked the
    /// document's shape, and a listing should show what is there.
    pub fn from_doc(doc: &Value) -> Surface {
        let mut b = Builder {
            doc,
            nodes: Vec::new(),
            keys: BTreeMap::new(),
            request_refs: BTreeSet::new(),
            response_refs: BTreeSet::new(),
        };
        let operations = b.operations();
        b.components();
        b.assign_directions();
        let root = doc.as_object();
        let info_version = doc
            .pointer("/info/version")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        let mut servers = BTreeMap::new();
        for server in doc
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let url = server
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            servers.insert(url, cosmetic_of(server, |k| k != "url"));
        }
        let mut security_schemes = BTreeMap::new();
        for (name, scheme) in doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            security_schemes.insert(name.clone(), security_scheme(scheme));
        }
        let mut cosmetic = BTreeMap::new();
        for (key, value) in root.into_iter().flatten() {
            match key.as_str() {
                // Interpreted elsewhere, or rewritten by the downgrade.
                "openapi" | "paths" | "servers" | "security" | "webhooks" | "jsonSchemaDialect" => {
                }
                "components" => {
                    for (section, entries) in value.as_object().into_iter().flatten() {
                        // Schemas and security schemes are interpreted; parameters, bodies,
                        // responses and headers show where operations use them.
                        let shown = [
                            "schemas",
                            "securitySchemes",
                            "parameters",
                            "requestBodies",
                            "responses",
                            "headers",
                        ];
                        if !shown.contains(&section.as_str()) {
                            cosmetic.insert(format!("components.{section}"), entries.clone());
                        }
                    }
                }
                _ => {
                    cosmetic.insert(key.clone(), value.clone());
                }
            }
        }
        Surface {
            info_version,
            servers,
            security_schemes,
            operations,
            nodes: b.nodes,
            keys: b.keys,
            cosmetic,
        }
    }
}
