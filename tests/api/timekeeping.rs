//! Time, events and payroll (issue 16) through the real pipeline: punches
//! and the one-open-shift rule, who may record and correct whose time,
//! corrections that keep every version and move the totals, the payroll
//! report's arithmetic and its range rules, closed periods, packages and
//! events with the overlap rule under concurrency, the cost forecast, the
//! after-hours risk signal, and every bad input changing nothing.

use serde_json::{json, Value};
use tenure_tests::{Account, Harness, Req, Resp};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

fn iso(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

fn at(d: Date, h: u8, m: u8) -> OffsetDateTime {
    d.with_time(Time::from_hms(h, m, 0).unwrap()).assume_utc()
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Monday of last week (UTC, the default calendar's zone).
fn last_monday() -> Date {
    let t = today();
    t - Duration::days(i64::from(t.weekday().number_days_from_monday()) + 7)
}

/// Sets fields of a person's HR record (reading its version first).
async fn set_record(h: &Harness, by: &Account, uid: &str, fields: Value) {
    let v = h.send(Req::get(&format!("/employees/{uid}")).bearer(&by.access)).await.json()["version"].clone();
    let mut body = fields;
    body["version"] = v;
    h.send(Req::new("PATCH", &format!("/employees/{uid}")).bearer(&by.access).json(body)).await.expect(200);
}

async fn punch(h: &Harness, by: &Account, body: Value) -> Resp {
    h.send(Req::new("POST", "/clockins").bearer(&by.access).json(body)).await
}

/// A shift recorded for `person` by `by`: in at `from`, out `minutes` later.
async fn shift(h: &Harness, by: &Account, person: &str, from: OffsetDateTime, minutes: i64) -> Value {
    let body = |action: &str, t: OffsetDateTime| json!({"action": action, "employee_id": person, "at": iso(t), "reason": "timesheet from paper"});
    punch(h, by, body("in", from)).await.expect(201);
    let r = punch(h, by, body("out", from + Duration::minutes(minutes))).await;
    r.expect(201);
    r.json()
}

async fn report(h: &Harness, by: &Account, from: Date, to: Date) -> Vec<Value> {
    let r = h
        .send(
            Req::get("/reports/payroll")
                .bearer(&by.access)
                .query("from", &from.to_string())
                .query("to", &to.to_string()),
        )
        .await;
    r.expect(200);
    r.json()["items"].as_array().unwrap().clone()
}

async fn department(h: &Harness, by: &Account, name: &str, manager: Option<&str>) -> String {
    let r = h
        .send(Req::new("POST", "/departments").bearer(&by.access).json(json!({"name": name, "manager_id": manager})))
        .await;
    r.expect(201);
    r.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn one_open_shift_per_person_and_an_out_needs_an_in() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let e = h.add_user(&o, "employee").await;
    punch(&h, &e, json!({"action": "out"})).await.expect_problem(409, None);
    let r = punch(&h, &e, json!({"action": "in"})).await;
    r.expect(201);
    let open = r.json();
    assert_eq!(open["open"], true);
    assert_eq!(open["employee_id"], e.user_id.as_str());
    assert_eq!(open["versions"][0]["action"], "in");
    punch(&h, &e, json!({"action": "in"})).await.expect_problem(409, None);
    // The running shift is the newest of one's own.
    let mine = h.send(Req::get("/clockins").bearer(&e.access)).await.json();
    assert_eq!(mine["items"][0]["id"], open["id"]);
    let r = punch(&h, &e, json!({"action": "out"})).await;
    r.expect(201);
    let closed = r.json();
    assert_eq!((closed["id"].clone(), closed["open"].clone()), (open["id"].clone(), json!(false)));
    assert_eq!(closed["versions"].as_array().unwrap().len(), 2);
    punch(&h, &e, json!({"action": "out"})).await.expect_problem(409, None);

    // Two clock-ins at once (two function instances): exactly one opens.
    let f = h.add_user(&o, "employee").await;
    let (h1, h2) = (Harness::new().await, Harness::new().await);
    let (a, b) = tokio::join!(punch(&h1, &f, json!({"action": "in"})), punch(&h2, &f, json!({"action": "in"})));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
}

#[tokio::test]
async fn forty_five_hours_at_twenty_pay_nine_hundred_fifty_and_a_split_week_pays_the_same() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let p = h.add_user(&o, "employee").await;
    set_record(&h, &o, &p.user_id, json!({"hourly_rate": "20.00"})).await;
    let monday = last_monday();
    for d in 0..5 {
        shift(&h, &hr, &p.user_id, at(monday + Duration::days(d), 8, 0), 9 * 60).await;
    }
    let sunday = monday + Duration::days(6);
    let lines = report(&h, &o, monday, sunday).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let l = &lines[0];
    assert_eq!(l["employee_id"], p.user_id.as_str());
    assert_eq!((l["regular_seconds"].as_i64(), l["overtime_seconds"].as_i64()), (Some(40 * 3600), Some(5 * 3600)));
    assert_eq!((l["regular_pay"].as_str(), l["overtime_pay"].as_str()), (Some("800.00"), Some("150.00")));
    assert_eq!(l["gross_pay"], "950.00");
    assert_eq!(l["hourly_rate"], "20.00");

    // The same week in two reports: Monday to Wednesday, then the rest.
    let first = report(&h, &o, monday, monday + Duration::days(2)).await;
    let rest = report(&h, &o, monday + Duration::days(3), sunday).await;
    assert_eq!(first[0]["regular_seconds"], 27 * 3600);
    assert_eq!(first[0]["overtime_seconds"], 0);
    assert_eq!(
        (rest[0]["regular_seconds"].as_i64(), rest[0]["overtime_seconds"].as_i64()),
        (Some(13 * 3600), Some(5 * 3600))
    );
    assert_eq!((first[0]["gross_pay"].as_str(), rest[0]["gross_pay"].as_str()), (Some("540.00"), Some("410.00")));

    // CSV: the same lines, hours to the hundredth, cells formula-safe.
    let r = h
        .send(
            Req::get("/reports/payroll")
                .bearer(&o.access)
                .header("Accept", "text/csv")
                .query("from", &monday.to_string())
                .query("to", &sunday.to_string()),
        )
        .await;
    r.expect(200);
    assert!(r.header("content-type").unwrap_or_default().starts_with("text/csv"));
    let rows: Vec<&str> = r.text.lines().collect();
    assert!(rows[0].starts_with("employee_id,full_name"), "{}", r.text);
    assert!(rows[1].contains(",40.00,5.00,0.00,800.00,150.00,0.00,950.00"), "{}", r.text);

    // Under California rules a 13-hour day is 8 + 4 at 1.5× + 1 at 2×.
    let company = h.send(Req::get(&format!("/companies/{}", o.company_id)).bearer(&o.access)).await.json();
    h.send(
        Req::new("PATCH", &format!("/companies/{}", o.company_id))
            .bearer(&o.access)
            .json(json!({"version": company["version"], "overtime_rule": "daily_and_weekly"})),
    )
    .await
    .expect(200);
    let q = h.add_user(&o, "employee").await;
    set_record(&h, &o, &q.user_id, json!({"hourly_rate": "20.00"})).await;
    shift(&h, &hr, &q.user_id, at(monday, 6, 0), 13 * 60).await;
    let lines = report(&h, &o, monday, monday).await;
    let l = lines.iter().find(|l| l["employee_id"] == q.user_id.as_str()).expect("q's line");
    assert_eq!(
        (l["regular_seconds"].as_i64(), l["overtime_seconds"].as_i64(), l["double_time_seconds"].as_i64()),
        (Some(8 * 3600), Some(4 * 3600), Some(3600))
    );
    assert_eq!(l["gross_pay"], "320.00");
}

#[tokio::test]
async fn rounding_applies_to_each_shift_and_only_the_listed_roundings_are_taken() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let p = h.add_user(&o, "employee").await;
    let c = h.send(Req::get(&format!("/companies/{}", o.company_id)).bearer(&o.access)).await.json();
    let patch = |body: Value| Req::new("PATCH", &format!("/companies/{}", o.company_id)).bearer(&o.access).json(body);
    h.send(patch(json!({"version": c["version"], "rounding_minutes": 7})))
        .await
        .expect_problem(422, Some("rounding_minutes"));
    h.send(patch(json!({"version": c["version"], "overtime_rule": "monthly"})))
        .await
        .expect_problem(422, Some("overtime_rule"));
    let r = h.send(patch(json!({"version": c["version"], "rounding_minutes": 15}))).await;
    r.expect(200);
    assert_eq!(r.json()["rounding_minutes"], 15);
    let s = shift(&h, &o, &p.user_id, at(today() - Duration::days(2), 9, 0), 8 * 60 + 7).await;
    assert_eq!(s["seconds"], 8 * 3600, "8 h 7 min rounds to 8 h");
    let s = shift(&h, &o, &p.user_id, at(today() - Duration::days(1), 9, 0), 8 * 60 + 8).await;
    assert_eq!(s["seconds"], 8 * 3600 + 15 * 60, "8 h 8 min rounds to 8 h 15 min");
}

#[tokio::test]
async fn only_a_manager_of_the_department_owner_or_hr_record_someone_elses_time() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let boss = h.add_user(&o, "manager").await;
    let other_boss = h.add_user(&o, "manager").await;
    let p = h.add_user(&o, "employee").await;
    let colleague = h.add_user(&o, "employee").await;
    let ops = department(&h, &o, "Ops", Some(&boss.user_id)).await;
    department(&h, &o, "Sales", Some(&other_boss.user_id)).await;
    set_record(&h, &o, &p.user_id, json!({"department_id": ops})).await;
    let body = |when: OffsetDateTime| json!({"action": "in", "employee_id": p.user_id, "at": iso(when), "reason": "forgot to clock in"});
    let when = OffsetDateTime::now_utc() - Duration::hours(2);
    punch(&h, &colleague, body(when)).await.expect_problem(403, None);
    punch(&h, &other_boss, body(when)).await.expect_problem(403, None);
    // Nothing was recorded by the refusals.
    let listed = h.send(Req::get("/clockins").bearer(&o.access).query("employee_id", &p.user_id)).await.json();
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");
    let r = punch(&h, &boss, body(when)).await;
    r.expect(201);
    let s = r.json();
    assert_eq!(s["department_id"], ops.as_str());
    assert_eq!(s["versions"][0]["by"], boss.user_id.as_str());
    assert_eq!(s["versions"][0]["reason"], "forgot to clock in");
    // The manager sees the department's time; the other manager does not.
    let dept = h.send(Req::get("/clockins").bearer(&boss.access).query("department_id", &ops)).await;
    assert_eq!(dept.json()["items"][0]["id"], s["id"]);
    h.send(Req::get("/clockins").bearer(&other_boss.access).query("department_id", &ops)).await.expect(403);
    let id = s["id"].as_str().unwrap();
    h.send(Req::get(&format!("/clockins/{id}")).bearer(&other_boss.access)).await.expect(404);
    h.send(Req::get(&format!("/clockins/{id}")).bearer(&colleague.access)).await.expect(404);
    h.send(Req::get(&format!("/clockins/{id}")).bearer(&p.access)).await.expect(200);
    // The punch for someone else is audited with the reason.
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "clockin.in")).await.json();
    let e = log["items"].as_array().unwrap().iter().find(|e| e["target"] == s["id"]).expect("audited").clone();
    assert_eq!(e["detail"]["reason"], "forgot to clock in");
    // A new manager takes over the department's time; the old one loses it.
    let d = h.send(Req::get("/departments").bearer(&o.access)).await.json();
    let version = d["items"].as_array().unwrap().iter().find(|x| x["id"] == ops.as_str()).unwrap()["version"].clone();
    h.send(
        Req::new("PATCH", &format!("/departments/{ops}"))
            .bearer(&o.access)
            .json(json!({"version": version, "manager_id": other_boss.user_id})),
    )
    .await
    .expect(200);
    let later = OffsetDateTime::now_utc() - Duration::hours(1);
    let out =
        |when: OffsetDateTime| json!({"action": "out", "employee_id": p.user_id, "at": iso(when), "reason": "left"});
    punch(&h, &boss, out(later)).await.expect_problem(403, None);
    punch(&h, &other_boss, out(later)).await.expect(201);
    // Another company's owner cannot name this person.
    let stranger = h.signup().await;
    punch(&h, &stranger, body(when)).await.expect_problem(422, Some("employee_id"));
    h.send(Req::get(&format!("/clockins/{id}")).bearer(&stranger.access)).await.expect(404);
}

