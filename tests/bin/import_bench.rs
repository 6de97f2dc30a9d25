//! `make bench-import` (scripts/import-bench.sh): a bulk import of 10,000
//! employees against the local stack. Prints figures; asserts nothing about
//! time (only that every import ends as it should).
//!
//!   import-bench                   in-process figures: IMPORT_BENCH_CHECKS
//!                                  (3) imports, each PUT through its presigned
//!                                  URL and checked by
//!                                  `events::import_uploaded::handle`, then
//!                                  the first IMPORT_BENCH_APPLIES (2) of them
//!                                  applied (`POST /imports/{id}/apply`, then
//!                                  `handle` on the apply marker), with the
//!                                  DynamoDB requests of each step
//!   import-bench pending FILE      one fresh import, PUT but not checked:
//!                                  the S3 event of its `.csv` key into
//!                                  FILE, its ids on stdout
//!   import-bench applying FILE     one fresh import, PUT, checked
//!                                  (`validated`) and asked to apply: the S3
//!                                  event of its `.apply` marker into FILE,
//!                                  its ids on stdout
//!   import-bench status EMAIL IMPORT
//!                                  the import as `GET /imports/{id}` shows
//!                                  it to its owner (status and counts)
//!
//! IMPORT_BENCH_ROWS (10,000) is the rows of every file. Each file's emails
//! are its own (a fresh ULID in each), so every row is a new person; a
//! third of the rows name the department `Sales`, a third `Engineering`
//! (both made before the upload), the rest none.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tenure_core::events::import_uploaded::{self, Budget};
use tenure_tests::{http, key_of, s3_event_json, upload_headers, Account, Harness, Req, PASSWORD};

const DEPARTMENTS: [&str; 2] = ["Sales", "Engineering"];
const JOB_TITLES: [&str; 5] = ["Analyst", "Engineer", "Account Manager", "Support Agent", "Designer"];
/// The import function's own timeout (template.yaml), as its budget.
const TIMEOUT: Duration = Duration::from_secs(900);

fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a count")),
        Err(_) => default,
    }
}

fn rows() -> usize {
    env_count("IMPORT_BENCH_ROWS", 10_000)
}

fn progress(msg: &str) {
    eprintln!("[import-bench] {msg}");
}

/// An employees CSV of `n` rows whose emails no other file has.
fn csv(n: usize) -> Vec<u8> {
    let tag = tenure_core::ids::new_ulid().to_string().to_lowercase();
    let mut s = String::from("email,full_name,job_title,department,hourly_rate,start_date\n");
    for i in 0..n {
        let department = match i % 3 {
            0 => DEPARTMENTS[0],
            1 => DEPARTMENTS[1],
            _ => "",
        };
        s.push_str(&format!(
            "p{i:05}-{tag}@example.com,Person {i:05} Bench,{},{department},{}.50,2024-{:02}-{:02}\n",
            JOB_TITLES[i % JOB_TITLES.len()],
            15 + i % 20,
            1 + i % 12,
            1 + i % 28,
        ));
    }
    s.into_bytes()
}

/// A company with both departments, its owner signed in.
async fn company(h: &Harness) -> Account {
    let o = h.signup().await;
    for name in DEPARTMENTS {
        h.send(Req::new("POST", "/departments").bearer(&o.access).json(json!({"name": name}))).await.expect(201);
    }
    o
}

/// Starts an import and PUTs the file; returns (POST /imports response, PUT ms).
async fn upload(h: &Harness, by: &Account, bytes: &[u8]) -> (Value, f64) {
    let r = h
        .send(
            Req::new("POST", "/imports")
                .bearer(&by.access)
                .json(json!({"kind": "employees", "filename": "employees.csv", "size": bytes.len()})),
        )
        .await;
    r.expect(201);
    let v = r.json();
    let t = Instant::now();
    let (status, body) = http("PUT", v["upload"]["url"].as_str().unwrap(), &upload_headers(&v), bytes).await;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 200, "upload refused: {}", String::from_utf8_lossy(&body));
    (v, ms)
}

async fn read(h: &Harness, by: &Account, id: &str) -> Value {
    let r = h.send(Req::get(&format!("/imports/{id}")).bearer(by.access.as_str())).await;
    r.expect(200);
    r.json()
}

fn event(key: &str, size: usize) -> aws_lambda_events::s3::S3Event {
    serde_json::from_value(s3_event_json(key, size)).expect("a real S3 event")
}

