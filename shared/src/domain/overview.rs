//! What `GET /overview` shows each role: cards of figures, each linking to
//! the list that explains it, computed from the counters the modules keep
//! (`store::stats`) and a few small items. Pure: the route reads, this
//! composes.
//!
//! Who sees which card:
//!
//! | card | owner, admin | hr | security | technician | manager | employee |
//! |---|---|---|---|---|---|---|
//! | `me` (my shift, tasks, tickets, documents) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | `risk`, `alerts`, `offboarding` | ✓ | | ✓ | | | |
//! | `leavers`, `checklists`, `people` | ✓ | ✓ | | | | |
//! | `leave_dates` (chart) | ✓ | ✓ | ✓ | | | |
//! | `my_tickets` | | | | ✓ | | |
//! | `queue` | ✓ | | | ✓ | | |
//! | `department` (hours, overtime, events this week) | a manager of one | | | | ✓ | |
//! | first run | ✓ | ✓ | | | | |
//!
//! Only counts are shown: no card names a leaver, so a technician or an
//! employee learns nothing about who is leaving.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::ToSpan;
use serde::Serialize;

use crate::domain::roles::Role;

/// Risk levels, most severe first, and `unscored` (registered, not
/// assessed yet).
pub const LEVELS: [&str; 5] = ["critical", "high", "medium", "low", "unscored"];
/// SLA states of open tickets, worst first.
pub const SLA_STATES: [&str; 3] = ["breached", "at_risk", "ok"];
/// Import statuses that are not finished.
pub const IMPORTS_UNDER_WAY: [&str; 4] = ["pending", "validated", "invalid", "applying"];
/// Days a checked import file is kept (so can still be applied).
pub const IMPORT_KEPT_DAYS: i64 = 29;
/// How far ahead the leave-date chart looks, in weeks (13 weeks ≈ 90 days).
pub const CHART_WEEKS: i64 = 13;
/// "Leaving soon" for critical leavers: today and the next 14 days.
pub const SOON_DAYS: i64 = 14;

/// What one signed-in person sees first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Overview {
    /// The caller's role, which shaped the cards.
    pub role: String,
    /// The company's local date the figures are for (`YYYY-MM-DD`).
    pub today: String,
    /// The company's local week (`2026-W49`, Monday to Sunday).
    pub week: String,
    pub cards: Vec<Card>,
    /// A new company's first steps, for owners, admins and HR while any is
    /// not done; absent once all are.
    pub first_run: Option<FirstRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Card {
    /// Stable: `me`, `risk`, `alerts`, `offboarding`, `leavers`,
    /// `checklists`, `people`, `leave_dates`, `my_tickets`, `queue`,
    /// `department`.
    pub id: String,
    pub title: String,
    pub figures: Vec<Figure>,
    /// A small chart, where the card has one.
    pub chart: Option<Chart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figure {
    /// Stable within its card (`critical`, `breached`, `hours`, …).
    pub id: String,
    pub label: String,
    pub value: i64,
    /// `hours` when `value` is in hundredths of an hour; absent for counts.
    pub unit: Option<String>,
    /// How serious the figure is, for its colour: `critical`, `high`,
    /// `medium`, `low`, `breached`, `at_risk`, `ok` or absent.
    pub tone: Option<String>,
    /// More about the figure (the running shift's start, RFC 3339).
    pub detail: Option<String>,
    /// The API list that explains the figure, with its filter set
    /// (`/leavers?risk_level=critical`); absent where no list does.
    pub link: Option<String>,
}

/// Bars of stacked counts: `series` names the stacks of every bar.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Chart {
    pub title: String,
    pub series: Vec<String>,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Bar {
    pub label: String,
    /// One count per series, in the order of `series`.
    pub values: Vec<i64>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FirstRun {
    pub done: usize,
    pub total: usize,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Step {
    /// `calendar`, `departments`, `sensitive`, `people`, `invite`, `leaver`.
    pub id: String,
    pub label: String,
    pub done: bool,
    /// Where the step is done (an API path).
    pub link: String,
}

/// The caller's running shift, from their clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub in_at: String,
}

/// One person's week in a department (`PAYWEEK` totals, seconds per day
/// after the company's rounding, already classified).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamWeek {
    pub department_id: String,
    pub department_name: String,
    pub people: i64,
    pub seconds: i64,
    /// Overtime and double time together.
    pub overtime_seconds: i64,
    /// The week's totals did not fit one read: the figures are a part.
    pub partial: bool,
}

/// Everything the overview is computed from.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub role: Role,
    pub me: &'a str,
    /// The company's local date, and UTC's (counters of uploads, imports
    /// and alerts are by UTC day).
    pub today: Date,
    pub utc_today: Date,
    pub week: String,
    /// The company's `STATS` and the caller's `MINE#` counters.
    pub company: &'a BTreeMap<String, i64>,
    pub mine: &'a BTreeMap<String, i64>,
    pub shift: Option<Shift>,
    /// Open project tasks the caller holds.
    pub held_tasks: i64,
    /// The calendar was set (time zone or working hours).
    pub calendar_set: bool,
    pub departments: usize,
    pub sensitive_departments: usize,
    /// The department the caller manages, with this week's totals.
    pub team: Option<TeamWeek>,
}

