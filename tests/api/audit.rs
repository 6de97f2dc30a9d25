use serde_json::json;
use tenure_core::domain::audit::AuditEvent;
use tenure_core::store::{decode, Cond, Exprs, Key};
use tenure_tests::{Harness, Req};

async fn company_with_history(h: &Harness) -> tenure_tests::Account {
    let o = h.signup().await;
    for role in ["employee", "manager"] {
        let u = h.add_user(&o, role).await;
        h.send(
            Req::new("PATCH", &format!("/auth/admin/users/{}/status", u.user_id))
                .bearer(&o.access)
                .json(json!({"active": false})),
        )
        .await
        .expect(200);
    }
    o
}

fn event_key(company: &str, seq: u64) -> Key {
    Key { pk: format!("CO#{company}"), sk: format!("EVENT#{seq:012}") }
}

#[tokio::test]
async fn the_audit_log_lists_events_newest_first_with_filters() {
    let h = Harness::new().await;
    let o = company_with_history(&h).await;
    let all = h.send(Req::new("GET", "/audit").bearer(&o.access)).await;
    all.expect(200);
    let items = all.json()["items"].as_array().unwrap().clone();
    let seqs: Vec<u64> = items.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seqs, sorted, "newest first");
    for action in ["company.created", "auth.signup", "auth.login", "user.created", "user.deactivated"] {
        assert!(items.iter().any(|e| e["action"] == action), "{action} missing");
    }
    for e in &items {
        for k in ["actor", "action", "target", "at", "source_ip", "request_id", "hash", "prev_hash"] {
            assert!(e[k].is_string(), "{k} missing in {e}");
        }
    }
    let only = h.send(Req::new("GET", "/audit").bearer(&o.access).query("action", "user.deactivated")).await;
    let only = only.json()["items"].as_array().unwrap().clone();
    assert_eq!(only.len(), 2);
    let by_actor = h
        .send(Req::new("GET", "/audit").bearer(&o.access).query("actor", &o.user_id).query("action", "user.created"))
        .await;
    assert_eq!(by_actor.json()["items"].as_array().unwrap().len(), 2);
    let future = h.send(Req::new("GET", "/audit").bearer(&o.access).query("from", "2999-01-01")).await;
    assert_eq!(future.json()["items"].as_array().unwrap().len(), 0);
    h.send(Req::new("GET", "/audit").bearer(&o.access).query("from", "yesterday"))
        .await
        .expect_problem(400, Some("from"));
}

#[tokio::test]
async fn the_audit_log_exports_csv() {
    let h = Harness::new().await;
    let o = company_with_history(&h).await;
    let r = h.send(Req::new("GET", "/audit").bearer(&o.access).header("accept", "text/csv")).await;
    r.expect(200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let mut lines = r.text.lines();
    assert_eq!(lines.next(), Some("seq,at,actor,action,target,source_ip,request_id,detail,hash"));
    assert!(r.text.contains("user.deactivated"));
    h.send(Req::new("GET", "/audit").bearer(&o.access).header("accept", "application/xml"))
        .await
        .expect_problem(406, None);
}

#[tokio::test]
async fn audit_readers_are_owner_security_and_admin_only() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let sec = h.add_user(&o, "security").await;
    h.send(Req::new("GET", "/audit").bearer(&sec.access)).await.expect(200);
    for role in ["hr", "manager", "employee", "technician"] {
        let u = h.add_user(&o, role).await;
        h.send(Req::new("GET", "/audit").bearer(&u.access)).await.expect_problem(403, None);
        h.send(Req::new("GET", "/audit/verify").bearer(&u.access)).await.expect_problem(403, None);
    }
}

#[tokio::test]
async fn an_intact_chain_verifies() {
    let h = Harness::new().await;
    let o = company_with_history(&h).await;
    let r = h.send(Req::new("GET", "/audit/verify").bearer(&o.access)).await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["complete"], true);
    assert_eq!(v["last_seq"], v["head_seq"]);
    assert!(v["checked"].as_u64().unwrap() >= 8);
}

#[tokio::test]
async fn an_altered_event_is_detected() {
    let h = Harness::new().await;
    let o = company_with_history(&h).await;
    // Tamper with event 3 directly in the table, as an insider with
    // database access might.
    h.store
        .update_returning(
            &event_key(&o.company_id, 3),
            "SET #t = :t",
            Cond::Exists,
            Exprs::new().name("#t", "target").str(":t", "usr_someone_else"),
        )
        .await
        .unwrap();
    let v = h.send(Req::new("GET", "/audit/verify").bearer(&o.access)).await.json();
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["breaks"][0]["seq"], 3, "{v}");
}

#[tokio::test]
async fn a_deleted_event_is_detected_in_the_middle_and_at_the_end() {
    let h = Harness::new().await;
    let o = company_with_history(&h).await;
    let client = h.store.client().clone();
    let table = h.store.table().to_string();
    let delete = |seq: u64| {
        let client = client.clone();
        let table = table.clone();
        let key = tenure_core::store::key_item(&event_key(&o.company_id, seq));
        async move { client.delete_item().table_name(table).set_key(Some(key)).send().await.unwrap() }
    };
    let head = h.send(Req::new("GET", "/audit/verify").bearer(&o.access)).await.json()["head_seq"].as_u64().unwrap();
    delete(head).await;
    let v = h.send(Req::new("GET", "/audit/verify").bearer(&o.access)).await.json();
    assert_eq!(v["valid"], false, "deleting the newest event must be detected: {v}");
    delete(2).await;
    let v = h.send(Req::new("GET", "/audit/verify").bearer(&o.access)).await.json();
    assert_eq!(v["breaks"][0]["seq"], 2, "{v}");
}