fn apply_key(imp: &Value) -> String {
    format!("imports/{}/{}.apply", imp["company_id"].as_str().unwrap(), imp["id"].as_str().unwrap())
}

/// `POST /imports/{id}/apply` (202, `applying`); returns its DynamoDB requests.
async fn request_apply(h: &Harness, by: &Account, id: &str) -> Vec<String> {
    let r = h.send(Req::new("POST", &format!("/imports/{id}/apply")).bearer(&by.access).json(json!({}))).await;
    r.expect(202);
    assert_eq!(r.json()["status"], "applying", "{}", r.json());
    r.calls.clone()
}

/// DynamoDB requests by operation (`TransactWriteItems`, …; a failed one
/// as `TransactWriteItems!`), and their total.
fn by_operation(calls: &[String]) -> Value {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for c in calls {
        *m.entry(c.as_str()).or_default() += 1;
    }
    json!({"total": calls.len(), "by_operation": m})
}

/// People per department, as `GET /departments` counts them.
async fn department_people(h: &Harness, by: &Account) -> u64 {
    let v = h.send(Req::get("/departments").bearer(&by.access).query("limit", "100")).await.json();
    let items = v["items"].as_array().unwrap_or_else(|| panic!("{v}"));
    items
        .iter()
        .filter(|d| DEPARTMENTS.contains(&d["name"].as_str().unwrap_or_default()))
        .map(|d| d["people"].as_u64().unwrap_or(0))
        .sum()
}

/// How many rows of a file of `n` name a department.
fn with_department(n: usize) -> u64 {
    (0..n).filter(|i| i % 3 != 2).count() as u64
}

fn stats(v: &[f64]) -> Value {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2.0 };
    json!({"median": r1(median), "min": r1(s[0]), "max": r1(s[n - 1]), "runs": v.iter().map(|x| r1(*x)).collect::<Vec<_>>()})
}

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let h = Harness::new().await;
    let n = rows();
    match args.first().map(String::as_str) {
        Some("pending") => {
            let file = args.get(1).expect("usage: import-bench pending EVENT_FILE");
            let o = company(&h).await;
            let bytes = csv(n);
            let (v, put_ms) = upload(&h, &o, &bytes).await;
            let id = v["import_id"].as_str().unwrap();
            assert_eq!(read(&h, &o, id).await["status"], "pending");
            std::fs::write(file, s3_event_json(&key_of(&v), bytes.len()).to_string()).expect("write the event file");
            println!(
                "{}",
                json!({"email": o.email, "import_id": id, "key": key_of(&v), "size_bytes": bytes.len(), "put_ms": r1(put_ms)})
            );
        }
        Some("applying") => {
            let file = args.get(1).expect("usage: import-bench applying EVENT_FILE");
            let o = company(&h).await;
            let bytes = csv(n);
            let (v, _) = upload(&h, &o, &bytes).await;
            let out = import_uploaded::handle(
                &h.app("import-uploaded"),
                event(&key_of(&v), bytes.len()),
                Budget::until(Instant::now() + TIMEOUT),
            )
            .await
            .expect("the check");
            assert_eq!(out[0].result, "validated", "{out:?}");
            let id = v["import_id"].as_str().unwrap();
            let imp = read(&h, &o, id).await;
            request_apply(&h, &o, id).await;
            let key = apply_key(&imp);
            std::fs::write(file, s3_event_json(&key, 5).to_string()).expect("write the event file");
            println!("{}", json!({"email": o.email, "import_id": id, "key": key, "size_bytes": bytes.len()}));
        }
        Some("status") => {
            let (Some(email), Some(id)) = (args.get(1), args.get(2)) else {
                panic!("usage: import-bench status EMAIL IMPORT")
            };
            let o = h.login(email, PASSWORD).await;
            let imp = read(&h, &o, id).await;
            println!(
                "{}",
                json!({"status": imp["status"], "rows": imp["rows"], "valid": imp["valid"], "invalid": imp["invalid"],
                       "applied": imp["applied"], "next_row": imp["next_row"], "department_people": department_people(&h, &o).await})
            );
        }
        None => inproc(&h, n).await,
        Some(other) => panic!("unknown mode {other}; see the top of tests/bin/import_bench.rs"),
    }
}

