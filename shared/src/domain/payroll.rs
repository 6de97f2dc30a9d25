//! Payroll arithmetic: how long a shift counts (rounding), which local days
//! and weeks it counts on (split at the company's midnights, in real
//! hours), which of a week's hours are overtime under the company's rule,
//! and the pay, exact to the cent.
//!
//! The stored weekly totals (`store::time`) hold seconds per local day of
//! a Monday-to-Sunday week; everything here works on those, so a report
//! reads people × weeks and never a clock-in.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::Calendar;

const HOUR: i64 = 3600;
/// Regular hours in a week before weekly overtime.
pub const WEEKLY_REGULAR: i64 = 40 * HOUR;
/// `daily_and_weekly`: hours of a day before overtime, and before double time.
pub const DAILY_REGULAR: i64 = 8 * HOUR;
pub const DAILY_DOUBLE_AFTER: i64 = 12 * HOUR;

/// The company's overtime rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OvertimeRule {
    /// Hours over 40 in a week at 1.5×.
    #[default]
    Weekly,
    /// California: over 8 h a day at 1.5×, over 12 h a day at 2×, and
    /// regular hours over 40 in a week at 1.5×; no hour counts twice.
    DailyAndWeekly,
}

/// The roundings a company may choose, in minutes (0: none).
pub const ROUNDINGS: [u32; 4] = [0, 5, 6, 15];

/// A shift's counted length: `seconds` to the nearest multiple of
/// `minutes` (a tie rounds up), so rounding is neutral over many shifts.
pub fn round_length(seconds: i64, minutes: u32) -> i64 {
    if minutes == 0 || seconds <= 0 {
        return seconds.max(0);
    }
    let unit = i64::from(minutes) * 60;
    (seconds + unit / 2) / unit * unit
}

/// The week a local date belongs to (`2026-W49`, ISO: Monday to Sunday)
/// and the day's place in it (0 = Monday).
pub fn week_of(date: Date) -> (String, usize) {
    let w = date.iso_week_date();
    (format!("{:04}-W{:02}", w.year(), w.week()), date.weekday().to_monday_zero_offset() as usize)
}

/// The Monday of a week named as `week_of` names it.
pub fn monday_of(week: &str) -> Option<Date> {
    let (year, w) = week.split_once("-W")?;
    let year: i16 = year.parse().ok()?;
    let w: i8 = w.parse().ok()?;
    jiff::civil::ISOWeekDate::new(year, w, jiff::civil::Weekday::Monday).ok().map(|d| d.date())
}

/// The dates of a week, Monday first.
pub fn dates_of(week: &str) -> Option<[Date; 7]> {
    let monday = monday_of(week)?;
    let mut out = [monday; 7];
    for (i, d) in out.iter_mut().enumerate() {
        *d = monday.checked_add(jiff::Span::new().days(i as i64)).ok()?;
    }
    Some(out)
}

/// What a shift adds to one local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    /// `2026-W49`
    pub week: String,
    /// 0 = Monday … 6 = Sunday.
    pub day: usize,
    /// `YYYY-MM-DD`
    pub date: String,
    pub seconds: i64,
}

/// The pieces a shift `[in_at, out_at)` counts as: its length rounded as
/// the company rounds, counted from `in_at`, cut at the company's local
/// midnights (so also at the week's boundary, Sunday to Monday).
pub fn pieces(cal: &Calendar, in_at: Timestamp, out_at: Timestamp, rounding: u32) -> Vec<Piece> {
    let counted = round_length(out_at.as_second() - in_at.as_second(), rounding);
    let Ok(end) = Timestamp::from_second(in_at.as_second() + counted) else { return Vec::new() };
    cal.split_days(in_at, end)
        .into_iter()
        .filter(|(_, s)| *s > 0)
        .map(|(date, seconds)| {
            let (week, day) = week_of(date);
            Piece { week, day, date: date.to_string(), seconds }
        })
        .collect()
}

