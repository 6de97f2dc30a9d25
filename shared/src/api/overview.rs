//! `GET /overview`: what needs the caller today, shaped by their role
//! (`domain::overview` says which cards each role sees). Served by the
//! `companies` function.
//!
//! Cost, however large the company: the session's `BatchGetItem` also reads
//! the company, its counters (`STATS`, `STATS#LEAVE`, `STATS#ALERT`, this
//! week's `STATS#EV#{week}`), the departments summary, and the caller's
//! counters (`MINE#`) and clock; then the rate limit's `UpdateItem`; then at
//! most one more call: for a manager, one `Query` of their department's
//! week totals; for anyone else in their own company, when the counters
//! hold entries that no longer count (zeros, uploads and imports whose
//! records are gone), one transaction removing them (see `stale`).

use std::collections::BTreeMap;

use crate::domain::overview::{self, Inputs, Overview, Shift, TeamWeek};
use crate::domain::payroll;
use crate::error::ApiError;
use crate::http::{json, Ctx, Reply};
use crate::ids::DepartmentId;
use crate::store::departments::{managed_by, names_from_item, sensitive_from_item};
use crate::store::items::Company;
use crate::store::time::{ClockState, WeekTotals};
use crate::store::{decode, keys, schema, stats, Cond, Exprs, Key, SkCond, Tenant, Tx};

/// The week totals one overview reads at most (a department larger than
/// this shows the first part, marked partial).
const TEAM_READ: i32 = 1000;
/// Stale counters removed per item per request.
const PRUNE_AT_MOST: usize = 50;

/// The counters and small items the overview is computed from, read with
/// the session.
pub fn prefetch(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = vec![keys::company(scope), keys::departments_summary(scope)];
    k.extend(stats::company_items(scope, utc_today(ctx)));
    if let Some(me) = ctx.caller() {
        k.push(keys::mine(scope, me));
        k.push(keys::clock_state(scope, me));
    }
    k
}

/// The UTC date of the request (uploads, imports and alerts are counted
/// by UTC day).
fn utc_today(ctx: &Ctx) -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC.to_datetime(crate::api::timekeeping::clockins::now(ctx)).date()
}

pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let company: Company = ctx.prefetched(&keys::company(&t))?.ok_or(ApiError::NotFound)?;
    let cal = company.calendar();
    let today = cal.local_date(crate::api::timekeeping::clockins::now(ctx));
    let week = payroll::week_of(today).0;
    let utc_today = utc_today(ctx);
    let mut counters = BTreeMap::new();
    for key in stats::company_items(&t, utc_today) {
        counters.extend(stats::numbers(ctx.prefetched_raw(&key)));
    }
    let mine = stats::numbers(ctx.prefetched_raw(&keys::mine(&t, p.id())));
    let depts = ctx.prefetched_raw(&keys::departments_summary(&t));
    let names = names_from_item(depts);
    let clock: Option<ClockState> = ctx.prefetched(&keys::clock_state(&t, p.id()))?;
    let home = Tenant::new(p.user.company_id.clone());
    let (_, held_tasks) = crate::store::projects::holdings_of(ctx.prefetched_raw(&keys::user(&home, p.id())));

    // A manager's department: the one named, or the first they manage
    // (managers by role only, as for their time routes).
    let managed = if p.role() == crate::domain::roles::Role::Manager { managed_by(depts, p.id()) } else { vec![] };
    let department = match ctx.query("department_id").filter(|v| !v.is_empty()) {
        Some(raw) => {
            let d = DepartmentId::parse(raw)
                .ok_or_else(|| ApiError::bad_field("department_id", "is not a department id"))?;
            if !managed.contains(&d) {
                return Err(ApiError::bad_field("department_id", "is not a department you manage"));
            }
            Some(d)
        }
        None => managed.iter().min_by_key(|d| d.to_string()).cloned(),
    };
    let team = match department {
        Some(d) => Some(team_week(ctx, &t, &company, &d, &week, &names).await?),
        None => {
            // Only in one's own company: a platform admin looking at
            // another one writes nothing there.
            if t.id() == &p.user.company_id {
                prune(ctx, &t, p.id(), &counters, &mine, utc_today).await;
            }
            None
        }
    };
    let sensitive = sensitive_from_item(depts).map(|s| s.len()).unwrap_or(0);
    let me = p.id().to_string();
    let view: Overview = overview::compose(&Inputs {
        role: p.role(),
        me: &me,
        today,
        utc_today,
        week,
        company: &counters,
        mine: &mine,
        shift: clock.and_then(|c| c.open).map(|s| Shift { in_at: s.in_at }),
        held_tasks,
        calendar_set: company.time_zone.is_some() || company.working_hours.is_some(),
        departments: names.len(),
        sensitive_departments: sensitive,
        team,
    });
    Ok(json(200, &view))
}

