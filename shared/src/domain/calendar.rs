//! The company calendar: its time zone, working hours per weekday and
//! holidays. SLA clocks, after-hours signals and payroll weeks all read
//! this one type; nothing else converts instants to a company's days.
//!
//! Working hours are spans of local time per weekday, `[start, end)` in
//! minutes of the day; `end` may be 24:00 (midnight at the end of the day).
//! Hours past midnight are written as two spans, `22:00–24:00` on one day
//! and `00:00–06:00` on the next: the calendar treats touching spans as one
//! stretch of time, so an overnight shift counts without a seam. A holiday
//! takes out the whole local date. Local times are turned into instants in
//! the company's zone with the tz database (`jiff`), so a working day
//! across a DST change has its real length (an 09:00–17:00 day is eight
//! hours either way, a 00:00–24:00 day is 23 or 25).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Weekday names as the API writes them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// At most this many spans on one day.
pub const MAX_SPANS_PER_DAY: usize = 4;
/// At most this many holidays (a few years ahead).
pub const MAX_HOLIDAYS: usize = 400;
/// How far `add_business_seconds` looks ahead before giving up.
const MAX_DAYS_AHEAD: i32 = 3 * 366;

/// A field that failed validation and why (`field` as the API names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> CalendarError {
    CalendarError { field: field.into(), message: message.into() }
}

/// Working hours per weekday as the API carries them: a flat list of
/// times, start and end in turn (`["09:00", "17:30"]`, or
/// `["09:00", "12:00", "13:00", "17:30"]`); an empty list is a day off.
pub type WorkingHoursInput = BTreeMap<String, Vec<String>>;

/// Monday to Friday, 09:00 to 17:00: a new company's hours.
pub fn default_working_hours() -> WorkingHoursInput {
    WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let hours = if i < 5 { vec!["09:00".to_string(), "17:00".to_string()] } else { Vec::new() };
            (d.to_string(), hours)
        })
        .collect()
}

/// The zone's canonical IANA name, or why it is not one.
pub fn parse_time_zone(name: &str) -> Result<(String, TimeZone), CalendarError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(err("time_zone", "must be an IANA time zone name, such as Europe/Berlin"));
    }
    let tz = TimeZone::get(name)
        .map_err(|_| err("time_zone", format!("{name:?} is not an IANA time zone name, such as Europe/Berlin")))?;
    let canonical = tz.iana_name().unwrap_or(name).to_string();
    Ok((canonical, tz))
}

