//! The scheduled leaver-risk sweep (EventBridge schedule → `risk-sweep`).
//!
//! One pass a day over the companies that have an active leaver in the
//! window, found in the sharded leave-date index (gsi3, keys only): the
//! cost grows with the leavers in the window, and a company with none costs
//! nothing, however many there are. The schedule fires hourly: the first
//! run of a day does the pass, later runs find it complete and stop after
//! one read. The deadline goes down to each company's sweep, which stops
//! between two leavers when it nears: the run then saves where it stopped
//! (the company, and the last leaver swept in it) in the day's state item,
//! and the next run goes on from there. The state is also saved every
//! `CHECKPOINT_MS` while a run goes on, so a run that dies anyway loses at
//! most that much work. One company's failure is reported and does not stop
//! the others.
//!
//! Leavers written before gsi3 existed carry no gsi3 keys, and people no
//! search entries: until the one-off backfill (`backfill`, resumable in the
//! same way, state at `MIGRATION#index-keys`) has given them theirs, runs
//! do that first.

use std::collections::{BTreeSet, HashMap};

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{service_fn, LambdaEvent};
use serde::{Deserialize, Serialize};

use crate::domain::leavers::format_date;
use crate::ids::CompanyId;
use crate::service::sweep::{now_ms, sweep_company, window, Budget, Progress, Resume, SweepReport};
use crate::service::App;
use crate::store::items::Company;
use crate::store::leavers::{leaving_index_keys, Leaver};
use crate::store::{decode, keys, schema, start_item, Cond, Exprs, Item, SkCond, Store, StoreError, Tenant, Tx};

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
    let backfill_key = keys::migration(BACKFILL);
    let counters_key = keys::migration(super::counters_backfill::NAME);
    let found = store.batch_get(&[state_key.clone(), backfill_key.clone(), counters_key.clone()]).await?;
    let mut state: SweepState = found
        .get(&state_key)
        .cloned()
        .map(decode)
        .transpose()?
        .unwrap_or_else(|| SweepState { date: date.clone(), ..Default::default() });
    if state.complete {
        return Ok(RunReport { date, outcome: "already_complete", companies: 0, totals: SweepReport::default() });
    }
    let margin = SAFETY_MARGIN_MS.min(deadline_ms.saturating_sub(now_ms()) / 5);
    let stop_at = deadline_ms.saturating_sub(margin);
    let mut migration: Backfill = found.get(&backfill_key).cloned().map(decode).transpose()?.unwrap_or_default();
    if !migration.done && !backfill(store, &mut migration, stop_at).await? {
        tracing::info!(date = %date, leavers = migration.leavers, "sweep run spent on the gsi3 backfill; the pass follows");
        return Ok(RunReport { date, outcome: "partial", companies: 0, totals: SweepReport::default() });
    }
    // Then the overview counters' backfill, until done.
    let mut counters: super::counters_backfill::Backfill =
        found.get(&counters_key).cloned().map(decode).transpose()?.unwrap_or_default();
    if !counters.done && !super::counters_backfill::run(store, &mut counters, now, stop_at).await? {
        tracing::info!(date = %date, records = counters.counted, "sweep run spent on the counters' backfill; the pass follows");
        return Ok(RunReport { date, outcome: "partial", companies: 0, totals: SweepReport::default() });
    }

    state.runs += 1;
    let mut totals = SweepReport::default();
    let mut companies = 0;
    let mut saved_at = now_ms();
    let mut stopped_early = false;
    let after = state.after_company.clone().unwrap_or_default();
    for company in companies_in_window(store, now.date()).await?.into_iter().filter(|c| *c > after) {
        if now_ms() >= stop_at {
            stopped_early = true;
            break;
        }
        let Some(id) = CompanyId::parse(&company) else { continue };
        let t = Tenant::new(id);
        // The saved leaver key belongs to the company after the saved one;
        // should another company come between them (a leaver who entered
        // the window since), that company is swept from its start instead
        // of being given another tenant's key, which DynamoDB refuses.
        // The saved leaver key is used by its own company only (another may
        // have entered the window before it since, and must not drop it).
        let own = keys::leavers_by_date_gsi2pk(&t);
        let resume = match &state.resume {
            Some(r) if r.get(schema::GSI2_PK) == Some(&own) => state.resume.take(),
            _ => None,
        };
        let budget = Budget { deadline_ms: stop_at, max_leavers: u32::MAX };
        match sweep_company(app, &t, now, "system", &format!("sweep-{date}"), resume, budget).await {
            Ok((r, progress)) => {
                totals.add(&r);
                state.assessed += r.assessed;
                state.alerts_raised += r.alerts_raised;
                state.deactivated += r.deactivated;
                if let Progress::Stopped(after) = progress {
                    // Out of time inside this company: the next run starts
                    // with it, after this leaver.
                    state.resume = Some(after);
                    stopped_early = true;
                    break;
                }
            }
            Err(e) => {
                tracing::error!(company = %company, error = %e, "sweep of a company failed");
                totals.errors.push(format!("{company}: {e}"));
                state.failed_companies.push(company.clone());
            }
        }
        companies += 1;
        state.companies += 1;
        state.after_company = Some(company);
        if now_ms() >= saved_at + CHECKPOINT_MS {
            save_state(store, &state_key, &state, now).await?;
            saved_at = now_ms();
        }
    }
    state.complete = !stopped_early;
    save_state(store, &state_key, &state, now).await?;
    tracing::info!(date = %date, companies, assessed = totals.assessed, alerts = totals.alerts_raised, complete = state.complete, "sweep run");
    Ok(RunReport { date, outcome: if stopped_early { "partial" } else { "done" }, companies, totals })
}

