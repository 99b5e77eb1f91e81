//! The organization down-scope: `sub_type=organization` asks for exactly one organization,
//! picked at consent (Polar's `_validate_sub` and `_resolve_organization_ids`).

use super::*;

impl Inner {
    /// Polar's `ValidateSubAndPrompt._validate_sub`: whether the request asks for one
    /// organization (`sub_type=organization`, or the client's default). Polar issues only user
    /// tokens; the legacy `sub` parameter is ignored. Errors here are not redirected.
    pub(super) fn requires_single_organization(
        params: &Params,
        request: &ValidatedRequest,
    ) -> Result<bool, Failure> {
        let sub_type = match params.truthy("sub_type") {
            None => request.client.default_sub_type,
            Some("user") => SubType::User,
            Some("organization") => SubType::Organization,
            Some(_) => {
                return Err(
                    Failure::invalid_request("Invalid sub_type").state(request.state.clone())
                );
            }
        };
        Ok(sub_type == SubType::Organization)
    }

    /// Polar's `_resolve_organization_ids`: the organizations picked at consent (each one the
    /// user can access), exactly one when `single` (the smallest id if several were sent).
    pub(super) fn resolve_organizations(
        selected: &[String],
        single: bool,
    ) -> Result<Vec<Uuid>, Failure> {
        let mut ids = Vec::new();
        for value in selected {
            let id = Uuid::parse_str(value)
                .map_err(|_| Failure::invalid_request("Invalid 'organizations' UUID"))?;
            if !ORGANIZATIONS.iter().any(|o| o.id == id) {
                return Err(Failure::invalid_request(format!(
                    "Organization {id} is not accessible"
                )));
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if single {
            ids.sort_by_key(Uuid::to_string);
            ids.truncate(1);
            if ids.is_empty() {
                return Err(Failure::invalid_request(
                    "sub_type=organization requires selecting an organization",
                ));
            }
        }
        Ok(ids)
    }
}