/// `HH:MM`, 00:00 to 23:59, or 24:00 when `end_of_day` is allowed; minutes
/// of the day.
fn parse_clock(s: &str, end_of_day: bool) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
        return None;
    }
    let h = u16::from(b[0] - b'0') * 10 + u16::from(b[1] - b'0');
    let m = u16::from(b[3] - b'0') * 10 + u16::from(b[4] - b'0');
    match (h, m) {
        (24, 0) if end_of_day => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Validates working hours: every weekday named at most once, each day's
/// times in pairs, each span ending after it starts, spans in order and
/// not overlapping. Missing weekdays are days off.
pub fn parse_working_hours(input: &WorkingHoursInput) -> Result<[Vec<(u16, u16)>; 7], CalendarError> {
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    for (day, times) in input {
        let Some(i) = WEEKDAYS.iter().position(|d| d == day) else {
            return Err(err(format!("working_hours.{day}"), "is not a weekday; use mon, tue, wed, thu, fri, sat, sun"));
        };
        let field = format!("working_hours.{day}");
        if times.len() % 2 != 0 {
            return Err(err(field, "must list start and end times in pairs, such as [\"09:00\", \"17:30\"]"));
        }
        if times.len() > 2 * MAX_SPANS_PER_DAY {
            return Err(err(field, format!("may have at most {MAX_SPANS_PER_DAY} spans")));
        }
        let mut spans = Vec::new();
        for (n, pair) in times.chunks(2).enumerate() {
            let start = parse_clock(&pair[0], false)
                .ok_or_else(|| err(format!("{field}[{}]", 2 * n), "must be a time from 00:00 to 23:59"))?;
            let end = parse_clock(&pair[1], true)
                .ok_or_else(|| err(format!("{field}[{}]", 2 * n + 1), "must be a time from 00:01 to 24:00"))?;
            if end <= start {
                return Err(err(
                    format!("{field}[{}]", 2 * n + 1),
                    "ends before it starts; for hours past midnight, end this day at 24:00 and start the next at 00:00",
                ));
            }
            if let Some(&(_, prev_end)) = spans.last() {
                if start < prev_end {
                    return Err(err(format!("{field}[{}]", 2 * n), "overlaps or precedes the span before it"));
                }
            }
            spans.push((start, end));
        }
        week[i] = spans;
    }
    Ok(week)
}

/// Validates holidays: `YYYY-MM-DD` dates, at most `MAX_HOLIDAYS`;
/// duplicates count once.
pub fn parse_holidays(input: &[String]) -> Result<BTreeSet<Date>, CalendarError> {
    if input.len() > MAX_HOLIDAYS {
        return Err(err("holidays", format!("may list at most {MAX_HOLIDAYS} dates")));
    }
    let mut out = BTreeSet::new();
    for (i, s) in input.iter().enumerate() {
        let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        let d = ok.then(|| s.parse::<Date>().ok()).flatten();
        out.insert(d.ok_or_else(|| err(format!("holidays[{i}]"), "must be a date as YYYY-MM-DD"))?);
    }
    Ok(out)
}

/// A company's calendar, ready to answer questions about instants.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
    week: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<Date>,
}

impl Default for Calendar {
    /// UTC, Monday to Friday 09:00–17:00, no holidays: a company that set
    /// nothing (or whose stored calendar no longer parses).
    fn default() -> Self {
        Self::from_settings(None, None, None).expect("the default calendar is valid")
    }
}

impl Calendar {
    /// From the stored (or requested) settings; `None` fields take the
    /// defaults (UTC, Monday to Friday 09:00–17:00, no holidays).
    pub fn from_settings(
        time_zone: Option<&str>,
        working_hours: Option<&WorkingHoursInput>,
        holidays: Option<&[String]>,
    ) -> Result<Self, CalendarError> {
        let zone = match time_zone {
            Some(name) => parse_time_zone(name)?.1,
            None => TimeZone::UTC,
        };
        let week = match working_hours {
            Some(w) => parse_working_hours(w)?,
            None => parse_working_hours(&default_working_hours())?,
        };
        let holidays = parse_holidays(holidays.unwrap_or(&[]))?;
        Ok(Self { zone, week, holidays })
    }

    /// The company's local date at `at`.
    pub fn local_date(&self, at: Timestamp) -> Date {
        self.zone.to_datetime(at).date()
    }

    /// The company's local time of day at `at`.
    pub fn local_time(&self, at: Timestamp) -> Time {
        self.zone.to_datetime(at).time()
    }

    /// The instant the local date `date` ends (the next day's midnight, or
    /// whenever that day starts where midnight falls in a DST gap).
    pub fn end_of_day(&self, date: Date) -> Option<Timestamp> {
        self.instant(date, 24 * 60)
    }

    /// The instant the local date `date` starts (its midnight, or the end
    /// of a DST gap that swallows midnight).
    pub fn start_of_day(&self, date: Date) -> Option<Timestamp> {
        self.instant(date, 0)
    }

    /// `[from, to)` cut at the company's local midnights: each local date it
    /// touches, with the real seconds it holds (a 23- or 25-hour DST day
    /// counts what it really had). Empty when `to` is not after `from`.
    pub fn split_days(&self, from: Timestamp, to: Timestamp) -> Vec<(Date, i64)> {
        let mut out = Vec::new();
        let mut start = from;
        while start < to {
            let date = self.local_date(start);
            let end = match self.end_of_day(date) {
                Some(e) if e > start => e.min(to),
                _ => to,
            };
            out.push((date, end.as_second() - start.as_second()));
            start = end;
        }
        out
    }