#[tokio::test]
async fn no_route_changes_or_deletes_audit_events() {
    let h = Harness::new().await;
    let o = h.signup().await;
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let r = h.send(Req::new(method, "/audit").bearer(&o.access)).await;
        r.expect_problem(405, None);
    }
    let stored = h.store.get(&event_key(&o.company_id, 1)).await.unwrap().unwrap();
    let e: AuditEvent = decode(stored).unwrap();
    assert_eq!(e.action, "company.created");
}

/// An export of the audit log is a download of data: it is audited, counts
/// towards the caller's download signal (so towards a leaver's risk), and
/// takes four round trips, its bound; the JSON list takes three (issue 11).
#[tokio::test]
async fn a_csv_export_is_audited_and_counted_as_a_download() {
    let h = Harness::new().await;
    let o = h.signup().await;
    let sec = h.add_user(&o, "security").await;
    // The security user is a leaver: their downloads feed their risk.
    let l = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(serde_json::json!({
            "first_name": "Exa", "surname": "Porter", "employee_id": sec.user_id, "department": "IT",
            "leave_date": "2099-01-01", "reason": "resignation"
        })))
        .await
        .json();
    let json_list = h.send(Req::get("/audit").bearer(&sec.access)).await;
    json_list.expect(200);
    assert_eq!(tenure_tests::round_trips(&json_list.calls), 3, "{:?}", json_list.calls);
    let csv = h.send(Req::get("/audit").bearer(&sec.access).header("accept", "text/csv")).await;
    csv.expect(200);
    assert_eq!(tenure_tests::round_trips(&csv.calls), 4, "{:?}", csv.calls);
    let log = h.send(Req::get("/audit").bearer(&o.access).query("action", "audit.exported")).await.json();
    let e = &log["items"][0];
    assert_eq!(e["actor"], sec.user_id.as_str(), "{log}");
    assert_eq!(e["request_id"], csv.header("x-request-id").unwrap());
    let leaver = h.send(Req::get(&format!("/leavers/{}", l["id"].as_str().unwrap())).bearer(&o.access)).await.json();
    let total: u64 = leaver["downloads"].as_object().unwrap().values().filter_map(|v| v.as_u64()).sum();
    assert_eq!(total, 1, "the export counts as one download: {}", leaver["downloads"]);
}

/// `/audit/verify` goes on past its first page (1,000 events) through its
/// cursor, and finds an alteration on a later page (issue 12).
#[tokio::test]
async fn verification_goes_on_past_one_page_and_finds_a_change_there() {
    use tenure_core::domain::audit::{append, ChainHead, NewEvent, Origin};
    use tenure_core::store::{items, Cond, Exprs, Key, Tx};
    let h = Harness::new().await;
    let o = h.signup().await;
    let pk = format!("CO#{}", o.company_id);
    let key = |sk: String| Key { pk: pk.clone(), sk };
    // Extend the company's chain by 1,100 events, as the store would.
    let stored: items::Head = tenure_core::store::decode(
        h.store.get(&key("AUDITHEAD".into())).await.unwrap().expect("a chain head after signup"),
    )
    .unwrap();
    let origin = Origin {
        actor: "system".into(),
        source_ip: "-".into(),
        request_id: "seed".into(),
        at: "2026-11-30T00:00:00.000Z".into(),
    };
    let company = tenure_core::ids::CompanyId::parse(&o.company_id).unwrap();
    let news = (0..1100).map(|i| NewEvent::new("test.seeded", format!("n{i}"))).collect();
    let (events, head) = append(&company, &ChainHead::from(stored), &origin, news);
    for chunk in events.chunks(100) {
        let mut tx = Tx::new();
        for e in chunk {
            tx.put(&tenure_tests::table(), &key(format!("EVENT#{:012}", e.seq)), items::AUDIT_EVENT, e, Cond::New);
        }
        h.store.transact(tx).await.unwrap();
    }
    h.store
        .update_returning(
            &key("AUDITHEAD".into()),
            "SET seq = :s, #h = :h",
            Cond::Exists,
            Exprs::new().name("#h", "hash").num(":s", head.seq).str(":h", &head.hash),
        )
        .await
        .unwrap();
    let verify_all = || async {
        let (mut pages, mut cursor, mut valid) = (0, None::<String>, true);
        loop {
            let mut r = Req::get("/audit/verify").bearer(&o.access);
            if let Some(c) = &cursor {
                r = r.query("cursor", c);
            }
            let v = h.send(r).await.json();
            pages += 1;
            valid &= v["valid"] == true;
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => {
                    assert_eq!(v["complete"], true, "{v}");
                    return (pages, valid);
                }
            }
        }
    };
    assert_eq!(verify_all().await, (2, true), "1,100+ events verify over two pages");
    // Alter an event on the second page.
    let late = events[1050].seq;
    h.store
        .update_returning(
            &key(format!("EVENT#{late:012}")),
            "SET #a = :a",
            Cond::Exists,
            Exprs::new().name("#a", "action").str(":a", "test.altered"),
        )
        .await
        .unwrap();
    assert_eq!(verify_all().await, (2, false), "the change on the second page is found");
}
