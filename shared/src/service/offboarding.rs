//! IT's part in offboarding: registering a leaver opens a ticket for the
//! technicians (category `access`, in the unassigned queue) to revoke the
//! leaver's access. Its resolution is due when the leave date ends in the
//! company's zone, on a clock that counts every second and never pauses;
//! its first response follows the company's policy for `high`. The person
//! leaving never sees it or acts on it (`subject_id`).
//!
//! The ticket is written in the same transaction as the leaver; the leaver
//! keeps its id and opening instant (`offboarding`), so a later change of
//! the leave date moves the ticket's due time without reading it.

use jiff::Timestamp;

use crate::domain::calendar::Calendar;
use crate::domain::sla::TargetSpec;
use crate::domain::tickets::{Category, Priority, SlaPolicies};
use crate::ids::UserId;
use crate::store::leavers::{Leaver, OffboardingLink};
use crate::store::tickets::{parse_ts, stage_put, stage_timeline, Ticket, TicketSla};
use crate::store::{keys, schema, Cond, Exprs, StoreError, Tenant, Tx};

/// Seconds from `opened_at` to the end of `leave_date` (`YYYY-MM-DD`) in
/// the company's zone; 0 if that is already past.
pub fn resolution_seconds(calendar: &Calendar, leave_date: &str, opened_at: Timestamp) -> i64 {
    let end = leave_date.parse::<jiff::civil::Date>().ok().and_then(|d| calendar.end_of_day(d));
    end.map(|e| (e.as_second() - opened_at.as_second()).max(0)).unwrap_or(0)
}

/// Opens `l`'s offboarding ticket in `tx` (raised by `requester`, about
/// `subject`, the leaver's account if they have one) and links it from
/// `l`. Returns the ticket; none when the leave date has already ended (a
/// leaver registered after the fact, as a bulk import of past leavers:
/// a ticket born overdue would only raise alerts about the past).
#[allow(clippy::too_many_arguments)]
pub fn open(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    l: &mut Leaver,
    requester: &UserId,
    subject: Option<&UserId>,
    policies: &SlaPolicies,
    calendar: &Calendar,
    at: &str,
) -> Result<Option<Ticket>, StoreError> {
    let now = parse_ts(at).unwrap_or_else(Timestamp::now);
    if resolution_seconds(calendar, &l.leave_date, now) == 0 {
        return Ok(None);
    }
    let name = format!("{} {}", l.first_name, l.surname);
    let first = policies.of(Priority::High);
    let sla = TicketSla {
        first_response: TargetSpec { seconds: first.first_response_minutes as i64 * 60, continuous: false },
        resolution: TargetSpec { seconds: resolution_seconds(calendar, &l.leave_date, now), continuous: true },
    };
    let mut ticket = Ticket::open(
        t.id().clone(),
        format!("Offboarding: revoke {name}'s access"),
        format!(
            "{name} ({}) leaves on {}. Revoke their access (buildings, systems, VPN, keys) by the end of that day; resolving this ticket ticks \"access revoked\" on their checklist.",
            l.department, l.leave_date
        ),
        Priority::High,
        Category::Access,
        requester.clone(),
        sla,
        at,
    );
    ticket.leaver_id = Some(l.id.clone());
    ticket.subject_id = subject.cloned();
    let detail = [("leaver_id", l.id.to_string()), ("leave_date", l.leave_date.clone())];
    stage_timeline(tx, table, t, &mut ticket, at, &requester.to_string(), "created", &detail);
    stage_put(tx, table, t, &mut ticket, None, None, calendar, now)?;
    l.offboarding = Some(OffboardingLink { ticket_id: ticket.id.clone(), opened_at: at.to_string() });
    Ok(Some(ticket))
}

/// After `l`'s leave date changed: its ticket's resolution is due at the
/// end of the new date. The ticket goes back into the SLA check's index
/// for now, so the check (which reads the whole ticket) recomputes its
/// clocks, state and next instant within minutes.
pub fn stage_due_change(tx: &mut Tx, table: &str, t: &Tenant, l: &Leaver, calendar: &Calendar, now: Timestamp) {
    let Some(link) = &l.offboarding else { return };
    let Some(opened) = parse_ts(&link.opened_at) else { return };
    let seconds = resolution_seconds(calendar, &l.leave_date, opened);
    let (pk, sk) = keys::sla_due_gsi3(t, &link.ticket_id, now.as_second());
    tx.update(
        table,
        &keys::ticket(t, &link.ticket_id),
        "SET #sla.#resolution.#seconds = :s, #gpk = :pk, #gsk = :sk, #rev = #rev + :one",
        Cond::Exists,
        Exprs::new()
            .name("#sla", "sla")
            .name("#resolution", "resolution")
            .name("#seconds", "seconds")
            .name("#gpk", schema::GSI3_PK)
            .name("#gsk", schema::GSI3_SK)
            .name("#rev", "rev")
            .num(":s", seconds)
            .str(":pk", pk)
            .str(":sk", sk)
            .num(":one", 1),
    );
}
