//! `make bench` (scripts/bench.sh core): the events each function is
//! measured with, against the local stack.
//!
//!   bench-events DIR
//!
//! Signs up a company through the real pipeline (in-process, like the
//! integration tests), registers a leaver, uploads a small PDF through a
//! presigned URL, and writes into DIR:
//!
//!   <function>.cold.json   an event the function answers without DynamoDB
//!                          where it can: an API Gateway v2 request without a
//!                          token (401 before any read) for the signed-in
//!                          routes, the public route otherwise;
//!                          `document-uploaded`: an object outside uploads/;
//!                          `import-uploaded`: one outside imports/;
//!                          `risk-sweep`: the hourly schedule
//!   <function>.warm.json   its representative request, signed in as the
//!                          company's owner; for `document-uploaded` the S3
//!                          notification of the uploaded PDF (the first
//!                          delivery checks it, repeats find it checked),
//!                          for `import-uploaded` that of an uploaded
//!                          one-person import file (likewise),
//!                          for `risk-sweep` the hourly schedule (the first
//!                          run of the day sweeps, later ones find it done)
//!   routes.tsv             function, cold request, warm request
//!   functions.env          what the functions need to accept the tokens
//!                          (the harness's signing key) and generous rate
//!                          limits (every request comes from one user)
//!
//! Prints nothing on success but the directory's listing.

use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;
use serde_json::{json, Value};
use tenure_tests::{http, key_of, keys, s3_event_json, upload_headers, Harness, Req};

const PDF: &[u8] = include_bytes!("../fixtures/documents/sample.pdf");

fn write(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_vec_pretty(v).expect("json")).expect("write an event file");
}

