//! The SLA check (`sla-check`, every five minutes): records each ticket's
//! SLA notices — a target entering its at-risk window, a target falling
//! due unmet — at most once per ticket, target and notice.
//!
//! It reads only gsi3's `SLADUE#{shard}` partitions up to now: every ticket
//! whose clocks need a look is there under the instant they do (written by
//! each change of the ticket, `store::tickets::stage_put`), and nothing
//! else is. So its cost follows the tickets coming due, not the table. For
//! each it recomputes the clocks from the ticket's history, records what is
//! new (in the ticket's `noted`, its timeline and, for a breach, the audit
//! log) and writes the ticket back conditional on the `rev` it read, which
//! moves its index entry to its next instant or out of the index. A ticket
//! changed meanwhile is left to its own write (which recomputed it); a run
//! cut short leaves the rest in the index for the next run. Running twice
//! records nothing twice.

use std::collections::HashMap;

use lambda_runtime::{service_fn, LambdaEvent};
use serde::Serialize;

use crate::domain::audit::{ChainHead, NewEvent, Origin};
use crate::domain::leavers::LeaverStatus;
use crate::domain::timestamp;
use crate::ids::{CompanyId, TicketId};
use crate::service::{assess, commit_with_audit, App};
use crate::store::items::{self, Company};
use crate::store::leavers::Leaver;
use crate::store::tickets::{stage_put, stage_timeline, Ticket};
use crate::store::{decode, keys, schema, start_item, Cond, Exprs, SkCond, StoreError, Tenant, Tx};

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Index entries read (tickets looked at).
    pub checked: u32,
    pub at_risk: u32,
    pub breached: u32,
    /// Tickets changed by someone while they were looked at (their own
    /// write recomputed them).
    pub skipped: u32,
    /// Whether the run stopped at its deadline with entries left.
    pub partial: bool,
}