#[tokio::test]
async fn bad_punches_are_refused_field_by_field_and_change_nothing() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let p = h.add_user(&o, "employee").await;
    set_record(&h, &o, &p.user_id, json!({"start_date": today().to_string()})).await;
    let ago = iso(OffsetDateTime::now_utc() - Duration::minutes(30));
    let cases = [
        (json!({"action": "sideways"}), "action"),
        (json!({"action": "in", "employee_id": p.user_id, "at": "2099-01-01T09:00:00Z", "reason": "x"}), "at"),
        (json!({"action": "in", "employee_id": p.user_id, "at": "yesterday", "reason": "x"}), "at"),
        (json!({"action": "in", "employee_id": p.user_id, "at": ago}), "reason"),
        (json!({"action": "in", "employee_id": p.user_id, "reason": "x"}), "at"),
        (json!({"action": "in", "employee_id": p.user_id, "at": ago, "reason": "x".repeat(5000)}), "reason"),
        (json!({"action": "in", "employee_id": "usr_nobody", "at": ago, "reason": "x"}), "employee_id"),
        (json!({"action": "in", "at": ago}), "at"),
    ];
    for (body, field) in cases {
        punch(&h, &o, body.clone()).await.expect_problem(422, Some(field));
    }
    // Before the start date.
    let before = iso(at(today() - Duration::days(3), 9, 0));
    punch(&h, &o, json!({"action": "in", "employee_id": p.user_id, "at": before, "reason": "x"}))
        .await
        .expect_problem(422, Some("at"));
    // A wrong type is a 400; an unknown field names itself.
    h.send(Req::new("POST", "/clockins").bearer(&o.access).json(json!({"action": 1}))).await.expect(400);
    h.send(Req::new("POST", "/clockins").bearer(&o.access).json(json!({"action": "in", "extra": true})))
        .await
        .expect_problem(422, Some("extra"));
    let listed = h.send(Req::get("/clockins").bearer(&o.access).query("employee_id", &p.user_id)).await.json();
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");
    // A clock-out making a shift of more than a day.
    let long_ago = iso(OffsetDateTime::now_utc() - Duration::hours(30));
    let mut q = h.add_user(&o, "employee").await;
    q.access = q.access.clone();
    punch(&h, &o, json!({"action": "in", "employee_id": q.user_id, "at": long_ago, "reason": "x"})).await.expect(201);
    punch(&h, &q, json!({"action": "out"})).await.expect_problem(422, Some("at"));
    // A list range backwards, and a list of someone else's by an employee.
    h.send(Req::get("/clockins").bearer(&o.access).query("from", "2026-12-01").query("to", "2026-11-01"))
        .await
        .expect_problem(422, Some("from"));
    h.send(Req::get("/clockins").bearer(&p.access).query("employee_id", &q.user_id)).await.expect(404);
}

