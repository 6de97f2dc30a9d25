//! SLA clocks, computed — never counted — from a ticket's history.
//!
//! A ticket has two targets, first response and resolution, each a number
//! of seconds fixed when the ticket was opened (from the company's policy
//! for its priority at that moment: a later policy change does not move
//! the targets of tickets already open). A target's clock runs in the
//! company's working hours (`Calendar`) while the ticket is open or in
//! progress, and stops while it is `waiting`, `resolved` or `closed`. A
//! *continuous* target (the offboarding ticket's resolution, due on the
//! leave date) runs on every second and is never paused.
//!
//! `clock` walks the history once: it adds up the running time, notes when
//! the target was met (first response: the first technician response;
//! resolution: resolving or closing, undone by a reopen) and when the
//! running time crossed the target (`due_at`, in the past once breached).
//! Everything is derived, so the same history always gives the same clock.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;

/// A ticket's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TicketStatus)]
pub enum Status {
    Open,
    InProgress,
    Waiting,
    Resolved,
    Closed,
}

impl Status {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s {
            "open" => Ok(Status::Open),
            "in_progress" => Ok(Status::InProgress),
            "waiting" => Ok(Status::Waiting),
            "resolved" => Ok(Status::Resolved),
            "closed" => Ok(Status::Closed),
            _ => Err("must be open, in_progress, waiting, resolved or closed"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Waiting => "waiting",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Whether SLA clocks stop in this status.
    pub fn pauses(self) -> bool {
        matches!(self, Status::Waiting | Status::Resolved | Status::Closed)
    }

    /// The status flow: `open → in_progress → resolved → closed`, `waiting`
    /// (on the requester) from `in_progress` and back, and a reopen from
    /// `resolved`. Anything else is refused (409).
    pub fn may_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Open, InProgress)
                | (InProgress, Waiting)
                | (Waiting, InProgress)
                | (InProgress, Resolved)
                | (Resolved, Closed)
                | (Resolved, Open)
        )
    }
}

/// One target: how long, and on which clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetSpec {
    /// Running seconds allowed (business seconds unless `continuous`).
    pub seconds: i64,
    /// Every second counts and nothing pauses it (the offboarding ticket).
    #[serde(default)]
    pub continuous: bool,
}

/// Which target a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    FirstResponse,
    Resolution,
}

/// What happened to a ticket, as the clocks read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Status(Status),
    /// A technician's first kind of response: an assignment, a status
    /// change or a public comment.
    Responded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub at: Timestamp,
    pub change: Change,
}

/// A target's clock at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// When the target is (or was) due: in the past once breached; while
    /// the clock stands (paused, or met in time) the instant it would fall
    /// due if it ran on from there. `None` if the calendar has no working
    /// time ahead.
    pub due_at: Option<Timestamp>,
    pub met_at: Option<Timestamp>,
    pub breached: bool,
    /// Target minus running time so far (negative once breached).
    pub business_seconds_left: i64,
    /// Running, not met and in its last 20 % (or last 15 minutes, whichever
    /// is longer).
    pub at_risk: bool,
    pub paused: bool,
}

/// The last stretch of a target that counts as at risk: 20 % of it, or 15
/// minutes if that is longer.
pub fn risk_window(seconds: i64) -> i64 {
    (seconds / 5).max(15 * 60)
}

struct Walk<'a> {
    spec: TargetSpec,
    calendar: &'a Calendar,
    elapsed: i64,
    running_since: Option<Timestamp>,
    crossed_at: Option<Timestamp>,
}

impl Walk<'_> {
    fn span(&self, from: Timestamp, to: Timestamp) -> i64 {
        if self.spec.continuous {
            (to.as_second() - from.as_second()).max(0)
        } else {
            self.calendar.business_seconds(from, to)
        }
    }

    fn add(&self, from: Timestamp, seconds: i64) -> Option<Timestamp> {
        if self.spec.continuous {
            Timestamp::from_second(from.as_second() + seconds.max(0)).ok()
        } else {
            self.calendar.add_business_seconds(from, seconds)
        }
    }

    /// Counts the running time up to `at` (the clock keeps running).
    fn count_to(&mut self, at: Timestamp) {
        let Some(from) = self.running_since else { return };
        let before = self.elapsed;
        self.elapsed += self.span(from, at);
        let crossed = self.elapsed >= self.spec.seconds && (before < self.spec.seconds || self.spec.seconds <= 0);
        if self.crossed_at.is_none() && crossed {
            self.crossed_at = self.add(from, self.spec.seconds - before);
        }
        self.running_since = Some(at.max(from));
    }

    fn stop(&mut self, at: Timestamp) {
        self.count_to(at);
        self.running_since = None;
    }

    fn start(&mut self, at: Timestamp) {
        if self.running_since.is_none() {
            self.running_since = Some(at);
        }
    }
}