    /// The ISO week (year, week) of `at` in the company's zone: weeks run
    /// Monday to Sunday, and the year is the ISO week-numbering year.
    pub fn iso_week(&self, at: Timestamp) -> (i16, i8) {
        let w = self.local_date(at).iso_week_date();
        (w.year(), w.week())
    }

    /// Whether `at` falls in working hours (not on a holiday).
    pub fn is_working(&self, at: Timestamp) -> bool {
        let date = self.local_date(at);
        // A span of the day before can end after midnight only at 24:00,
        // which is this day's 00:00: the day's own spans decide.
        self.spans(date).any(|(s, e)| s <= at && at < e)
    }

    /// Whether any part of `[from, to)` falls outside working hours.
    pub fn outside_hours(&self, from: Timestamp, to: Timestamp) -> bool {
        let length = to.as_second() - from.as_second();
        if length <= 0 {
            return !self.is_working(from);
        }
        self.business_seconds(from, to) < length
    }

    /// Working seconds in `[from, to)`; 0 when `to` is not after `from`.
    pub fn business_seconds(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let (first, last) = (self.local_date(from), self.local_date(to));
        let mut total = 0;
        let mut day = first;
        while day <= last {
            for (s, e) in self.spans(day) {
                let (s, e) = (s.max(from), e.min(to));
                if s < e {
                    total += e.as_second() - s.as_second();
                }
            }
            match day.tomorrow() {
                Ok(d) => day = d,
                Err(_) => break,
            }
        }
        total
    }

