//! `GET /reports/payroll` and `/payroll-periods`.
//!
//! The report reads the weekly totals (`PAYWEEK#{week}#{uid}`, one per
//! person and week with hours), never a clock-in: one query per page, in
//! week order, so its cost follows the people × weeks of the range asked.
//! Each line is one person's week: the whole week is classified under the
//! company's overtime rule, and the days inside the range are paid, so a
//! week split across two reports pays the same in total.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::clockins::{company, manages};
use super::TIME_ADMINS;
use crate::api::audit::{csv_cell, wants_csv};
use crate::domain::audit::NewEvent;
use crate::domain::money;
use crate::domain::payroll::{self, OvertimeRule};
use crate::error::ApiError;
use crate::http::cursor::{BY_GSI2, BY_TABLE};
use crate::http::{json, raw, Ctx, ListPage, Reply};
use crate::ids::DepartmentId;
use crate::store::time::{ClockState, LockEntry, PayrollLock, WeekTotals, PAYROLL_LOCK};
use crate::store::{decode, keys, schema, Cond, Exprs, Key, SkCond, StoreError, Tenant, Tx};

/// The longest range one report covers.
pub const MAX_DAYS: i32 = 93;

/// One person's week in the report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PayrollLine {
    pub employee_id: String,
    pub full_name: String,
    pub department_id: Option<String>,
    /// `2026-W49` (Monday to Sunday in the company's time zone).
    pub week: String,
    /// The rate of the week's last shift; null when the person had none
    /// (then nothing is paid). Each day is paid at the rate its shift had.
    pub hourly_rate: Option<String>,
    /// Seconds inside the range, after rounding, by kind.
    pub regular_seconds: i64,
    pub overtime_seconds: i64,
    pub double_time_seconds: i64,
    pub regular_pay: String,
    pub overtime_pay: String,
    pub double_time_pay: String,
    pub gross_pay: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// The last date of the period (`YYYY-MM-DD`), before today.
    pub to: String,
}

fn date(ctx: &Ctx, name: &str) -> Result<Date, ApiError> {
    let raw = ctx.query(name).ok_or_else(|| ApiError::bad_field(name, "is required (YYYY-MM-DD)"))?;
    raw.parse::<Date>().map_err(|_| ApiError::bad_field(name, "must be a date (YYYY-MM-DD)"))
}

/// The line of one person's week (`None` when nothing of it is in range).
pub fn line(rule: OvertimeRule, w: &WeekTotals, from: Date, to: Date) -> Option<PayrollLine> {
    let classified = payroll::classify_week(rule, &w.days());
    let split = payroll::in_range(&w.week, &classified, from, to);
    if split.total() == 0 {
        return None;
    }
    let pay = payroll::pay_by_day(&w.rates(), &classified, payroll::days_in_range(&w.week, from, to));
    Some(PayrollLine {
        employee_id: w.employee_id.to_string(),
        full_name: w.full_name.clone(),
        department_id: w.department_id.as_ref().map(ToString::to_string),
        week: w.week.clone(),
        hourly_rate: w.rate_cents.map(money::format),
        regular_seconds: split.regular,
        overtime_seconds: split.overtime,
        double_time_seconds: split.double_time,
        regular_pay: money::format(pay.regular),
        overtime_pay: money::format(pay.overtime),
        double_time_pay: money::format(pay.double_time),
        gross_pay: money::format(pay.gross),
    })
}

pub(crate) fn hours(seconds: i64) -> String {
    // Hours to the nearest hundredth.
    let h = (seconds * 100 + 1800) / 3600;
    format!("{}.{:02}", h / 100, h % 100)
}

