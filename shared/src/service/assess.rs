//! Scoring a leaver and recording the result: the leaver's risk, a history
//! entry for the day (one per leaver and day, so re-running is harmless),
//! and an alert when the level reaches `high` or `critical` and no alert
//! is open at that level. Shared by the leaver routes and the sweep.

use serde::{Deserialize, Serialize};

use crate::domain::audit::NewEvent;
use crate::domain::leavers::{format_date, parse_date};
use crate::domain::risk::{self, Assessment, Level, RiskInput, RiskSettings};
use crate::ids::{AlertId, LeaverId};
use crate::store::leavers::{Leaver, RiskState};
use crate::store::{items, keys, Cond, Tenant, Tx};

/// One day's score, as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub date: String,
    pub score: u32,
    pub level: Level,
    pub assessed_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Acknowledged,
    Resolved,
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The leaver's risk reached `high` or `critical`.
    #[default]
    Risk,
    /// The sweep could not deactivate (or verify) the leaver's account.
    DeactivationFailed,
    /// The case of a linked account was deleted: its refusal after the
    /// leave date and its deactivation no longer happen.
    CaseDeleted,
    /// The leaver's offboarding ticket was not resolved by the end of the
    /// leave date: their access may still be open.
    OffboardingOverdue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    #[schema(value_type = String)]
    pub id: AlertId,
    #[serde(default)]
    pub kind: AlertKind,
    #[schema(value_type = String)]
    pub leaver_id: LeaverId,
    /// The leaver's linked account, when there is one: the person the
    /// alert is about, who may never handle it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub employee_id: Option<crate::ids::UserId>,
    pub leaver_name: String,
    pub level: Level,
    pub score: u32,
    pub status: AlertStatus,
    /// The factors behind the alert, largest first.
    pub reasons: Vec<String>,
    pub raised_at: String,
    pub note: Option<String>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub version: u64,
    /// Where the leaver's copy lives, to clear its open alert on resolve.
    #[serde(default)]
    #[schema(ignore)]
    pub surname_key: String,
    /// The overview counts this alert (`store::stats`): true for every
    /// alert raised since the counters exist, and for older ones once the
    /// counters' backfill has counted them. Only a counted alert is
    /// uncounted when resolved.
    #[serde(default)]
    #[schema(ignore)]
    pub counted: bool,
}

impl Alert {
    /// The slot this alert holds open on its leaver (at most one alert per
    /// slot is open): its level for risk alerts.
    pub fn slot(&self) -> &'static str {
        match self.kind {
            AlertKind::Risk => self.level.as_str(),
            AlertKind::DeactivationFailed => "deactivation",
            AlertKind::CaseDeleted => "case_deleted",
            AlertKind::OffboardingOverdue => "offboarding",
        }
    }

    /// The alert as the API shows it.
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("surname_key");
            o.remove("counted");
        }
        v
    }

    /// The alert is about this account.
    pub fn about(mut self, user: Option<&crate::ids::UserId>) -> Self {
        self.employee_id = user.cloned();
        self
    }

    /// A new open alert.
    pub fn open(
        leaver_id: &LeaverId,
        leaver_name: String,
        surname_key: &str,
        level: Level,
        score: u32,
        reasons: Vec<String>,
        now: &str,
    ) -> Self {
        Alert {
            id: AlertId::new(),
            kind: AlertKind::Risk,
            leaver_id: leaver_id.clone(),
            employee_id: None,
            leaver_name,
            level,
            score,
            status: AlertStatus::Open,
            reasons,
            raised_at: now.to_string(),
            note: None,
            acknowledged_by: None,
            acknowledged_at: None,
            resolved_by: None,
            resolved_at: None,
            version: 1,
            surname_key: surname_key.to_string(),
            counted: true,
        }
    }
}

/// Scores `l` as of `today`.
pub fn score(l: &Leaver, settings: &RiskSettings, today: time::Date) -> Assessment {
    let leave_date = parse_date(&l.leave_date).unwrap_or(today);
    let input = RiskInput {
        today,
        leave_date,
        reason: l.reason,
        access_level: l.access_level,
        department: &l.department,
        sensitive_department: settings
            .is_sensitive_department(l.department_id.as_ref().map(ToString::to_string).as_deref(), &l.department),
        checklist: &l.checklist,
        linked_role: l.linked_role,
        post_leave_activity: l.post_leave_activity.as_ref(),
        downloads: &l.downloads,
        access_requests: &l.access_requests,
        after_hours: l.after_hours.as_ref(),
        held: l.held.as_ref(),
    };
    risk::assess(&input, settings)
}

