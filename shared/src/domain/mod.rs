//! Domain rules: pure types and decisions, no AWS, no HTTP.

pub mod audit;
pub mod calendar;
pub mod documents;
pub mod forecast;
pub mod import;
pub mod leavers;
pub mod money;
pub mod overview;
pub mod payroll;
pub mod ratelimit;
pub mod risk;
pub mod roles;
pub mod signin;
pub mod sla;
pub mod tickets;
pub mod validate;

/// RFC 3339 UTC with milliseconds, as every stored and returned instant.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    // Times near the ends of the calendar cannot move to UTC; clamp them.
    let t = t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(if t.year() < 0 {
        time::PrimitiveDateTime::MIN.assume_utc()
    } else {
        time::PrimitiveDateTime::MAX.assume_utc()
    });
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}