fn figure(id: &str, label: impl Into<String>, value: i64, link: Option<String>) -> Figure {
    Figure { id: id.into(), label: label.into(), value, unit: None, tone: None, detail: None, link }
}

fn toned(mut f: Figure, tone: &str) -> Figure {
    f.tone = Some(tone.into());
    f
}

fn card(id: &str, title: &str, figures: Vec<Figure>) -> Card {
    Card { id: id.into(), title: title.into(), figures, chart: None }
}

/// A counter, never below zero (a counter moved by a write before the
/// record was first counted can dip below; see `store::stats`).
fn get(m: &BTreeMap<String, i64>, k: &str) -> i64 {
    m.get(k).copied().unwrap_or(0).max(0)
}

/// Counters named `{prefix}{date}_{suffix}` summed over dates in `[from, to]`
/// (inclusive; `None` is open).
fn sum_dated(
    m: &BTreeMap<String, i64>,
    prefix: &str,
    suffix: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> i64 {
    m.iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(prefix)?;
            let (date, tail) = match suffix {
                Some(_) => rest.split_once('_')?,
                None => (rest, ""),
            };
            if suffix.is_some_and(|s| s != tail) || date.len() != 10 {
                return None;
            }
            let inside = from.is_none_or(|f| date >= f) && to.is_none_or(|t| date <= t);
            inside.then_some((*v).max(0))
        })
        .sum()
}

fn day(d: Date) -> String {
    d.to_string()
}

fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(n.days()).unwrap_or(d)
}

fn hours(seconds: i64) -> i64 {
    // Hundredths of an hour, rounded half up.
    (seconds * 100 + 1800) / 3600
}

/// The overview for `inputs`.
pub fn compose(i: &Inputs) -> Overview {
    use Role::*;
    let role = i.role;
    let mut cards = vec![me_card(i)];
    let security = matches!(role, Owner | Admin | Security);
    let hr = matches!(role, Owner | Admin | Hr);
    if security {
        cards.push(risk_card(i));
        cards.push(alerts_card(i));
        cards.push(offboarding_card(i));
    }
    if hr {
        cards.push(leavers_card(i));
        cards.push(checklists_card(i));
        cards.push(people_card(i));
    }
    if security || hr {
        cards.push(leave_dates_card(i));
    }
    if role == Technician {
        cards.push(my_tickets_card(i));
    }
    if matches!(role, Owner | Admin | Technician) {
        cards.push(queue_card(i));
    }
    if let Some(team) = &i.team {
        cards.push(department_card(i, team));
    }
    let first_run = if hr { first_run(i) } else { None };
    Overview { role: role.as_str().into(), today: day(i.today), week: i.week.clone(), cards, first_run }
}

fn me_card(i: &Inputs) -> Card {
    let m = i.mine;
    let shift = match &i.shift {
        Some(s) => Figure {
            detail: Some(s.in_at.clone()),
            ..figure("shift", "Clocked in", 1, Some(format!("/clockins?employee_id={}", i.me)))
        },
        None => figure("shift", "Not clocked in", 0, Some(format!("/clockins?employee_id={}", i.me))),
    };
    // A pending upload's record lasts a day: uploads asked for today or
    // yesterday may still be waiting.
    let waiting =
        get(m, &format!("dp_{}", day(i.utc_today))) + get(m, &format!("dp_{}", day(add_days(i.utc_today, -1))));
    card(
        "me",
        "My day",
        vec![
            shift,
            figure("tasks", "Open tasks I hold", i.held_tasks.max(0), Some("/projects".into())),
            figure("tickets", "My open tickets", get(m, "tr_open"), Some("/tickets".into())),
            figure(
                "documents",
                "Documents waiting for my upload",
                waiting,
                Some(format!("/employees/{}/documents", i.me)),
            ),
        ],
    )
}