/// The clock of `target` at `now`, from the ticket's history in time order
/// (entries after `now` are ignored).
pub fn clock(history: &[Entry], target: Target, spec: TargetSpec, calendar: &Calendar, now: Timestamp) -> Clock {
    let mut w = Walk { spec, calendar, elapsed: 0, running_since: None, crossed_at: None };
    let mut met_at: Option<Timestamp> = None;
    // In time order; and `now` is never before the history (clocks of two
    // writers may differ by a few milliseconds).
    let mut history = history.to_vec();
    history.sort_by_key(|e| e.at);
    let now = history.last().map_or(now, |e| now.max(e.at));
    for e in history.iter().take_while(|e| e.at <= now) {
        match (target, e.change) {
            (_, Change::Created) => w.start(e.at),
            (Target::FirstResponse, Change::Responded) if met_at.is_none() => {
                w.stop(e.at);
                met_at = Some(e.at);
            }
            (Target::FirstResponse, Change::Status(s)) if met_at.is_none() && !spec.continuous => {
                if s.pauses() {
                    w.stop(e.at)
                } else {
                    w.start(e.at)
                }
            }
            (Target::Resolution, Change::Status(Status::Resolved | Status::Closed)) if met_at.is_none() => {
                w.stop(e.at);
                met_at = Some(e.at);
            }
            // A reopen: the target is not met after all; its clock goes on.
            (Target::Resolution, Change::Status(Status::Open | Status::InProgress)) if met_at.is_some() => {
                met_at = None;
                w.start(e.at);
            }
            (Target::Resolution, Change::Status(Status::Waiting)) if !spec.continuous => w.stop(e.at),
            (Target::Resolution, Change::Status(Status::InProgress)) => w.start(e.at),
            _ => {}
        }
    }
    let running = w.running_since.is_some();
    w.count_to(now);
    let left = spec.seconds - w.elapsed;
    let breached = if met_at.is_some() { w.elapsed > spec.seconds } else { w.elapsed >= spec.seconds };
    let due_at = match (w.crossed_at, w.running_since) {
        (Some(crossed), _) => Some(crossed),
        (None, Some(_)) => w.add(now, left),
        // Standing: when it would fall due if it ran on from where it stopped.
        (None, None) => w.add(met_at.unwrap_or(now), left),
    };
    Clock {
        due_at,
        met_at,
        breached,
        business_seconds_left: left,
        at_risk: running && met_at.is_none() && !breached && left <= risk_window(spec.seconds),
        paused: !running && met_at.is_none(),
    }
}

