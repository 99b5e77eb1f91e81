//! Shape the (downgraded) document for the hand-written facade.
//!
//! progenitor replaces a generated type by a hand-written one only for schemas under
//! `components/schemas`, matched by their key. The two unions the facade owns (the authorize
//! response, the token request body) are inline in Polar's documents, so they are hoisted there
//! under a name first. The facade's internally tagged enums consume the tag property, so it is
//! removed from the arms. Each step is one named function with its reason.

mod bearer;
mod credentials;
mod deep_object;
mod hoist;
mod lookup;
mod names;
mod operation;
mod secret_fields;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::error::Error;

pub use bearer::{Bearer, bearer};
pub(crate) use deep_object::DEEP_OBJECT_EXTENSION;
pub use deep_object::deep_object_parameters;
use hoist::{hoist, hoist_property, strip_tag_property};
pub use lookup::{component_name, find_operation, operations};
use lookup::{discriminator_property, union_arms};
pub(crate) use names::NAME_PREFIX;
pub use names::Names;
use operation::{authorize_query_parameters, facade_decodes_errors, one_success_body};
use secret_fields::secret_fields;

/// `operationId` of the consent-data operation.
pub const AUTHORIZE_OPERATION: &str = "oauth2:authorize";
/// `operationId` of the token operation.
pub const TOKEN_OPERATION: &str = "oauth2:request_token";
/// `operationId` of token introspection (RFC 7662).
pub(crate) const INTROSPECT_OPERATION: &str = "oauth2:introspect_token";
/// `operationId` of OpenID Connect userinfo.
pub(crate) const USERINFO_OPERATION: &str = "oauth2:userinfo";
/// `operationId`s of client registration (RFC 7591) and management (RFC 7592).
pub(crate) const CREATE_CLIENT_OPERATION: &str = "oauth2:clients:oauth2:create_client";
/// See [`CREATE_CLIENT_OPERATION`].
pub(crate) const GET_CLIENT_OPERATION: &str = "oauth2:clients:oauth2:get_client";
/// See [`CREATE_CLIENT_OPERATION`].
pub(crate) const UPDATE_CLIENT_OPERATION: &str = "oauth2:clients:oauth2:update_client";

/// Component names the hoisted schemas get (progenitor matches replacements by these keys).
pub(crate) const AUTHORIZE_RESPONSE: &str = "AuthorizeResponse";
/// See `AUTHORIZE_RESPONSE`.
pub(crate) const TOKEN_REQUEST: &str = "TokenRequest";
/// See `AUTHORIZE_RESPONSE`.
pub(crate) const SCOPE_DISPLAY_NAMES: &str = "ScopeDisplayNames";
/// See `AUTHORIZE_RESPONSE`: the userinfo response (an `anyOf` without a tag).
pub(crate) const USER_INFO: &str = "UserInfo";
/// See `AUTHORIZE_RESPONSE`: the introspection response (RFC 7662 §2.2: an inactive token is
/// only `{"active": false}`, whatever the schema requires).
pub(crate) const INTROSPECTION: &str = "Introspection";
/// See `AUTHORIZE_RESPONSE`: the registered client (the spec leaves it untyped, `{}`).
pub(crate) const REGISTERED_CLIENT: &str = "RegisteredClient";
/// See `AUTHORIZE_RESPONSE`: the client metadata sent to register a client.
pub(crate) const CLIENT_REGISTRATION: &str = "ClientRegistration";
/// See `AUTHORIZE_RESPONSE`: the client metadata sent to update a client.
pub(crate) const CLIENT_UPDATE: &str = "ClientUpdate";

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
    credentials::credential_parameters(doc)?;
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