/// The companies with an active leaver whose leave date is in the window on
/// `today`, in id order: one query per shard of gsi3 (more pages only when
/// a shard holds more leavers in the window than a page does).
pub async fn companies_in_window(store: &Store, today: time::Date) -> Result<BTreeSet<String>, StoreError> {
    let (from, to) = window(today);
    let (from, to) = (format!("{from}#"), format!("{to}#~"));
    let mut out = BTreeSet::new();
    for shard in 0..keys::LEAVING_SHARDS {
        let pk = keys::leaving_gsi3pk(shard);
        let mut start = None;
        loop {
            let index = Some((schema::GSI3, schema::GSI3_PK, schema::GSI3_SK));
            let page = store.query(index, &pk, SkCond::Between(&from, &to), 5000, start, true, None).await?;
            for item in &page.items {
                let company = item
                    .get(schema::PK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|pk| pk.strip_prefix(keys::COMPANY_PK_PREFIX));
                if let Some(c) = company {
                    out.insert(c.to_string());
                }
            }
            match page.last_key {
                Some(k) => start = Some(start_item(k)),
                None => break,
            }
        }
    }
    Ok(out)
}

/// The name of the backfill migration: gsi3 keys for leavers, search
/// entries for people (`store::people`), for what older versions wrote.
pub const BACKFILL: &str = "index-keys";

/// The backfill's progress, stored at `MIGRATION#index-keys`.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backfill {
    pub done: bool,
    /// The last company whose leavers all have their gsi3 keys.
    pub after_company: Option<String>,
    /// Within the company after it, where the next page of its leavers
    /// starts (its gsi2 key).
    pub resume: Option<Resume>,
    /// Leavers given their keys so far.
    pub leavers: u32,
    /// People given their search entries so far.
    #[serde(default)]
    pub people: u32,
    /// Within the company after `after_company`, where the next page of its
    /// people starts (its user key), once its leavers are done.
    #[serde(default)]
    pub people_resume: Option<Resume>,
}

/// Gives every active leaver written before gsi3 existed its gsi3 keys,
/// company by company (the companies index) and page by page (each
/// company's leave-date index), until done (`true`) or `stop_at` (`false`),
/// saving its progress after each page. Each leaver is one conditional
/// update that changes nothing but the index keys, and only while the
/// leaver is still active with the leave date read.
pub async fn backfill(store: &Store, state: &mut Backfill, stop_at: u64) -> Result<bool, StoreError> {
    let key = keys::migration(BACKFILL);
    let index = Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK));
    let mut start = companies_after(state.after_company.as_deref());
    loop {
        let page = store
            .query(index, keys::COMPANIES_GSI1PK, SkCond::Prefix(CompanyId::PREFIX), 100, start, true, None)
            .await?;
        for item in page.items {
            let company: Company = decode(item)?;
            let t = Tenant::new(company.id.clone());
            let own = keys::leavers_by_date_gsi2pk(&t);
            let mut from = match &state.resume {
                Some(r) if r.get(schema::GSI2_PK) == Some(&own) => state.resume.take(),
                _ => None,
            };
            loop {
                if now_ms() >= stop_at {
                    state.resume = from;
                    save_backfill(store, &key, state).await?;
                    return Ok(false);
                }
                let active = Some((
                    "#status = :active".to_string(),
                    Exprs::new().name("#status", "status").str(":active", "active"),
                ));
                let leavers = store
                    .query(
                        Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK)),
                        &own,
                        SkCond::Between("0", "~"),
                        100,
                        from.clone().map(start_item),
                        true,
                        active,
                    )
                    .await?;
                for item in leavers.items.into_iter().filter(|i| !i.contains_key(schema::GSI3_PK)) {
                    state.leavers += give_index_keys(store, &t, item).await? as u32;
                }
                match leavers.last_key {
                    Some(k) => {
                        from = Some(k);
                        state.resume = from.clone();
                        save_backfill(store, &key, state).await?;
                    }
                    None => break,
                }
            }
            // Then its people's search entries (a company has few enough
            // people for one pass; a stop inside it redoes the company).
            if !give_people_entries(store, &t, stop_at, state).await? {
                save_backfill(store, &key, state).await?;
                return Ok(false);
            }
            state.after_company = Some(company.id.to_string());
            state.resume = None;
        }
        save_backfill(store, &key, state).await?;
        match page.last_key {
            Some(k) => start = Some(start_item(k)),
            None => break,
        }
    }
    state.done = true;
    save_backfill(store, &key, state).await?;
    tracing::info!(leavers = state.leavers, "gsi3 backfill done");
    Ok(true)
}