fn level_label(level: &str) -> String {
    match level {
        "unscored" => "Not assessed yet".into(),
        l => {
            let mut c = l.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        }
    }
}

fn risk_card(i: &Inputs) -> Card {
    let c = i.company;
    let mut figures: Vec<Figure> = LEVELS
        .iter()
        .map(|l| {
            let link = if *l == "unscored" { "/leavers".to_string() } else { format!("/leavers?risk_level={l}") };
            let f = figure(l, level_label(l), get(c, &format!("lv_{l}")), Some(link));
            if *l == "unscored" {
                f
            } else {
                toned(f, l)
            }
        })
        .collect();
    let (from, to) = (day(i.today), day(add_days(i.today, SOON_DAYS)));
    figures.push(toned(
        figure(
            "critical_soon",
            format!("Critical, leaving in the next {SOON_DAYS} days"),
            sum_dated(c, "ld_", Some("critical"), Some(&from), Some(&to)),
            Some(format!("/leavers?risk_level=critical&leaving_after={from}&leaving_before={to}")),
        ),
        "critical",
    ));
    card("risk", "Leavers by risk", figures)
}

fn alerts_card(i: &Inputs) -> Card {
    let c = i.company;
    let levels = ["critical", "high", "medium", "low"];
    let figures = levels
        .iter()
        .map(|l| {
            toned(
                figure(
                    l,
                    level_label(l),
                    sum_dated(c, "al_", Some(l), None, None),
                    Some(format!("/alerts?status=unresolved&level={l}")),
                ),
                l,
            )
        })
        .collect();
    // Age buckets by the (UTC) day raised: today, 1–7 days, 8–30 days, older.
    let today = i.utc_today;
    let buckets: [(&str, Option<Date>, Option<Date>); 4] = [
        ("Today", Some(today), Some(today)),
        ("1–7 days", Some(add_days(today, -7)), Some(add_days(today, -1))),
        ("8–30 days", Some(add_days(today, -30)), Some(add_days(today, -8))),
        ("Older", None, Some(add_days(today, -31))),
    ];
    let bars = buckets
        .iter()
        .map(|(label, from, to)| Bar {
            label: label.to_string(),
            values: levels
                .iter()
                .map(|l| sum_dated(c, "al_", Some(l), from.map(day).as_deref(), to.map(day).as_deref()))
                .collect(),
            link: Some("/alerts?status=unresolved".into()),
        })
        .collect();
    Card {
        chart: Some(Chart {
            title: "Unresolved alerts by age".into(),
            series: levels.iter().map(|s| s.to_string()).collect(),
            bars,
        }),
        ..card("alerts", "Unresolved alerts", figures)
    }
}

fn sla_label(s: &str) -> &'static str {
    match s {
        "breached" => "Breached",
        "at_risk" => "At risk",
        _ => "On time",
    }
}

/// Figures of open tickets by SLA state from counters `{prefix}{state}`;
/// `filter` is the list's query for the tickets counted.
fn sla_figures(m: &BTreeMap<String, i64>, prefix: &str, filter: &str, states: &[&str]) -> Vec<Figure> {
    states
        .iter()
        .map(|s| {
            let link = match *s {
                "ok" => format!("/tickets?{filter}"),
                s => format!("/tickets?{filter}&sla={s}"),
            };
            toned(figure(s, sla_label(s), get(m, &format!("{prefix}{s}")), Some(link.replace("?&", "?"))), s)
        })
        .collect()
}

fn offboarding_card(i: &Inputs) -> Card {
    card(
        "offboarding",
        "Offboarding tickets at risk",
        sla_figures(i.company, "tko_", "offboarding=true", &["breached", "at_risk"]),
    )
}

