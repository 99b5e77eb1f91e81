//! Shape the (downgraded) document for the hand-written facade.
//!
//! progenitor replaces a generated type by a hand-written one only for schemas under
//! `components/schemas`, matched by their key. The two unions the facade owns (the authorize
//! response, the token request body) are inline in Polar's documents, so they are hoisted there
//! under a name first. The facade's internally tagged enums consume the tag property, so it is
//! removed from the arms. Each step is one named function with its reason.

use std::collections::BTreeMap;

use crate::walk::METHODS;
use heck::ToUpperCamelCase;
use serde_json::{Map, Value, json};

use crate::error::{Error, pointer};
use crate::secrets;
use crate::walk;

/// `operationId` of the consent-data operation.
pub const AUTHORIZE_OPERATION: &str = "oauth2:authorize";
/// `operationId` of the token operation.
pub const TOKEN_OPERATION: &str = "oauth2:request_token";
/// `operationId` of token revocation (RFC 7009).
pub const REVOKE_OPERATION: &str = "oauth2:revoke_token";
/// `operationId` of token introspection (RFC 7662).
pub const INTROSPECT_OPERATION: &str = "oauth2:introspect_token";
/// `operationId` of OpenID Connect userinfo.
pub const USERINFO_OPERATION: &str = "oauth2:userinfo";
/// `operationId`s of client registration (RFC 7591) and management (RFC 7592).
pub const CREATE_CLIENT_OPERATION: &str = "oauth2:clients:oauth2:create_client";
/// See [`CREATE_CLIENT_OPERATION`].
pub const GET_CLIENT_OPERATION: &str = "oauth2:clients:oauth2:get_client";
/// See [`CREATE_CLIENT_OPERATION`].
pub const UPDATE_CLIENT_OPERATION: &str = "oauth2:clients:oauth2:update_client";
/// See [`CREATE_CLIENT_OPERATION`].
pub const DELETE_CLIENT_OPERATION: &str = "oauth2:clients:oauth2:delete_client";

/// Component names the hoisted schemas get (progenitor matches replacements by these keys).
pub const AUTHORIZE_RESPONSE: &str = "AuthorizeResponse";
/// See [`AUTHORIZE_RESPONSE`].
pub const TOKEN_REQUEST: &str = "TokenRequest";
/// See [`AUTHORIZE_RESPONSE`].
pub const SCOPE_DISPLAY_NAMES: &str = "ScopeDisplayNames";
/// See [`AUTHORIZE_RESPONSE`]: the userinfo response (an `anyOf` without a tag).
pub const USER_INFO: &str = "UserInfo";
/// See [`AUTHORIZE_RESPONSE`]: the introspection response (RFC 7662 §2.2: an inactive token is
/// only `{"active": false}`, whatever the schema requires).
pub const INTROSPECTION: &str = "Introspection";
/// See [`AUTHORIZE_RESPONSE`]: the registered client (the spec leaves it untyped, `{}`).
pub const REGISTERED_CLIENT: &str = "RegisteredClient";
/// See [`AUTHORIZE_RESPONSE`]: the client metadata sent to register a client.
pub const CLIENT_REGISTRATION: &str = "ClientRegistration";
/// See [`AUTHORIZE_RESPONSE`]: the client metadata sent to update a client.
pub const CLIENT_UPDATE: &str = "ClientUpdate";

/// The query parameters Polar's server reads on `GET /v1/oauth2/authorize` but the spec omits
/// (the consent screen passes the authorization request through, RFC 6749 §4.1.1 + PKCE).
pub const AUTHORIZE_QUERY_PARAMETERS: [&str; 10] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "code_challenge",
    "code_challenge_method",
    "sub_type",
];

/// Root extension in which [`shape`] records the [`Names`] it chose, for [`crate::generate`].
pub const NAMES_EXTENSION: &str = "x-polar-oauth2-names";

/// Prefix of the fallback names (and of the secret components): kept apart from Polar's names.
pub const NAME_PREFIX: &str = "PolarOauth2";

/// The component names the shaping step gave the schemas it adds, by the name it wanted
/// ([`AUTHORIZE_RESPONSE`], a secret's [`secrets::component_name`], …).
///
/// A document may already have a *different* schema whose Rust name is the wanted one (Polar's
/// whole API has its own `AuthorizeResponse`): the hoisted schema then gets the first free name
/// of `PolarOauth2<Wanted>`, `PolarOauth2<Wanted>2`, `PolarOauth2<Wanted>3`, … (deterministic:
/// it depends only on the document). An identical schema under the wanted name is reused.
/// [`crate::generate::replacements`] reads these names back from the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(BTreeMap<String, String>);