fn to_csv(lines: &[PayrollLine]) -> String {
    let mut out = String::from(
        "employee_id,full_name,department_id,week,hourly_rate,regular_hours,overtime_hours,double_time_hours,regular_pay,overtime_pay,double_time_pay,gross_pay\n",
    );
    for l in lines {
        let row = [
            l.employee_id.clone(),
            l.full_name.clone(),
            l.department_id.clone().unwrap_or_default(),
            l.week.clone(),
            l.hourly_rate.clone().unwrap_or_default(),
            hours(l.regular_seconds),
            hours(l.overtime_seconds),
            hours(l.double_time_seconds),
            l.regular_pay.clone(),
            l.overtime_pay.clone(),
            l.double_time_pay.clone(),
            l.gross_pay.clone(),
        ];
        out.push_str(&row.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

pub fn prefetch_report(_ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    vec![keys::company(scope), keys::departments_summary(scope), keys::payroll_lock(scope)]
}

/// CSV pages may be larger than JSON ones.
const CSV_MAX_LIMIT: i32 = 1000;

/// `GET /reports/payroll?from=&to=[&department_id=]`: a page of person-weeks
/// in week order (then by person). A manager names one of their departments.
pub async fn report(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let csv = wants_csv(ctx)?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let (from, to) = (date(ctx, "from")?, date(ctx, "to")?);
    if from > to {
        return Err(ApiError::invalid("from", "must not be after to"));
    }
    let days = (to - from).get_days() + 1;
    if days > MAX_DAYS {
        return Err(ApiError::invalid(
            "to",
            format!("makes a range of {days} days; a report covers at most {MAX_DAYS}: ask for it in parts"),
        ));
    }
    let department = match ctx.query("department_id") {
        Some(raw) => Some(
            DepartmentId::parse(raw).ok_or_else(|| ApiError::bad_field("department_id", "is not a department id"))?,
        ),
        None => None,
    };
    if !TIME_ADMINS.contains(&p.role()) && !manages(ctx, &t, department.as_ref())? {
        return Err(ApiError::Forbidden("A manager's payroll report names a department they manage (department_id)."));
    }
    let company = company(ctx, &t)?;
    let rule = company.overtime_rule.unwrap_or_default();
    // Weeks that touch a closed period keep the rule they were closed under.
    let lock: PayrollLock = ctx.prefetched(&keys::payroll_lock(&t))?.unwrap_or_default();
    let rule_of = |week: &str| -> OvertimeRule {
        match (&lock.closed_to, lock.overtime_rule, payroll::monday_of(week)) {
            (Some(c), Some(r), Some(m)) if m.to_string().as_str() <= c.as_str() => r,
            _ => rule,
        }
    };
    let (w_from, w_to) = (payroll::week_of(from).0, payroll::week_of(to).0);
    let (index, pk, by, lo, hi) = match &department {
        Some(d) => (
            Some((schema::GSI2, schema::GSI2_PK, schema::GSI2_SK)),
            keys::department_weeks_gsi2pk(&t, d),
            &BY_GSI2,
            format!("{w_from}#"),
            format!("{w_to}#~"),
        ),
        None => (
            None,
            keys::tenant_pk(&t),
            &BY_TABLE,
            keys::pay_week_prefix(&w_from),
            format!("{}~", keys::pay_week_prefix(&w_to)),
        ),
    };
    let scope = format!("payroll|{from}|{to}|{}", department.as_ref().map(ToString::to_string).unwrap_or_default());
    let csv_limit = match (csv, ctx.query("limit")) {
        (true, Some(raw)) => {
            Some(raw.parse::<i32>().ok().filter(|n| (1..=CSV_MAX_LIMIT).contains(n)).ok_or_else(|| {
                ApiError::bad_field("limit", format!("must be a whole number from 1 to {CSV_MAX_LIMIT}"))
            })?)
        }
        (true, None) => Some(CSV_MAX_LIMIT),
        (false, _) => None,
    };
    let (json_limit, start) = ctx.page_start(&scope, by, &pk)?;
    let limit = csv_limit.unwrap_or(json_limit);
    let page = ctx.app.store.query(index, &pk, SkCond::Between(&lo, &hi), limit, start, true, None).await?;
    let mut lines = Vec::new();
    for item in page.items {
        let w: WeekTotals = decode(item)?;
        lines.extend(line(rule_of(&w.week), &w, from, to));
    }
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    if csv {
        let mut r = raw(200, "text/csv; charset=utf-8", to_csv(&lines));
        let h = r.headers_mut();
        h.insert(
            "content-disposition",
            http::HeaderValue::from_str(&format!("attachment; filename=\"payroll-{from}-{to}.csv\""))
                .map_err(ApiError::internal)?,
        );
        if let Some(c) = next_cursor.as_deref().and_then(|c| http::HeaderValue::from_str(c).ok()) {
            h.insert("x-next-cursor", c);
        }
        return Ok(r);
    }
    Ok(json(200, &ListPage { items: lines, next_cursor }))
}

/// `/payroll-periods`: the lock and the caller's own clock.
pub fn prefetch_lock(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = vec![keys::payroll_lock(scope), keys::company(scope)];
    k.extend(ctx.caller().map(|c| keys::clock_state(scope, c)));
    k
}

/// `GET /payroll-periods`.
pub async fn get_periods(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let lock: PayrollLock = ctx.prefetched(&keys::payroll_lock(&t))?.unwrap_or_default();
    Ok(json(200, &lock))
}

/// `POST /payroll-periods` `{to}`: closes every date up to `to` (before
/// today), never one that holds the caller's own hours.
pub async fn close(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CloseRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let to: Date = req.to.trim().parse().map_err(|_| ApiError::invalid("to", "must be a date (YYYY-MM-DD)"))?;
    let cal = company(ctx, &t)?.calendar();
    let today = cal.local_date(super::clockins::now(ctx));
    if to >= today {
        return Err(ApiError::invalid(
            "to",
            format!("must be before today ({today}): a period closes once it has ended"),
        ));
    }
    let current: PayrollLock = ctx.prefetched(&keys::payroll_lock(&t))?.unwrap_or_default();
    let to_s = to.to_string();
    if let Some(c) = current.closed_to.as_deref().filter(|c| to_s.as_str() <= *c) {
        return Err(ApiError::Conflict(format!("The payroll is already closed up to {c}.")));
    }
    // The caller's own hours: a shift that started by the end of `to` and
    // a punch after the last closed date.
    if let Some(own) = ctx.prefetched::<ClockState>(&keys::clock_state(&t, p.id()))? {
        let date_of = |s: &Option<String>| {
            s.as_deref().and_then(|s| super::clockins::parse_instant(s).ok()).map(|i| cal.local_date(i).to_string())
        };
        let first = date_of(&own.first_in);
        let last = date_of(&own.last_punch).or_else(|| own.open.as_ref().map(|o| o.in_at.clone()));
        let after_closed = |d: &String| current.closed_to.as_deref().is_none_or(|c| d.as_str() > c);
        if first.is_some_and(|f| f <= to_s) && last.as_ref().is_some_and(after_closed) {
            return Err(ApiError::Forbidden(
                "This period holds your own hours: someone else with the right closes it.",
            ));
        }
    }
    let at = ctx.timestamp();
    let mut next = current.clone();
    if let (Some(c), Some(a), Some(b)) = (&current.closed_to, &current.closed_at, &current.closed_by) {
        next.history.push(LockEntry { to: c.clone(), at: a.clone(), by: b.clone() });
    }
    let keep = next.history.len().saturating_sub(49);
    next.history.drain(..keep);
    next.overtime_rule = Some(company(ctx, &t)?.overtime_rule.unwrap_or_default());
    next.closed_to = Some(to_s.clone());
    next.closed_at = Some(at);
    next.closed_by = Some(p.id().to_string());
    let mut tx = Tx::new();
    let (cond, exprs) = match &current.closed_to {
        None => ("attribute_not_exists(closed_to)".to_string(), Exprs::new()),
        Some(c) => ("closed_to = :read".to_string(), Exprs::new().str(":read", c.clone())),
    };
    let item = crate::store::to_item(&keys::payroll_lock(&t), PAYROLL_LOCK, &next)?;
    tx.put_item(ctx.table(), item, Cond::Expr(cond), exprs);
    let event = NewEvent::new("payroll.period_closed", t.id().to_string())
        .with("to", to_s)
        .with("previous", current.closed_to.clone().unwrap_or_default());
    match ctx.commit_create(tx, vec![event], 201, &next).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The period was closed meanwhile; read it again.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    #[test]
    fn a_line_pays_the_days_in_range_of_a_whole_classified_week() {
        let w = WeekTotals {
            employee_id: UserId::new(),
            week: "2026-W49".into(),
            department_id: None,
            full_name: "Ada".into(),
            rate_cents: Some(2000),
            d0: 9 * 3600,
            d1: 9 * 3600,
            d2: 9 * 3600,
            d3: 9 * 3600,
            d4: 9 * 3600,
            d5: 0,
            d6: 0,
            r0: None,
            r1: None,
            r2: None,
            r3: None,
            r4: None,
            r5: None,
            r6: None,
        };
        let d = |s: &str| -> Date { s.parse().unwrap() };
        let all = line(OvertimeRule::Weekly, &w, d("2026-11-30"), d("2026-12-06")).unwrap();
        assert_eq!((all.regular_seconds, all.overtime_seconds), (40 * 3600, 5 * 3600));
        assert_eq!(all.gross_pay, "950.00");
        assert!(line(OvertimeRule::Weekly, &w, d("2026-12-05"), d("2026-12-06")).is_none(), "nothing on the weekend");
        assert_eq!(hours(5 * 3600), "5.00");
        assert_eq!(hours(3600 + 60), "1.02");
        let csv = to_csv(&[PayrollLine { full_name: "=cmd()".into(), ..all }]);
        assert!(csv.contains(",'=cmd(),"), "{csv}");
    }
}