/// The entries due by `now_s` (epoch seconds), across the shards (only
/// `only`'s, when given: tests run the check for their own company while
/// others run theirs).
async fn due(app: &App, now_s: i64, only: Option<&CompanyId>) -> Result<Vec<(CompanyId, TicketId)>, StoreError> {
    let to = format!("{now_s:012}#~");
    let mut out = Vec::new();
    for shard in 0..keys::SLA_DUE_SHARDS {
        let pk = keys::sla_due_gsi3pk(shard);
        let mut start = None;
        loop {
            let index = Some((schema::GSI3, schema::GSI3_PK, schema::GSI3_SK));
            let page = app.store.query(index, &pk, SkCond::Between("0", &to), 1000, start, true, None).await?;
            for item in &page.items {
                let company = item
                    .get(schema::PK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|pk| pk.strip_prefix(keys::COMPANY_PK_PREFIX))
                    .and_then(CompanyId::parse);
                let ticket = item
                    .get(schema::SK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|sk| sk.strip_prefix(keys::TICKET_SK_PREFIX))
                    .and_then(TicketId::parse);
                if let (Some(c), Some(t)) = (company, ticket) {
                    if only.is_none_or(|o| *o == c) {
                        out.push((c, t));
                    }
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

/// What checking one ticket came to.
#[derive(Debug, Default)]
struct Noted {
    at_risk: u32,
    breached: u32,
    skipped: bool,
}

async fn check_ticket(
    app: &App,
    company: &CompanyId,
    id: &TicketId,
    now: jiff::Timestamp,
) -> Result<Noted, StoreError> {
    let t = Tenant::new(company.clone());
    let wanted = [keys::ticket(&t, id), keys::company(&t), keys::audit_head(&t)];
    let found: HashMap<keys::Key, crate::store::Item> = app.store.batch_get(&wanted).await?;
    let Some(current) = found.get(&wanted[0]).cloned().map(decode::<Ticket>).transpose()? else {
        return Ok(Noted { skipped: true, ..Default::default() });
    };
    let calendar =
        found.get(&wanted[1]).cloned().map(decode::<Company>).transpose()?.map(|c| c.calendar()).unwrap_or_default();
    let head = found
        .get(&wanted[2])
        .cloned()
        .map(decode::<items::Head>)
        .transpose()?
        .map(ChainHead::from)
        .unwrap_or_else(ChainHead::genesis);
    let at = timestamp(
        time::OffsetDateTime::from_unix_timestamp_nanos(now.as_nanosecond()).unwrap_or(time::OffsetDateTime::now_utc()),
    );
    let (first, resolution) = current.clocks(&calendar, now);
    let table = app.store.table().to_string();
    let mut next = current.clone();
    let mut tx = Tx::new();
    let mut events = Vec::new();
    let mut out = Noted::default();
    for (name, c) in [("first_response", first), ("resolution", resolution)] {
        // Notices of a clock that is no longer at risk nor breached (its due
        // time moved later, say) are taken back, so they can come again.
        if c.met_at.is_none() && !c.at_risk && !c.breached {
            next.noted.retain(|n| !n.starts_with(&format!("{name}.")));
            continue;
        }
        if c.met_at.is_some() && !c.breached {
            continue;
        }
        let due = c.due_at.map(|d| d.to_string()).unwrap_or_default();
        if c.breached && !next.noted(name, "breached") {
            next.noted.push(format!("{name}.breached"));
            if !next.noted(name, "at_risk") {
                next.noted.push(format!("{name}.at_risk"));
            }
            let detail = [("target", name.to_string()), ("due_at", due.clone())];
            stage_timeline(&mut tx, &table, &t, &mut next, &at, "system", "sla_breached", &detail);
            events.push(
                NewEvent::new("ticket.sla_breached", id.to_string())
                    .with("target", name)
                    .with("due_at", due)
                    .with("priority", current.priority.as_str()),
            );
            out.breached += 1;
        } else if c.at_risk && !next.noted(name, "at_risk") {
            next.noted.push(format!("{name}.at_risk"));
            let detail =
                [("target", name.to_string()), ("due_at", due), ("seconds_left", c.business_seconds_left.to_string())];
            stage_timeline(&mut tx, &table, &t, &mut next, &at, "system", "sla_at_risk", &detail);
            out.at_risk += 1;
        }
    }
    // An offboarding ticket overdue: the leaver's access may still be open,
    // which is security's business (one alert, held open by its slot).
    let overdue = next.noted("resolution", "breached") && !current.noted("resolution", "breached");
    if let (true, Some(leaver_id)) = (overdue, &current.leaver_id) {
        let leaver: Option<Leaver> = app.store.get(&keys::leaver(&t, leaver_id)).await?.map(decode).transpose()?;
        if let Some(l) = leaver.filter(|l| l.status == LeaverStatus::Active) {
            let alert = assess::offboarding_overdue_alert(&l, id, &at);
            if !l.open_alerts.contains_key(alert.slot()) {
                assess::stage_alert(&mut tx, &table, &t, &alert);
                tx.update(
                    &table,
                    &keys::leaver(&t, leaver_id),
                    "SET open_alerts.#slot = :alert, rev = rev + :one",
                    Cond::Exists,
                    Exprs::new().name("#slot", alert.slot()).str(":alert", alert.id.to_string()).num(":one", 1),
                );
                events.push(
                    NewEvent::new("alert.raised", alert.id.to_string())
                        .with("leaver", leaver_id.to_string())
                        .with("level", alert.level.as_str())
                        .with("kind", "offboarding_overdue"),
                );
            }
        }
    }
    // Written back even with nothing new: that moves its index entry to its
    // next instant (or out of the index).
    stage_put(&mut tx, &table, &t, &mut next, Some(current.rev), current.sla_state.as_deref(), &calendar, now)?;
    let origin = Origin { actor: "system".into(), source_ip: "-".into(), request_id: format!("sla-check:{id}"), at };
    match commit_with_audit(app, &t, head, &origin, tx, events, None).await {
        Ok(_) => Ok(out),
        Err(StoreError::Cancelled { .. }) => Ok(Noted { skipped: true, ..Default::default() }),
        Err(e) => Err(e),
    }
}

/// One run: every ticket due by `now`, until `deadline` (an instant).
pub async fn run(app: &App, now: time::OffsetDateTime, deadline: std::time::Instant) -> Result<Report, StoreError> {
    run_for(app, now, deadline, None).await
}

/// `run`, for one company's tickets only (`None`: all).
pub async fn run_for(
    app: &App,
    now: time::OffsetDateTime,
    deadline: std::time::Instant,
    only: Option<&CompanyId>,
) -> Result<Report, StoreError> {
    let now = jiff::Timestamp::from_millisecond((now.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|e| StoreError::Mapping(e.to_string()))?;
    let mut report = Report::default();
    for (company, ticket) in due(app, now.as_second(), only).await? {
        if std::time::Instant::now() >= deadline {
            report.partial = true;
            break;
        }
        report.checked += 1;
        match check_ticket(app, &company, &ticket, now).await {
            Ok(n) => {
                report.at_risk += n.at_risk;
                report.breached += n.breached;
                report.skipped += n.skipped as u32;
            }
            // One ticket's failure does not stop the others; it stays in
            // the index for the next run.
            Err(e) => {
                tracing::error!(company = %company, ticket = %ticket, error = %e, "checking a ticket's SLA failed");
                report.skipped += 1;
            }
        }
    }
    tracing::info!(checked = report.checked, at_risk = report.at_risk, breached = report.breached, "SLA check done");
    Ok(report)
}

/// The whole of the `sla-check` function's `main`.
pub async fn serve() -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init();
    let app = std::sync::Arc::new(App::for_events("sla-check").await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let app = app.clone();
        async move {
            // Lambda's deadline is epoch milliseconds; an emulator's may be
            // past (cargo lambda's is): then allow a minute.
            let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            let left_ms = match event.context.deadline as i128 - now_ms {
                left if left > 10_000 => (left - 5_000) as u64,
                _ => 60_000,
            };
            let deadline = std::time::Instant::now() + std::time::Duration::from_millis(left_ms);
            let report = run(&app, time::OffsetDateTime::now_utc(), deadline)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
            Ok::<_, lambda_runtime::Error>(serde_json::to_value(report).unwrap_or_default())
        }
    }))
    .await
}