impl Names {
    /// The name chosen for `wanted` (`wanted` itself when nothing was chosen).
    #[must_use]
    pub fn get(&self, wanted: &str) -> String {
        self.0
            .get(wanted)
            .cloned()
            .unwrap_or_else(|| wanted.to_owned())
    }

    /// Every `(wanted, chosen)` pair, by wanted name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(w, c)| (w.as_str(), c.as_str()))
    }

    /// The names recorded in a shaped document ([`NAMES_EXTENSION`]).
    #[must_use]
    pub fn from_doc(doc: &Value) -> Self {
        let names = doc.get(NAMES_EXTENSION).and_then(Value::as_object);
        Self(
            names
                .into_iter()
                .flatten()
                .filter_map(|(w, c)| Some((w.clone(), c.as_str()?.to_owned())))
                .collect(),
        )
    }

    /// The name for `wanted`, claiming one for `schema` on first use (see the type's docs).
    pub fn claim(&mut self, doc: &Value, wanted: &str, schema: &Value) -> String {
        if let Some(chosen) = self.0.get(wanted) {
            return chosen.clone();
        }
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        let chosen = (0..)
            .map(|n| match n {
                0 => wanted.to_owned(),
                1 => format!("{NAME_PREFIX}{}", wanted.trim_start_matches(NAME_PREFIX)),
                n => format!("{NAME_PREFIX}{}{n}", wanted.trim_start_matches(NAME_PREFIX)),
            })
            .find(|candidate| {
                let rust_name = candidate.to_upper_camel_case();
                let ours = self.0.values().any(|c| c == candidate);
                !ours
                    && schemas.into_iter().flatten().all(|(key, existing)| {
                        key.to_upper_camel_case() != rust_name
                            || (key == candidate && existing == schema)
                    })
            })
            .unwrap_or_else(|| wanted.to_owned());
        self.0.insert(wanted.to_owned(), chosen.clone());
        chosen
    }

    fn record(&self, doc: &mut Value) {
        if let Some(root) = doc.as_object_mut() {
            let names = self
                .0
                .iter()
                .map(|(w, c)| (w.clone(), Value::String(c.clone())))
                .collect();
            root.insert(NAMES_EXTENSION.to_owned(), Value::Object(names));
        }
    }
}

/// Apply every facade step, in order; the names chosen are returned and recorded in `doc`.
pub fn shape(doc: &mut Value) -> Result<Names, Error> {
    let mut names = Names::default();
    authorize_and_token(doc, &mut names)?;
    let json = "responses/200/content/application~1json/schema";
    let userinfo = find_operation(doc, USERINFO_OPERATION)?;
    hoist(doc, &format!("{userinfo}/{json}"), USER_INFO, &mut names)?;
    let introspect = find_operation(doc, INTROSPECT_OPERATION)?;
    hoist(
        doc,
        &format!("{introspect}/{json}"),
        INTROSPECTION,
        &mut names,
    )?;
    for operation in [
        CREATE_CLIENT_OPERATION,
        GET_CLIENT_OPERATION,
        UPDATE_CLIENT_OPERATION,
    ] {
        let op = find_operation(doc, operation)?;
        hoist(doc, &format!("{op}/{json}"), REGISTERED_CLIENT, &mut names)?;
    }
    let body = "requestBody/content/application~1json/schema";
    let create = find_operation(doc, CREATE_CLIENT_OPERATION)?;
    hoist(
        doc,
        &format!("{create}/{body}"),
        CLIENT_REGISTRATION,
        &mut names,
    )?;
    let update = find_operation(doc, UPDATE_CLIENT_OPERATION)?;
    hoist(doc, &format!("{update}/{body}"), CLIENT_UPDATE, &mut names)?;
    for op in operations(doc) {
        facade_decodes_errors(doc, &op);
        one_success_body(doc, &op)?;
    }
    crate::credentials::credential_parameters(doc)?;
    secret_fields(doc, &mut names)?;
    deep_object_parameters(doc, &mut names)?;
    names.record(doc);
    Ok(names)
}

