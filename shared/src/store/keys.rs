//! Every DynamoDB key Tenure writes is built here, and nowhere else.
//! Company-scoped keys take a `Tenant`, which only the request pipeline can
//! make, so a handler cannot address another company's items.
//!
//! | entity      | pk                 | sk                   | gsi1pk / gsi1sk        | used by |
//! |-------------|--------------------|----------------------|------------------------|---------|
//! | company     | `CO#{cid}`         | `COMPANY`            | `COMPANIES` / `{cid}`  | POST/GET /companies, GET /companies/{id}, signup |
//! | user        | `CO#{cid}`         | `USER#{uid}`         | –                      | every signed-in request (token check), /auth/me, /auth/admin/users… |
//! | credential  | `LOGIN#{email}`    | `LOGIN`              | –                      | login (lookup, lockout); signup and user creation (email uniqueness) |
//! | login attempts | `LOGIN#{email}` | `ATTEMPTS`           | –                      | login with an email that has no account (its lockout); TTL 24 h |
//! | session     | `CO#{cid}`         | `SESSION#{sid}`      | –                      | every signed-in request (revocation), refresh, logout |
//! | audit head  | `CO#{cid}`         | `AUDITHEAD`          | –                      | every audited write (chain link), GET /audit/verify |
//! | audit event | `CO#{cid}`         | `EVENT#{seq:012}`    | –                      | GET /audit, GET /audit/verify |
//! | idempotency | `IDEM#{scope}`     | `{sha256(key)}`      | –                      | creates with an `Idempotency-Key` |
//! | rate limit  | `RL#{client}`      | `H#{YYYYMMDDHH}`     | –                      | every request |
//! | leaver      | `CO#{cid}`         | `LEAVER#{lid}`       | gsi1 `CO#{cid}#SURNAME#{surname}` / `{lid}`; gsi2 `CO#{cid}#LEAVERS` / `{leave_date}#{lid}`; gsi3 (active only) `LEAVING#{shard}` / `{leave_date}#{cid}#{lid}` | /leavers…, sweeps |
//! | risk history| `CO#{cid}`         | `RISK#{lid}#{date}`  | –                      | GET /leavers/{id}/risk, assess, sweeps |
//! | alert       | `CO#{cid}`         | `ALERT#{aid}`        | –                      | GET/PATCH /alerts |
//! | open-alert guard | `CO#{cid}`    | `ALERTOPEN#{lid}#{level}` | –                 | one open alert per leaver and level |
//! | risk settings | `CO#{cid}`       | `RISKSETTINGS`       | –                      | /risk-settings, scoring |
//! | sweep state | `SWEEP#{date}`     | `STATE`              | –                      | the scheduled sweep's checkpoint |
//! | migration   | `MIGRATION#{name}` | `STATE`              | –                      | a one-off data migration's progress (the sweep's gsi3 backfill) |
//! | document    | `CO#{cid}`         | `DOC#{did}`          | gsi1 `CO#{cid}#DOCS#{uid}` / `{did}` | /documents…, the upload trigger |
//! | department  | `CO#{cid}`         | `DEPT#{did}`         | –                      | /departments… |
//! | department name guard | `CO#{cid}` | `DEPTNAME#{name key}` | –                  | one department per name |
//! | import      | `CO#{cid}`         | `IMPORT#{iid}`       | –                      | /imports…, the import function (status, report, apply checkpoint) |
//! | import row guard | `CO#{cid}`    | `IMPROW#{iid}#{row:05}` | –                   | the import function: each row written once (TTL 7 days) |
//! | imported leaver guard | `CO#{cid}` | `IMPLEAVER#{email}` | –                     | the import function: one imported leaver per email and company |
//! | ticket      | `CO#{cid}`         | `TICKET#{tid}`       | gsi1 `CO#{cid}#TKREQ#{uid}` / `{tid}` (the requester's); gsi2 `CO#{cid}#TKQ#{assignee or none}` / `{tid}` (a technician's, the queue); gsi3 (while a clock needs a look) `SLADUE#{shard}` / `{check_at}#{cid}#{tid}` | /tickets…, the SLA check |
//! | ticket timeline entry | `CO#{cid}` | `TKEV#{tid}#{seq:05}` | –                  | GET /tickets/{id}/events |
//! | ticket comment | `CO#{cid}`      | `TKCOM#{tid}#{cmid}` | –                      | /tickets/{id}/comments |
//! | ticket SLA state | `CO#{cid}`    | `TKSLA#{at_risk or breached}#{tid}` | –       | GET /tickets?sla= |
//! | SLA policies | `CO#{cid}`        | `SLAPOLICIES`        | –                      | /sla-policies, opening a ticket |
//! | project     | `CO#{cid}`         | `PROJECT#{pid}`      | gsi1 (active only) `CO#{cid}#PROJOWN#{owner}` / `{pid}`; gsi2 (active only) `CO#{cid}#HELD#{owner}` / `P#{pid}` | /projects…, hand-over |
//! | task        | `CO#{cid}`         | `TASK#{pid}#{tkid}`  | gsi2 (open and assigned, not deleted) `CO#{cid}#HELD#{assignee}` / `T#{due date or 9999-12-31}#{tkid}` | /projects/{id}/tasks…, GET /tasks, hand-over |
//! | deleted projects | `CO#{cid}`    | `PROJDEL`            | –                      | GET /tasks (hides the tasks of deleted projects) |
//! | departments summary | `CO#{cid}`   | `DEPTS`              | –                      | names and sensitive flags of every department, read with the risk settings: the `sensitive_department` signal, a leaver's department from a person's record; its presence ends the risk settings' legacy list |
//! | shift (clock-in) | `CO#{cid}`    | `CLOCKIN#{clkid}`    | gsi1 `CO#{cid}#CLK#{uid}` / `{in_at}#{clkid}` (a person's); gsi2 `CO#{cid}#CLKDEPT#{did}` / `{in_at}#{clkid}` (a department's) | /clockins… |
//! | clock       | `CO#{cid}`         | `CLOCK#{uid}`        | –                      | a person's open shift and last clock-out: one open shift per person (POST /clockins) |
//! | weekly totals | `CO#{cid}`       | `PAYWEEK#{week}#{uid}` | gsi2 `CO#{cid}#PAYDEPT#{did}` / `{week}#{uid}` (a department's) | GET /reports/payroll (people × weeks); kept by every clock-out and correction |
//! | monthly totals | `CO#{cid}`      | `PAYMONTH#{uid}#{YYYY-MM}` | –                  | the cost forecast: seconds worked (clock-outs, corrections) and events serviced (event writes) |
//! | payroll lock | `CO#{cid}`        | `PAYLOCK`            | –                      | POST/GET /payroll-periods; every clock-in write checks it |
//! | package     | `CO#{cid}`         | `PACKAGE#{pkid}`     | –                      | /packages… |
//! | event       | `CO#{cid}`         | `CEVENT#{ceid}`      | gsi1 `CO#{cid}#EVEMP#{uid}` / `{start}#{ceid}`; gsi2 `CO#{cid}#EVDEPT#{did}` / `{start}#{ceid}` | /events… |
//! | busy day    | `CO#{cid}`         | `EVBUSY#{uid}#{date}` | –                     | no two overlapping events for one person: each event's spans on the UTC dates it touches, with a revision every write checks |
//!
//! `docs/data-model.md` explains the same table in prose.