    /// The instant `seconds` working seconds after `from` (counting only
    /// working hours); `from` itself for 0 or less; `None` if the calendar
    /// has no working time in the next three years.
    pub fn add_business_seconds(&self, from: Timestamp, seconds: i64) -> Option<Timestamp> {
        if seconds <= 0 {
            return Some(from);
        }
        let mut left = seconds;
        let mut day = self.local_date(from);
        for _ in 0..MAX_DAYS_AHEAD {
            for (s, e) in self.spans(day) {
                let s = s.max(from);
                if s >= e {
                    continue;
                }
                let available = e.as_second() - s.as_second();
                if left <= available {
                    return Timestamp::from_second(s.as_second() + left).ok();
                }
                left -= available;
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The working spans of a local date as instants (none on a holiday).
    fn spans(&self, date: Date) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let off = self.holidays.contains(&date);
        let day = &self.week[weekday_index(date.weekday())];
        day.iter()
            .filter(move |_| !off)
            .filter_map(move |&(s, e)| Some((self.instant(date, s)?, self.instant(date, e)?)))
    }

    /// Local `minutes` after midnight of `date` as an instant: a time in a
    /// DST gap moves forward by the gap, one in a fold takes the earlier
    /// instant (the "compatible" rule of RFC 5545 and Temporal).
    fn instant(&self, date: Date, minutes: u16) -> Option<Timestamp> {
        let dt = if minutes >= 24 * 60 {
            DateTime::from_parts(date.tomorrow().ok()?, Time::midnight())
        } else {
            let t = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
            DateTime::from_parts(date, t)
        };
        self.zone.to_ambiguous_timestamp(dt).compatible().ok()
    }
}

fn weekday_index(w: Weekday) -> usize {
    (w.to_monday_zero_offset()) as usize
}

/// Working hours as the API shows them (every weekday, in order).
pub fn show_working_hours(week: &[Vec<(u16, u16)>; 7]) -> WorkingHoursInput {
    WEEKDAYS
        .iter()
        .zip(week.iter())
        .map(|(d, spans)| (d.to_string(), spans.iter().flat_map(|&(s, e)| [clock(s), clock(e)]).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hours(pairs: &[(&str, &[&str])]) -> WorkingHoursInput {
        pairs.iter().map(|(d, t)| (d.to_string(), t.iter().map(|s| s.to_string()).collect())).collect()
    }

    fn nine_to_five(zone: &str) -> Calendar {
        Calendar::from_settings(Some(zone), None, None).unwrap()
    }

    #[test]
    fn business_seconds_count_only_working_hours() {
        let c = nine_to_five("UTC");
        // Monday 2026-11-30, 08:00 to 10:00: one working hour.
        assert_eq!(c.business_seconds(ts("2026-11-30T08:00:00Z"), ts("2026-11-30T10:00:00Z")), 3600);
        // Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
        assert_eq!(c.business_seconds(ts("2026-12-04T16:00:00Z"), ts("2026-12-07T10:00:00Z")), 2 * 3600);
        // A whole week: five eight-hour days.
        assert_eq!(c.business_seconds(ts("2026-11-30T00:00:00Z"), ts("2026-12-07T00:00:00Z")), 40 * 3600);
        // Backwards or empty: nothing.
        assert_eq!(c.business_seconds(ts("2026-11-30T10:00:00Z"), ts("2026-11-30T09:00:00Z")), 0);
        assert!(c.is_working(ts("2026-11-30T09:00:00Z")));
        assert!(!c.is_working(ts("2026-11-30T17:00:00Z")), "the end is not inside");
        assert!(!c.is_working(ts("2026-12-05T12:00:00Z")), "Saturday");
    }

    #[test]
    fn holidays_take_out_the_whole_local_day() {
        let c = Calendar::from_settings(Some("Europe/Berlin"), None, Some(&["2026-12-25".to_string()])).unwrap();
        // Thursday 24th 16:00 Berlin (15:00Z) to Monday 28th 10:00 Berlin:
        // one hour on the 24th, none on the 25th (holiday) or the weekend,
        // one on the 28th.
        assert_eq!(c.business_seconds(ts("2026-12-24T15:00:00Z"), ts("2026-12-28T09:00:00Z")), 2 * 3600);
        assert!(!c.is_working(ts("2026-12-25T10:00:00Z")));
    }

    #[test]
    fn overnight_hours_are_two_spans_that_count_without_a_seam() {
        let w = hours(&[("mon", &["22:00", "24:00"]), ("tue", &["00:00", "06:00"])]);
        let c = Calendar::from_settings(Some("UTC"), Some(&w), None).unwrap();
        assert_eq!(c.business_seconds(ts("2026-11-30T21:00:00Z"), ts("2026-12-01T07:00:00Z")), 8 * 3600);
        assert!(c.is_working(ts("2026-11-30T23:59:59Z")));
        assert!(c.is_working(ts("2026-12-01T00:00:00Z")));
        // Four hours from Monday 23:00 end on Tuesday at 03:00.
        assert_eq!(c.add_business_seconds(ts("2026-11-30T23:00:00Z"), 4 * 3600), Some(ts("2026-12-01T03:00:00Z")));
    }

    #[test]
    fn a_working_day_across_a_dst_change_has_its_real_length() {
        let all_day = hours(&[("sun", &["00:00", "24:00"])]);
        // Europe/Berlin: Sunday 2026-03-29 has 23 hours, Sunday 2026-10-25 has 25.
        let c = Calendar::from_settings(Some("Europe/Berlin"), Some(&all_day), None).unwrap();
        let spring = c.business_seconds(ts("2026-03-28T12:00:00Z"), ts("2026-03-30T12:00:00Z"));
        assert_eq!(spring, 23 * 3600);
        let autumn = c.business_seconds(ts("2026-10-24T12:00:00Z"), ts("2026-10-26T12:00:00Z"));
        assert_eq!(autumn, 25 * 3600);
        // America/New_York, 01:00–03:00 on the night clocks go forward
        // (2026-03-08): 02:00–03:00 does not exist, one real hour.
        let night = hours(&[("sun", &["01:00", "03:00"])]);
        let ny = Calendar::from_settings(Some("America/New_York"), Some(&night), None).unwrap();
        assert_eq!(ny.business_seconds(ts("2026-03-08T00:00:00Z"), ts("2026-03-09T00:00:00Z")), 3600);
        // …and on the night they go back (2026-11-01), 01:00 comes twice: three real hours.
        assert_eq!(ny.business_seconds(ts("2026-11-01T00:00:00Z"), ts("2026-11-02T00:00:00Z")), 3 * 3600);
        // A nine-to-five day stays eight hours across the change.
        let ny95 =
            Calendar::from_settings(Some("America/New_York"), Some(&hours(&[("mon", &["09:00", "17:00"])])), None)
                .unwrap();
        assert_eq!(ny95.business_seconds(ts("2026-03-09T00:00:00Z"), ts("2026-03-10T00:00:00Z")), 8 * 3600);
        assert!(ny95.is_working(ts("2026-03-09T13:00:00Z")), "09:00 EDT is 13:00Z");
        assert!(!ny95.is_working(ts("2026-03-09T12:59:59Z")));
    }

    #[test]
    fn half_hour_and_odd_offsets_are_the_zones_own() {
        // Asia/Kolkata is UTC+05:30: 09:00 there is 03:30Z.
        let k = nine_to_five("Asia/Kolkata");
        assert!(k.is_working(ts("2026-11-30T03:30:00Z")));
        assert!(!k.is_working(ts("2026-11-30T03:29:59Z")));
        assert_eq!(k.business_seconds(ts("2026-11-30T00:00:00Z"), ts("2026-11-30T12:00:00Z")), 8 * 3600);
        // America/St_Johns is UTC-03:30 in winter, -02:30 in summer.
        let sj = nine_to_five("America/St_Johns");
        assert!(sj.is_working(ts("2026-11-30T12:30:00Z")), "09:00 NST");
        assert!(!sj.is_working(ts("2026-11-30T12:29:00Z")));
        assert!(sj.is_working(ts("2026-07-06T11:30:00Z")), "09:00 NDT");
        // The local date of an instant is the zone's: 2026-11-30T22:00Z is
        // already 1 December in Kolkata.
        assert_eq!(k.local_date(ts("2026-11-30T22:00:00Z")).to_string(), "2026-12-01");
    }

    #[test]
    fn iso_weeks_are_the_zones_monday_to_sunday() {
        let utc = nine_to_five("UTC");
        let tokyo = nine_to_five("Asia/Tokyo");
        // Sunday 2026-11-29 20:00Z is Monday 30 November 05:00 in Tokyo.
        assert_eq!(utc.iso_week(ts("2026-11-29T20:00:00Z")), (2026, 48));
        assert_eq!(tokyo.iso_week(ts("2026-11-29T20:00:00Z")), (2026, 49));
        // 2027-01-01 is a Friday: ISO week 53 of 2026.
        assert_eq!(utc.iso_week(ts("2027-01-01T12:00:00Z")), (2026, 53));
    }

    #[test]
    fn add_business_seconds_skips_nights_weekends_and_holidays() {
        let c = Calendar::from_settings(Some("UTC"), None, Some(&["2026-12-07".to_string()])).unwrap();
        // Friday 16:00 + 2 h: one hour Friday, Monday is a holiday, one hour Tuesday.
        assert_eq!(c.add_business_seconds(ts("2026-12-04T16:00:00Z"), 2 * 3600), Some(ts("2026-12-08T10:00:00Z")));
        // From outside hours, the clock starts at the next opening.
        assert_eq!(c.add_business_seconds(ts("2026-12-05T12:00:00Z"), 60), Some(ts("2026-12-08T09:01:00Z")));
        assert_eq!(c.add_business_seconds(ts("2026-12-05T12:00:00Z"), 0), Some(ts("2026-12-05T12:00:00Z")));
        // It agrees with business_seconds.
        let from = ts("2026-11-30T11:17:00Z");
        let due = c.add_business_seconds(from, 30 * 3600).unwrap();
        assert_eq!(c.business_seconds(from, due), 30 * 3600);
        // No working hours at all: never.
        let closed = Calendar::from_settings(Some("UTC"), Some(&WorkingHoursInput::new()), None).unwrap();
        assert_eq!(closed.add_business_seconds(from, 1), None);
    }

    #[test]
    fn bad_settings_name_the_field() {
        let bad_hours = |pairs: &[(&str, &[&str])]| parse_working_hours(&hours(pairs)).unwrap_err().field;
        assert_eq!(bad_hours(&[("mon", &["25:00", "26:00"])]), "working_hours.mon[0]");
        assert_eq!(bad_hours(&[("mon", &["09:00", "24:01"])]), "working_hours.mon[1]");
        assert_eq!(bad_hours(&[("mon", &["17:00", "09:00"])]), "working_hours.mon[1]");
        assert_eq!(bad_hours(&[("mon", &["09:00", "09:00"])]), "working_hours.mon[1]");
        assert_eq!(bad_hours(&[("mon", &["09:00"])]), "working_hours.mon");
        assert_eq!(bad_hours(&[("mon", &["9:00", "17:00"])]), "working_hours.mon[0]");
        assert_eq!(bad_hours(&[("mon", &["24:00", "24:00"])]), "working_hours.mon[0]");
        assert_eq!(bad_hours(&[("mon", &["09:00", "12:00", "11:00", "13:00"])]), "working_hours.mon[2]");
        assert_eq!(bad_hours(&[("monday", &["09:00", "17:00"])]), "working_hours.monday");
        assert_eq!(
            bad_hours(&[(
                "mon",
                &["09:00", "17:00", "18:00", "19:00", "20:00", "21:00", "22:00", "22:30", "23:00", "23:30"]
            )]),
            "working_hours.mon"
        );
        assert_eq!(parse_time_zone("Mars/Olympus").unwrap_err().field, "time_zone");
        assert_eq!(parse_time_zone("").unwrap_err().field, "time_zone");
        assert_eq!(parse_time_zone("+05:00").unwrap_err().field, "time_zone");
        assert_eq!(parse_time_zone("Asia/Kolkata").unwrap().0, "Asia/Kolkata");
        let bad_day = |s: &str| parse_holidays(&["2026-12-25".to_string(), s.to_string()]).unwrap_err().field;
        for s in ["25/12/2026", "2026-13-01", "2026-02-30", "20261225", "2026-12-25T00:00:00Z", ""] {
            assert_eq!(bad_day(s), "holidays[1]", "{s:?}");
        }
        assert!(parse_holidays(&vec!["2026-12-25".to_string(); MAX_HOLIDAYS + 1]).is_err());
        assert_eq!(parse_holidays(&["2026-12-25".to_string(), "2026-12-25".to_string()]).unwrap().len(), 1);
    }

    #[test]
    fn working_hours_show_as_they_were_given() {
        let w = hours(&[("mon", &["09:00", "12:00", "13:00", "17:30"]), ("sat", &["22:00", "24:00"])]);
        let shown = show_working_hours(&parse_working_hours(&w).unwrap());
        assert_eq!(shown["mon"], ["09:00", "12:00", "13:00", "17:30"]);
        assert_eq!(shown["sat"], ["22:00", "24:00"]);
        assert!(shown["sun"].is_empty());
        assert_eq!(shown.len(), 7);
        assert_eq!(
            show_working_hours(&parse_working_hours(&default_working_hours()).unwrap()),
            default_working_hours()
        );
    }
}
