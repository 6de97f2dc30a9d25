//! Unhanded work: projects the leaver's account still owns and open tasks
//! still assigned to it. Work nobody has taken over walks out with the
//! person (or stays reachable only through their account); it matters more
//! the nearer the leave date is.

use crate::domain::risk::{Finding, RiskInput, Signal};

pub struct UnhandedWork;

/// How much of the weight applies, by days to the leave date.
fn nearness(days: i64) -> f64 {
    match days {
        d if d <= 7 => 1.0,
        d if d <= 14 => 0.75,
        d if d <= 30 => 0.5,
        _ => 0.25,
    }
}

impl Signal for UnhandedWork {
    fn id(&self) -> &'static str {
        "unhanded_work"
    }
    fn label(&self) -> &'static str {
        "Work not handed over"
    }
    fn default_weight(&self) -> u32 {
        15
    }
    fn evaluate(&self, i: &RiskInput) -> Option<Finding> {
        let held = i.held?;
        if held.projects + held.tasks == 0 {
            return None;
        }
        let days = i.days_to_leave();
        let mut evidence = vec![format!(
            "{} project{} and {} open task{} not handed over, {}",
            held.projects,
            if held.projects == 1 { "" } else { "s" },
            held.tasks,
            if held.tasks == 1 { "" } else { "s" },
            match days {
                d if d < 0 => format!("{} days after the leave date", -d),
                0 => "on the leave date".to_string(),
                d => format!("{d} days before the leave date"),
            }
        )];
        evidence.extend(held.items.iter().take(5).cloned());
        Some(Finding { fraction: nearness(days), evidence, forces: None })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::leavers::{AccessLevel, Reason};
    use crate::domain::risk::HeldWork;

    fn input<'a>(days: i64, held: Option<&'a HeldWork>, empty: &'a BTreeMap<String, u32>) -> RiskInput<'a> {
        let today = time::macros::date!(2026 - 11 - 30);
        RiskInput {
            today,
            leave_date: today + time::Duration::days(days),
            reason: Reason::Resignation,
            access_level: AccessLevel::Standard,
            department: "Ops",
            sensitive_department: false,
            checklist: &[],
            linked_role: None,
            post_leave_activity: None,
            downloads: empty,
            access_requests: empty,
            after_hours: None,
            held,
        }
    }

    #[test]
    fn held_work_weighs_more_as_the_leave_date_nears() {
        let empty = BTreeMap::new();
        let held =
            HeldWork { projects: 2, tasks: 1, items: vec!["project: Migration".into()], counted_at: String::new() };
        assert!(UnhandedWork.evaluate(&input(3, None, &empty)).is_none());
        let nothing = HeldWork::default();
        assert!(UnhandedWork.evaluate(&input(3, Some(&nothing), &empty)).is_none());
        let f: Vec<f64> = [60, 30, 14, 7, -2]
            .iter()
            .map(|d| UnhandedWork.evaluate(&input(*d, Some(&held), &empty)).unwrap().fraction)
            .collect();
        assert_eq!(f, vec![0.25, 0.5, 0.75, 1.0, 1.0]);
        let e = UnhandedWork.evaluate(&input(10, Some(&held), &empty)).unwrap().evidence;
        assert_eq!(e[0], "2 projects and 1 open task not handed over, 10 days before the leave date");
        assert_eq!(e[1], "project: Migration", "the items are the evidence");
    }
}
