//! `/sla-policies`: the company's SLA targets per priority. A ticket takes
//! its targets from the policy when it is opened and keeps them, so a
//! change applies to tickets opened after it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::audit::NewEvent;
use crate::domain::tickets::{check_policies, PolicyMinutes, SlaPolicies};
use crate::error::ApiError;
use crate::http::{json, Ctx, Reply};
use crate::store::tickets::SLA_POLICIES;
use crate::store::{keys, Cond, Exprs, Key, StoreError, Tenant, Tx};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutPoliciesRequest {
    /// The version read (0 while the defaults apply).
    pub version: u64,
    /// low | medium | high | urgent → `{first_response_minutes, resolution_minutes}`, every priority.
    #[schema(value_type = Object)]
    pub policies: BTreeMap<String, PolicyMinutes>,
}

pub fn prefetch(_ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    vec![keys::sla_policies(scope)]
}

/// The stored policy, or the defaults (version 0).
pub(crate) fn current(ctx: &Ctx, t: &Tenant) -> Result<SlaPolicies, ApiError> {
    Ok(ctx.prefetched::<SlaPolicies>(&keys::sla_policies(t))?.unwrap_or_default())
}

/// `GET /sla-policies`.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    Ok(json(200, &current(ctx, &t)?))
}

/// `PUT /sla-policies` (owner, admin): every priority's targets; versioned
/// and audited.
pub async fn put(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: PutPoliciesRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let policies = check_policies(&req.policies).map_err(ApiError::Validation)?;
    let now = current(ctx, &t)?;
    if req.version != now.version {
        return Err(ApiError::Conflict(format!(
            "The SLA policy was changed meanwhile: version is {}, you sent {}.",
            now.version, req.version
        )));
    }
    let next = SlaPolicies { version: now.version + 1, policies };
    if next.policies == now.policies {
        return Ok(json(200, &now));
    }
    let mut tx = Tx::new();
    let item = crate::store::to_item(&keys::sla_policies(&t), SLA_POLICIES, &next)?;
    let (cond, exprs) = if now.version == 0 {
        (Cond::New, Exprs::new())
    } else {
        (Cond::Expr("version = :v".into()), Exprs::new().num(":v", now.version))
    };
    tx.put_item(ctx.table(), item, cond, exprs);
    let summary: Vec<String> = next
        .policies
        .iter()
        .map(|(p, m)| format!("{}={}/{}", p.as_str(), m.first_response_minutes, m.resolution_minutes))
        .collect();
    let event = NewEvent::new("sla_policies.updated", t.id().to_string())
        .with("version", next.version.to_string())
        .with("policies", summary.join(","));
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &next)),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The SLA policy was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}