#[tokio::test]
async fn a_correction_keeps_the_original_moves_the_totals_and_stays_between_its_neighbours() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let p = h.add_user(&o, "employee").await;
    set_record(&h, &o, &p.user_id, json!({"hourly_rate": "10.00"})).await;
    let day = today() - Duration::days(2);
    let s = shift(&h, &hr, &p.user_id, at(day, 9, 0), 8 * 60).await;
    let next = shift(&h, &hr, &p.user_id, at(day, 19, 0), 60).await;
    let id = s["id"].as_str().unwrap();
    let url = format!("/clockins/{id}");
    let v = h.send(Req::get(&url).bearer(&hr.access)).await.json();
    assert_eq!(v["latest_out"], next["in_at"], "the next shift bounds it");
    let version = v["version"].as_u64().unwrap();
    let correct = |by: &Account, body: Value| Req::new("PATCH", &url).bearer(&by.access).json(body);
    let late = iso(at(day, 18, 0));
    // No reason, one's own, stale, past the next shift, nothing to change.
    h.send(correct(&hr, json!({"version": version, "out_at": late}))).await.expect_problem(422, Some("reason"));
    h.send(correct(&p, json!({"version": version, "out_at": late, "reason": "mine"}))).await.expect_problem(403, None);
    h.send(correct(&hr, json!({"version": version + 5, "out_at": late, "reason": "r"})))
        .await
        .expect_problem(409, None);
    h.send(correct(&hr, json!({"version": version, "out_at": iso(at(day, 20, 0)), "reason": "r"})))
        .await
        .expect_problem(422, Some("out_at"));
    h.send(correct(&hr, json!({"version": version, "reason": "r"}))).await.expect_problem(422, Some("in_at"));
    h.send(correct(&hr, json!({"version": version, "in_at": iso(at(day, 17, 0)), "reason": "r"})))
        .await
        .expect_problem(422, Some("out_at"));
    assert_eq!(report(&h, &o, day, day).await[0]["regular_seconds"], 9 * 3600, "unchanged by the refusals");

    let r = h.send(correct(&hr, json!({"version": version, "out_at": late, "reason": "left at six"}))).await;
    r.expect(200);
    let c = r.json();
    assert_eq!(c["out_at"], late.replace("+00:00", "Z"));
    assert_eq!(c["seconds"], 9 * 3600);
    let versions = c["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1]["out_at"], s["out_at"], "the original clock-out is kept");
    assert_eq!(
        (versions[2]["action"].as_str(), versions[2]["reason"].as_str()),
        (Some("corrected"), Some("left at six"))
    );
    assert_eq!(versions[2]["by"], hr.user_id.as_str());
    let shown = h.send(Req::get(&url).bearer(&p.access)).await.json();
    assert_eq!(shown["versions"], c["versions"]);
    // The day's totals moved with it: 9 h and the other 1 h.
    let lines = report(&h, &o, day, day).await;
    assert_eq!(lines[0]["regular_seconds"], 10 * 3600);
    assert_eq!(lines[0]["gross_pay"], "100.00");
    // The next shift may now start no earlier than the corrected end.
    let n = h.send(Req::get(&format!("/clockins/{}", next["id"].as_str().unwrap())).bearer(&hr.access)).await.json();
    assert_eq!(n["earliest_in"], c["out_at"]);
}