/// `pieces` with those on dates up to `closed_to` (`YYYY-MM-DD`) moved to
/// `first_open`, the day after: a closed period's pay does not change, and
/// the hours are paid in the next one.
pub fn carry_into(pieces: Vec<Piece>, closed_to: &str, first_open: Date) -> Vec<Piece> {
    let (week, day) = week_of(first_open);
    let mut out: Vec<Piece> = Vec::new();
    for p in pieces {
        let p = if p.date.as_str() <= closed_to {
            Piece { week: week.clone(), day, date: first_open.to_string(), seconds: p.seconds }
        } else {
            p
        };
        match out.iter_mut().find(|q| q.date == p.date) {
            Some(q) => q.seconds += p.seconds,
            None => out.push(p),
        }
    }
    out
}

/// Seconds of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Split {
    pub regular: i64,
    pub overtime: i64,
    pub double_time: i64,
}

impl std::ops::AddAssign for Split {
    fn add_assign(&mut self, o: Split) {
        self.regular += o.regular;
        self.overtime += o.overtime;
        self.double_time += o.double_time;
    }
}

impl Split {
    pub fn total(&self) -> i64 {
        self.regular + self.overtime + self.double_time
    }
}

/// A week's seconds per day (Monday first), classified day by day in
/// order: under `weekly` the hours past the week's 40th are overtime;
/// under `daily_and_weekly` each day's hours past 8 are overtime and past
/// 12 double time, and the regular hours past the week's 40th are
/// overtime too (an hour already overtime for its day is not counted
/// again).
pub fn classify_week(rule: OvertimeRule, days: &[i64; 7]) -> [Split; 7] {
    let mut out = [Split::default(); 7];
    let mut regular_so_far = 0;
    for (i, &s) in days.iter().enumerate() {
        let s = s.max(0);
        let mut day = match rule {
            OvertimeRule::Weekly => Split { regular: s, ..Split::default() },
            OvertimeRule::DailyAndWeekly => Split {
                regular: s.min(DAILY_REGULAR),
                overtime: (s.min(DAILY_DOUBLE_AFTER) - DAILY_REGULAR).max(0),
                double_time: (s - DAILY_DOUBLE_AFTER).max(0),
            },
        };
        let room = (WEEKLY_REGULAR - regular_so_far).max(0);
        if day.regular > room {
            day.overtime += day.regular - room;
            day.regular = room;
        }
        regular_so_far += day.regular;
        out[i] = day;
    }
    out
}

/// Pay for each kind, in cents, from an hourly rate in cents: each kind
/// rounded to the nearest cent once (half up), and the gross their sum, so
/// a report's columns always add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pay {
    pub regular: i64,
    pub overtime: i64,
    pub double_time: i64,
    pub gross: i64,
}

pub fn pay(rate_cents: i64, s: Split) -> Pay {
    pay_by_day(
        &[rate_cents; 7],
        &[
            s,
            Split::default(),
            Split::default(),
            Split::default(),
            Split::default(),
            Split::default(),
            Split::default(),
        ],
        [true, false, false, false, false, false, false],
    )
}

/// Pay for the `counted` days of a classified week, each day at its own
/// rate (a raise mid-week pays each day at the rate it was worked at): the
/// exact sums first, each kind rounded once.
pub fn pay_by_day(rates: &[i64; 7], days: &[Split; 7], counted: [bool; 7]) -> Pay {
    let (mut reg, mut ot, mut dbl) = (0i128, 0i128, 0i128);
    for i in 0..7 {
        if !counted[i] {
            continue;
        }
        let r = i128::from(rates[i]);
        reg += i128::from(days[i].regular) * r * 2;
        ot += i128::from(days[i].overtime) * r * 3;
        dbl += i128::from(days[i].double_time) * r * 4;
    }
    // cents = seconds × rate × multiplier / 3600, multipliers in halves.
    let den = i128::from(HOUR) * 2;
    let round = |num: i128| -> i64 { ((num + den / 2) / den) as i64 };
    let (regular, overtime, double_time) = (round(reg), round(ot), round(dbl));
    Pay { regular, overtime, double_time, gross: regular + overtime + double_time }
}