use crate::ids::{
    AlertId, CalEventId, ClockinId, CompanyId, DepartmentId, DocumentId, ImportId, LeaverId, PackageId, ProjectId,
    SessionId, TaskId, TicketId, UserId,
};

/// A company whose data the current request may touch. Made only by the
/// request pipeline (from the caller's token, or an admin's `company_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(CompanyId);

impl Tenant {
    /// Only the pipeline and the signup flow (which creates the company)
    /// call this.
    pub(crate) fn new(id: CompanyId) -> Self {
        Self(id)
    }

    pub fn id(&self) -> &CompanyId {
        &self.0
    }
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

fn k(pk: String, sk: impl Into<String>) -> Key {
    Key { pk, sk: sk.into() }
}

/// What every company-scoped partition key starts with.
pub const COMPANY_PK_PREFIX: &str = "CO#";

fn company_pk(id: &CompanyId) -> String {
    format!("{COMPANY_PK_PREFIX}{id}")
}

pub fn company(t: &Tenant) -> Key {
    k(company_pk(t.id()), "COMPANY")
}
pub const COMPANIES_GSI1PK: &str = "COMPANIES";

pub fn user(t: &Tenant, id: &UserId) -> Key {
    k(company_pk(t.id()), format!("USER#{id}"))
}
pub const USER_SK_PREFIX: &str = "USER#";

pub fn credential(email: &str) -> Key {
    k(format!("LOGIN#{email}"), "LOGIN")
}

/// Failed sign-ins of an email without an account.
pub fn login_attempts(email: &str) -> Key {
    k(format!("LOGIN#{email}"), "ATTEMPTS")
}

pub fn session(t: &Tenant, id: &SessionId) -> Key {
    k(company_pk(t.id()), format!("SESSION#{id}"))
}

pub fn audit_head(t: &Tenant) -> Key {
    k(company_pk(t.id()), "AUDITHEAD")
}

pub fn audit_event(t: &Tenant, seq: u64) -> Key {
    k(company_pk(t.id()), format!("EVENT#{seq:012}"))
}
pub const EVENT_SK_PREFIX: &str = "EVENT#";

/// `scope` is a user id, or `ip:{address}` for unauthenticated creates.
pub fn idempotency(scope: &str, key_hash: &str) -> Key {
    k(format!("IDEM#{scope}"), key_hash)
}

pub fn rate_limit(client: &str, hour: &str) -> Key {
    k(format!("RL#{client}"), format!("H#{hour}"))
}

pub fn leaver(t: &Tenant, id: &LeaverId) -> Key {
    k(company_pk(t.id()), format!("LEAVER#{id}"))
}
pub const LEAVER_SK_PREFIX: &str = "LEAVER#";

/// gsi1: leavers by surname (eventually consistent): the seed's
/// `GET/PUT /leavers/{surname}`.
pub fn leaver_surname_gsi1pk(t: &Tenant, surname_key: &str) -> String {
    format!("{}#SURNAME#{surname_key}", company_pk(t.id()))
}

/// gsi2: a company's leavers by leave date.
pub fn leavers_by_date_gsi2pk(t: &Tenant) -> String {
    format!("{}#LEAVERS", company_pk(t.id()))
}
pub fn leavers_by_date_gsi2sk(leave_date: &str, id: &LeaverId) -> String {
    format!("{leave_date}#{id}")
}

/// gsi3: every company's active leavers by leave date, spread over
/// `LEAVING_SHARDS` partitions by leaver id (so no one partition takes every
/// leaver write), read by the daily sweep one shard at a time.
pub const LEAVING_SHARDS: u8 = 8;
pub fn leaving_gsi3pk(shard: u8) -> String {
    format!("LEAVING#{shard}")
}
pub fn leaving_shard(id: &LeaverId) -> u8 {
    use sha2::Digest;
    sha2::Sha256::digest(id.to_string().as_bytes())[0] % LEAVING_SHARDS
}
pub fn leaving_gsi3sk(leave_date: &str, t: &Tenant, id: &LeaverId) -> String {
    format!("{leave_date}#{}#{id}", t.id())
}

pub fn department(t: &Tenant, id: &DepartmentId) -> Key {
    k(company_pk(t.id()), format!("{DEPT_SK_PREFIX}{id}"))
}
pub const DEPT_SK_PREFIX: &str = "DEPT#";
/// Holds one department's name in a company: `name_key` is the name
/// lowercased with its spaces collapsed.
pub fn department_name(t: &Tenant, name_key: &str) -> Key {
    k(company_pk(t.id()), format!("DEPTNAME#{name_key}"))
}
/// The company's departments in one small item: each one's name, and
/// which are sensitive (`store::departments`).
pub fn departments_summary(t: &Tenant) -> Key {
    k(company_pk(t.id()), "DEPTS".to_string())
}

/// A one-off data migration's progress.
pub fn migration(name: &str) -> Key {
    k(format!("MIGRATION#{name}"), "STATE".to_string())
}

pub fn risk_history(t: &Tenant, id: &LeaverId, date: &str) -> Key {
    k(company_pk(t.id()), format!("RISK#{id}#{date}"))
}
pub fn risk_history_prefix(id: &LeaverId) -> String {
    format!("RISK#{id}#")
}

pub fn alert(t: &Tenant, id: &AlertId) -> Key {
    k(company_pk(t.id()), format!("ALERT#{id}"))
}
pub const ALERT_SK_PREFIX: &str = "ALERT#";

pub fn open_alert_guard(t: &Tenant, leaver: &LeaverId, level: &str) -> Key {
    k(company_pk(t.id()), format!("ALERTOPEN#{leaver}#{level}"))
}

pub fn risk_settings(t: &Tenant) -> Key {
    k(company_pk(t.id()), "RISKSETTINGS")
}

pub fn document(t: &Tenant, id: &DocumentId) -> Key {
    k(company_pk(t.id()), format!("DOC#{id}"))
}
pub const DOCUMENT_SK_PREFIX: &str = "DOC#";

pub fn import(t: &Tenant, id: &ImportId) -> Key {
    k(company_pk(t.id()), format!("{IMPORT_SK_PREFIX}{id}"))
}
pub const IMPORT_SK_PREFIX: &str = "IMPORT#";

/// Marks one row of an import as written (rows are numbered as a
/// spreadsheet shows them, so at most 20,001).
pub fn import_row(t: &Tenant, id: &ImportId, row: u32) -> Key {
    k(company_pk(t.id()), format!("IMPROW#{id}#{row:05}"))
}

/// One imported leaver per email in a company (the natural key of a
/// leavers import).
pub fn imported_leaver(t: &Tenant, email: &str) -> Key {
    k(company_pk(t.id()), format!("IMPLEAVER#{email}"))
}

pub fn ticket(t: &Tenant, id: &TicketId) -> Key {
    k(company_pk(t.id()), format!("{TICKET_SK_PREFIX}{id}"))
}
pub const TICKET_SK_PREFIX: &str = "TICKET#";

/// gsi1: the tickets a person raised.
pub fn requester_tickets_gsi1pk(t: &Tenant, requester: &UserId) -> String {
    format!("{}#TKREQ#{requester}", company_pk(t.id()))
}

/// gsi2: the tickets assigned to a technician, or (`None`) the queue of
/// unassigned ones.
pub fn assignee_tickets_gsi2pk(t: &Tenant, assignee: Option<&UserId>) -> String {
    match assignee {
        Some(a) => format!("{}#TKQ#{a}", company_pk(t.id())),
        None => format!("{}#TKQ#none", company_pk(t.id())),
    }
}

/// gsi3: tickets whose SLA clocks need a look, across companies, by when
/// (`check_at` as seconds since the epoch, zero-padded to sort), sharded
/// like the leavers' leave dates.
pub const SLA_DUE_SHARDS: u8 = 8;
pub fn sla_due_gsi3pk(shard: u8) -> String {
    format!("SLADUE#{shard}")
}
pub fn sla_due_gsi3(t: &Tenant, id: &TicketId, check_at: i64) -> (String, String) {
    use sha2::Digest;
    let shard = sha2::Sha256::digest(id.to_string().as_bytes())[0] % SLA_DUE_SHARDS;
    (sla_due_gsi3pk(shard), format!("{check_at:012}#{}#{id}", t.id()))
}

/// One entry of a ticket's timeline.
pub fn ticket_event(t: &Tenant, id: &TicketId, seq: u32) -> Key {
    k(company_pk(t.id()), format!("TKEV#{id}#{seq:05}"))
}
pub fn ticket_events_prefix(id: &TicketId) -> String {
    format!("TKEV#{id}#")
}

pub fn ticket_comment(t: &Tenant, id: &TicketId, comment: &crate::ids::CommentId) -> Key {
    k(company_pk(t.id()), format!("TKCOM#{id}#{comment}"))
}
pub fn ticket_comments_prefix(id: &TicketId) -> String {
    format!("TKCOM#{id}#")
}

/// Lists a ticket under an SLA state (`at_risk`, `breached`).
pub fn ticket_sla_state(t: &Tenant, state: &str, id: &TicketId) -> Key {
    k(company_pk(t.id()), format!("TKSLA#{state}#{id}"))
}
pub fn ticket_sla_state_prefix(state: &str) -> String {
    format!("TKSLA#{state}#")
}

pub fn project(t: &Tenant, id: &ProjectId) -> Key {
    k(company_pk(t.id()), format!("{PROJECT_SK_PREFIX}{id}"))
}
pub const PROJECT_SK_PREFIX: &str = "PROJECT#";

/// gsi1: the active projects a person owns.
pub fn owner_projects_gsi1pk(t: &Tenant, owner: &UserId) -> String {
    format!("{}#PROJOWN#{owner}", company_pk(t.id()))
}

pub fn task(t: &Tenant, project: &ProjectId, id: &TaskId) -> Key {
    k(company_pk(t.id()), format!("TASK#{project}#{id}"))
}
pub fn project_tasks_prefix(project: &ProjectId) -> String {
    format!("TASK#{project}#")
}

/// gsi2: what a person holds, the work a hand-over moves: the active
/// projects they own (`P#{pid}`) and their open tasks by due date,
/// undated last (`T#{due}#{tkid}`), in one partition.
pub fn held_gsi2pk(t: &Tenant, person: &UserId) -> String {
    format!("{}#HELD#{person}", company_pk(t.id()))
}
pub fn held_project_gsi2sk(id: &ProjectId) -> String {
    format!("{HELD_PROJECT}{id}")
}
pub fn held_task_gsi2sk(due_date: Option<&str>, id: &TaskId) -> String {
    format!("{HELD_TASK}{}#{id}", due_date.unwrap_or("9999-12-31"))
}
pub const HELD_PROJECT: &str = "P#";
pub const HELD_TASK: &str = "T#";

/// The company's deleted projects (`p_{pid}` = when), read with the session
/// by `GET /tasks` to hide their tasks.
pub fn deleted_projects(t: &Tenant) -> Key {
    k(company_pk(t.id()), "PROJDEL".to_string())
}

pub fn sla_policies(t: &Tenant) -> Key {
    k(company_pk(t.id()), "SLAPOLICIES".to_string())
}

/// gsi1: one employee's documents.
pub fn employee_documents_gsi1pk(t: &Tenant, employee: &UserId) -> String {
    format!("{}#DOCS#{employee}", company_pk(t.id()))
}

pub fn sweep_state(date: &str) -> Key {
    k(format!("SWEEP#{date}"), "STATE")
}

pub fn clockin(t: &Tenant, id: &ClockinId) -> Key {
    k(company_pk(t.id()), format!("CLOCKIN#{id}"))
}
/// gsi1: one person's shifts by clock-in time.
pub fn person_clockins_gsi1pk(t: &Tenant, person: &UserId) -> String {
    format!("{}#CLK#{person}", company_pk(t.id()))
}
/// gsi2: one department's shifts by clock-in time.
pub fn department_clockins_gsi2pk(t: &Tenant, department: &DepartmentId) -> String {
    format!("{}#CLKDEPT#{department}", company_pk(t.id()))
}
pub fn clockin_index_sk(in_at: &str, id: &ClockinId) -> String {
    format!("{in_at}#{id}")
}

/// A person's clock: their open shift and where the last one ended.
pub fn clock_state(t: &Tenant, person: &UserId) -> Key {
    k(company_pk(t.id()), format!("CLOCK#{person}"))
}

/// A person's totals for one week (`2026-W49`).
pub fn pay_week(t: &Tenant, week: &str, person: &UserId) -> Key {
    k(company_pk(t.id()), format!("{}{week}#{person}", PAY_WEEK_SK_PREFIX))
}
pub const PAY_WEEK_SK_PREFIX: &str = "PAYWEEK#";
/// The sort-key prefix of one week's totals (every person's).
pub fn pay_week_prefix(week: &str) -> String {
    format!("{PAY_WEEK_SK_PREFIX}{week}#")
}
/// gsi2: one department's weekly totals, by week and person.
pub fn department_weeks_gsi2pk(t: &Tenant, department: &DepartmentId) -> String {
    format!("{}#PAYDEPT#{department}", company_pk(t.id()))
}
pub fn department_weeks_gsi2sk(week: &str, person: &UserId) -> String {
    format!("{week}#{person}")
}

/// A person's totals for one month (`2026-11`).
pub fn pay_month(t: &Tenant, person: &UserId, month: &str) -> Key {
    k(company_pk(t.id()), format!("PAYMONTH#{person}#{month}"))
}
pub fn pay_month_prefix(person: &UserId) -> String {
    format!("PAYMONTH#{person}#")
}

pub fn payroll_lock(t: &Tenant) -> Key {
    k(company_pk(t.id()), "PAYLOCK".to_string())
}

pub fn package(t: &Tenant, id: &PackageId) -> Key {
    k(company_pk(t.id()), format!("{PACKAGE_SK_PREFIX}{id}"))
}
pub const PACKAGE_SK_PREFIX: &str = "PACKAGE#";

pub fn cal_event(t: &Tenant, id: &CalEventId) -> Key {
    k(company_pk(t.id()), format!("CEVENT#{id}"))
}
/// gsi1: one person's events by start.
pub fn person_events_gsi1pk(t: &Tenant, person: &UserId) -> String {
    format!("{}#EVEMP#{person}", company_pk(t.id()))
}
/// gsi2: one department's events by start.
pub fn department_events_gsi2pk(t: &Tenant, department: &DepartmentId) -> String {
    format!("{}#EVDEPT#{department}", company_pk(t.id()))
}
pub fn event_index_sk(start: &str, id: &CalEventId) -> String {
    format!("{start}#{id}")
}

/// One person's events on one UTC date (`YYYY-MM-DD`).
pub fn busy_day(t: &Tenant, person: &UserId, date: &str) -> Key {
    k(company_pk(t.id()), format!("EVBUSY#{person}#{date}"))
}

/// The company partition key, for queries inside one tenant.
pub fn tenant_pk(t: &Tenant) -> String {
    company_pk(t.id())
}

/// The company's overview counters (`store::stats`).
pub fn stats(t: &Tenant) -> Key {
    k(company_pk(t.id()), "STATS".to_string())
}

/// A part of the company's overview counters kept apart so that no one
/// item grows large (`store::stats`): `LEAVE`, `ALERT`, `EV#{week}`.
pub fn stats_part(t: &Tenant, part: &str) -> Key {
    k(company_pk(t.id()), format!("STATS#{part}"))
}

/// One person's overview counters (`store::stats`).
pub fn mine(t: &Tenant, person: &UserId) -> Key {
    k(company_pk(t.id()), format!("MINE#{person}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Golden strings: a change to a key format is a data migration, so it
    // must show up as a change to this test.
    #[test]
    fn key_formats_are_stable() {
        let cid = CompanyId::parse("cmp_01JD0000000000000000000000").unwrap();
        let uid = UserId::parse("usr_01JD0000000000000000000001").unwrap();
        let sid = SessionId::parse("ses_01JD0000000000000000000002").unwrap();
        let t = Tenant::new(cid);
        assert_eq!(company(&t), Key { pk: "CO#cmp_01JD0000000000000000000000".into(), sk: "COMPANY".into() });
        assert_eq!(user(&t, &uid).sk, "USER#usr_01JD0000000000000000000001");
        assert_eq!(session(&t, &sid).sk, "SESSION#ses_01JD0000000000000000000002");
        assert_eq!(credential("ada@example.com"), Key { pk: "LOGIN#ada@example.com".into(), sk: "LOGIN".into() });
        assert_eq!(
            login_attempts("ada@example.com"),
            Key { pk: "LOGIN#ada@example.com".into(), sk: "ATTEMPTS".into() }
        );
        assert_eq!(audit_head(&t).sk, "AUDITHEAD");
        assert_eq!(audit_event(&t, 42).sk, "EVENT#000000000042");
        assert_eq!(idempotency("usr_x", "abc"), Key { pk: "IDEM#usr_x".into(), sk: "abc".into() });
        assert_eq!(
            rate_limit("ip:10.0.0.1", "2026112309"),
            Key { pk: "RL#ip:10.0.0.1".into(), sk: "H#2026112309".into() }
        );
        let lid = LeaverId::parse("lvr_01JD0000000000000000000003").unwrap();
        // The shard is pinned: changing the hash would strand every stored
        // leaver in the wrong shard.
        assert_eq!(leaving_gsi3pk(leaving_shard(&lid)), "LEAVING#4");
        assert_eq!(
            leaving_gsi3sk("2026-12-01", &t, &lid),
            "2026-12-01#cmp_01JD0000000000000000000000#lvr_01JD0000000000000000000003"
        );
        assert_eq!(migration("index-keys"), Key { pk: "MIGRATION#index-keys".into(), sk: "STATE".into() });
        let clk = ClockinId::parse("clk_01JD0000000000000000000004").unwrap();
        assert_eq!(clockin(&t, &clk).sk, "CLOCKIN#clk_01JD0000000000000000000004");
        assert_eq!(clock_state(&t, &uid).sk, "CLOCK#usr_01JD0000000000000000000001");
        assert_eq!(pay_week(&t, "2026-W49", &uid).sk, "PAYWEEK#2026-W49#usr_01JD0000000000000000000001");
        assert_eq!(pay_month(&t, &uid, "2026-11").sk, "PAYMONTH#usr_01JD0000000000000000000001#2026-11");
        assert_eq!(payroll_lock(&t).sk, "PAYLOCK");
        assert_eq!(busy_day(&t, &uid, "2026-12-01").sk, "EVBUSY#usr_01JD0000000000000000000001#2026-12-01");
    }

    #[test]
    fn leavers_spread_over_every_shard_of_the_leave_date_index() {
        let mut per_shard = [0u32; LEAVING_SHARDS as usize];
        for _ in 0..8000 {
            per_shard[leaving_shard(&LeaverId::new()) as usize] += 1;
        }
        // 1000 expected in each; a shard outside 800..1200 would be a
        // broken hash, not chance.
        assert!(per_shard.iter().all(|n| (800..1200).contains(n)), "{per_shard:?}");
    }
}