#[tokio::main]
async fn main() {
    let dir = std::env::args().nth(1).expect("usage: bench-events DIR");
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).expect("create DIR");

    let h = Harness::new().await;
    let o = h.signup().await;
    let leaver = h
        .send(Req::new("POST", "/leavers").bearer(&o.access).json(json!({
            "first_name": "Bea", "surname": "Bench", "department": "Sales", "leave_date": "2026-12-31",
            "reason": "resignation", "access_level": "privileged"
        })))
        .await;
    leaver.expect(201);
    let leaver_id = leaver.json()["id"].as_str().expect("leaver id").to_string();

    let upload = h
        .send(Req::new("POST", "/documents/upload-url").bearer(&o.access).json(json!({
            "employee_id": o.user_id, "kind": "contract", "filename": "contract.pdf",
            "content_type": "application/pdf", "size": PDF.len()
        })))
        .await;
    upload.expect(201);
    let v = upload.json();
    let (status, body) = http("PUT", v["upload"]["url"].as_str().unwrap_or_default(), &upload_headers(&v), PDF).await;
    assert_eq!(status, 200, "upload refused: {}", String::from_utf8_lossy(&body));

    // A small employees import, uploaded but not checked yet.
    let csv = format!("email,full_name\n{},Ben Bench\n", tenure_tests::unique_email("bench-import"));
    let started = h
        .send(Req::new("POST", "/imports").bearer(&o.access).json(json!({
            "kind": "employees", "filename": "people.csv", "size": csv.len()
        })))
        .await;
    started.expect(201);
    let imp = started.json();
    let (status, body) =
        http("PUT", imp["upload"]["url"].as_str().unwrap_or_default(), &upload_headers(&imp), csv.as_bytes()).await;
    assert_eq!(status, 200, "import upload refused: {}", String::from_utf8_lossy(&body));

    let ip = "198.51.100.7";
    let me = format!("/companies/{}", o.company_id);
    // function, cold request (no DynamoDB where possible), warm request.
    let http_functions: Vec<(&str, Req, Req)> = vec![
        ("status", Req::get("/status"), Req::get("/status")),
        ("console", Req::get("/assets/app.js"), Req::get("/")),
        ("docs", Req::get("/openapi.json"), Req::get("/openapi.json")),
        ("auth", Req::get("/auth/me"), Req::get("/auth/me").bearer(&o.access)),
        ("users", Req::get("/auth/admin/users"), Req::get("/auth/admin/users").bearer(&o.access)),
        ("companies", Req::get(&me), Req::get(&me).bearer(&o.access)),
        ("audit", Req::get("/audit"), Req::get("/audit").query("limit", "50").bearer(&o.access)),
        ("leavers", Req::get("/leavers"), Req::get(&format!("/leavers/{leaver_id}/risk")).bearer(&o.access)),
        ("risk", Req::get("/alerts"), Req::get("/alerts").bearer(&o.access)),
        ("documents", Req::get("/documents"), Req::get("/documents").bearer(&o.access)),
        ("people", Req::get("/departments"), Req::get("/employees").bearer(&o.access)),
        ("tickets", Req::get("/tickets"), Req::get("/tickets").bearer(&o.access)),
        ("projects", Req::get("/projects"), Req::get("/projects").bearer(&o.access)),
        ("timekeeping", Req::get("/packages"), Req::get("/packages").bearer(&o.access)),
    ];
    // Every HTTP function has its events: a new one must be added above.
    let mut listed: Vec<&str> = http_functions.iter().map(|(f, _, _)| *f).collect();
    let mut all = tenure_core::routes::functions();
    listed.sort();
    all.sort();
    assert_eq!(listed, all, "bench-events: every HTTP function needs a cold and a warm event here");
    let mut tsv = String::from("function\tcold\twarm\n");
    for (function, cold, warm) in &http_functions {
        write(dir, &format!("{function}.cold.json"), &cold.event(ip));
        write(dir, &format!("{function}.warm.json"), &warm.event(ip));
        let _ = writeln!(tsv, "{function}\t{}\t{}", cold.describe(), warm.describe());
    }

    // Cold: an object outside uploads/ (skipped before any read). Warm: the
    // uploaded PDF; its first delivery checks it, repeats find it checked.
    write(dir, "document-uploaded.cold.json", &s3_event_json("exports/elsewhere.csv", 10));
    write(dir, "document-uploaded.warm.json", &s3_event_json(&key_of(&v), PDF.len()));
    let _ = writeln!(
        tsv,
        "document-uploaded\tS3 ObjectCreated outside uploads/ (skipped)\tS3 ObjectCreated of a {:.1} KB PDF (first: checked; then: already checked)",
        PDF.len() as f64 / 1024.0
    );
    // Cold: an object outside imports/ (skipped before any read). Warm: the
    // uploaded import file; its first delivery checks it, repeats find it
    // checked.
    write(dir, "import-uploaded.cold.json", &s3_event_json("exports/elsewhere.csv", 10));
    write(dir, "import-uploaded.warm.json", &s3_event_json(&key_of(&imp), csv.len()));
    let _ = writeln!(
        tsv,
        "import-uploaded\tS3 ObjectCreated outside imports/ (skipped)\tS3 ObjectCreated of a one-person import file (first: checked; then: already checked)"
    );
    let schedule = json!({
        "version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-11-23T06:00:00Z", "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/tenure-risk-sweep"], "detail": {}
    });
    write(dir, "sla-check.cold.json", &schedule);
    write(dir, "sla-check.warm.json", &schedule);
    let _ = writeln!(tsv, "sla-check\tfive-minute schedule (the tickets coming due)\tthe same");
    write(dir, "risk-sweep.cold.json", &schedule);
    write(dir, "risk-sweep.warm.json", &schedule);
    let _ =
        writeln!(tsv, "risk-sweep\thourly schedule (the first run sweeps the day, later ones find it done)\tthe same");
    std::fs::write(dir.join("routes.tsv"), tsv).expect("write routes.tsv");

    // The harness signs with its own key: the functions must trust it.
    let (kid, private, public) = keys();
    let private_file = dir.join("private.der");
    std::fs::write(&private_file, private).expect("write the private key");
    let public = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public);
    let cursor_key_file = dir.join("cursor.key");
    std::fs::write(&cursor_key_file, tenure_core::ids::random_bytes::<32>()).expect("write the cursor key");
    let env = format!(
        "TENURE_JWT_KID={kid}\nTENURE_JWT_PUBLIC_KEYS={kid}:{public}\nTENURE_JWT_PRIVATE_KEY_FILE={}\n\
         TENURE_CURSOR_KEY_FILE={}\n\
         TENURE_RATE_LIMIT_PER_MINUTE=1000000\nTENURE_HEAVY_RATE_LIMIT_PER_MINUTE=1000000\nTENURE_IP_RATE_LIMIT_PER_MINUTE=1000000\n",
        private_file.display(),
        cursor_key_file.display()
    );
    std::fs::write(dir.join("functions.env"), env).expect("write functions.env");

    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list DIR")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    println!("{}", names.join("\n"));
}