#[tokio::test]
async fn a_closed_period_refuses_changes_and_nobody_closes_their_own_hours() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let p = h.add_user(&o, "employee").await;
    let day = today() - Duration::days(3);
    let s = shift(&h, &o, &p.user_id, at(day, 9, 0), 60).await;
    let late = h.add_user(&o, "employee").await;
    punch(&h, &o, json!({"action": "in", "employee_id": late.user_id, "at": iso(at(day, 22, 0)), "reason": "r"}))
        .await
        .expect(201);
    // HR's own hours in the period: someone else must close it.
    shift(&h, &o, &hr.user_id, at(day, 10, 0), 60).await;
    let close = |by: &Account, to: Date| {
        Req::new("POST", "/payroll-periods").bearer(&by.access).json(json!({"to": to.to_string()}))
    };
    h.send(close(&hr, day)).await.expect_problem(403, None);
    h.send(close(&o, today())).await.expect_problem(422, Some("to"));
    h.send(Req::new("POST", "/payroll-periods").bearer(&o.access).json(json!({"to": "someday"})))
        .await
        .expect_problem(422, Some("to"));
    h.send(close(&p, day)).await.expect(403);
    let r = h.send(close(&o, day)).await;
    r.expect(201);
    assert_eq!(r.json()["closed_to"], day.to_string());
    h.send(close(&o, day - Duration::days(1))).await.expect_problem(409, None);
    let got = h.send(Req::get("/payroll-periods").bearer(&hr.access)).await.json();
    assert_eq!(got["closed_to"], day.to_string());
    assert_eq!(got["closed_by"], o.user_id.as_str());
    // Its time can no longer change.
    let url = format!("/clockins/{}", s["id"].as_str().unwrap());
    h.send(
        Req::new("PATCH", &url)
            .bearer(&hr.access)
            .json(json!({"version": s["version"], "out_at": iso(at(day, 9, 30)), "reason": "r"})),
    )
    .await
    .expect_problem(409, None);
    let q = h.add_user(&o, "employee").await;
    punch(&h, &o, json!({"action": "in", "employee_id": q.user_id, "at": iso(at(day, 14, 0)), "reason": "r"}))
        .await
        .expect_problem(409, None);
    // A shift still open when its day was closed is not stranded: its
    // clock-out is recorded, its hours on the closed day paid on the next.
    let r = punch(&h, &o, json!({"action": "out", "employee_id": late.user_id, "at": iso(at(day + Duration::days(1), 1, 0)), "reason": "r"})).await;
    r.expect(201);
    let cs = r.json();
    assert_eq!(cs["seconds"], 3 * 3600);
    assert_eq!(cs["pieces"].as_array().unwrap().len(), 1, "{cs}");
    assert_eq!(
        (cs["pieces"][0]["date"].as_str(), cs["pieces"][0]["seconds"].as_i64()),
        (Some((day + Duration::days(1)).to_string().as_str()), Some(3 * 3600))
    );
    // After it, time goes on.
    shift(&h, &o, &q.user_id, at(day + Duration::days(1), 9, 0), 30).await;
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "payroll.period_closed")).await.json();
    assert_eq!(log["items"][0]["detail"]["to"], day.to_string());
}