/// The consent-data union, the token-request union and the authorize query parameters.
fn authorize_and_token(doc: &mut Value, names: &mut Names) -> Result<(), Error> {
    let authorize = find_operation(doc, AUTHORIZE_OPERATION)?;
    let token = find_operation(doc, TOKEN_OPERATION)?;
    let union_ptr = format!("{authorize}/responses/200/content/application~1json/schema");
    let arms = union_arms(doc, &union_ptr)?;
    let tag = discriminator_property(doc, &union_ptr)?;
    hoist(doc, &union_ptr, AUTHORIZE_RESPONSE, names)?;
    for arm in &arms {
        strip_tag_property(doc, arm, &tag)?;
        hoist_property(doc, arm, "scope_display_names", SCOPE_DISPLAY_NAMES, names)?;
    }
    hoist(
        doc,
        &format!("{token}/requestBody/content/application~1x-www-form-urlencoded/schema"),
        TOKEN_REQUEST,
        names,
    )?;
    authorize_query_parameters(doc, &authorize)?;
    Ok(())
}

/// The pointer of every operation in `doc`, in document order.
pub fn operations(doc: &Value) -> Vec<String> {
    let paths = doc.get("paths").and_then(Value::as_object);
    paths
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .map(move |(method, _)| pointer(["paths", path.as_str(), method.as_str()]))
        })
        .collect()
}

/// How an operation authenticates, as far as the client is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bearer {
    /// No `Authorization` header: the client never sends one.
    None,
    /// `Authorization: Bearer …` may be sent (an anonymous alternative exists).
    Optional,
    /// `Authorization: Bearer …` is required.
    Required,
}

/// Whether the operation at `op_ptr` takes a bearer token (RFC 6750 §2.1), from its `security`
/// (or the document's): an `http` `bearer`, `oauth2` or `openIdConnect` scheme means a bearer
/// token in `Authorization`; an empty requirement `{}`, or Polar's `x-polar-allowed-subjects`
/// listing `Anonymous`, makes it optional. An operation without `security` in a document that
/// describes no security schemes at all (Polar's documents before 2026-08 did not) is taken to
/// require one, unless it says `security: [{}]`.
pub fn bearer(doc: &Value, op_ptr: &str) -> Bearer {
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let requirements = doc
        .pointer(op_ptr)
        .and_then(|op| op.get("security"))
        .or_else(|| doc.get("security"))
        .and_then(Value::as_array);
    let Some(requirements) = requirements else {
        return if schemes.is_none_or(|s| s.is_empty()) {
            Bearer::Required
        } else {
            Bearer::None
        };
    };
    let is_bearer = |name: &str| {
        schemes.and_then(|s| s.get(name)).is_some_and(|scheme| {
            let kind = scheme.get("type").and_then(Value::as_str);
            let http = scheme.get("scheme").and_then(Value::as_str);
            matches!(kind, Some("oauth2" | "openIdConnect"))
                || (kind == Some("http") && http.is_some_and(|s| s.eq_ignore_ascii_case("bearer")))
        })
    };
    let mut any_bearer = false;
    let mut anonymous = false;
    for requirement in requirements {
        match requirement.as_object() {
            Some(r) if r.is_empty() => anonymous = true,
            Some(r) if r.keys().any(|name| is_bearer(name)) => any_bearer = true,
            _ => {}
        }
    }
    let allows_anonymous = doc
        .pointer(op_ptr)
        .and_then(|op| op.get("x-polar-allowed-subjects"))
        .and_then(Value::as_array)
        .is_some_and(|subjects| subjects.iter().any(|s| s == "Anonymous"));
    match (any_bearer, anonymous || allows_anonymous) {
        (false, _) => Bearer::None,
        (true, true) => Bearer::Optional,
        (true, false) => Bearer::Required,
    }
}