fn leavers_card(i: &Inputs) -> Card {
    let c = i.company;
    let first = i.today.first_of_month();
    let next = first.checked_add(1.month()).unwrap_or(first);
    let month_figure = |id: &str, label: &str, start: Date| {
        let end = start.last_of_month();
        let (from, to) = (day(start), day(end));
        let n: i64 = LEVELS.iter().map(|l| sum_dated(c, "ld_", Some(l), Some(&from), Some(&to))).sum();
        figure(id, label, n, Some(format!("/leavers?leaving_after={from}&leaving_before={to}")))
    };
    card(
        "leavers",
        "Leavers",
        vec![
            month_figure("this_month", "Leaving this month", first),
            month_figure("next_month", "Leaving next month", next),
        ],
    )
}

fn checklists_card(i: &Inputs) -> Card {
    let yesterday = day(add_days(i.today, -1));
    let open = sum_dated(i.company, "ck_", None, None, Some(&yesterday));
    let f = figure(
        "overdue",
        "Open checklist items past the leave date",
        open,
        Some(format!("/leavers?leaving_before={yesterday}")),
    );
    card("checklists", "Offboarding checklists", vec![if open > 0 { toned(f, "high") } else { f }])
}

fn people_card(i: &Inputs) -> Card {
    let c = i.company;
    // Waiting for a file: asked for today or yesterday (the record lasts a
    // day); checked: within the days the file is kept.
    let (today, yesterday) = (day(i.utc_today), day(add_days(i.utc_today, -1)));
    let kept_from = day(add_days(i.utc_today, -IMPORT_KEPT_DAYS));
    let mut figures: Vec<Figure> = IMPORTS_UNDER_WAY
        .iter()
        .map(|s| {
            let (label, n) = match *s {
                "pending" => (
                    "Imports waiting for their file",
                    sum_dated(c, "imp_pending_", None, Some(&yesterday), Some(&today)),
                ),
                "validated" => (
                    "Imports checked, ready to apply",
                    sum_dated(c, "imp_validated_", None, Some(&kept_from), Some(&today)),
                ),
                "invalid" => {
                    ("Imports with rows to fix", sum_dated(c, "imp_invalid_", None, Some(&kept_from), Some(&today)))
                }
                _ => ("Imports being applied", get(c, "imp_applying")),
            };
            figure(&format!("imports_{s}"), label, n, Some("/imports".into()))
        })
        .collect();
    figures.push(figure(
        "invitations",
        "Invitations not accepted",
        get(c, "inv_open"),
        Some("/employees?invited=true".into()),
    ));
    card("people", "People", figures)
}

fn leave_dates_card(i: &Inputs) -> Card {
    let c = i.company;
    let levels = &LEVELS[..];
    let bars = (0..CHART_WEEKS)
        .map(|w| {
            let start = add_days(i.today, w * 7);
            let end = add_days(start, 6);
            let (from, to) = (day(start), day(end));
            Bar {
                label: from.clone(),
                values: levels.iter().map(|l| sum_dated(c, "ld_", Some(l), Some(&from), Some(&to))).collect(),
                link: Some(format!("/leavers?leaving_after={from}&leaving_before={to}")),
            }
        })
        .collect::<Vec<_>>();
    let total = bars.iter().flat_map(|b| b.values.iter()).sum();
    let to = day(add_days(i.today, CHART_WEEKS * 7 - 1));
    Card {
        chart: Some(Chart {
            title: "Leavers by leave date, next 90 days (weeks from today)".into(),
            series: levels.iter().map(|s| s.to_string()).collect(),
            bars,
        }),
        ..card(
            "leave_dates",
            "Leaving in the next 90 days",
            vec![figure(
                "next_90_days",
                "Leaving in the next 90 days",
                total,
                Some(format!("/leavers?leaving_after={}&leaving_before={to}", day(i.today))),
            )],
        )
    }
}

fn my_tickets_card(i: &Inputs) -> Card {
    card("my_tickets", "My tickets", sla_figures(i.mine, "ta_", "assignee=me", &SLA_STATES))
}

fn queue_card(i: &Inputs) -> Card {
    let mut figures = sla_figures(i.company, "tq_", "assignee=unassigned", &SLA_STATES);
    let open: i64 = SLA_STATES.iter().map(|s| get(i.company, &format!("tk_{s}"))).sum();
    figures.push(figure("open", "Open tickets, everyone's", open, Some("/tickets".into())));
    card("queue", "Unassigned tickets", figures)
}

