//! The insider-risk model: an explainable, additive score from 0 to 100.
//! Each signal (one file in `signals/`) looks at what Tenure knows about a
//! leaver and reports how much of its weight applies and why. The score is
//! the sum of the contributions, capped at 100; the level comes from the
//! company's thresholds, and a signal may force a level (activity after the
//! leave date forces `critical`).
//!
//! To add a signal: write `signals/<name>.rs` implementing `Signal`, and
//! list it in `signals::ALL`. Nothing else changes; its weight defaults to
//! `default_weight` and companies can tune it in their risk settings.

pub mod settings;
pub mod signals;

use serde::{Deserialize, Serialize};

use crate::domain::leavers::{AccessLevel, ChecklistItem, Reason};
use crate::domain::roles::Role;
pub use settings::RiskSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        [Level::Low, Level::Medium, Level::High, Level::Critical].into_iter().find(|l| l.as_str() == s)
    }
    /// Levels that raise an alert.
    pub fn alerts(self) -> bool {
        self >= Level::High
    }
}

/// Activity by a leaver's account after their leave date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Activity {
    pub at: String,
    pub what: String,
    pub source_ip: String,
}

/// What the signals may look at.
#[derive(Debug, Clone)]
pub struct RiskInput<'a> {
    pub today: time::Date,
    pub leave_date: time::Date,
    pub reason: Reason,
    pub access_level: AccessLevel,
    pub department: &'a str,
    /// Whether the company marks the department sensitive.
    pub sensitive_department: bool,
    pub checklist: &'a [ChecklistItem],
    /// The linked user's current role, if the leaver has an account.
    pub linked_role: Option<Role>,
    pub post_leave_activity: Option<&'a Activity>,
    /// Documents downloaded by the person, per day (`YYYY-MM-DD`).
    pub downloads: &'a std::collections::BTreeMap<String, u32>,
    /// `access` tickets the person raised, per day (`YYYY-MM-DD`).
    pub access_requests: &'a std::collections::BTreeMap<String, u32>,
    /// What the person's account holds that is not handed over yet.
    pub held: Option<&'a HeldWork>,
    /// The person's shifts outside working hours.
    pub after_hours: Option<&'a AfterHours>,
}

/// A person's shifts outside the company's working hours: how many closed
/// per day (`YYYY-MM-DD`, 90 days kept) and the last few, described
/// (`2026-11-20 22:10–23:40`), as evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AfterHours {
    #[schema(value_type = Object)]
    pub per_day: std::collections::BTreeMap<String, u32>,
    pub recent: Vec<String>,
}

/// The work a leaver's account holds: active projects it owns and open
/// tasks assigned to it, with a few of them named (the evidence).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct HeldWork {
    pub projects: u32,
    pub tasks: u32,
    /// Up to ten of them, as `project: …` / `task: … (due …)`.
    pub items: Vec<String>,
    pub counted_at: String,
}

impl RiskInput<'_> {
    /// Days until the leave date; negative once it has passed.
    pub fn days_to_leave(&self) -> i64 {
        (self.leave_date - self.today).whole_days()
    }
}

/// Days counted as "recent" by the signals that compare a person with
/// their own past, and the days before them that make the baseline.
pub const RECENT_DAYS: i64 = 14;
pub const BASELINE_DAYS: i64 = 76;

/// A per-day count's last `RECENT_DAYS` against the person's own
/// `BASELINE_DAYS` before them: `expected` is the baseline scaled to the
/// recent span (at least 1, so a first time is not infinitely unusual).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgainstBaseline {
    pub recent: u32,
    pub baseline: u32,
    pub expected: f64,
    /// `recent / expected`: above 1 is more than usual.
    pub ratio: f64,
}

pub fn against_baseline(per_day: &std::collections::BTreeMap<String, u32>, today: time::Date) -> AgainstBaseline {
    let count = |from: i64, to: i64| -> u32 {
        (from..to)
            .map(|d| {
                per_day.get(&crate::domain::leavers::format_date(today - time::Duration::days(d))).copied().unwrap_or(0)
            })
            .sum()
    };
    let recent = count(0, RECENT_DAYS);
    let baseline = count(RECENT_DAYS, RECENT_DAYS + BASELINE_DAYS);
    let expected = (baseline as f64 / BASELINE_DAYS as f64 * RECENT_DAYS as f64).max(1.0);
    AgainstBaseline { recent, baseline, expected, ratio: recent as f64 / expected }
}

