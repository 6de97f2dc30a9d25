//! `/risk-settings`, `/alerts` and `POST /sweeps`: the company's risk
//! configuration, the alerts the engine raises, and the sweep on demand.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::leavers::case_actor;
use super::leavers::settings;
use super::{CONFLICT, LEAVER_READERS, RISK_MANAGERS};
use crate::domain::audit::NewEvent;
use crate::domain::leavers::{self as rules, CaseAction, CaseSubject};
use crate::domain::risk::settings::Thresholds;
use crate::domain::risk::Level;
use crate::domain::risk::RiskSettings;
use crate::error::ApiError;
use crate::http::cursor::BY_GSI2;
use crate::http::{json, Ctx, ListPage, Reply};
use crate::http::{schema_of, Access::Roles, Group, Response, Route, Weight::Heavy};
use crate::ids::AlertId;
use crate::service::assess::{Alert, AlertStatus};
use crate::service::sweep;
use crate::store::leavers as stored;
use crate::store::Tenant;
use crate::store::{decode, items, keys, Cond, Exprs, Key, SkCond, StoreError, Tx};

/// Risk settings, alerts and the sweep on demand, served by `risk`.
pub const GROUP: Group =
    Group { function: "risk", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[
    Route {
        path: "/risk-settings",
        summary: "The company's risk settings",
        access: Roles(RISK_MANAGERS),
        response: Response::Json(200, schema_of::<RiskSettings>),
        prefetch: prefetch_settings,
        handler: handler!(get_settings),
        ..Route::DEFAULT
    },
    Route {
        method: "PUT",
        path: "/risk-settings",
        summary: "Change the company's risk settings",
        access: Roles(RISK_MANAGERS),
        request: Some(schema_of::<RiskSettingsRequest>),
        response: Response::Json(200, schema_of::<RiskSettings>),
        prefetch: prefetch_settings,
        answers: &[CONFLICT],
        handler: handler!(put_settings),
        ..Route::DEFAULT
    },
    Route {
        path: "/alerts",
        summary: "List risk alerts",
        access: Roles(LEAVER_READERS),
        response: Response::Page(schema_of::<Alert>),
        query: &["status", "level", "leaver_id"],
        paged: true,
        handler: handler!(list_alerts),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/alerts/{id}",
        summary: "Acknowledge or resolve an alert",
        access: Roles(RISK_MANAGERS),
        request: Some(schema_of::<AlertPatchRequest>),
        response: Response::Json(200, schema_of::<Alert>),
        prefetch: prefetch_alert,
        answers: &[CONFLICT],
        handler: handler!(patch_alert),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/sweeps",
        summary: "Run the risk sweep now for the company",
        access: Roles(RISK_MANAGERS),
        weight: Heavy,
        response: Response::Json(200, schema_of::<SweepSummary>),
        query: &["cursor"],
        handler: handler!(run_sweep),
        ..Route::DEFAULT
    },
];

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskSettingsRequest {
    /// Signal id → weight (0–100). Signals not named keep their weight.
    #[serde(default)]
    pub weights: BTreeMap<String, u32>,
    pub thresholds: Option<Thresholds>,
    /// Only for a company without departments; once it has any, mark
    /// departments sensitive instead (this list, sent back unchanged, is
    /// accepted and ignored).
    pub sensitive_departments: Option<Vec<String>>,
    pub auto_deactivate: Option<bool>,
    /// The version you read (0 for the defaults); a stale one gets 409.
    pub version: u64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertPatchRequest {
    /// acknowledged | resolved
    pub status: String,
    pub note: Option<String>,
    pub version: Option<u64>,
}

/// The company's risk settings, read with the session.
fn prefetch_settings(_ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    vec![keys::risk_settings(scope), keys::departments_summary(scope)]
}

/// The alert named by `{id}`, read with the session.
fn prefetch_alert(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    AlertId::parse(ctx.param("id")).map(|id| keys::alert(scope, &id)).into_iter().collect()
}

/// `GET /risk-settings`.
pub async fn get_settings(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    Ok(json(200, &settings(ctx, &t)?))
}

/// `PUT /risk-settings`: weights, thresholds, sensitive departments and
/// whether the sweep deactivates accounts. Audited with what changed.
pub async fn put_settings(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: RiskSettingsRequest = ctx.json()?;
    rules::may_change_risk_settings(case_actor(ctx)?).map_err(|r| ApiError::Forbidden(r.message()))?;
    let t = ctx.tenant()?.clone();
    let current = settings(ctx, &t)?;
    if req.version != current.version {
        return Err(ApiError::Conflict(format!(
            "The settings were changed meanwhile: version is {}, you sent {}.",
            current.version, req.version
        )));
    }
    let mut next = current.clone();
    next.weights.extend(req.weights);
    if let Some(th) = req.thresholds {
        next.thresholds = th;
    }
    if let Some(d) = req.sensitive_departments {
        let d: Vec<String> = d.into_iter().map(|s| s.trim().to_string()).collect();
        let set = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<std::collections::BTreeSet<_>>();
        if current.from_departments && set(&d) != set(&current.sensitive_departments) {
            // Sent back as read, it changes nothing; anything else belongs
            // on the departments now.
            return Err(ApiError::invalid(
                "sensitive_departments",
                "is set on the departments now: PATCH /departments/{id} with sensitive true or false",
            ));
        }
        next.sensitive_departments = d;
    }
    if let Some(a) = req.auto_deactivate {
        next.auto_deactivate = a;
    }
    next.validate().map_err(ApiError::Validation)?;
    next.version = current.version + 1;
    let mut changed = Vec::new();
    if next.weights != current.weights {
        changed.push("weights");
    }
    if next.thresholds != current.thresholds {
        changed.push("thresholds");
    }
    if next.sensitive_departments != current.sensitive_departments {
        changed.push("sensitive_departments");
    }
    if next.auto_deactivate != current.auto_deactivate {
        changed.push("auto_deactivate");
    }
    let mut tx = Tx::new();
    let cond = if current.version == 0 { Cond::New } else { Cond::Expr("version = :v".into()) };
    // Once departments say which are sensitive, the stored list stays empty.
    let mut stored = next.clone();
    if current.from_departments {
        stored.sensitive_departments.clear();
    }
    let item = crate::store::to_item(&keys::risk_settings(&t), items::RISK_SETTINGS, &stored)?;
    let exprs = if current.version == 0 { Exprs::new() } else { Exprs::new().num(":v", current.version) };
    tx.put_item(ctx.table(), item, cond, exprs);
    let event = NewEvent::new("risk_settings.updated", t.id().to_string())
        .with("changed", changed.join(","))
        .with("version", next.version.to_string());
    match ctx.commit(tx, vec![event]).await {
        Ok(_) => Ok(json(200, &next)),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The settings were changed meanwhile; read them again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /alerts`: newest first; filters `status` (open, acknowledged,
/// resolved; `unresolved` for both of the first) and `level`.
pub async fn list_alerts(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let pk = keys::tenant_pk(&t);
    let mut conds = Vec::new();
    let mut exprs = Exprs::new();
    match ctx.query("status").filter(|s| !s.is_empty()) {
        None => {}
        Some("unresolved") => {
            conds.push("#status <> :resolved".to_string());
            exprs = exprs.name("#status", "status").str(":resolved", "resolved");
        }
        Some(s @ ("open" | "acknowledged" | "resolved")) => {
            conds.push("#status = :status".to_string());
            exprs = exprs.name("#status", "status").str(":status", s);
        }
        Some(_) => return Err(ApiError::bad_field("status", "must be open, acknowledged, resolved or unresolved")),
    }
    if let Some(l) = ctx.query("level").filter(|s| !s.is_empty()) {
        let l = Level::parse(l).ok_or_else(|| ApiError::bad_field("level", "must be low, medium, high or critical"))?;
        conds.push("#level = :level".to_string());
        exprs = exprs.name("#level", "level").str(":level", l.as_str());
    }
    if let Some(lid) = ctx.query("leaver_id").filter(|s| !s.is_empty()) {
        conds.push("leaver_id = :lid".to_string());
        exprs = exprs.str(":lid", lid);
    }
    let scope = format!(
        "alerts|{}|{}|{}",
        ctx.query("status").unwrap_or(""),
        ctx.query("level").unwrap_or(""),
        ctx.query("leaver_id").unwrap_or("")
    );
    let (limit, start) = ctx.page_start(&scope, &crate::http::cursor::BY_TABLE, &pk)?;
    let filter = (!conds.is_empty()).then(|| (conds.join(" AND "), exprs));
    let page =
        ctx.app.store.query(None, &pk, SkCond::Prefix(keys::ALERT_SK_PREFIX), limit, start, false, filter).await?;
    let items = page.items.into_iter().map(|i| decode::<Alert>(i).map(|a| a.view())).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `PATCH /alerts/{id}` `{status: acknowledged|resolved, note}`. Resolving
/// closes the alert's slot, so the level can alert again later.
pub async fn patch_alert(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: AlertPatchRequest = ctx.json()?;
    let wanted = match req.status.as_str() {
        "acknowledged" => AlertStatus::Acknowledged,
        "resolved" => AlertStatus::Resolved,
        _ => return Err(ApiError::invalid("status", "must be acknowledged or resolved")),
    };
    let note = match req.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(n) => Some(crate::domain::validate::name(n, 2000).map_err(|m| ApiError::invalid("note", m))?),
    };
    if wanted == AlertStatus::Resolved && note.is_none() {
        return Err(ApiError::invalid("note", "is required to resolve an alert"));
    }
    let t = ctx.tenant()?.clone();
    let id = AlertId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let mut alert: Alert = ctx.prefetched(&keys::alert(&t, &id))?.ok_or(ApiError::NotFound)?;
    // The alert's subject is its leaver: the case id (which the caller's own
    // account carries while the caller is that leaver) and its account.
    let subject = CaseSubject { case: &alert.leaver_id, user: alert.employee_id.as_ref(), role: None };
    rules::may_act_on_case(case_actor(ctx)?, subject, CaseAction::Work)
        .map_err(|r| ApiError::Forbidden(r.message()))?;
    if let Some(v) = req.version {
        if v != alert.version {
            return Err(ApiError::Conflict(format!(
                "The alert was changed meanwhile: version is {}, you sent {v}.",
                alert.version
            )));
        }
    }
    match (alert.status, wanted) {
        (AlertStatus::Resolved, _) => return Err(ApiError::Conflict("The alert is already resolved.".into())),
        (AlertStatus::Acknowledged, AlertStatus::Acknowledged) => {
            return Err(ApiError::Conflict("The alert is already acknowledged.".into()))
        }
        _ => {}
    }
    let actor = ctx.principal()?.id().to_string();
    let now = ctx.timestamp();
    let read_version = alert.version;
    alert.status = wanted;
    alert.version += 1;
    if note.is_some() {
        alert.note = note;
    }
    match wanted {
        AlertStatus::Acknowledged => {
            alert.acknowledged_by = Some(actor);
            alert.acknowledged_at = Some(now);
        }
        _ => {
            alert.resolved_by = Some(actor);
            alert.resolved_at = Some(now);
        }
    }
    let mut tx = Tx::new();
    let item = crate::store::to_item(&keys::alert(&t, &id), items::ALERT, &alert)?;
    // On the overview's mark as read too: the counters' backfill may count
    // the alert meanwhile without moving its version.
    let mark = crate::store::stats::counted_as_read(alert.counted);
    let exprs = Exprs::new().num(":v", read_version).bool(":counted", alert.counted);
    tx.put_item(ctx.table(), item, Cond::Expr(format!("version = :v AND {mark}")), exprs);
    if wanted == AlertStatus::Resolved {
        let level = alert.slot();
        tx.delete(ctx.table(), &keys::open_alert_guard(&t, &alert.leaver_id, level));
        stored::stage_fields(&mut tx, ctx.table(), &t, &alert.leaver_id, &[], &[&format!("open_alerts.{level}")]);
        if alert.counted {
            let open = crate::store::stats::alert_counter(&alert.raised_at, alert.level.as_str());
            crate::store::stats::stage_company(&mut tx, ctx.table(), &t, &open, -1);
        }
    }
    let action = if wanted == AlertStatus::Resolved { "alert.resolved" } else { "alert.acknowledged" };
    match ctx.commit(tx, vec![NewEvent::new(action, id.to_string()).with("leaver", alert.leaver_id.to_string())]).await
    {
        Ok(_) => Ok(json(200, &alert.view())),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The alert or its leaver changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /sweeps`: the sweep now, for the caller's company. Unlike other
/// routes its DynamoDB cost grows with the company's leavers in the window
/// (a heavy route: it counts against the lower rate limit), so one call
/// sweeps at most `SWEEP_CALL_LEAVERS` leavers, for at most `SWEEP_CALL_MS`,
/// and answers a `next_cursor` to go on from (null when the window is done):
/// the function's 10-second timeout is never reached, whatever the size.
pub async fn run_sweep(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let actor = ctx.principal()?.id().to_string();
    let (_, resume) = ctx.page("sweeps", &BY_GSI2, &keys::leavers_by_date_gsi2pk(&t))?;
    let budget = sweep::Budget { deadline_ms: sweep::now_ms() + SWEEP_CALL_MS, max_leavers: SWEEP_CALL_LEAVERS };
    let (report, progress) =
        sweep::sweep_company(&ctx.app, &t, ctx.now, &actor, &ctx.request_id, resume, budget).await?;
    let next_cursor = match progress {
        sweep::Progress::Done => None,
        sweep::Progress::Stopped(after) => ctx.next_cursor("sweeps", Some(after))?,
    };
    // The run itself is audited (its changes are, each in its own write).
    let event = NewEvent::new("sweep.run", t.id().to_string())
        .with("assessed", report.assessed.to_string())
        .with("alerts_raised", report.alerts_raised.to_string())
        .with("deactivated", report.deactivated.to_string())
        .with("complete", next_cursor.is_none().to_string());
    ctx.commit(Tx::new(), vec![event]).await?;
    let summary = SweepSummary {
        assessed: report.assessed,
        alerts_raised: report.alerts_raised,
        deactivated: report.deactivated,
        skipped: report.skipped,
        errors: report.errors.len() as u32,
        next_cursor,
    };
    Ok(json(200, &summary))
}

/// How long one `POST /sweeps` call sweeps before it answers with a cursor…
pub const SWEEP_CALL_MS: u64 = 5_000;
/// …and how many leavers at most (one transaction each).
pub const SWEEP_CALL_LEAVERS: u32 = 100;

/// What `POST /sweeps` did for the company.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SweepSummary {
    pub assessed: u32,
    pub alerts_raised: u32,
    /// Accounts deactivated on their leave date.
    pub deactivated: u32,
    /// Leavers that changed during the sweep (the next run takes them).
    pub skipped: u32,
    /// Leavers that could not be assessed (the causes go to the log).
    pub errors: u32,
    /// Where to go on (`POST /sweeps?cursor=`), when this call ran out of
    /// time before the window's end; null when the window is done.
    pub next_cursor: Option<String>,
}
