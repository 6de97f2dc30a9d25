//! Rate-limit decisions. Counters live in one DynamoDB item per client and
//! clock hour, with one attribute per minute (`m07`, and `h07` for heavy
//! routes) and a `blocked_until` time; a single `UpdateItem` increments the
//! minute and returns the whole hour, so one round trip both counts and
//! decides. A client over its limit in three different minutes of an hour
//! "keeps exceeding" and is blocked for an hour.

use std::collections::HashMap;

/// Minutes over the limit within one clock hour that trigger a block.
pub const STRIKES_TO_BLOCK: usize = 3;
/// How long a block lasts.
pub const BLOCK_SECONDS: i64 = 3600;

/// Where the current request is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// `YYYYMMDDHH` (UTC): the counter item of this hour.
    pub hour: String,
    /// The next hour's item, where a block is copied so it outlives the hour.
    pub next_hour: String,
    /// `mMM`: this minute's attribute.
    pub minute_attr: String,
    /// `hMM`: this minute's heavy-route attribute.
    pub heavy_attr: String,
    /// Seconds until this minute ends.
    pub seconds_left: u64,
    /// When the counter item may be deleted (epoch seconds).
    pub expires_at: i64,
}

pub fn window(now: i64) -> Window {
    let t = time::OffsetDateTime::from_unix_timestamp(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let hour =
        |t: time::OffsetDateTime| format!("{:04}{:02}{:02}{:02}", t.year(), u8::from(t.month()), t.day(), t.hour());
    Window {
        hour: hour(t),
        next_hour: hour(t + time::Duration::hours(1)),
        minute_attr: format!("m{:02}", t.minute()),
        heavy_attr: format!("h{:02}", t.minute()),
        seconds_left: (60 - t.second() as u64).max(1),
        expires_at: now - now.rem_euclid(3600) + 3 * 3600,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Over a per-minute limit: retry when the minute ends.
    Limited {
        retry_after: u64,
    },
    /// Over the limit for the third minute this hour: block until `until`.
    StartBlock {
        until: i64,
    },
    /// Already blocked.
    Blocked {
        retry_after: u64,
    },
}

/// Decides on the counter item as it is after this request was counted.
/// `heavy_limit` is `Some` on heavy routes.
pub fn decide(
    now: i64,
    w: &Window,
    counts: &HashMap<String, u32>,
    blocked_until: Option<i64>,
    limit: u32,
    heavy_limit: Option<u32>,
) -> Decision {
    if let Some(until) = blocked_until.filter(|u| *u > now) {
        return Decision::Blocked { retry_after: (until - now) as u64 };
    }
    let over_now = counts.get(&w.minute_attr).copied().unwrap_or(0) > limit
        || heavy_limit.is_some_and(|h| counts.get(&w.heavy_attr).copied().unwrap_or(0) > h);
    if !over_now {
        return Decision::Allow;
    }
    let strikes = counts
        .iter()
        .filter(|(k, v)| {
            (k.starts_with('m') && **v > limit) || (k.starts_with('h') && heavy_limit.is_some_and(|h| **v > h))
        })
        .filter_map(|(k, _)| k.get(1..))
        .collect::<std::collections::HashSet<_>>()
        .len();
    if strikes >= STRIKES_TO_BLOCK {
        Decision::StartBlock { until: now + BLOCK_SECONDS }
    } else {
        Decision::Limited { retry_after: w.seconds_left }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_425_630; // 2026-11-23T09:20:30Z

    fn counts(pairs: &[(&str, u32)]) -> HashMap<String, u32> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn the_window_names_the_hour_and_minute() {
        let w = window(NOW);
        assert_eq!(w.hour, "2026112309");
        assert_eq!(w.next_hour, "2026112310");
        assert_eq!(w.minute_attr, "m20");
        assert_eq!(w.seconds_left, 30);
        assert!(w.expires_at > NOW + 3600);
    }

    #[test]
    fn requests_within_the_limit_pass_and_the_next_one_waits_for_the_minute() {
        let w = window(NOW);
        assert_eq!(decide(NOW, &w, &counts(&[("m20", 100)]), None, 100, None), Decision::Allow);
        assert_eq!(decide(NOW, &w, &counts(&[("m20", 101)]), None, 100, None), Decision::Limited { retry_after: 30 });
    }

    #[test]
    fn heavy_routes_have_their_own_lower_limit() {
        let w = window(NOW);
        assert_eq!(
            decide(NOW, &w, &counts(&[("m20", 51), ("h20", 51)]), None, 100, Some(50)),
            Decision::Limited { retry_after: 30 }
        );
        assert_eq!(decide(NOW, &w, &counts(&[("m20", 51), ("h20", 51)]), None, 100, None), Decision::Allow);
    }

    #[test]
    fn a_client_that_keeps_exceeding_is_blocked_for_an_hour() {
        let w = window(NOW);
        let c = counts(&[("m18", 101), ("m19", 150), ("m20", 101)]);
        assert_eq!(decide(NOW, &w, &c, None, 100, None), Decision::StartBlock { until: NOW + 3600 });
        assert_eq!(
            decide(NOW, &w, &counts(&[("m20", 1)]), Some(NOW + 10), 100, None),
            Decision::Blocked { retry_after: 10 }
        );
        assert_eq!(decide(NOW, &w, &counts(&[("m20", 1)]), Some(NOW - 1), 100, None), Decision::Allow);
    }
}