fn department_card(i: &Inputs, team: &TeamWeek) -> Card {
    let did = &team.department_id;
    let monday = crate::domain::payroll::monday_of(&i.week).unwrap_or(i.today);
    let (from, to) = (day(monday), day(add_days(monday, 6)));
    let report = format!("/reports/payroll?from={from}&to={to}&department_id={did}");
    let mut h = figure("hours", "Hours worked this week", hours(team.seconds), Some(report.clone()));
    h.unit = Some("hours".into());
    let mut o = figure("overtime", "Overtime this week", hours(team.overtime_seconds), Some(report));
    o.unit = Some("hours".into());
    if team.overtime_seconds > 0 {
        o.tone = Some("at_risk".into());
    }
    if team.partial {
        h.detail = Some("partial: more people than one read holds".into());
        o.detail = h.detail.clone();
    }
    let events = get(i.company, &crate::store::stats::event_counter(&i.week, did));
    Card {
        title: format!("{} this week", team.department_name),
        ..card(
            "department",
            "",
            vec![
                h,
                o,
                figure("people", "People with hours", team.people, Some(format!("/clockins?department_id={did}"))),
                figure(
                    "events",
                    "Events this week",
                    events,
                    Some(format!("/events?department_id={did}&from={from}&to={to}")),
                ),
            ],
        )
    }
}