/// What one signal found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// How much of the signal's weight applies, 0.0 to 1.0.
    pub fraction: f64,
    pub evidence: Vec<String>,
    /// A level this finding forces, whatever the score.
    pub forces: Option<Level>,
}

impl Finding {
    pub fn new(fraction: f64, evidence: impl Into<String>) -> Self {
        Self { fraction: fraction.clamp(0.0, 1.0), evidence: vec![evidence.into()], forces: None }
    }
}

/// A source of risk.
pub trait Signal: Sync {
    /// Stable id, used in settings and in the factors of a score.
    fn id(&self) -> &'static str;
    fn label(&self) -> &'static str;
    /// Points when fully present, unless a company sets another weight.
    fn default_weight(&self) -> u32;
    /// `None` when the signal does not apply to this leaver.
    fn evaluate(&self, input: &RiskInput) -> Option<Finding>;
}

/// One factor of a score, as `GET /leavers/{id}/risk` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Factor {
    pub id: String,
    pub label: String,
    pub weight: u32,
    /// Points this factor adds (0 to `weight`).
    pub contribution: u32,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    pub score: u32,
    pub level: Level,
    pub factors: Vec<Factor>,
}

/// Scores a leaver with every registered signal.
pub fn assess(input: &RiskInput, settings: &RiskSettings) -> Assessment {
    assess_with(signals::ALL, input, settings)
}