/// The risk settings as scoring reads them: `stored` (or the defaults),
/// with the sensitive departments taken from the company's departments
/// once it has any (`list` is its `DEPTS` summary item; absent, the
/// settings' own list still applies, see `api::people::create_department`).
pub fn effective_settings(stored: Option<RiskSettings>, list: Option<&crate::store::Item>) -> RiskSettings {
    let mut s = stored.unwrap_or_default();
    if let Some(map) = crate::store::departments::sensitive_from_item(list) {
        s.sensitive_departments = map.values().cloned().collect();
        s.sensitive_department_ids = map.into_keys().collect();
        s.from_departments = true;
    }
    s
}

/// What recording an assessment staged.
#[derive(Debug, Default)]
pub struct Recorded {
    pub alert: Option<Alert>,
}

/// Sets `l.risk`, stages the day's history entry and, when due, a new alert
/// (with its guard item, so two writers can never open two). The caller
/// stages the leaver itself afterwards (it now carries the new risk and
/// open alert) and commits `events` with the rest.
#[allow(clippy::too_many_arguments)]
pub fn record(
    tx: &mut Tx,
    table: &str,
    t: &Tenant,
    l: &mut Leaver,
    a: &Assessment,
    today: time::Date,
    now: &str,
    events: &mut Vec<NewEvent>,
) -> Recorded {
    l.risk =
        Some(RiskState { score: a.score, level: a.level, factors: a.factors.clone(), assessed_at: now.to_string() });
    let date = format_date(today);
    let entry = HistoryEntry { date: date.clone(), score: a.score, level: a.level, assessed_at: now.to_string() };
    tx.put(table, &keys::risk_history(t, &l.id, &date), items::RISK_HISTORY, &entry, Cond::None);
    let mut out = Recorded::default();
    if a.level.alerts() && !l.open_alerts.contains_key(a.level.as_str()) {
        let alert = Alert::open(
            &l.id,
            format!("{} {}", l.first_name, l.surname),
            &l.surname_key,
            a.level,
            a.score,
            a.factors.iter().take(3).map(|f| format!("{} (+{})", f.label, f.contribution)).collect(),
            now,
        )
        .about(l.employee_id.as_ref());
        stage_alert(tx, table, t, &alert);
        l.open_alerts.insert(a.level.as_str().to_string(), alert.id.to_string());
        events.push(
            NewEvent::new("alert.raised", alert.id.to_string())
                .with("leaver", l.id.to_string())
                .with("level", a.level.as_str())
                .with("score", a.score.to_string()),
        );
        out.alert = Some(alert);
    }
    out
}

/// Stages a new open alert with the guard item that holds its slot, so two
/// writers can never open two alerts in one slot of one leaver.
pub fn stage_alert(tx: &mut Tx, table: &str, t: &Tenant, alert: &Alert) {
    tx.put(table, &keys::alert(t, &alert.id), items::ALERT, alert, Cond::New);
    let guard = serde_json::json!({ "alert_id": alert.id.to_string() });
    tx.put(table, &keys::open_alert_guard(t, &alert.leaver_id, alert.slot()), items::ALERT_GUARD, &guard, Cond::New);
    let open = crate::store::stats::alert_counter(&alert.raised_at, alert.level.as_str());
    crate::store::stats::stage_company(tx, table, t, &open, 1);
}

/// A critical alert that the case of a linked account was deleted.
pub fn case_deleted_alert(l: &Leaver, user: &crate::ids::UserId, actor: &str, now: &str) -> Alert {
    let reason = format!("The leaver case of account {user} was deleted by {actor}");
    account_alert(l, user, AlertKind::CaseDeleted, reason, now)
}

/// An alert that the sweep could not deactivate (or verify the
/// deactivation of) a leaver's account.
pub fn deactivation_failed_alert(l: &Leaver, user: &crate::ids::UserId, now: &str) -> Alert {
    let reason = format!("Could not deactivate or verify account {user} on the leave date");
    account_alert(l, user, AlertKind::DeactivationFailed, reason, now)
}