#[tokio::test]
async fn the_report_range_is_checked_and_a_manager_reads_only_their_departments() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let boss = h.add_user(&o, "manager").await;
    let p = h.add_user(&o, "employee").await;
    let q = h.add_user(&o, "employee").await;
    let ops = department(&h, &o, "Ops", Some(&boss.user_id)).await;
    set_record(&h, &o, &p.user_id, json!({"department_id": ops})).await;
    let day = today() - Duration::days(1);
    shift(&h, &o, &p.user_id, at(day, 9, 0), 60).await;
    shift(&h, &o, &q.user_id, at(day, 9, 0), 60).await;
    let get = |by: &Account, q: &[(&str, &str)]| {
        let mut r = Req::get("/reports/payroll").bearer(&by.access);
        for (k, v) in q {
            r = r.query(k, v);
        }
        r
    };
    let d = day.to_string();
    h.send(get(&o, &[("from", "2026-12-01"), ("to", "2026-11-01")])).await.expect_problem(422, Some("from"));
    h.send(get(&o, &[("from", "2026-01-01"), ("to", "2026-12-31")])).await.expect_problem(422, Some("to"));
    h.send(get(&o, &[("to", &d)])).await.expect_problem(400, Some("from"));
    h.send(get(&o, &[("from", "soon"), ("to", &d)])).await.expect_problem(400, Some("from"));
    h.send(get(&p, &[("from", &d), ("to", &d)])).await.expect(403);
    h.send(get(&boss, &[("from", &d), ("to", &d)])).await.expect(403);
    let mine = h.send(get(&boss, &[("from", &d), ("to", &d), ("department_id", &ops)])).await;
    mine.expect(200);
    let lines = mine.json()["items"].as_array().unwrap().clone();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["employee_id"], p.user_id.as_str());
    assert_eq!(report(&h, &o, day, day).await.len(), 2, "HR and owners read everyone");
    // Another company's report holds none of these.
    let stranger = h.signup().await;
    assert!(report(&h, &stranger, day, day).await.is_empty());
}