pub fn assess_with(signals: &[&dyn Signal], input: &RiskInput, settings: &RiskSettings) -> Assessment {
    let mut factors = Vec::new();
    let mut forced: Option<Level> = None;
    for s in signals {
        let weight = settings.weight(s.id()).unwrap_or(s.default_weight());
        let Some(f) = s.evaluate(input) else { continue };
        let contribution = (weight as f64 * f.fraction).round() as u32;
        forced = forced.max(f.forces);
        if contribution == 0 && f.forces.is_none() {
            continue;
        }
        factors.push(Factor { id: s.id().into(), label: s.label().into(), weight, contribution, evidence: f.evidence });
    }
    factors.sort_by(|a, b| b.contribution.cmp(&a.contribution).then(a.id.cmp(&b.id)));
    let score = factors.iter().map(|f| f.contribution).sum::<u32>().min(100);
    let level = settings.level_for(score).max(forced.unwrap_or(Level::Low));
    Assessment { score, level, factors }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::leavers::{new_checklist, parse_date};

    fn input<'a>(checklist: &'a [ChecklistItem], today: &str, leave: &str) -> RiskInput<'a> {
        RiskInput {
            today: parse_date(today).unwrap(),
            leave_date: parse_date(leave).unwrap(),
            reason: Reason::Resignation,
            access_level: AccessLevel::Standard,
            department: "Marketing",
            sensitive_department: false,
            checklist,
            linked_role: None,
            post_leave_activity: None,
            downloads: &NO_DOWNLOADS,
            access_requests: &NO_DOWNLOADS,
            after_hours: None,
            held: None,
        }
    }

    static NO_DOWNLOADS: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();

    #[test]
    fn downloads_above_the_baseline_add_risk_and_steady_ones_do_not() {
        let c = new_checklist();
        let base = input(&c, "2026-11-23", "2027-06-01");
        let day = |d: i64| crate::domain::leavers::format_date(base.today - time::Duration::days(d));
        let mut steady = std::collections::BTreeMap::new();
        for d in 0..90 {
            steady.insert(day(d), 2);
        }
        let i = RiskInput { downloads: &steady, ..base.clone() };
        assert!(assess(&i, &RiskSettings::default()).factors.iter().all(|f| f.id != "document_downloads"));
        let mut burst = steady.clone();
        for d in 0..5 {
            burst.insert(day(d), 30);
        }
        let i = RiskInput { downloads: &burst, ..base.clone() };
        let a = assess(&i, &RiskSettings::default());
        let f = a.factors.iter().find(|f| f.id == "document_downloads").expect("burst scored");
        assert_eq!(f.contribution, f.weight, "5x the baseline or more scores the full weight: {f:?}");
        assert!(f.evidence[0].contains("downloads in the last 14 days"));
    }

    #[test]
    fn a_distant_retiree_with_standard_access_is_low() {
        let c = new_checklist();
        let mut i = input(&c, "2026-11-23", "2027-05-01");
        i.reason = Reason::Retirement;
        let a = assess(&i, &RiskSettings::default());
        assert_eq!(a.level, Level::Low, "{a:?}");
        assert!(a.score < 10);
    }

    #[test]
    fn a_dismissed_privileged_admin_in_finance_leaving_tomorrow_is_critical() {
        let c = new_checklist();
        let mut i = input(&c, "2026-11-23", "2026-11-24");
        i.reason = Reason::Dismissal;
        i.access_level = AccessLevel::Privileged;
        i.linked_role = Some(Role::Owner);
        i.department = "Finance";
        i.sensitive_department = RiskSettings::default().is_sensitive("finance");
        let a = assess(&i, &RiskSettings::default());
        assert_eq!(a.level, Level::Critical, "{a:?}");
        let ids: Vec<&str> = a.factors.iter().map(|f| f.id.as_str()).collect();
        for f in ["leave_date_close", "leave_reason", "access_level", "privileged_role", "sensitive_department"] {
            assert!(ids.contains(&f), "{f} missing from {ids:?}");
        }
        assert!(a.factors.iter().all(|f| !f.evidence.is_empty()), "every factor explains itself");
        assert_eq!(a.score, a.factors.iter().map(|f| f.contribution).sum::<u32>().min(100));
    }

    #[test]
    fn scores_order_clear_cases() {
        let c = new_checklist();
        let far = assess(&input(&c, "2026-11-23", "2027-02-15"), &RiskSettings::default());
        let near = assess(&input(&c, "2026-11-23", "2026-11-30"), &RiskSettings::default());
        let mut dismissed = input(&c, "2026-11-23", "2026-11-30");
        dismissed.reason = Reason::Dismissal;
        let dismissed = assess(&dismissed, &RiskSettings::default());
        assert!(
            far.score < near.score && near.score < dismissed.score,
            "{} {} {}",
            far.score,
            near.score,
            dismissed.score
        );
    }

    #[test]
    fn open_checklist_items_after_the_leave_date_add_risk_and_name_the_items() {
        let mut c = new_checklist();
        let before = assess(&input(&c, "2026-11-23", "2026-11-20"), &RiskSettings::default());
        for item in c.iter_mut() {
            item.done = true;
        }
        let done = assess(&input(&c, "2026-11-23", "2026-11-20"), &RiskSettings::default());
        assert!(before.score > done.score);
        let f = before.factors.iter().find(|f| f.id == "open_offboarding_items").unwrap();
        assert!(f.evidence.iter().any(|e| e.contains("Devices returned")), "{f:?}");
    }

    #[test]
    fn activity_after_the_leave_date_forces_critical() {
        let c = new_checklist();
        let act = Activity {
            at: "2026-11-23T09:00:00.000Z".into(),
            what: "GET /auth/me".into(),
            source_ip: "10.0.0.9".into(),
        };
        let mut i = input(&c, "2026-11-23", "2026-11-20");
        i.reason = Reason::Retirement;
        i.post_leave_activity = Some(&act);
        let a = assess(&i, &RiskSettings::default());
        assert_eq!(a.level, Level::Critical);
        assert!(a.factors[0].evidence.iter().any(|e| e.contains("GET /auth/me")), "{a:?}");
    }

    #[test]
    fn company_weights_change_the_score() {
        let c = new_checklist();
        let mut i = input(&c, "2026-11-23", "2026-12-01");
        i.access_level = AccessLevel::Privileged;
        let base = assess(&i, &RiskSettings::default());
        let mut s = RiskSettings::default();
        s.weights.insert("access_level".into(), 0);
        let tuned = assess(&i, &s);
        assert!(tuned.score < base.score);
        assert!(tuned.factors.iter().all(|f| f.id != "access_level"));
    }

    struct Always;
    impl Signal for Always {
        fn id(&self) -> &'static str {
            "always"
        }
        fn label(&self) -> &'static str {
            "Always"
        }
        fn default_weight(&self) -> u32 {
            7
        }
        fn evaluate(&self, _: &RiskInput) -> Option<Finding> {
            Some(Finding::new(1.0, "always there"))
        }
    }

    #[test]
    fn a_new_signal_plugs_in_without_touching_the_others() {
        let c = new_checklist();
        let i = input(&c, "2026-11-23", "2027-06-01");
        let mut with: Vec<&dyn Signal> = signals::ALL.to_vec();
        with.push(&Always);
        let a = assess_with(&with, &i, &RiskSettings::default());
        let b = assess(&i, &RiskSettings::default());
        assert_eq!(a.score, b.score + 7);
    }
}