/// A critical alert of `kind` about leaver `l` and their account.
/// A critical alert that a leaver's offboarding ticket is overdue: their
/// access was not revoked by the end of the leave date.
pub fn offboarding_overdue_alert(l: &Leaver, ticket: &crate::ids::TicketId, now: &str) -> Alert {
    let reason = format!("Offboarding ticket {ticket} was not resolved by the end of the leave date {}", l.leave_date);
    let mut a = Alert::open(
        &l.id,
        format!("{} {}", l.first_name, l.surname),
        &l.surname_key,
        Level::Critical,
        l.risk.as_ref().map(|r| r.score).unwrap_or(0),
        vec![reason],
        now,
    )
    .about(l.employee_id.as_ref());
    a.kind = AlertKind::OffboardingOverdue;
    a
}

fn account_alert(l: &Leaver, user: &crate::ids::UserId, kind: AlertKind, reason: String, now: &str) -> Alert {
    let mut a = Alert::open(
        &l.id,
        format!("{} {}", l.first_name, l.surname),
        &l.surname_key,
        Level::Critical,
        l.risk.as_ref().map(|r| r.score).unwrap_or(0),
        vec![reason],
        now,
    )
    .about(Some(user));
    a.kind = kind;
    a
}

/// Records that a leaver's account was used after the leave date: the
/// activity on both copies of the leaver, its level forced to `critical`,
/// a critical alert (unless one is open), the user flagged so this is
/// written once, and the audit events, in one transaction.
pub async fn record_post_leave_activity(
    app: &crate::service::App,
    t: &Tenant,
    user: &crate::store::items::User,
    link: &crate::store::items::LeaverLink,
    what: &str,
    head: crate::domain::audit::ChainHead,
    origin: &crate::domain::audit::Origin,
) -> Result<(), crate::store::StoreError> {
    use crate::domain::risk::Activity;
    use crate::store::{leavers as stored, Exprs, StoreError};
    let table = app.store.table().to_string();
    let activity = Activity { at: origin.at.clone(), what: what.to_string(), source_ip: origin.source_ip.clone() };
    let act: aws_sdk_dynamodb::types::AttributeValue =
        serde_dynamo::to_attribute_value(&activity).map_err(|e| StoreError::Mapping(e.to_string()))?;
    let critical = aws_sdk_dynamodb::types::AttributeValue::S(Level::Critical.as_str().into());
    for with_alert in [true, false] {
        let mut tx = Tx::new();
        tx.update(
            &table,
            &keys::user(t, &user.id),
            "SET leaver.flagged_at = :at",
            Cond::Expr("attribute_exists(leaver) AND attribute_not_exists(leaver.flagged_at)".into()),
            Exprs::new().str(":at", &origin.at),
        );
        let mut sets = vec![("post_leave_activity", act.clone()), ("risk.level", critical.clone())];
        let mut events = vec![NewEvent::new("leaver.post_leave_activity", link.leaver_id.to_string())
            .with("what", what)
            .with("user", user.id.to_string())];
        if with_alert {
            let alert = Alert::open(
                &link.leaver_id,
                user.full_name.clone(),
                &link.surname_key,
                Level::Critical,
                100,
                vec![format!("Account used after the leave date: {what} from {}", origin.source_ip)],
                &origin.at,
            )
            .about(Some(&user.id));
            stage_alert(&mut tx, &table, t, &alert);
            sets.push(("open_alerts.critical", aws_sdk_dynamodb::types::AttributeValue::S(alert.id.to_string())));
            events.push(
                NewEvent::new("alert.raised", alert.id.to_string())
                    .with("leaver", link.leaver_id.to_string())
                    .with("level", "critical"),
            );
        }
        stored::stage_fields(&mut tx, &table, t, &link.leaver_id, &sets, &[]);
        match crate::service::commit_with_audit(app, t, head.clone(), origin, tx, events, None).await {
            Ok(_) => return Ok(()),
            // Another request recorded it first.
            Err(StoreError::Cancelled { failed, .. }) if failed.contains(&0) => return Ok(()),
            // A critical alert is already open: record the activity alone.
            Err(StoreError::Cancelled { failed, .. }) if with_alert && failed.iter().all(|i| *i == 1 || *i == 2) => {
                continue
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