/// The in-process figures, as one JSON object on stdout.
async fn inproc(h: &Harness, n: usize) {
    // Each apply takes a validated import of its own.
    let applies = env_count("IMPORT_BENCH_APPLIES", 2);
    let imports = env_count("IMPORT_BENCH_CHECKS", 3).max(applies).max(1);
    let o = company(h).await;
    let app = h.app("import-uploaded");
    let (mut sizes, mut put, mut check, mut to_validated, mut check_calls) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut validated = Vec::new();
    for i in 1..=imports {
        let bytes = csv(n);
        progress(&format!("check {i}/{imports}: POST /imports, PUT {} bytes ({n} rows), handle()", bytes.len()));
        let (v, put_ms) = upload(h, &o, &bytes).await;
        let put_returned = Instant::now();
        h.counter.take();
        let t = Instant::now();
        let out =
            import_uploaded::handle(&app, event(&key_of(&v), bytes.len()), Budget::until(Instant::now() + TIMEOUT))
                .await
                .expect("the check");
        let check_ms = t.elapsed().as_secs_f64() * 1000.0;
        let to_validated_ms = put_returned.elapsed().as_secs_f64() * 1000.0;
        let calls = h.counter.take();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].result, "validated", "{out:?}");
        let id = v["import_id"].as_str().unwrap().to_string();
        let imp = read(h, &o, &id).await;
        assert_eq!(imp["status"], "validated", "{imp}");
        assert_eq!(imp["valid"].as_u64(), Some(n as u64), "{imp}");
        progress(&format!(
            "  validated: PUT {put_ms:.0} ms, check {check_ms:.0} ms, {} DynamoDB requests",
            calls.len()
        ));
        sizes.push(bytes.len());
        put.push(put_ms);
        check.push(check_ms);
        to_validated.push(to_validated_ms);
        check_calls.push(calls);
        validated.push(imp);
    }

    let (mut apply_ms, mut handle_ms, mut route_calls, mut fn_calls) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, imp) in validated.iter().take(applies).enumerate() {
        let id = imp["id"].as_str().unwrap();
        progress(&format!(
            "apply {}/{applies}: POST /imports/{id}/apply, then handle() on the marker ({n} rows)",
            i + 1
        ));
        let t = Instant::now();
        let route = request_apply(h, &o, id).await;
        h.counter.take();
        let th = Instant::now();
        let out = import_uploaded::handle(&app, event(&apply_key(imp), 5), Budget::until(Instant::now() + TIMEOUT))
            .await
            .expect("the apply");
        let handled = th.elapsed().as_secs_f64() * 1000.0;
        let total = t.elapsed().as_secs_f64() * 1000.0;
        let calls = h.counter.take();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].result, "applied", "{out:?}");
        let done = read(h, &o, id).await;
        assert_eq!(done["status"], "applied", "{done}");
        assert_eq!(done["applied"], json!({"created": n, "existing": 0, "skipped": 0, "failed": 0}), "{done}");
        progress(&format!(
            "  applied: {:.1} s ({:.0} rows/s), {} DynamoDB requests",
            total / 1000.0,
            n as f64 / (total / 1000.0),
            calls.len()
        ));
        apply_ms.push(total);
        handle_ms.push(handled);
        route_calls.push(route);
        fn_calls.push(calls);
    }
    // Every row with a department was counted in it.
    let counted = department_people(h, &o).await;
    assert_eq!(counted, with_department(n) * applies as u64, "people counted in the departments");

    let rows_per_s: Vec<f64> = apply_ms.iter().map(|ms| n as f64 / (ms / 1000.0)).collect();
    let mut result = json!({
        "rows": n, "size_bytes": sizes[0], "size_bytes_all": sizes, "rows_with_department": with_department(n),
        "checks": imports, "put_ms": stats(&put), "check_ms": stats(&check),
        "upload_to_validated_ms": stats(&to_validated),
        "check_requests": check_calls.iter().map(|c| by_operation(c)).collect::<Vec<_>>(),
        "applies": applies, "department_people_after": counted,
    });
    if applies > 0 {
        result["apply_ms"] = stats(&apply_ms);
        result["apply_handle_ms"] = stats(&handle_ms);
        result["rows_per_s"] = stats(&rows_per_s);
        result["apply_route_requests"] = json!(route_calls.iter().map(|c| by_operation(c)).collect::<Vec<_>>());
        result["apply_requests"] = json!(fn_calls.iter().map(|c| by_operation(c)).collect::<Vec<_>>());
    }
    println!("{result}");
}