/// The department's week so far: one `Query` of its people's week totals.
async fn team_week(
    ctx: &Ctx,
    t: &Tenant,
    company: &Company,
    d: &DepartmentId,
    week: &str,
    names: &BTreeMap<String, String>,
) -> Result<TeamWeek, ApiError> {
    let rule = company.overtime_rule.unwrap_or_default();
    let (lo, hi) = (format!("{week}#"), format!("{week}#~"));
    let page = ctx
        .app
        .store
        .query(
            Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK)),
            &keys::department_weeks_gsi2pk(t, d),
            SkCond::Between(&lo, &hi),
            TEAM_READ,
            None,
            true,
            None,
        )
        .await?;
    let mut team = TeamWeek {
        department_id: d.to_string(),
        department_name: names.get(&d.to_string()).cloned().unwrap_or_default(),
        partial: page.last_key.is_some(),
        ..TeamWeek::default()
    };
    for item in page.items {
        let w: WeekTotals = decode(item)?;
        let days = w.days();
        let worked: i64 = days.iter().map(|s| (*s).max(0)).sum();
        if worked == 0 {
            continue;
        }
        team.people += 1;
        team.seconds += worked;
        team.overtime_seconds +=
            payroll::classify_week(rule, &days).iter().map(|s| s.overtime + s.double_time).sum::<i64>();
    }
    Ok(team)
}

/// Counters that no longer count for anything: dated ones at zero, and
/// those of records gone by now (UTC `today`): uploads and imports asked
/// for before yesterday (their records last a day), and checked imports
/// whose file is no longer kept.
fn stale(m: &BTreeMap<String, i64>, today: jiff::civil::Date) -> Vec<(String, i64)> {
    let before = |days: i64| today.checked_sub(jiff::Span::new().days(days)).map(|d| d.to_string()).unwrap_or_default();
    let (yesterday, kept_from) = (before(1), before(overview::IMPORT_KEPT_DAYS));
    let older = |k: &str, prefix: &str, than: &str| k.strip_prefix(prefix).is_some_and(|d| d < than);
    m.iter()
        .filter(|(k, v)| {
            let dated = ["ld_", "ck_", "al_", "ev_", "dp_", "imp_pending_", "imp_validated_", "imp_invalid_"];
            let zero_dated = **v == 0 && dated.iter().any(|p| k.starts_with(p));
            zero_dated
                || older(k, "dp_", &yesterday)
                || older(k, "imp_pending_", &yesterday)
                || older(k, "imp_validated_", &kept_from)
                || older(k, "imp_invalid_", &kept_from)
        })
        .take(PRUNE_AT_MOST)
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// An item's stale counters, with the values read.
type Stale = (Key, Vec<(String, i64)>);

/// Removes stale counters, each only if it still holds what was read (a
/// write meanwhile keeps it). Best effort: the overview is answered anyway.
async fn prune(
    ctx: &Ctx,
    t: &Tenant,
    me: &crate::ids::UserId,
    company: &BTreeMap<String, i64>,
    mine: &BTreeMap<String, i64>,
    today: jiff::civil::Date,
) {
    // Each stale counter in the item it lives in.
    let mut items: BTreeMap<(String, String), Stale> = BTreeMap::new();
    let person = stats::Scope::Person(me.clone());
    for (scope, m) in [(&stats::Scope::Company, company), (&person, mine)] {
        for (name, value) in stale(m, today) {
            let key = stats::item_of(t, scope, &name);
            items.entry((key.pk.clone(), key.sk.clone())).or_insert((key, vec![])).1.push((name, value));
        }
    }
    let mut tx = Tx::new();
    for (key, gone) in items.into_values() {
        let mut exprs = Exprs::new();
        let (mut names, mut conds) = (vec![], vec![]);
        for (i, (name, value)) in gone.iter().enumerate() {
            exprs = exprs.name(&format!("#s{i}"), name).num(&format!(":s{i}"), value);
            names.push(format!("#s{i}"));
            conds.push(format!("#s{i} = :s{i}"));
        }
        tx.update(ctx.table(), &key, &format!("REMOVE {}", names.join(", ")), Cond::Expr(conds.join(" AND ")), exprs);
    }
    if tx.is_empty() {
        return;
    }
    if let Err(e) = ctx.app.store.transact(tx).await {
        tracing::info!(error = %e, "overview counters not pruned this time");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_counters_that_no_longer_count_are_stale() {
        let m: BTreeMap<String, i64> = [
            ("ev_2026-W49_D1", 0), // at zero: gone
            ("ev_2026-W49_D2", 3),
            ("dp_2026-11-28", 1), // an upload from before yesterday: gone
            ("dp_2026-11-29", 1), // yesterday's: kept
            ("imp_pending_2026-11-28", 1),
            ("imp_pending_2026-11-29", 1),
            ("imp_invalid_2026-10-31", 1), // checked 30 days ago: gone
            ("imp_invalid_2026-11-01", 1), // 29: kept
            ("ld_2026-10-01_high", 0),
            ("ld_2026-10-02_high", 1),
            ("people", 0),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
        let gone: Vec<String> = stale(&m, jiff::civil::date(2026, 11, 30)).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            gone,
            vec![
                "dp_2026-11-28",
                "ev_2026-W49_D1",
                "imp_invalid_2026-10-31",
                "imp_pending_2026-11-28",
                "ld_2026-10-01_high"
            ]
        );
    }
}
