//! `GET /employees/{id}/cost-forecast`: seed 004's prediction of a
//! person's cost from the events they service. Each of the last six whole
//! months (in the company's zone) with any data is a point (events
//! serviced, labour cost: the month's counted hours at the person's hourly
//! rate); a least-squares line through them, read at the events booked for
//! next month, is the forecast. One query of the person's monthly totals,
//! which clock-outs, corrections and event bookings keep current.

use serde::Serialize;

use super::clockins::{company, may_see, now};
use crate::domain::forecast::{least_squares, FitError, MIN_POINTS};
use crate::domain::money;
use crate::error::ApiError;
use crate::http::{json, Ctx, Reply};
use crate::ids::UserId;
use crate::store::items::User;
use crate::store::time::MonthTotals;
use crate::store::{decode, keys, Key, SkCond, Tenant};

/// Months of history read.
pub const MONTHS: i32 = 6;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ForecastPoint {
    /// `YYYY-MM`
    pub month: String,
    pub events: i64,
    /// Counted hours, to the hundredth.
    pub hours: String,
    /// Hours at the hourly rate (money).
    pub cost: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ForecastNext {
    pub month: String,
    /// Events booked for the person that month.
    pub events: i64,
    /// The line read at those events (never below zero; money).
    pub predicted_cost: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Forecast {
    pub employee_id: String,
    pub hourly_rate: String,
    /// The months used, oldest first.
    pub points: Vec<ForecastPoint>,
    /// Cost per event (money; may be negative).
    pub slope: String,
    /// Cost with no events (money; may be negative).
    pub intercept: String,
    /// How much of the cost's variation the line explains, 0 to 1.
    pub r2: f64,
    pub next: ForecastNext,
}

pub fn prefetch(ctx: &Ctx, scope: &Tenant) -> Vec<Key> {
    let mut k = vec![keys::company(scope), keys::departments_summary(scope)];
    k.extend(UserId::parse(ctx.param("id")).map(|u| keys::user(scope, &u)));
    k
}

fn month_of(year: i16, month: i8, add: i32) -> String {
    let m0 = i32::from(year) * 12 + i32::from(month) - 1 + add;
    format!("{:04}-{:02}", m0.div_euclid(12), m0.rem_euclid(12) + 1)
}

/// `GET /employees/{id}/cost-forecast`.
pub async fn forecast(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let id = UserId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    let person: User = ctx.prefetched(&keys::user(&t, &id))?.ok_or(ApiError::NotFound)?;
    if !may_see(ctx, &t, &person.id, person.department_id.as_ref())? {
        return Err(ApiError::NotFound);
    }
    let Some(rate) = person.hourly_rate_cents else {
        return Err(ApiError::invalid("hourly_rate", "is not set for this person: their cost cannot be computed"));
    };
    let cal = company(ctx, &t)?.calendar();
    let today = cal.local_date(now(ctx));
    let (y, m) = (today.year(), today.month());
    let (first, this, next) = (month_of(y, m, -MONTHS), month_of(y, m, 0), month_of(y, m, 1));
    let prefix = keys::pay_month_prefix(&id);
    let (lo, hi) = (format!("{prefix}{first}"), format!("{prefix}{next}"));
    let page = ctx.app.store.query(None, &keys::tenant_pk(&t), SkCond::Between(&lo, &hi), 20, None, true, None).await?;
    let months = page.items.into_iter().map(decode::<MonthTotals>).collect::<Result<Vec<_>, _>>()?;
    let cost = |seconds: i64| -> i64 { ((i128::from(seconds) * i128::from(rate) + 1800) / 3600) as i64 };
    let points: Vec<&MonthTotals> =
        months.iter().filter(|mt| mt.month < this && (mt.events > 0 || mt.seconds > 0)).collect();
    let data: Vec<(f64, f64)> = points.iter().map(|mt| (mt.events as f64, cost(mt.seconds) as f64)).collect();
    let fit = least_squares(&data).map_err(|e| match e {
        FitError::TooFew(n) => ApiError::invalid(
            "employee_id",
            format!(
                "has {n} month{} of data in the last {MONTHS} (events or hours); a forecast needs at least {MIN_POINTS}",
                if n == 1 { "" } else { "s" }
            ),
        ),
        FitError::NoSpread => ApiError::invalid(
            "employee_id",
            "serviced the same number of events every month: no line through (events, cost) can be fitted",
        ),
    })?;
    let booked = months.iter().find(|mt| mt.month == next).map(|mt| mt.events).unwrap_or(0);
    let cents = |x: f64| -> String { money::format(x.round() as i64) };
    Ok(json(
        200,
        &Forecast {
            employee_id: id.to_string(),
            hourly_rate: money::format(rate),
            points: points
                .iter()
                .map(|mt| ForecastPoint {
                    month: mt.month.clone(),
                    events: mt.events,
                    hours: super::payroll::hours(mt.seconds),
                    cost: money::format(cost(mt.seconds)),
                })
                .collect(),
            slope: cents(fit.slope),
            intercept: cents(fit.intercept),
            r2: (fit.r2 * 10_000.0).round() / 10_000.0,
            next: ForecastNext { month: next, events: booked, predicted_cost: cents(fit.at(booked as f64).max(0.0)) },
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::month_of;

    #[test]
    fn months_count_across_years() {
        assert_eq!(month_of(2026, 11, -6), "2026-05");
        assert_eq!(month_of(2026, 1, -1), "2025-12");
        assert_eq!(month_of(2026, 12, 1), "2027-01");
    }
}