#[tokio::test]
async fn packages_and_events_refuse_bad_values_and_one_person_is_never_booked_twice_at_once() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let boss = h.add_user(&o, "manager").await;
    let p = h.add_user(&o, "employee").await;
    let outsider = h.add_user(&o, "employee").await;
    let ops = department(&h, &o, "Ops", Some(&boss.user_id)).await;
    set_record(&h, &o, &p.user_id, json!({"department_id": ops})).await;
    let pkg = |body: Value| Req::new("POST", "/packages").bearer(&boss.access).json(body);
    for (body, field) in [
        (json!({"name": "Gig", "price": "-1", "duration_minutes": 60}), "price"),
        (json!({"name": "Gig", "price": "0.001", "duration_minutes": 60}), "price"),
        (json!({"name": "Gig", "price": "10", "duration_minutes": 0}), "duration_minutes"),
        (json!({"name": "", "price": "10", "duration_minutes": 60}), "name"),
    ] {
        h.send(pkg(body)).await.expect_problem(422, Some(field));
    }
    h.send(
        Req::new("POST", "/packages").bearer(&p.access).json(json!({"name": "G", "price": "1", "duration_minutes": 1})),
    )
    .await
    .expect(403);
    let r = h.send(pkg(json!({"name": "Gig", "price": "120.5", "duration_minutes": 90}))).await;
    r.expect(201);
    let package = r.json();
    assert_eq!(package["price"], "120.50");
    let pid = package["id"].as_str().unwrap().to_string();
    let event = |start: &str, end: &str, who: &str| json!({"name": "Wedding", "start": start, "end": end, "employee_id": who, "package_id": pid, "department_id": ops});
    let create = |by: &Account, body: Value| Req::new("POST", "/events").bearer(&by.access).json(body);
    h.send(create(&boss, event("2099-06-01T12:00:00Z", "2099-06-01T10:00:00Z", &p.user_id)))
        .await
        .expect_problem(422, Some("end"));
    h.send(create(&boss, event("2099-06-01T10:00:00Z", "2099-06-20T10:00:00Z", &p.user_id)))
        .await
        .expect_problem(422, Some("end"));
    h.send(create(&boss, event("2099-06-01T10:00:00Z", "2099-06-01T12:00:00Z", &outsider.user_id)))
        .await
        .expect_problem(422, Some("employee_id"));
    h.send(create(&p, event("2099-06-01T10:00:00Z", "2099-06-01T12:00:00Z", &p.user_id))).await.expect(403);
    let r = h.send(create(&boss, event("2099-06-01T10:00:00Z", "2099-06-01T12:00:00Z", &p.user_id))).await;
    r.expect(201);
    let booked = r.json();
    assert_eq!(booked["price"], "120.50");
    // Overlapping, or across midnight into the next day's booking.
    h.send(create(&boss, event("2099-06-01T11:00:00Z", "2099-06-01T13:00:00Z", &p.user_id)))
        .await
        .expect_problem(409, None);
    h.send(create(&o, event("2099-06-01T12:00:00Z", "2099-06-01T13:00:00Z", &p.user_id))).await.expect(201);
    h.send(create(&o, event("2099-06-02T22:00:00Z", "2099-06-03T02:00:00Z", &p.user_id))).await.expect(201);
    h.send(create(&o, event("2099-06-03T01:00:00Z", "2099-06-03T03:00:00Z", &p.user_id)))
        .await
        .expect_problem(409, None);
    // Two overlapping bookings at once: exactly one is made.
    let (h1, h2) = (Harness::new().await, Harness::new().await);
    let (a, b) = tokio::join!(
        h1.send(create(&o, event("2099-07-01T09:00:00Z", "2099-07-01T11:00:00Z", &p.user_id))),
        h2.send(create(&boss, event("2099-07-01T10:00:00Z", "2099-07-01T12:00:00Z", &p.user_id)))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
    // By week, through the indexes.
    let week = h
        .send(
            Req::get("/events")
                .bearer(&boss.access)
                .query("department_id", &ops)
                .query("from", "2099-06-01")
                .query("to", "2099-06-07"),
        )
        .await
        .json();
    assert_eq!(week["items"].as_array().unwrap().len(), 3, "{week}");
    let own = h
        .send(Req::get("/events").bearer(&p.access).query("from", "2099-07-01").query("to", "2099-07-01"))
        .await
        .json();
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    h.send(Req::get("/events").bearer(&outsider.access).query("department_id", &ops)).await.expect(403);
    // A cancelled event frees its time.
    let id = booked["id"].as_str().unwrap();
    h.send(Req::new("DELETE", &format!("/events/{id}")).bearer(&boss.access)).await.expect(204);
    h.send(create(&boss, event("2099-06-01T10:30:00Z", "2099-06-01T11:30:00Z", &p.user_id))).await.expect(201);
    // Moving one needs all four of its placing fields, and is checked too.
    let other = h.send(create(&boss, event("2099-08-01T10:00:00Z", "2099-08-01T11:00:00Z", &p.user_id))).await.json();
    let url = format!("/events/{}", other["id"].as_str().unwrap());
    h.send(Req::new("PATCH", &url).bearer(&boss.access).json(json!({"version": 1, "start": "2099-06-01T12:30:00Z"})))
        .await
        .expect_problem(422, Some("start"));
    h.send(Req::new("PATCH", &url).bearer(&boss.access).json(json!({
        "version": 1, "start": "2099-06-01T12:30:00Z", "end": "2099-06-01T13:30:00Z", "employee_id": p.user_id, "department_id": ops
    })))
    .await
    .expect_problem(409, None);
    let r = h
        .send(Req::new("PATCH", &url).bearer(&boss.access).json(json!({
            "version": 1, "start": "2099-08-02T10:00:00Z", "end": "2099-08-02T11:00:00Z", "employee_id": p.user_id, "department_id": ops
        })))
        .await;
    r.expect(200);
    assert_eq!(r.json()["start"], "2099-08-02T10:00:00Z");
    h.send(create(&boss, event("2099-08-01T10:00:00Z", "2099-08-01T11:00:00Z", &p.user_id))).await.expect(201);
}