/// Every string property named in [`secrets::SECRET_FIELDS`], in every schema of the document,
/// becomes a reference to a component the generator replaces with the library's secret type,
/// so no generated struct can print it. The components are added whether used or not (a
/// replacement needs its schema to exist). A property of another type with a secret's name
/// (an object called `token`) is refused: the generator would print it.
pub fn secret_fields(doc: &mut Value, names: &mut Names) -> Result<(), Error> {
    let string = json!({"type": "string"});
    let chosen: BTreeMap<&str, String> = secrets::SECRET_FIELDS
        .iter()
        .map(|(_, rust_type)| {
            let name = names.claim(doc, &secrets::component_name(rust_type), &string);
            (*rust_type, name)
        })
        .collect();
    let component = |rust_type: &str| chosen.get(rust_type).cloned().unwrap_or_default();
    let mut refused = None;
    walk::for_each_schema_mut(doc, &mut |schema, ptr| {
        let Some(Value::Object(props)) = schema.get_mut("properties") else {
            return;
        };
        for (name, prop) in props.iter_mut() {
            let Some(rust_type) = secrets::secret_type(name) else {
                continue;
            };
            let Some(prop) = prop.as_object_mut() else {
                continue;
            };
            // Already rewritten (a document shaped twice).
            if prop
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| r.ends_with(&format!("/{}", component(rust_type))))
            {
                continue;
            }
            if prop.get("type").and_then(Value::as_str) != Some("string") {
                refused.get_or_insert_with(|| {
                    Error::at(
                        format!("{ptr}/properties/{}", crate::error::escape_token(name)),
                        format!(
                            "`{name}` carries a secret (`{rust_type}`) but is not a string here; add its shape to codegen/src/secrets.rs"
                        ),
                    )
                });
                continue;
            }
            let reference = json!({
                "$ref": format!("#/components/schemas/{}", component(rust_type))
            });
            let nullable = prop.get("nullable").and_then(Value::as_bool) == Some(true);
            // A `$ref` takes no siblings in OpenAPI 3.0; the nullable wrapper keeps the docs.
            let replacement = if nullable {
                let mut wrapper = json!({"allOf": [reference], "nullable": true});
                for key in ["description", "default"] {
                    if let (Some(value), Some(obj)) = (prop.get(key), wrapper.as_object_mut()) {
                        obj.insert(key.to_owned(), value.clone());
                    }
                }
                wrapper
            } else {
                reference
            };
            *prop = match replacement {
                Value::Object(map) => map,
                _ => Map::new(),
            };
        }
    });
    if let Some(error) = refused {
        return Err(error);
    }
    let schemas = components_schemas(doc)?;
    for name in chosen.into_values() {
        schemas.entry(name).or_insert_with(|| string.clone());
    }
    Ok(())
}

/// Pointer of the operation with `operation_id` (matched by id, so a moved path still works).
pub fn find_operation(doc: &Value, operation_id: &str) -> Result<String, Error> {
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("operationId").and_then(Value::as_str) == Some(operation_id) {
                return Ok(pointer(["paths", path.as_str(), method.as_str()]));
            }
        }
    }
    Err(Error::at(
        "/paths",
        format!("no operation `{operation_id}`: the facade needs it"),
    ))
}

/// The component names of a `oneOf` union's `$ref` arms.
pub fn union_arms(doc: &Value, union_ptr: &str) -> Result<Vec<String>, Error> {
    let union = resolve(doc, union_ptr)?;
    let arms = union
        .get("oneOf")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::at(union_ptr, "expected a `oneOf` union"))?;
    arms.iter()
        .enumerate()
        .map(|(i, arm)| {
            component_name(arm)
                .map(str::to_owned)
                .ok_or_else(|| Error::at(format!("{union_ptr}/oneOf/{i}"), "expected a `$ref`"))
        })
        .collect()
}

/// The union's `discriminator.propertyName`.
pub fn discriminator_property(doc: &Value, union_ptr: &str) -> Result<String, Error> {
    resolve(doc, union_ptr)?
        .pointer("/discriminator/propertyName")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::at(union_ptr, "expected a `discriminator.propertyName`"))
}

/// `#/components/schemas/X` -> `X`.
pub fn component_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

fn resolve<'a>(doc: &'a Value, ptr: &str) -> Result<&'a Value, Error> {
    let value = doc
        .pointer(ptr)
        .ok_or_else(|| Error::at(ptr, "expected a schema here"))?;
    match component_name(value) {
        Some(name) => doc
            .pointer(&pointer(["components", "schemas", name]))
            .ok_or_else(|| Error::at(ptr, format!("`$ref` to missing schema `{name}`"))),
        None => Ok(value),
    }
}