fn first_run(i: &Inputs) -> Option<FirstRun> {
    let c = i.company;
    let step = |id: &str, label: &str, done: bool, link: &str| Step {
        id: id.into(),
        label: label.into(),
        done,
        link: link.into(),
    };
    let steps = vec![
        step("calendar", "Set the company's calendar: time zone and working hours", i.calendar_set, "/companies"),
        step("departments", "Add the departments", i.departments > 0, "/departments"),
        step("sensitive", "Mark the sensitive departments", i.sensitive_departments > 0, "/departments"),
        step("people", "Import or add the people", get(c, "people") > 1 || get(c, "imp_applied") > 0, "/imports"),
        step(
            "invite",
            "Give HR and security their accounts",
            get(c, "role_hr") > 0 && get(c, "role_security") > 0,
            "/employees",
        ),
        step("leaver", "Register the first leaver", get(c, "leavers") > 0, "/leavers"),
    ];
    let done = steps.iter().filter(|s| s.done).count();
    let total = steps.len();
    (done < total).then_some(FirstRun { done, total, steps })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn inputs<'a>(role: Role, company: &'a BTreeMap<String, i64>, mine: &'a BTreeMap<String, i64>) -> Inputs<'a> {
        Inputs {
            role,
            me: "U1",
            today: jiff::civil::date(2026, 11, 30),
            utc_today: jiff::civil::date(2026, 11, 30),
            week: "2026-W49".into(),
            company,
            mine,
            shift: None,
            held_tasks: 0,
            calendar_set: false,
            departments: 0,
            sensitive_departments: 0,
            team: None,
        }
    }

    fn find<'a>(o: &'a Overview, card: &str, fig: &str) -> &'a Figure {
        let c = o.cards.iter().find(|c| c.id == card).unwrap_or_else(|| panic!("no card {card}"));
        c.figures.iter().find(|f| f.id == fig).unwrap_or_else(|| panic!("no figure {card}.{fig}"))
    }

    fn card_ids(o: &Overview) -> Vec<&str> {
        o.cards.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn each_role_sees_only_its_cards() {
        let (c, m) = (BTreeMap::new(), BTreeMap::new());
        let ids = |r| card_ids(&compose(&inputs(r, &c, &m))).join(",");
        assert_eq!(ids(Role::Employee), "me");
        assert_eq!(ids(Role::Manager), "me");
        assert_eq!(ids(Role::Technician), "me,my_tickets,queue");
        assert_eq!(ids(Role::Security), "me,risk,alerts,offboarding,leave_dates");
        assert_eq!(ids(Role::Hr), "me,leavers,checklists,people,leave_dates");
        assert_eq!(ids(Role::Owner), "me,risk,alerts,offboarding,leavers,checklists,people,leave_dates,queue");
        assert!(compose(&inputs(Role::Hr, &c, &m)).first_run.is_some());
        assert!(compose(&inputs(Role::Security, &c, &m)).first_run.is_none());
        assert!(compose(&inputs(Role::Employee, &c, &m)).first_run.is_none());
    }

    #[test]
    fn leave_dates_count_in_their_windows() {
        let c = counters(&[
            ("ld_2026-11-30_critical", 1), // today: soon, this month, chart week 1
            ("ld_2026-12-14_critical", 2), // day 14: soon
            ("ld_2026-12-15_critical", 4), // day 15: not soon
            ("ld_2026-12-20_high", 8),
            ("ld_2026-11-02_low", 16),      // earlier this month
            ("ld_2027-03-01_low", 32),      // day 91: past the chart
            ("ld_2026-12-01_critical", -3), // a dip below zero counts as none
            ("lv_critical", 7),
        ]);
        let m = BTreeMap::new();
        let o = compose(&inputs(Role::Owner, &c, &m));
        assert_eq!(find(&o, "risk", "critical_soon").value, 3);
        assert_eq!(find(&o, "risk", "critical").value, 7);
        assert_eq!(find(&o, "risk", "critical").link.as_deref(), Some("/leavers?risk_level=critical"));
        assert_eq!(find(&o, "leavers", "this_month").value, 17);
        assert_eq!(find(&o, "leavers", "next_month").value, 14);
        assert_eq!(
            find(&o, "leavers", "next_month").link.as_deref(),
            Some("/leavers?leaving_after=2026-12-01&leaving_before=2026-12-31")
        );
        let chart = o.cards.iter().find(|c| c.id == "leave_dates").and_then(|c| c.chart.clone()).unwrap();
        assert_eq!(chart.bars.len(), 13);
        assert_eq!(chart.bars[0].values, vec![1, 0, 0, 0, 0]);
        assert_eq!(chart.bars[2].values, vec![6, 8, 0, 0, 0]); // 12-14 … 12-20
        assert_eq!(find(&o, "leave_dates", "next_90_days").value, 15);
    }

    #[test]
    fn alerts_are_bucketed_by_age_and_level() {
        let c = counters(&[
            ("al_2026-11-30_critical", 1),
            ("al_2026-11-23_high", 2),   // 7 days
            ("al_2026-11-22_high", 4),   // 8 days
            ("al_2026-10-30_low", 8),    // 31 days
            ("al_2026-11-29_medium", 0), // resolved
        ]);
        let m = BTreeMap::new();
        let o = compose(&inputs(Role::Security, &c, &m));
        assert_eq!(find(&o, "alerts", "high").value, 6);
        let chart = o.cards.iter().find(|c| c.id == "alerts").and_then(|c| c.chart.clone()).unwrap();
        let values: Vec<Vec<i64>> = chart.bars.iter().map(|b| b.values.clone()).collect();
        assert_eq!(values, vec![vec![1, 0, 0, 0], vec![0, 2, 0, 0], vec![0, 4, 0, 0], vec![0, 0, 0, 8]]);
    }

    #[test]
    fn checklists_past_their_leave_date_and_the_first_run() {
        let c = counters(&[("ck_2026-11-29", 3), ("ck_2026-11-30", 5), ("people", 1), ("role_hr", 1)]);
        let m = BTreeMap::new();
        let mut i = inputs(Role::Hr, &c, &m);
        let o = compose(&i);
        assert_eq!(find(&o, "checklists", "overdue").value, 3);
        let fr = o.first_run.expect("first run");
        assert_eq!((fr.done, fr.total), (0, 6));
        i.calendar_set = true;
        i.departments = 2;
        i.sensitive_departments = 1;
        let c2 = counters(&[("people", 3), ("role_hr", 1), ("role_security", 1), ("leavers", 1)]);
        i.company = &c2;
        assert_eq!(compose(&i).first_run, None, "every step done: no checklist");
    }

    #[test]
    fn the_team_week_is_in_hours_with_links_to_the_report() {
        let c = counters(&[("ev_2026-W49_D1", 2), ("ev_2026-W48_D1", 9)]);
        let m = BTreeMap::new();
        let mut i = inputs(Role::Manager, &c, &m);
        i.team = Some(TeamWeek {
            department_id: "D1".into(),
            department_name: "Sales".into(),
            people: 2,
            seconds: 45 * 3600 + 18 * 60,
            overtime_seconds: 5 * 3600,
            partial: false,
        });
        let o = compose(&i);
        assert_eq!(find(&o, "department", "hours").value, 4530);
        assert_eq!(find(&o, "department", "overtime").value, 500);
        assert_eq!(find(&o, "department", "events").value, 2);
        assert_eq!(
            find(&o, "department", "hours").link.as_deref(),
            Some("/reports/payroll?from=2026-11-30&to=2026-12-06&department_id=D1")
        );
    }
}
