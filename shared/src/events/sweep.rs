//! The scheduled leaver-risk sweep (EventBridge schedule → `risk-sweep`).
//!
//! One pass a day over every company (listed by the companies index, so
//! the cost grows with companies and leavers in the window, never with the
//! table). The schedule fires hourly: the first run of a day does the pass,
//! later runs find it complete and stop after one read. The deadline goes
//! down to each company's sweep, which stops between two leavers when it
//! nears: the run then saves where it stopped (the company, and the last
//! leaver swept in it) in the day's state item, and the next run goes on
//! from there. The state is also saved every `CHECKPOINT_MS` while a run
//! goes on, so a run that dies anyway loses at most that much work. One
//! company's failure is reported and does not stop the others.

use std::collections::HashMap;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{service_fn, LambdaEvent};
use serde::{Deserialize, Serialize};

use crate::domain::leavers::format_date;
use crate::ids::CompanyId;
use crate::service::sweep::{now_ms, sweep_company, Budget, Progress, Resume, SweepReport};
use crate::service::App;
use crate::store::items::Company;
use crate::store::{decode, keys, schema, start_item, Cond, SkCond, StoreError, Tenant};

/// Stop sweeping when less than this much time is left (or a fifth of the
/// time the run had, if that is less: short local timeouts).
pub const SAFETY_MARGIN_MS: u64 = 20_000;
/// Save the day's state at least this often while a run goes on.
pub const CHECKPOINT_MS: u64 = 30_000;

/// The day's progress, stored at `SWEEP#{date}`.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepState {
    pub date: String,
    pub complete: bool,
    /// The last company fully swept, when the pass stopped early.
    pub after_company: Option<String>,
    /// Within the company after it, the last leaver swept, when the pass
    /// stopped inside that company.
    #[serde(default)]
    pub resume: Option<Resume>,
    pub companies: u32,
    pub assessed: u32,
    pub alerts_raised: u32,
    pub deactivated: u32,
    pub failed_companies: Vec<String>,
    pub runs: u32,
}

/// What one run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub date: String,
    /// `done` (this run finished the day), `partial` (stopped for time),
    /// `already_complete`.
    pub outcome: &'static str,
    pub companies: u32,
    pub totals: SweepReport,
}

/// Runs (or continues) today's pass until done or `deadline_ms` (epoch
/// milliseconds) is near.
pub async fn run(app: &App, now: time::OffsetDateTime, deadline_ms: u64) -> Result<RunReport, StoreError> {
    let store = &app.store;
    let date = format_date(now.date());
    let state_key = keys::sweep_state(&date);
    let mut state: SweepState = store
        .get(&state_key)
        .await?
        .map(decode)
        .transpose()?
        .unwrap_or_else(|| SweepState { date: date.clone(), ..Default::default() });
    if state.complete {
        return Ok(RunReport { date, outcome: "already_complete", companies: 0, totals: SweepReport::default() });
    }
    state.runs += 1;
    let mut totals = SweepReport::default();
    let mut companies = 0;
    let index = Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK));
    let mut start = state.after_company.as_deref().and_then(CompanyId::parse).map(|c| {
        let t = Tenant::new(c.clone());
        let k = keys::company(&t);
        start_item(HashMap::from([
            (schema::PK.to_string(), k.pk),
            (schema::SK.to_string(), k.sk),
            (schema::GSI1_PK.to_string(), keys::COMPANIES_GSI1PK.to_string()),
            (schema::GSI1_SK.to_string(), c.to_string()),
        ]))
    });
    let margin = SAFETY_MARGIN_MS.min(deadline_ms.saturating_sub(now_ms()) / 5);
    let stop_at = deadline_ms.saturating_sub(margin);
    let mut saved_at = now_ms();
    let mut stopped_early = false;
    'pages: loop {
        let page = store
            .query(index, keys::COMPANIES_GSI1PK, SkCond::Prefix(CompanyId::PREFIX), 100, start, true, None)
            .await?;
        for item in page.items {
            if now_ms() >= stop_at {
                stopped_early = true;
                break 'pages;
            }
            let company: Company = decode(item)?;
            let t = Tenant::new(company.id.clone());
            // The saved leaver key belongs to the company after the saved
            // one; should another company sort between them (a clock-skewed
            // id), that company is swept from its start instead of being
            // given another tenant's key, which DynamoDB refuses.
            let resume = state
                .resume
                .take()
                .filter(|r| r.get(schema::GSI2_PK).map(String::as_str) == Some(&keys::leavers_by_date_gsi2pk(&t)));
            let budget = Budget { deadline_ms: stop_at, max_leavers: u32::MAX };
            match sweep_company(app, &t, now, "system", &format!("sweep-{date}"), resume, budget).await {
                Ok((r, progress)) => {
                    totals.add(&r);
                    state.assessed += r.assessed;
                    state.alerts_raised += r.alerts_raised;
                    state.deactivated += r.deactivated;
                    if let Progress::Stopped(after) = progress {
                        // Out of time inside this company: the next run
                        // starts with it, after this leaver.
                        state.resume = Some(after);
                        stopped_early = true;
                        break 'pages;
                    }
                }
                Err(e) => {
                    tracing::error!(company = %company.id, error = %e, "sweep of a company failed");
                    totals.errors.push(format!("{}: {e}", company.id));
                    state.failed_companies.push(company.id.to_string());
                }
            }
            companies += 1;
            state.companies += 1;
            state.after_company = Some(company.id.to_string());
            if now_ms() >= saved_at + CHECKPOINT_MS {
                save_state(store, &state_key, &state, now).await?;
                saved_at = now_ms();
            }
        }
        match page.last_key {
            Some(k) => start = Some(start_item(k)),
            None => break,
        }
    }
    state.complete = !stopped_early;
    save_state(store, &state_key, &state, now).await?;
    tracing::info!(date = %date, companies, assessed = totals.assessed, alerts = totals.alerts_raised, complete = state.complete, "sweep run");
    Ok(RunReport { date, outcome: if stopped_early { "partial" } else { "done" }, companies, totals })
}

/// Writes the day's state (kept a week, for the record).
async fn save_state(
    store: &crate::store::Store,
    key: &crate::store::Key,
    state: &SweepState,
    now: time::OffsetDateTime,
) -> Result<(), StoreError> {
    let mut item = crate::store::to_item(key, "sweep_state", state)?;
    item.insert(
        schema::TTL_ATTRIBUTE.into(),
        aws_sdk_dynamodb::types::AttributeValue::N((now.unix_timestamp() + 7 * 86_400).to_string()),
    );
    let mut tx = crate::store::Tx::new();
    tx.put_item(store.table(), item, Cond::None, crate::store::Exprs::new());
    store.transact(tx).await
}

/// The whole of the `risk-sweep` function's `main`.
pub async fn serve() -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init();
    let app = std::sync::Arc::new(App::for_events("risk-sweep").await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| {
        let app = app.clone();
        async move {
            // Lambda always gives a deadline in the future; an emulator may
            // not (cargo lambda's is already past): then allow a minute.
            let deadline = match event.context.deadline {
                d if d > now_ms() + 1_000 => d,
                d => {
                    tracing::warn!(deadline = d, "the invocation deadline is not in the future; allowing 60 s");
                    now_ms() + 60_000
                }
            };
            // A store failure before any company was swept is worth a retry;
            // per-company failures are in the report and the next run.
            let report = run(&app, time::OffsetDateTime::now_utc(), deadline)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
            Ok::<_, lambda_runtime::Error>(serde_json::to_value(report).unwrap_or_default())
        }
    }))
    .await
}