#[tokio::test]
async fn the_cost_forecast_fits_the_last_months_and_says_when_there_is_too_little() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let p = h.add_user(&o, "employee").await;
    let ops = department(&h, &o, "Ops", Some(&o.user_id)).await;
    set_record(&h, &o, &p.user_id, json!({"hourly_rate": "10.00", "department_id": ops})).await;
    let url = format!("/employees/{}/cost-forecast", p.user_id);
    let r = h.send(Req::get(&url).bearer(&o.access)).await;
    r.expect_problem(422, None);
    assert!(r.json()["errors"][0]["message"].as_str().unwrap_or_default().contains("has 0 months"), "{}", r.text);
    let pkg = h
        .send(
            Req::new("POST", "/packages")
                .bearer(&o.access)
                .json(json!({"name": "Gig", "price": "50.00", "duration_minutes": 60})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Three months back to one: 1, 2 and 3 events; 2, 4 and 6 hours.
    let this = today().replace_day(1).unwrap();
    let month_start = |back: i64| {
        let mut d = this;
        for _ in 0..back {
            d = (d - Duration::days(1)).replace_day(1).unwrap();
        }
        d
    };
    for (back, events) in [(3i64, 1i64), (2, 2), (1, 3)] {
        let first = month_start(back) + Duration::days(9);
        shift(&h, &o, &p.user_id, at(first, 8, 0), 2 * 60 * events).await;
        for i in 0..events {
            let start = at(first, 12 + i as u8, 0);
            h.send(Req::new("POST", "/events").bearer(&o.access).json(json!({
                "name": "Gig", "start": iso(start), "end": iso(start + Duration::minutes(50)),
                "employee_id": p.user_id, "package_id": pkg, "department_id": ops
            })))
            .await
            .expect(201);
        }
        if back == 3 {
            // Two months of data are still too few.
            let r = h.send(Req::get(&url).bearer(&o.access)).await;
            r.expect_problem(422, None);
        }
    }
    // Four booked next month.
    let next = (this + Duration::days(40)).replace_day(10).unwrap();
    for i in 0..4u8 {
        let start = at(next, 9 + i, 0);
        h.send(Req::new("POST", "/events").bearer(&o.access).json(json!({
            "name": "Gig", "start": iso(start), "end": iso(start + Duration::minutes(50)),
            "employee_id": p.user_id, "package_id": pkg, "department_id": ops
        })))
        .await
        .expect(201);
    }
    let r = h.send(Req::get(&url).bearer(&o.access)).await;
    r.expect(200);
    let f = r.json();
    let points = f["points"].as_array().unwrap();
    assert_eq!(points.len(), 3, "{f}");
    assert_eq!((points[0]["events"].as_i64(), points[0]["cost"].as_str()), (Some(1), Some("20.00")));
    assert_eq!((points[2]["events"].as_i64(), points[2]["cost"].as_str()), (Some(3), Some("60.00")));
    assert_eq!((f["slope"].as_str(), f["intercept"].as_str()), (Some("20.00"), Some("0.00")));
    assert_eq!(f["r2"], 1.0);
    assert_eq!((f["next"]["events"].as_i64(), f["next"]["predicted_cost"].as_str()), (Some(4), Some("80.00")));
    // An employee may not read anyone's forecast; another company gets 404.
    h.send(Req::get(&url).bearer(&p.access)).await.expect(403);
    let stranger = h.signup().await;
    h.send(Req::get(&url).bearer(&stranger.access)).await.expect(404);
}

#[tokio::test]
async fn night_shifts_before_leaving_feed_the_after_hours_risk_factor_with_the_shifts_as_evidence() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let p = h.add_user(&o, "employee").await;
    // Three nights in the last two weeks, none before (a Monday-to-Friday
    // nine-to-five company in UTC: 22:00 is after hours any day).
    for back in [9i64, 5, 2] {
        shift(&h, &o, &p.user_id, at(today() - Duration::days(back), 22, 0), 90).await;
    }
    let shifts = h.send(Req::get("/clockins").bearer(&o.access).query("employee_id", &p.user_id)).await.json();
    assert!(shifts["items"].as_array().unwrap().iter().all(|s| s["after_hours"] == true), "{shifts}");
    let r = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({
            "employee_id": p.user_id, "department": "Ops", "leave_date": (today() + Duration::days(20)).to_string(), "reason": "resignation"
        })))
        .await;
    r.expect(201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let risk = h.send(Req::get(&format!("/leavers/{id}/risk")).bearer(&o.access)).await.json();
    let factor = risk["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "after_hours_activity")
        .unwrap_or_else(|| panic!("no after_hours_activity factor: {risk}"))
        .clone();
    let evidence = factor["evidence"].to_string();
    assert!(evidence.contains("3 shifts outside working hours"), "{evidence}");
    assert!(evidence.contains("22:00–23:30"), "{evidence}");
}

#[tokio::test]
async fn a_shift_recorded_in_error_is_voided_with_a_reason_and_its_neighbours_close_the_gap() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let hr = h.add_user(&o, "hr").await;
    let p = h.add_user(&o, "employee").await;
    let day = today() - Duration::days(2);
    let a = shift(&h, &hr, &p.user_id, at(day, 8, 0), 60).await;
    let b = shift(&h, &hr, &p.user_id, at(day, 10, 0), 60).await;
    let c = shift(&h, &hr, &p.user_id, at(day, 12, 0), 60).await;
    let url = |s: &Value| format!("/clockins/{}", s["id"].as_str().unwrap());
    let void = |by: &Account, s: &Value, reason: Option<&str>| {
        let mut r = Req::new("DELETE", &url(s)).bearer(&by.access);
        if let Some(reason) = reason {
            r = r.query("reason", reason);
        }
        r
    };
    // A shift between two others corrects within both.
    let b_now = h.send(Req::get(&url(&b)).bearer(&hr.access)).await.json();
    assert_eq!((b_now["earliest_in"].clone(), b_now["latest_out"].clone()), (a["out_at"].clone(), c["in_at"].clone()));
    let r = h
        .send(Req::new("PATCH", &url(&b)).bearer(&hr.access).json(json!({
            "version": b_now["version"], "in_at": iso(at(day, 10, 5)), "out_at": iso(at(day, 11, 5)), "reason": "late start"
        })))
        .await;
    r.expect(200);
    let b = r.json();
    h.send(void(&hr, &b, None)).await.expect_problem(422, Some("reason"));
    h.send(void(&p, &b, Some("mine"))).await.expect_problem(403, None);
    assert_eq!(report(&h, &o, day, day).await[0]["regular_seconds"], 3 * 3600);
    h.send(void(&hr, &b, Some("recorded for the wrong person"))).await.expect(204);
    assert_eq!(report(&h, &o, day, day).await[0]["regular_seconds"], 2 * 3600, "its hour is gone from the totals");
    let listed = h.send(Req::get("/clockins").bearer(&hr.access).query("employee_id", &p.user_id)).await.json();
    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![c["id"].as_str().unwrap(), a["id"].as_str().unwrap()]);
    let shown = h.send(Req::get(&url(&b)).bearer(&hr.access)).await.json();
    assert_eq!(shown["voided"], true);
    let last = shown["versions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["reason"].as_str()),
        (Some("voided"), Some("recorded for the wrong person"))
    );
    // A and C now bound each other, so A may stretch into B's old hours.
    let a_now = h.send(Req::get(&url(&a)).bearer(&hr.access)).await.json();
    assert_eq!(a_now["latest_out"], c["in_at"]);
    let r = h
        .send(Req::new("PATCH", &url(&a)).bearer(&hr.access).json(json!({
            "version": a_now["version"], "out_at": iso(at(day, 11, 30)), "reason": "stayed on"
        })))
        .await;
    r.expect(200);
    // An open shift is clocked out before it is voided; a voided one is not corrected.
    let q = h.add_user(&o, "employee").await;
    let open = punch(&h, &q, json!({"action": "in"})).await.json();
    h.send(void(&hr, &open, Some("r"))).await.expect_problem(409, None);
    h.send(Req::new("PATCH", &url(&b)).bearer(&hr.access).json(json!({
        "version": shown["version"], "out_at": iso(at(day, 10, 30)), "reason": "r"
    })))
    .await
    .expect_problem(409, None);
}