/// Move the inline schema at `ptr` to `components/schemas/<name>` and refer to it. A schema that
/// is already a `$ref` is copied under `name` instead, so the replacement still finds it.
pub fn hoist(doc: &mut Value, ptr: &str, wanted: &str, names: &mut Names) -> Result<(), Error> {
    let schema = resolve(doc, ptr)?.clone();
    let name = &names.claim(doc, wanted, &schema);
    let target = pointer(["components", "schemas", name]);
    if doc
        .pointer(&target)
        .is_some_and(|existing| *existing != schema)
    {
        return Err(Error::at(
            &target,
            format!("the document already has a different schema named `{name}`"),
        ));
    }
    let schemas = components_schemas(doc)?;
    schemas.insert(name.to_owned(), schema);
    if let Some(slot) = doc.pointer_mut(ptr) {
        *slot = json!({ "$ref": format!("#/components/schemas/{name}") });
    }
    Ok(())
}

fn components_schemas(doc: &mut Value) -> Result<&mut Map<String, Value>, Error> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| Error::at("", "the document is not a mapping"))?;
    let components = root
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Error::at("/components", "`components` must be a mapping"))?;
    components
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Error::at("/components/schemas", "`schemas` must be a mapping"))
}

fn arm_mut<'a>(doc: &'a mut Value, arm: &str) -> Result<&'a mut Map<String, Value>, Error> {
    let ptr = pointer(["components", "schemas", arm]);
    doc.pointer_mut(&ptr)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::at(ptr, format!("the union arm `{arm}` is missing")))
}

/// A serde internally tagged enum consumes its tag, so the arm structs must not declare it:
/// kept, every decode fails with "missing field `sub_type`".
pub fn strip_tag_property(doc: &mut Value, arm: &str, tag: &str) -> Result<(), Error> {
    let schema = arm_mut(doc, arm)?;
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        props.remove(tag);
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| r != tag);
    }
    Ok(())
}

/// Give an inline property schema a component name (so it can be replaced) and drop its
/// `default`: the 62-entry display-name map would otherwise become a ~150-line default function
/// in every struct that has it. The facade knows those names from the `Scope` schema.
pub fn hoist_property(
    doc: &mut Value,
    arm: &str,
    property: &str,
    wanted: &str,
    names: &mut Names,
) -> Result<(), Error> {
    let schema = arm_mut(doc, arm)?;
    let Some(prop) = schema.get_mut("properties").and_then(|p| p.get(property)) else {
        return Ok(());
    };
    let mut hoisted = prop.clone();
    if let Some(obj) = hoisted.as_object_mut() {
        for key in ["default", "title", "description"] {
            obj.remove(key);
        }
    }
    let name = &names.claim(doc, wanted, &hoisted);
    if let Some(prop) = arm_mut(doc, arm)?
        .get_mut("properties")
        .and_then(|p| p.get_mut(property))
    {
        *prop = json!({ "$ref": format!("#/components/schemas/{name}") });
    }
    let target = pointer(["components", "schemas", name]);
    match doc.pointer(&target) {
        Some(existing) if *existing != hoisted => Err(Error::at(
            pointer(["components", "schemas", arm, "properties", property]),
            format!("`{property}` differs from the one already hoisted as `{name}`"),
        )),
        Some(_) => Ok(()),
        None => {
            components_schemas(doc)?.insert(name.to_owned(), hoisted);
            Ok(())
        }
    }
}

/// The `parameters` list of the operation at `op_ptr`, made empty if it has none.
pub(crate) fn parameters_mut<'d>(
    doc: &'d mut Value,
    op_ptr: &str,
) -> Result<&'d mut Vec<Value>, Error> {
    let op = doc
        .pointer_mut(op_ptr)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::at(op_ptr, "expected an operation"))?;
    op.entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| Error::at(format!("{op_ptr}/parameters"), "expected a list"))
}

/// Add the authorization-request query parameters the spec omits. Parameters the spec already
/// declares are left as they are.
pub fn authorize_query_parameters(doc: &mut Value, op_ptr: &str) -> Result<(), Error> {
    let params = parameters_mut(doc, op_ptr)?;
    let declared = |params: &Vec<Value>, name: &str, place: &str| {
        params.iter().any(|p| {
            p.get("name").and_then(Value::as_str) == Some(name)
                && p.get("in").and_then(Value::as_str) == Some(place)
        })
    };
    for name in AUTHORIZE_QUERY_PARAMETERS {
        if !declared(params, name, "query") {
            params.push(json!({"name": name, "in": "query", "required": false,
                               "schema": {"type": "string"}}));
        }
    }
    Ok(())
}