/// Gives a company's people who have none their search entries, page by
/// page from `state.people_resume`, until done (`true`) or `stop_at`
/// (`false`, the place saved in `state`). A person whose entries cannot be
/// written is logged and skipped: one record must not stop the backfill
/// (and with it every day's pass).
async fn give_people_entries(
    store: &Store,
    t: &Tenant,
    stop_at: u64,
    state: &mut Backfill,
) -> Result<bool, StoreError> {
    let pk = keys::tenant_pk(t);
    let mut start = state.people_resume.take().filter(|r| r.get(schema::PK) == Some(&pk)).map(start_item);
    loop {
        if now_ms() >= stop_at {
            return Ok(false);
        }
        let page = store.query(None, &pk, SkCond::Prefix(keys::USER_SK_PREFIX), 100, start, true, None).await?;
        for item in page.items {
            let u: crate::store::items::User = match decode(item) {
                Ok(u) => u,
                Err(e) => {
                    tracing::error!(company = %t.id(), error = %e, "a user item does not decode; no search entries");
                    continue;
                }
            };
            let mut tx = Tx::new();
            crate::store::people::stage_missing_entries(&mut tx, store.table(), t, &u)?;
            match store.transact(tx).await {
                Ok(()) => state.people += 1,
                // Entries there already, or the person changed meanwhile
                // (and that change wrote them).
                Err(StoreError::Cancelled { .. }) => {}
                Err(e) => tracing::error!(company = %t.id(), user = %u.id, error = %e, "search entries not written"),
            }
        }
        match page.last_key {
            Some(k) => {
                state.people_resume = Some(k.clone());
                start = Some(start_item(k));
            }
            None => {
                state.people_resume = None;
                return Ok(true);
            }
        }
    }
}

/// Sets a leaver's gsi3 keys, if it is still active with the leave date
/// read and has none yet; whether it did.
async fn give_index_keys(store: &Store, t: &Tenant, item: Item) -> Result<bool, StoreError> {
    let l: Leaver = decode(item)?;
    let Some((pk, sk)) = leaving_index_keys(t, &l) else { return Ok(false) };
    let mut tx = Tx::new();
    tx.update(
        store.table(),
        &keys::leaver(t, &l.id),
        "SET #g3pk = :g3pk, #g3sk = :g3sk",
        Cond::Expr("#status = :active AND leave_date = :ld AND attribute_not_exists(#g3pk)".into()),
        Exprs::new()
            .name("#g3pk", schema::GSI3_PK)
            .name("#g3sk", schema::GSI3_SK)
            .name("#status", "status")
            .str(":g3pk", &pk)
            .str(":g3sk", &sk)
            .str(":active", "active")
            .str(":ld", &l.leave_date),
    );
    match store.transact(tx).await {
        Ok(()) => Ok(true),
        // Changed meanwhile: whatever wrote it gave it its keys (or it is
        // no longer active).
        Err(StoreError::Cancelled { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn save_backfill(store: &Store, key: &crate::store::Key, state: &Backfill) -> Result<(), StoreError> {
    save_migration(store, key, state).await
}

/// Writes a one-off migration's progress (`MIGRATION#{name}`).
pub(crate) async fn save_migration<T: Serialize>(
    store: &Store,
    key: &crate::store::Key,
    state: &T,
) -> Result<(), StoreError> {
    put(store, crate::store::to_item(key, "migration", state)?).await
}

/// Where a walk of the companies index (gsi1) goes on after `after` (a
/// company id), as the start key of its next page.
pub(crate) fn companies_after(after: Option<&str>) -> Option<Item> {
    after.and_then(CompanyId::parse).map(|c| {
        let k = keys::company(&Tenant::new(c.clone()));
        start_item(HashMap::from([
            (schema::PK.to_string(), k.pk),
            (schema::SK.to_string(), k.sk),
            (schema::GSI1_PK.to_string(), keys::COMPANIES_GSI1PK.to_string()),
            (schema::GSI1_SK.to_string(), c.to_string()),
        ]))
    })
}

/// Writes the day's state (kept a week, for the record).
async fn save_state(
    store: &Store,
    key: &crate::store::Key,
    state: &SweepState,
    now: time::OffsetDateTime,
) -> Result<(), StoreError> {
    let mut item = crate::store::to_item(key, "sweep_state", state)?;
    item.insert(
        schema::TTL_ATTRIBUTE.into(),
        aws_sdk_dynamodb::types::AttributeValue::N((now.unix_timestamp() + 7 * 86_400).to_string()),
    );
    put(store, item).await
}

/// Writes a progress item as it is (the function's grants allow writes in
/// transactions).
async fn put(store: &Store, item: crate::store::Item) -> Result<(), StoreError> {
    let mut tx = Tx::new();
    tx.put_item(store.table(), item, Cond::None, Exprs::new());
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