/// Which days of `week` fall in `[from, to]`.
pub fn days_in_range(week: &str, from: Date, to: Date) -> [bool; 7] {
    let mut out = [false; 7];
    if let Some(dates) = dates_of(week) {
        for (i, d) in dates.iter().enumerate() {
            out[i] = *d >= from && *d <= to;
        }
    }
    out
}

/// Of a week's classified days, the sum of those whose date falls in
/// `[from, to]` (a report that starts or ends mid-week still classifies
/// the whole week, so a week split over two reports pays the same).
pub fn in_range(week: &str, classified: &[Split; 7], from: Date, to: Date) -> Split {
    let mut sum = Split::default();
    for (s, counted) in classified.iter().zip(days_in_range(week, from, to)) {
        if counted {
            sum += *s;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Calendar;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const H: i64 = 3600;

    #[test]
    fn rounding_goes_to_the_nearest_unit() {
        for (seconds, minutes, want) in [
            (7 * 60, 15, 0),
            (7 * 60 + 29, 15, 0),
            (7 * 60 + 30, 15, 15 * 60),
            (8 * 60, 15, 15 * 60),
            (2 * 60 + 59, 6, 0),
            (3 * 60, 6, 6 * 60),
            (8 * H + 2 * 60, 5, 8 * H),
            (8 * H + 3 * 60, 5, 8 * H + 5 * 60),
            (8 * H + 17, 0, 8 * H + 17),
            (-5, 15, 0),
        ] {
            assert_eq!(round_length(seconds, minutes), want, "{seconds} s to {minutes} min");
        }
    }

    #[test]
    fn rounding_is_neutral_over_a_month() {
        // A month of shifts, 8 h plus every minute from 0 to 14 twice over:
        // rounding to 15 minutes takes from some what it gives to others.
        let raw: Vec<i64> = (0..30).map(|i| 8 * H + (i % 15) * 60).collect();
        let rounded: i64 = raw.iter().map(|&s| round_length(s, 15)).sum();
        assert_eq!(rounded, raw.iter().sum::<i64>(), "15-minute rounding over 0..14 minutes twice");
        // Lengths to the second, one of each remainder: the only bias is
        // the tie rounding up, half a unit in all.
        for minutes in [5u32, 6, 15] {
            let unit = i64::from(minutes) * 60;
            let raw: Vec<i64> = (0..unit).map(|s| 7 * H + s).collect();
            let rounded: i64 = raw.iter().map(|&s| round_length(s, minutes)).sum();
            let drift = rounded - raw.iter().sum::<i64>();
            assert_eq!(drift, unit / 2, "{minutes}-minute rounding over {unit} shifts drifted by {drift} s");
        }
    }

    #[test]
    fn forty_five_hours_at_twenty_pay_nine_hundred_fifty() {
        let days = [9 * H, 9 * H, 9 * H, 9 * H, 9 * H, 0, 0];
        let week = classify_week(OvertimeRule::Weekly, &days);
        let mut s = Split::default();
        week.iter().for_each(|d| s += *d);
        assert_eq!(s, Split { regular: 40 * H, overtime: 5 * H, double_time: 0 });
        assert_eq!(week[4], Split { regular: 4 * H, overtime: 5 * H, double_time: 0 }, "Friday crosses 40 h");
        let p = pay(2000, s);
        assert_eq!((p.regular, p.overtime, p.gross), (80_000, 15_000, 95_000));
        assert_eq!(crate::domain::money::format(p.gross), "950.00");
    }

    #[test]
    fn a_thirteen_hour_day_under_california_rules() {
        let days = [13 * H, 0, 0, 0, 0, 0, 0];
        let d = classify_week(OvertimeRule::DailyAndWeekly, &days)[0];
        assert_eq!(d, Split { regular: 8 * H, overtime: 4 * H, double_time: H });
        // The weekly rule alone: all regular.
        assert_eq!(classify_week(OvertimeRule::Weekly, &days)[0], Split { regular: 13 * H, ..Split::default() });
        let p = pay(2000, d);
        assert_eq!((p.regular, p.overtime, p.double_time, p.gross), (16_000, 12_000, 4_000, 32_000));
    }

    #[test]
    fn california_never_pays_an_hour_as_overtime_twice() {
        // Six 10-hour days: 8 regular + 2 overtime each day; regular hours
        // reach 40 on Friday, so Saturday's 8 regular become overtime.
        let days = [10 * H, 10 * H, 10 * H, 10 * H, 10 * H, 10 * H, 0];
        let week = classify_week(OvertimeRule::DailyAndWeekly, &days);
        let mut s = Split::default();
        week.iter().for_each(|d| s += *d);
        assert_eq!(s, Split { regular: 40 * H, overtime: 20 * H, double_time: 0 });
        assert_eq!(s.total(), 60 * H, "every hour counted exactly once");
        assert_eq!(week[5], Split { regular: 0, overtime: 10 * H, double_time: 0 });
    }

    #[test]
    fn a_shift_from_sunday_night_to_monday_counts_in_two_weeks() {
        let cal = Calendar::default();
        // Sunday 2026-12-06 22:00 to Monday 04:00 (UTC).
        let p = pieces(&cal, ts("2026-12-06T22:00:00Z"), ts("2026-12-07T04:00:00Z"), 0);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].week.as_str(), p[0].day, p[0].seconds), ("2026-W49", 6, 2 * H));
        assert_eq!((p[1].week.as_str(), p[1].day, p[1].seconds), ("2026-W50", 0, 4 * H));
        // In Berlin (UTC+1) the same instants are 23:00 to 05:00 local.
        let berlin = Calendar::from_settings(Some("Europe/Berlin"), None, None).unwrap();
        let p = pieces(&berlin, ts("2026-12-06T22:00:00Z"), ts("2026-12-07T04:00:00Z"), 0);
        assert_eq!(
            (p[0].date.as_str(), p[0].seconds, p[1].date.as_str(), p[1].seconds),
            ("2026-12-06", H, "2026-12-07", 5 * H)
        );
    }

    #[test]
    fn a_dst_night_counts_its_real_hours() {
        let berlin = Calendar::from_settings(Some("Europe/Berlin"), None, None).unwrap();
        // 2026-10-25: clocks go back at 03:00 CEST. 22:00 CEST (20:00Z) on
        // the 24th to 06:00 CET (05:00Z) on the 25th: nine real hours.
        let p = pieces(&berlin, ts("2026-10-24T20:00:00Z"), ts("2026-10-25T05:00:00Z"), 0);
        assert_eq!(p.iter().map(|x| x.seconds).sum::<i64>(), 9 * H);
        assert_eq!((p[0].date.as_str(), p[0].seconds), ("2026-10-24", 2 * H));
        assert_eq!((p[1].date.as_str(), p[1].seconds), ("2026-10-25", 7 * H), "the 25th has 25 hours");
        // Spring forward, 2026-03-29 at 02:00 CET: 22:00 CET (21:00Z) to
        // 06:00 CEST (04:00Z) is seven real hours.
        let p = pieces(&berlin, ts("2026-03-28T21:00:00Z"), ts("2026-03-29T04:00:00Z"), 0);
        assert_eq!(p.iter().map(|x| x.seconds).sum::<i64>(), 7 * H);
    }

    #[test]
    fn rounding_applies_to_the_shift_not_its_pieces() {
        let cal = Calendar::default();
        // 23:50 to 08:07: 8 h 17 min, rounded to 15 minutes: 8 h 15 min,
        // counted from 23:50: 10 minutes on the first day.
        let p = pieces(&cal, ts("2026-12-01T23:50:00Z"), ts("2026-12-02T08:07:00Z"), 15);
        assert_eq!(p.iter().map(|x| x.seconds).sum::<i64>(), 8 * H + 15 * 60);
        assert_eq!(p[0].seconds, 600);
        assert!(
            pieces(&cal, ts("2026-12-01T09:00:00Z"), ts("2026-12-01T09:07:00Z"), 15).is_empty(),
            "rounds to nothing"
        );
    }

    #[test]
    fn a_report_range_takes_its_days_of_a_whole_classified_week() {
        let days = [10 * H, 10 * H, 10 * H, 10 * H, 10 * H, 0, 0];
        let week = classify_week(OvertimeRule::Weekly, &days);
        let d = |s: &str| -> Date { s.parse().unwrap() };
        // 2026-W49 is Monday 2026-11-30 to Sunday 2026-12-06. A report up
        // to Thursday holds 40 regular hours; one from Friday the overtime.
        let first = in_range("2026-W49", &week, d("2026-11-01"), d("2026-12-03"));
        let second = in_range("2026-W49", &week, d("2026-12-04"), d("2026-12-31"));
        assert_eq!(first, Split { regular: 40 * H, ..Split::default() });
        assert_eq!(second, Split { overtime: 10 * H, ..Split::default() });
        assert_eq!(monday_of("2026-W49"), Some(d("2026-11-30")));
        assert_eq!(monday_of("2027-W01"), Some(d("2027-01-04")));
        assert_eq!(monday_of("2026-W99"), None);
        assert_eq!(week_of(d("2027-01-03")), ("2026-W53".to_string(), 6));
    }

    #[test]
    fn hours_on_closed_dates_are_carried_to_the_first_open_day() {
        let cal = Calendar::default();
        let p = pieces(&cal, ts("2026-12-06T22:00:00Z"), ts("2026-12-07T04:00:00Z"), 0);
        let carried = carry_into(p.clone(), "2026-12-06", "2026-12-07".parse().unwrap());
        assert_eq!(carried.len(), 1);
        assert_eq!(
            (carried[0].date.as_str(), carried[0].week.as_str(), carried[0].seconds),
            ("2026-12-07", "2026-W50", 6 * H)
        );
        assert_eq!(
            carry_into(p.clone(), "2026-12-05", "2026-12-06".parse().unwrap()),
            p,
            "nothing closed, nothing moved"
        );
    }

    #[test]
    fn each_day_is_paid_at_the_rate_it_was_worked_at() {
        // 16 h at 20.00 then 24 h at 30.00: 320 + 720.
        let days = [8 * H, 8 * H, 8 * H, 8 * H, 8 * H, 0, 0];
        let week = classify_week(OvertimeRule::Weekly, &days);
        let rates = [2000, 2000, 3000, 3000, 3000, 3000, 3000];
        assert_eq!(pay_by_day(&rates, &week, [true; 7]).gross, 104_000);
        let d = |s: &str| -> Date { s.parse().unwrap() };
        let first_two = days_in_range("2026-W49", d("2026-11-30"), d("2026-12-01"));
        assert_eq!(first_two, [true, true, false, false, false, false, false]);
        assert_eq!(pay_by_day(&rates, &week, first_two).gross, 32_000);
    }

    #[test]
    fn pay_is_exact_to_the_cent() {
        // 1 h 20 min at 10.01: 13.3466… → 13.35; overtime 7 min at 10.01 ×
        // 1.5: 1.75175 → 1.75.
        let p = pay(1001, Split { regular: 80 * 60, overtime: 7 * 60, double_time: 0 });
        assert_eq!((p.regular, p.overtime, p.gross), (1335, 175, 1510));
        assert_eq!(pay(0, Split { regular: 40 * H, ..Split::default() }).gross, 0);
    }
}