/// The facade decodes every non-2xx response itself (RFC 6749 §5.2 errors, FastAPI 422s, HTML
/// from a proxy), so the generated methods should hand them over raw rather than half-typed.
pub fn facade_decodes_errors(doc: &mut Value, op_ptr: &str) {
    let responses = doc
        .pointer_mut(&format!("{op_ptr}/responses"))
        .and_then(Value::as_object_mut);
    if let Some(responses) = responses {
        responses.retain(|status, _| status.starts_with('2'));
    }
}

/// progenitor asserts that an operation's successful responses have one type. When several
/// 2xx responses of one operation carry different bodies (a JSON 200 and an empty 202), they
/// all become raw bytes (`application/octet-stream`): the generated method then returns the
/// byte stream with its status, and the caller decodes by status. One body type (or the same
/// schema under several statuses) is left as it is.
pub fn one_success_body(doc: &mut Value, op_ptr: &str) -> Result<(), Error> {
    let Some(responses) = doc
        .pointer_mut(&format!("{op_ptr}/responses"))
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let kind = |response: &Value| {
        let content = response.get("content").and_then(Value::as_object);
        match content.filter(|c| !c.is_empty()) {
            None => json!("none"),
            Some(content) => content
                .iter()
                .find(|(media, _)| {
                    *media == "application/json" || media.starts_with("application/json;")
                })
                .map_or_else(
                    || json!("raw"),
                    |(_, mt)| mt.get("schema").cloned().unwrap_or(json!({})),
                ),
        }
    };
    let mut kinds: Vec<Value> = Vec::new();
    for response in responses.values() {
        let k = kind(response);
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if kinds.len() <= 1 {
        return Ok(());
    }
    for response in responses.values_mut() {
        if let Some(response) = response.as_object_mut() {
            response.insert(
                "content".into(),
                json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}),
            );
        }
    }
    Ok(())
}

/// Extension marking the component that stands for a deepObject query parameter: its value is
/// the parameter's name; [`crate::generate`] writes the type that encodes it.
pub const DEEP_OBJECT_EXTENSION: &str = "x-polar-oauth2-deep-object";