/// When the breach check should next look at `target`: when it enters its
/// at-risk window (unless that was noted), then when it falls due (unless
/// its breach was noted); `None` while it stands (met or paused) or when
/// both are noted.
pub fn next_check(
    history: &[Entry],
    target: Target,
    spec: TargetSpec,
    calendar: &Calendar,
    now: Timestamp,
    risk_noted: bool,
    breach_noted: bool,
) -> Option<Timestamp> {
    let c = clock(history, target, spec, calendar, now);
    if c.met_at.is_some() {
        // Met late, and the breach not noted yet: the check notes it.
        return (c.breached && !breach_noted).then_some(now);
    }
    if c.paused {
        return None;
    }
    let left = c.business_seconds_left;
    let window = risk_window(spec.seconds);
    let w = Walk { spec, calendar, elapsed: 0, running_since: None, crossed_at: None };
    if !risk_noted && left > window {
        return w.add(now, left - window);
    }
    if !risk_noted && left > 0 {
        // Already in the at-risk window: look now.
        return Some(now);
    }
    if !breach_noted {
        return if left > 0 { c.due_at } else { Some(now) };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{default_working_hours, WorkingHoursInput};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn cal(zone: &str, holidays: &[&str]) -> Calendar {
        let h: Vec<String> = holidays.iter().map(|d| d.to_string()).collect();
        Calendar::from_settings(Some(zone), Some(&default_working_hours()), Some(&h)).unwrap()
    }

    fn hours(days: &[(&str, &[&str])]) -> WorkingHoursInput {
        days.iter().map(|(d, s)| (d.to_string(), s.iter().map(|x| x.to_string()).collect())).collect()
    }

    fn history(steps: &[(&str, Change)]) -> Vec<Entry> {
        steps.iter().map(|(at, change)| Entry { at: ts(at), change: *change }).collect()
    }

    const H: i64 = 3600;
    use Change::{Created, Responded};
    use Status::*;
    fn st(s: Status) -> Change {
        Change::Status(s)
    }

    struct Case {
        name: &'static str,
        calendar: Calendar,
        history: Vec<Entry>,
        target: Target,
        spec: TargetSpec,
        now: &'static str,
        due_at: Option<&'static str>,
        met_at: Option<&'static str>,
        left: i64,
        breached: bool,
        at_risk: bool,
        paused: bool,
    }

    fn business(seconds: i64) -> TargetSpec {
        TargetSpec { seconds, continuous: false }
    }

    #[test]
    fn clocks_follow_the_calendar_and_the_history() {
        let utc = || cal("UTC", &[]);
        let cases = vec![
            Case {
                name: "business hours: Monday 16:00 + 4 h is Tuesday 12:00",
                calendar: utc(),
                history: history(&[("2026-11-30T16:00:00Z", Created)]),
                target: Target::Resolution,
                spec: business(4 * H),
                now: "2026-11-30T16:30:00Z",
                due_at: Some("2026-12-01T12:00:00Z"),
                met_at: None,
                left: 3 * H + 1800,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "the last 20 % is at risk",
                calendar: utc(),
                history: history(&[("2026-11-30T16:00:00Z", Created)]),
                target: Target::Resolution,
                spec: business(4 * H),
                now: "2026-12-01T11:30:00Z",
                due_at: Some("2026-12-01T12:00:00Z"),
                met_at: None,
                left: 1800,
                breached: false,
                at_risk: true,
                paused: false,
            },
            Case {
                name: "due and not met is breached, the due time stays where it was",
                calendar: utc(),
                history: history(&[("2026-11-30T16:00:00Z", Created)]),
                target: Target::Resolution,
                spec: business(4 * H),
                now: "2026-12-01T13:00:00Z",
                due_at: Some("2026-12-01T12:00:00Z"),
                met_at: None,
                left: -H,
                breached: true,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "a short target is at risk in its last 15 minutes, not just its last 20 %",
                calendar: utc(),
                history: history(&[("2026-11-30T09:00:00Z", Created)]),
                target: Target::FirstResponse,
                spec: business(30 * 60),
                now: "2026-11-30T09:16:00Z",
                due_at: Some("2026-11-30T09:30:00Z"),
                met_at: None,
                left: 14 * 60,
                breached: false,
                at_risk: true,
                paused: false,
            },
            Case {
                name: "the weekend does not count: Friday 16:00 + 2 h is Monday 10:00",
                calendar: utc(),
                history: history(&[("2026-12-04T16:00:00Z", Created)]),
                target: Target::Resolution,
                spec: business(2 * H),
                now: "2026-12-05T12:00:00Z",
                due_at: Some("2026-12-07T10:00:00Z"),
                met_at: None,
                left: H,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "a holiday does not count (Berlin, 25 December)",
                calendar: cal("Europe/Berlin", &["2026-12-25"]),
                history: history(&[("2026-12-24T15:00:00Z", Created)]),
                target: Target::Resolution,
                spec: business(2 * H),
                now: "2026-12-24T15:00:00Z",
                due_at: Some("2026-12-28T09:00:00Z"),
                met_at: None,
                left: 2 * H,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "overnight hours count without a seam",
                calendar: Calendar::from_settings(
                    Some("UTC"),
                    Some(&hours(&[("mon", &["22:00", "24:00"]), ("tue", &["00:00", "06:00"])])),
                    None,
                )
                .unwrap(),
                history: history(&[("2026-11-30T23:00:00Z", Created)]),
                target: Target::Resolution,
                spec: business(4 * H),
                now: "2026-12-01T01:00:00Z",
                due_at: Some("2026-12-01T03:00:00Z"),
                met_at: None,
                left: 2 * H,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "waiting pauses the clock and resuming moves the due time by the pause",
                calendar: utc(),
                history: history(&[
                    ("2026-11-30T09:00:00Z", Created),
                    ("2026-11-30T10:00:00Z", st(InProgress)),
                    ("2026-11-30T11:00:00Z", st(Waiting)),
                    ("2026-12-01T11:00:00Z", st(InProgress)),
                ]),
                target: Target::Resolution,
                spec: business(8 * H),
                now: "2026-12-01T12:00:00Z",
                due_at: Some("2026-12-01T17:00:00Z"),
                met_at: None,
                left: 5 * H,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "while waiting the clock stands",
                calendar: utc(),
                history: history(&[
                    ("2026-11-30T09:00:00Z", Created),
                    ("2026-11-30T10:00:00Z", st(InProgress)),
                    ("2026-11-30T11:00:00Z", st(Waiting)),
                ]),
                target: Target::Resolution,
                spec: business(8 * H),
                now: "2026-12-03T12:00:00Z",
                due_at: Some("2026-12-04T10:00:00Z"),
                met_at: None,
                left: 6 * H,
                breached: false,
                at_risk: false,
                paused: true,
            },
            Case {
                name: "resolved in time is met",
                calendar: utc(),
                history: history(&[
                    ("2026-11-30T09:00:00Z", Created),
                    ("2026-11-30T10:00:00Z", st(InProgress)),
                    ("2026-11-30T12:00:00Z", st(Resolved)),
                ]),
                target: Target::Resolution,
                spec: business(8 * H),
                now: "2026-12-02T12:00:00Z",
                due_at: Some("2026-11-30T17:00:00Z"),
                met_at: Some("2026-11-30T12:00:00Z"),
                left: 5 * H,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "a reopen after resolve takes the target back and its clock goes on",
                calendar: utc(),
                history: history(&[
                    ("2026-11-30T09:00:00Z", Created),
                    ("2026-11-30T10:00:00Z", st(InProgress)),
                    ("2026-11-30T12:00:00Z", st(Resolved)),
                    ("2026-12-01T09:00:00Z", st(Open)),
                ]),
                target: Target::Resolution,
                spec: business(8 * H),
                now: "2026-12-01T10:00:00Z",
                due_at: Some("2026-12-01T14:00:00Z"),
                met_at: None,
                left: 4 * H,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "first response: met by the first response, late is breached",
                calendar: utc(),
                history: history(&[
                    ("2026-11-30T09:00:00Z", Created),
                    ("2026-11-30T11:00:00Z", Responded),
                    ("2026-11-30T12:00:00Z", Responded),
                ]),
                target: Target::FirstResponse,
                spec: business(H),
                now: "2026-11-30T13:00:00Z",
                due_at: Some("2026-11-30T10:00:00Z"),
                met_at: Some("2026-11-30T11:00:00Z"),
                left: -H,
                breached: true,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "DST in the company's zone: Friday 16:00 CET + 2 business hours is Monday 10:00 CEST",
                calendar: cal("Europe/Berlin", &[]),
                history: history(&[("2026-03-27T15:00:00Z", Created)]),
                target: Target::Resolution,
                spec: business(2 * H),
                now: "2026-03-28T12:00:00Z",
                due_at: Some("2026-03-30T08:00:00Z"),
                met_at: None,
                left: H,
                breached: false,
                at_risk: false,
                paused: false,
            },
            Case {
                name: "a continuous target counts every second and waiting does not pause it",
                calendar: utc(),
                history: history(&[
                    ("2026-11-30T09:00:00Z", Created),
                    ("2026-11-30T10:00:00Z", st(InProgress)),
                    ("2026-11-30T11:00:00Z", st(Waiting)),
                ]),
                target: Target::Resolution,
                spec: TargetSpec { seconds: 72 * H, continuous: true },
                now: "2026-12-03T10:00:00Z",
                due_at: Some("2026-12-03T09:00:00Z"),
                met_at: None,
                left: -H,
                breached: true,
                at_risk: false,
                paused: false,
            },
        ];
        for c in cases {
            let got = clock(&c.history, c.target, c.spec, &c.calendar, ts(c.now));
            let want = Clock {
                due_at: c.due_at.map(ts),
                met_at: c.met_at.map(ts),
                breached: c.breached,
                business_seconds_left: c.left,
                at_risk: c.at_risk,
                paused: c.paused,
            };
            assert_eq!(got, want, "{}", c.name);
        }
    }

    #[test]
    fn a_24_hour_continuous_target_across_the_spring_change_is_24_real_hours() {
        // Saturday 12:00 CET in Berlin + 24 h is Sunday 13:00 CEST (the
        // night lost an hour on the wall clock, not in real time).
        let c = cal("Europe/Berlin", &[]);
        let h = history(&[("2026-03-28T11:00:00Z", Created)]);
        let spec = TargetSpec { seconds: 24 * H, continuous: true };
        let got = clock(&h, Target::Resolution, spec, &c, ts("2026-03-28T12:00:00Z"));
        assert_eq!(got.due_at, Some(ts("2026-03-29T11:00:00Z")));
    }

    #[test]
    fn the_check_comes_at_the_risk_window_then_at_the_due_time_then_never() {
        let c = cal("UTC", &[]);
        let h = history(&[("2026-11-30T09:00:00Z", Created)]);
        let spec = business(4 * H);
        let now = ts("2026-11-30T09:00:00Z");
        // 4 h target: at risk in its last 48 minutes.
        assert_eq!(next_check(&h, Target::Resolution, spec, &c, now, false, false), Some(ts("2026-11-30T12:12:00Z")));
        assert_eq!(next_check(&h, Target::Resolution, spec, &c, now, true, false), Some(ts("2026-11-30T13:00:00Z")));
        assert_eq!(next_check(&h, Target::Resolution, spec, &c, now, true, true), None);
        // In the window and the notice not taken: now.
        let in_window = ts("2026-11-30T12:30:00Z");
        assert_eq!(next_check(&h, Target::Resolution, spec, &c, in_window, false, false), Some(in_window));
        // Met late and the breach not noted: now; noted: never.
        let late_met = history(&[
            ("2026-11-30T09:00:00Z", Created),
            ("2026-11-30T09:30:00Z", st(InProgress)),
            ("2026-11-30T14:00:00Z", st(Resolved)),
        ]);
        let after = ts("2026-11-30T15:00:00Z");
        assert_eq!(next_check(&late_met, Target::Resolution, spec, &c, after, true, false), Some(after));
        assert_eq!(next_check(&late_met, Target::Resolution, spec, &c, after, true, true), None);
        // Overdue and not noted: now.
        let late = ts("2026-11-30T15:00:00Z");
        assert_eq!(next_check(&h, Target::Resolution, spec, &c, late, true, false), Some(late));
        // Paused: nothing to check until it runs again.
        let waiting = history(&[
            ("2026-11-30T09:00:00Z", Created),
            ("2026-11-30T09:10:00Z", st(InProgress)),
            ("2026-11-30T09:20:00Z", st(Waiting)),
        ]);
        assert_eq!(next_check(&waiting, Target::Resolution, spec, &c, late, false, false), None);
    }

    #[test]
    fn a_history_out_of_order_or_ahead_of_now_still_gives_a_running_clock() {
        let c = cal("UTC", &[]);
        let h = history(&[("2026-11-30T10:00:00Z", st(InProgress)), ("2026-11-30T09:00:00Z", Created)]);
        let got = clock(&h, Target::Resolution, business(4 * H), &c, ts("2026-11-30T09:59:59.990Z"));
        assert!(!got.paused, "{got:?}");
        assert_eq!(got.due_at, Some(ts("2026-11-30T13:00:00Z")));
    }

    #[test]
    fn a_zero_second_continuous_target_was_due_when_it_started() {
        let c = cal("UTC", &[]);
        let h = history(&[("2026-11-30T09:00:00Z", Created)]);
        let spec = TargetSpec { seconds: 0, continuous: true };
        let got = clock(&h, Target::Resolution, spec, &c, ts("2026-11-30T12:00:00Z"));
        assert_eq!(got.due_at, Some(ts("2026-11-30T09:00:00Z")));
        assert!(got.breached);
    }

    #[test]
    fn the_status_flow_allows_exactly_the_contracts_moves() {
        let all = [Open, InProgress, Waiting, Resolved, Closed];
        let allowed: Vec<(Status, Status)> =
            all.iter().flat_map(|a| all.iter().map(move |b| (*a, *b))).filter(|(a, b)| a.may_become(*b)).collect();
        assert_eq!(
            allowed,
            vec![
                (Open, InProgress),
                (InProgress, Waiting),
                (InProgress, Resolved),
                (Waiting, InProgress),
                (Resolved, Open),
                (Resolved, Closed)
            ]
        );
    }
}