/// progenitor panics on `style: deepObject` query parameters. Polar's server reads them as
/// `?metadata[key]=value`, a key given several times matching any of its values
/// (`server/polar/kit/metadata.py`, `_get_metadata_query`: the regex `metadata\[([^\]]+)\]`
/// over the query's items; values compared as strings). Each such parameter becomes a `form`
/// parameter whose schema is a component marked with [`DEEP_OBJECT_EXTENSION`], which the
/// generator replaces by a type that serializes to exactly those pairs. Parameters in
/// `components/parameters` are rewritten where they are defined.
pub fn deep_object_parameters(doc: &mut Value, names: &mut Names) -> Result<(), Error> {
    let mut lists: Vec<String> = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let path_ptr = pointer(["paths", path.as_str()]);
        lists.push(format!("{path_ptr}/parameters"));
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            lists.push(format!("{path_ptr}/{method}/parameters"));
        }
    }
    let mut params: Vec<String> = Vec::new();
    for list in lists {
        let count = doc
            .pointer(&list)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        params.extend((0..count).map(|i| format!("{list}/{i}")));
    }
    for name in doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::keys)
    {
        params.push(pointer(["components", "parameters", name.as_str()]));
    }
    for ptr in params {
        let Some(param) = doc.pointer(&ptr) else {
            continue;
        };
        if param.get("style").and_then(Value::as_str) != Some("deepObject") {
            continue;
        }
        if param.get("in").and_then(Value::as_str) != Some("query") {
            return Err(Error::at(
                format!("{ptr}/style"),
                "`style: deepObject` is defined for query parameters only",
            ));
        }
        let Some(api_name) = param.get("name").and_then(Value::as_str).map(str::to_owned) else {
            return Err(Error::at(ptr, "the parameter has no `name`"));
        };
        let marker = json!({
            "type": "object",
            "description": format!("`?{api_name}[key]=value` pairs (OpenAPI `style: deepObject`)."),
            DEEP_OBJECT_EXTENSION: api_name,
        });
        let wanted = format!("{NAME_PREFIX}DeepObject{}", api_name.to_upper_camel_case());
        let name = names.claim(doc, &wanted, &marker);
        components_schemas(doc)?.insert(name.clone(), marker);
        if let Some(param) = doc.pointer_mut(&ptr).and_then(Value::as_object_mut) {
            param.remove("style");
            param.remove("explode");
            param.insert(
                "schema".into(),
                json!({"$ref": format!("#/components/schemas/{name}")}),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {
                "/v1/oauth2/authorize": {"get": {"operationId": "oauth2:authorize", "responses": {
                    "200": {"content": {"application/json": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/U"}, {"$ref": "#/components/schemas/O"}],
                        "discriminator": {"propertyName": "sub_type"}}}}},
                    "422": {"description": "x"}}}},
                "/v1/oauth2/token": {"post": {"operationId": "oauth2:request_token",
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/R"}]}}}},
                    "responses": {"200": {}}}},
                "/v1/oauth2/revoke": {"post": {"operationId": "oauth2:revoke_token",
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                        "$ref": "#/components/schemas/Rv"}}}},
                    "responses": {"200": {}}}},
                "/v1/oauth2/introspect": {"post": {"operationId": "oauth2:introspect_token",
                    "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
                "/v1/oauth2/userinfo": {"get": {"operationId": "oauth2:userinfo",
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "anyOf": [{"$ref": "#/components/schemas/U"}]}}}}}}},
                "/v1/oauth2/register": {"post": {"operationId": "oauth2:clients:oauth2:create_client",
                    "requestBody": {"content": {"application/json": {"schema": {}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
                "/v1/oauth2/register/{client_id}": {
                    "get": {"operationId": "oauth2:clients:oauth2:get_client",
                        "responses": {"200": {"content": {"application/json": {"schema": {}}}}}},
                    "put": {"operationId": "oauth2:clients:oauth2:update_client",
                        "requestBody": {"content": {"application/json": {"schema": {}}}},
                        "responses": {"200": {"content": {"application/json": {"schema": {}}}}}},
                    "delete": {"operationId": "oauth2:clients:oauth2:delete_client",
                        "responses": {"204": {}, "422": {"description": "x"}}}}
            },
            "components": {"schemas": {
                "Rv": {"properties": {"token": {"type": "string"},
                       "client_secret": {"type": "string", "nullable": true},
                       "token_type_hint": {"type": "string"}}},
                "U": {"properties": {"sub_type": {"enum": ["user"]},
                      "scope_display_names": {"type": "object", "additionalProperties": {"type": "string"},
                                              "default": {"openid": "OpenID"}, "title": "T"}},
                      "required": ["sub_type"]},
                "O": {"properties": {"sub_type": {"enum": ["organization"]}}, "required": ["sub_type"]},
                "R": {"properties": {}}
            }}
        })
    }

    #[test]
    fn unions_are_hoisted_under_replaceable_names() {
        let mut d = doc();
        shape(&mut d).unwrap();
        let resp =
            "/paths/~1v1~1oauth2~1authorize/get/responses/200/content/application~1json/schema";
        assert_eq!(
            d.pointer(resp).unwrap(),
            &json!({"$ref": "#/components/schemas/AuthorizeResponse"})
        );
        assert!(
            d.pointer("/components/schemas/AuthorizeResponse/oneOf")
                .is_some()
        );
        assert!(
            d.pointer("/components/schemas/TokenRequest/oneOf")
                .is_some()
        );
    }

    #[test]
    fn tag_property_is_removed_from_the_arms() {
        let mut d = doc();
        shape(&mut d).unwrap();
        for arm in ["U", "O"] {
            let s = &d["components"]["schemas"][arm];
            assert!(s["properties"].get("sub_type").is_none(), "{arm}");
            assert_eq!(s["required"], json!([]), "{arm}");
        }
    }

    #[test]
    fn display_names_are_hoisted_without_their_default() {
        let mut d = doc();
        shape(&mut d).unwrap();
        assert_eq!(
            d["components"]["schemas"]["ScopeDisplayNames"],
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
    }

    #[test]
    fn authorize_gets_query_parameters_and_bearer_header_and_no_error_responses() {
        let mut d = doc();
        shape(&mut d).unwrap();
        let op = &d["paths"]["/v1/oauth2/authorize"]["get"];
        let names: Vec<_> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"code_challenge") && names.contains(&"Authorization"),
            "{names:?}"
        );
        assert!(op["responses"].get("422").is_none());
        let bearers = names.iter().filter(|n| **n == "Authorization").count();
        assert_eq!(bearers, 1);
    }

    #[test]
    fn bearer_follows_security_and_older_documents_without_schemes() {
        let mut d = doc();
        shape(&mut d).unwrap();
        let has_bearer = |d: &Value, path: &str, method: &str| {
            d["paths"][path][method]["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["name"] == "Authorization"))
        };
        // No security schemes at all (Polar's documents before 2026-08): every operation is
        // taken to need a bearer, except one marked anonymous.
        assert!(has_bearer(&d, "/v1/oauth2/userinfo", "get"));
        let mut d = doc();
        d["paths"]["/v1/oauth2/token"]["post"]["security"] = json!([{}]);
        shape(&mut d).unwrap();
        assert!(!has_bearer(&d, "/v1/oauth2/token", "post"));

        let mut d = doc();
        d["components"]["securitySchemes"] = json!({
            "oidc": {"type": "openIdConnect", "openIdConnectUrl": "/x"},
            "pat": {"type": "http", "scheme": "bearer"},
            "key": {"type": "apiKey", "in": "header", "name": "X-Key"}});
        d["paths"]["/v1/oauth2/userinfo"]["get"]["security"] = json!([{"oidc": []}]);
        d["paths"]["/v1/oauth2/register"]["post"]["security"] = json!([{"pat": []}, {}]);
        d["paths"]["/v1/oauth2/introspect"]["post"]["security"] = json!([{"key": []}]);
        let ops: Vec<_> = operations(&d);
        let kinds: Vec<Bearer> = ops.iter().map(|op| bearer(&d, op)).collect();
        assert_eq!(
            bearer(&d, "/paths/~1v1~1oauth2~1userinfo/get"),
            Bearer::Required
        );
        assert_eq!(
            bearer(&d, "/paths/~1v1~1oauth2~1register/post"),
            Bearer::Optional
        );
        assert_eq!(
            bearer(&d, "/paths/~1v1~1oauth2~1introspect/post"),
            Bearer::None
        );
        // A document that describes its schemes: no `security` means none.
        assert_eq!(bearer(&d, "/paths/~1v1~1oauth2~1token/post"), Bearer::None);
        assert_eq!(kinds.len(), 9);
        d["paths"]["/v1/oauth2/userinfo"]["get"]["x-polar-allowed-subjects"] =
            json!(["User", "Anonymous"]);
        assert_eq!(
            bearer(&d, "/paths/~1v1~1oauth2~1userinfo/get"),
            Bearer::Optional
        );
        shape(&mut d).unwrap();
        let parameter = d["paths"]["/v1/oauth2/register"]["post"]["parameters"][0].clone();
        assert_eq!(parameter["name"], json!("Authorization"));
        assert_eq!(parameter["required"], json!(false));
        assert!(!has_bearer(&d, "/v1/oauth2/token", "post"));
    }

    #[test]
    fn secret_fields_become_secret_components_nullable_kept() {
        let mut d = doc();
        shape(&mut d).unwrap();
        let props = &d["components"]["schemas"]["Rv"]["properties"];
        assert_eq!(
            props["token"],
            json!({"$ref": "#/components/schemas/PolarOauth2SecretOpaqueToken"})
        );
        assert_eq!(
            props["client_secret"],
            json!({"allOf": [{"$ref": "#/components/schemas/PolarOauth2SecretClientSecret"}],
                   "nullable": true})
        );
        assert_eq!(props["token_type_hint"], json!({"type": "string"}));
        for (_, rust_type) in secrets::SECRET_FIELDS {
            let name = secrets::component_name(rust_type);
            assert_eq!(d["components"]["schemas"][&name], json!({"type": "string"}));
        }
    }

    #[test]
    fn a_secret_named_field_that_is_not_a_string_is_refused_by_pointer() {
        let mut d = doc();
        d["components"]["schemas"]["Rv"]["properties"]["token"] = json!({"type": "object"});
        let e = shape(&mut d).unwrap_err();
        assert_eq!(e.pointer, "/components/schemas/Rv/properties/token");
    }

    #[test]
    fn error_responses_are_dropped_from_every_operation() {
        let mut d = doc();
        shape(&mut d).unwrap();
        for op in operations(&d) {
            let responses = d.pointer(&format!("{op}/responses")).unwrap();
            assert!(
                responses
                    .as_object()
                    .unwrap()
                    .keys()
                    .all(|k| k.starts_with('2')),
                "{op}"
            );
        }
    }

    #[test]
    fn missing_operation_is_named() {
        let mut d = doc();
        d["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/v1/oauth2/token");
        let e = shape(&mut d).unwrap_err();
        assert!(e.message.contains("oauth2:request_token"), "{e}");
    }
}
