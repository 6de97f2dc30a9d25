//! Shared helpers for the integration tests: a harness that serves every
//! HTTP function in-process through the real pipeline, against the local
//! DynamoDB endpoint that `make test` starts, with the SDK interceptor that
//! counts round trips. Each test signs up its own company and uses its own
//! source IP, so tests never share data and their order never matters.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};
use tenure_core::auth::jwt::{generate_keypair, Signer, Verifier};
use tenure_core::config::{Config, PublicKey, RateLimits};
use tenure_core::routes;
use tenure_core::service::App;
use tenure_core::store::counter::CallCounter;
use tenure_core::store::Store;

/// The test process's signing key pair: (kid, PKCS#8 private, public).
pub fn keys() -> &'static (String, Vec<u8>, Vec<u8>) {
    static KEYS: OnceLock<(String, Vec<u8>, Vec<u8>)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (private, public) = generate_keypair().expect("key generation");
        ("test-key".to_string(), private, public)
    })
}

/// The test process's cursor key.
pub fn cursor_key() -> &'static tenure_core::auth::cursor_key::CursorKey {
    static KEY: OnceLock<tenure_core::auth::cursor_key::CursorKey> = OnceLock::new();
    KEY.get_or_init(|| {
        tenure_core::auth::cursor_key::CursorKey::new(tenure_core::ids::random_bytes::<32>().to_vec())
            .expect("a 32-byte key")
    })
}

pub fn table() -> String {
    std::env::var("TENURE_TABLE").unwrap_or_else(|_| "tenure".into())
}

pub fn config(limits: RateLimits) -> Config {
    let (kid, _, public) = keys();
    Config {
        table: table(),
        issuer: "tenure".into(),
        audience: "tenure-api".into(),
        public_keys: vec![PublicKey { kid: kid.clone(), key: public.clone() }],
        limits,
    }
}

/// The SDK configuration of the local stack.
pub async fn sdk() -> aws_config::SdkConfig {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the integration tests through `make test`, which starts DynamoDB Local"
    );
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// A DynamoDB client for the local endpoint, with `counter` attached.
pub async fn dynamo(counter: &CallCounter) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(&sdk().await).interceptor(counter.clone()).build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// The local documents bucket.
pub async fn bucket() -> tenure_core::store::s3::Bucket {
    let name = std::env::var("TENURE_BUCKET").unwrap_or_else(|_| "tenure-documents-local".into());
    tenure_core::store::s3::Bucket::new(&sdk().await, name)
}

fn random_ip() -> String {
    let b = tenure_core::ids::random_bytes::<3>();
    format!("10.{}.{}.{}", b[0], b[1], b[2])
}

/// A response, with the DynamoDB operations the request made.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub text: String,
    pub calls: Vec<String>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON (status {}): {}", self.status, self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self
    }

    /// Asserts a problem+json error naming `field`.
    #[track_caller]
    pub fn expect_problem(&self, status: u16, field: Option<&str>) -> &Self {
        self.expect(status);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.text);
        let v = self.json();
        assert_eq!(v["status"], status, "{v}");
        for k in ["type", "title", "detail", "instance"] {
            assert!(v[k].is_string(), "problem lacks {k}: {v}");
        }
        if let Some(f) = field {
            let fields: Vec<&str> = v["errors"]
                .as_array()
                .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
                .unwrap_or_default();
            assert!(fields.contains(&f), "expected an error on {f}, got {v}");
        }
        self
    }
}

/// A request under construction.
pub struct Req {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Req {
    pub fn new(method: &str, path: &str) -> Self {
        Self { method: method.into(), path: path.into(), query: vec![], headers: vec![], body: None }
    }
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }
    pub fn query(mut self, k: &str, v: &str) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_lowercase(), v.into()));
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, v: Value) -> Self {
        self.raw(&v.to_string(), "application/json")
    }
    pub fn raw(mut self, body: &str, content_type: &str) -> Self {
        self.body = Some(body.into());
        if !content_type.is_empty() {
            self.headers.push(("content-type".into(), content_type.into()));
        }
        self
    }

    /// `GET /path?query`, and "(signed in)" when it carries a token.
    pub fn describe(&self) -> String {
        let query = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let signed_in = self.headers.iter().any(|(k, _)| k == "authorization");
        format!(
            "{} {}{}{}{}",
            self.method,
            self.path,
            if query.is_empty() { "" } else { "?" },
            query,
            if signed_in { " (signed in)" } else { "" }
        )
    }

    /// The API Gateway HTTP API (v2) event for this request.
    pub fn event(&self, source_ip: &str) -> Value {
        let raw_query =
            self.query.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let qsp: serde_json::Map<String, Value> =
            self.query.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let headers: serde_json::Map<String, Value> =
            self.headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let route = routes::find(&self.method, &self.path)
            .map(|r| format!("{} {}", r.method, r.path))
            .unwrap_or_else(|| "$default".into());
        json!({
            "version": "2.0",
            "routeKey": route,
            "rawPath": self.path,
            "rawQueryString": raw_query,
            "headers": headers,
            "queryStringParameters": if qsp.is_empty() { Value::Null } else { Value::Object(qsp) },
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "localhost",
                "domainPrefix": "localhost",
                "http": { "method": self.method, "path": self.path, "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": "tenure-tests" },
                "requestId": format!("req-{}", tenure_core::ids::new_ulid()),
                "routeKey": route,
                "stage": "$default",
                "time": "23/Nov/2026:10:00:00 +0000",
                "timeEpoch": 1795428000000u64
            },
            "body": self.body,
            "isBase64Encoded": false
        })
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every HTTP function of the stack, in-process, sharing one counted client.
pub struct Harness {
    apps: HashMap<&'static str, Arc<App>>,
    pub counter: CallCounter,
    pub ip: String,
    pub store: Store,
}

/// The most DynamoDB round trips any route may take…
pub const MAX_ROUND_TRIPS: usize = 3;

/// …except these routes (`METHOD /template`), each with its own bound:
/// `POST /sweeps`, whose work grows by design with the leavers in the
/// company's window (the contract), the seed's `PUT /leavers/{surname}`,
/// which must read the surname index before its write (by id it takes
/// three), the audit log's CSV export, which records itself (and counts
/// as a download) after its read (the JSON list takes three), and a
/// leaver's hand-over, which moves their work in batches until none is left
/// (issue 15's documented exception).
pub const ROUND_TRIP_EXCEPTIONS: &[(&str, usize)] = &[
    ("POST /sweeps", usize::MAX),
    ("POST /leavers/{id}/handover", usize::MAX),
    ("PUT /leavers/{id}", 4),
    ("GET /audit", 4),
];

/// The most round trips a request may take.
pub fn round_trip_bound(method: &str, path: &str) -> usize {
    let route = routes::find(method, path).map(|r| format!("{} {}", r.method, r.path)).unwrap_or_default();
    ROUND_TRIP_EXCEPTIONS.iter().find(|(r, _)| *r == route).map(|(_, n)| *n).unwrap_or(MAX_ROUND_TRIPS)
}

/// The round trips of a request, not counting audit-chain contention
/// retries: when another request extends the same company's chain first,
/// the transaction fails (`TransactWriteItems!`), its cancellation carries
/// the new head, and the transaction is retried at once (or, should the
/// head not come back, after reading it: `GetItem`). Like an SDK retry after
/// throttling, that is a retry of the request's own round trip, and it only
/// happens under concurrent writes to one company (here: tests running in
/// parallel, all writing to the platform company's chain). `contention_retries`
/// counts them.
pub fn round_trips(calls: &[String]) -> usize {
    calls.len() - 2 * reread_retries(calls) - (contention_retries(calls) - reread_retries(calls))
}

/// Transactions that lost the race for their company's chain and were retried.
pub fn contention_retries(calls: &[String]) -> usize {
    calls
        .windows(2)
        .filter(|w| w[0] == "TransactWriteItems!" && (w[1].starts_with("TransactWriteItems") || w[1] == "GetItem"))
        .count()
}

/// Of those, the ones that read the head again before retrying.
fn reread_retries(calls: &[String]) -> usize {
    calls
        .windows(3)
        .filter(|w| w[0] == "TransactWriteItems!" && w[1] == "GetItem" && w[2].starts_with("TransactWriteItems"))
        .count()
}

impl Harness {
    pub async fn new() -> Self {
        Self::with_limits(RateLimits::default()).await
    }

    pub async fn with_limits(limits: RateLimits) -> Self {
        // Errors the pipeline logs show up with the failing test's output.
        let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("warn").try_init();
        let counter = CallCounter::new();
        let sdk = sdk().await;
        // Tests' own reads and tamperings go through an unguarded client.
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), table());
        let config = config(limits);
        let (kid, private, _) = keys();
        let bucket = bucket().await;
        let mut apps = HashMap::new();
        for f in
            routes::functions().into_iter().chain(["document-uploaded", "import-uploaded", "risk-sweep", "sla-check"])
        {
            let signer = (f == "auth").then(|| Signer::new(kid, private, &config).expect("signer"));
            // Only the functions with list routes hold the cursor key, as deployed.
            let pages = routes::group(f).is_some_and(|g| g.pages());
            let cursor_key = pages.then(|| cursor_key().clone());
            let bucket = tenure_core::service::BUCKET_FUNCTIONS.contains(&f).then(|| bucket.clone());
            // Each function's own client: it refuses what the function did
            // not declare, exactly as in production.
            let client = tenure_core::store::client_for(&sdk, f, Some(&counter));
            apps.insert(
                f,
                Arc::new(App {
                    config: config.clone(),
                    store: Store::new(client, table()),
                    verifier: Verifier::from_config(&config),
                    signer,
                    cursor_key,
                    function: f,
                    bucket,
                }),
            );
        }
        Self { apps, counter, ip: random_ip(), store }
    }

    pub fn app(&self, function: &str) -> Arc<App> {
        self.apps[function].clone()
    }

    /// Sends a request to the function that serves it, as API Gateway
    /// would, and checks the round-trip bar on the way.
    pub async fn send(&self, req: Req) -> Resp {
        self.send_from(req, &self.ip.clone()).await
    }

    pub async fn send_from(&self, req: Req, ip: &str) -> Resp {
        // Boxed, so a test that sends many requests keeps a small stack.
        Box::pin(self.send_unboxed(req, ip)).await
    }

    async fn send_unboxed(&self, req: Req, ip: &str) -> Resp {
        // As API Gateway routes: a route's own function, or whatever serves
        // `$default` (a path no route has, or a method its path lacks).
        let function = routes::find(&req.method, &req.path)
            .map(|r| r.function)
            .or_else(routes::fallback_function)
            .expect("a function serves $default");
        let group = routes::group(function).expect("every function of the table has a group");
        let event = req.event(ip).to_string();
        let request = lambda_http::request::from_str(&event).expect("a valid API Gateway v2 event");
        self.counter.take();
        let reply = tenure_core::http::handle(self.app(function), group, request).await;
        let calls = self.counter.take();
        let (parts, body) = reply.into_parts();
        let text = match body {
            lambda_http::Body::Text(t) => t,
            lambda_http::Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        let resp = Resp { status: parts.status.as_u16(), headers: parts.headers, text, calls };
        assert!(
            !resp.calls.iter().any(|c| c.starts_with("Scan")),
            "{} {} scanned: {:?}",
            req.method,
            req.path,
            resp.calls
        );
        assert!(
            round_trips(&resp.calls) <= round_trip_bound(&req.method, &req.path),
            "{} {} took {} DynamoDB round trips: {:?}",
            req.method,
            req.path,
            round_trips(&resp.calls),
            resp.calls
        );
        assert!(
            contention_retries(&resp.calls) < tenure_core::service::commit::AUDIT_ATTEMPTS,
            "{} {} retried its audited write {} times: {:?}",
            req.method,
            req.path,
            contention_retries(&resp.calls),
            resp.calls
        );
        assert!(resp.header("x-request-id").is_some(), "no request id on {} {}", req.method, req.path);
        assert!(resp.status < 500, "{} {} answered {}: {}", req.method, req.path, resp.status, resp.text);
        resp
    }
}

/// A signed-up company owner, signed in.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
    pub user_id: String,
    pub company_id: String,
    pub access: String,
    pub refresh: String,
}

pub const PASSWORD: &str = "correct horse battery";

pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", tenure_core::ids::new_ulid().to_string().to_lowercase())
}

impl Harness {
    /// Signs up a new company and signs its owner in.
    pub async fn signup(&self) -> Account {
        let email = unique_email("owner");
        let r = self
            .send(Req::new("POST", "/auth/signup").json(
                json!({"email": email, "password": PASSWORD, "full_name": "Olive Owner", "company_name": "Acme Ltd"}),
            ))
            .await;
        r.expect(201);
        let v = r.json();
        let mut a = self.login(&email, PASSWORD).await;
        a.user_id = v["user"]["id"].as_str().unwrap_or_default().into();
        a.company_id = v["company"]["id"].as_str().unwrap_or_default().into();
        a
    }

    pub async fn login(&self, email: &str, password: &str) -> Account {
        let r = self.send(Req::new("POST", "/auth/login").json(json!({"email": email, "password": password}))).await;
        r.expect(200);
        let v = r.json();
        let me = self.send(Req::new("GET", "/auth/me").bearer(v["access_token"].as_str().unwrap_or_default())).await;
        me.expect(200);
        let m = me.json();
        Account {
            email: email.into(),
            password: password.into(),
            user_id: m["id"].as_str().unwrap_or_default().into(),
            company_id: m["company_id"].as_str().unwrap_or_default().into(),
            access: v["access_token"].as_str().unwrap_or_default().into(),
            refresh: v["refresh_token"].as_str().unwrap_or_default().into(),
        }
    }

    /// Creates a user with `role` in the caller's company and signs them in.
    pub async fn add_user(&self, by: &Account, role: &str) -> Account {
        let email = unique_email(role);
        self.send(
            Req::new("POST", "/auth/admin/users")
                .bearer(&by.access)
                .json(json!({"email": email, "full_name": "Test Person", "role": role, "password": PASSWORD})),
        )
        .await
        .expect(201);
        self.login(&email, PASSWORD).await
    }

    /// Writes `client`'s rate-limit counter for this hour as two earlier
    /// minutes over the limit would have left it, so that the client's next
    /// request over the limit is its third such minute and blocks it.
    pub async fn seed_two_minutes_over(&self, client: &str) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let w = tenure_core::domain::ratelimit::window(now);
        let minute: u32 = w.minute_attr[1..].parse().expect("minute attribute");
        let others: Vec<String> = (0..60u32).filter(|m| *m != minute).take(2).map(|m| format!("m{m:02}")).collect();
        let key = tenure_core::store::keys::rate_limit(client, &w.hour);
        let exprs = tenure_core::store::Exprs::new().name("#a", &others[0]).name("#b", &others[1]).num(":n", 5);
        self.store
            .update_returning(&key, "SET #a = :n, #b = :n", tenure_core::store::Cond::None, exprs)
            .await
            .expect("seed the rate-limit counter");
    }

    /// A platform admin (bootstrapped the way the `auth` function does it).
    pub async fn admin(&self) -> Account {
        let email = unique_email("admin");
        let created =
            tenure_core::api::auth::bootstrap_admin(&self.app("auth"), &email, PASSWORD).await.expect("bootstrap");
        assert!(created);
        self.login(&email, PASSWORD).await
    }
}

/// A bare HTTP/1.1 request to the loopback S3 endpoint (presigned URLs are
/// used exactly as signed: no client adds or changes a header).
pub async fn http(method: &str, url: &str, headers: &[(String, String)], body: &[u8]) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("the local endpoint is plain http");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect to local S3");
    let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
    for (k, v) in headers {
        if k != "host" {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    if !headers.iter().any(|(k, _)| k == "content-length") {
        req.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = buf[split..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + size]);
        b = &b[i + 2 + size + 2..];
    }
    out
}

/// The headers a presigned upload (`POST /documents/upload-url`) must send.
pub fn upload_headers(v: &Value) -> Vec<(String, String)> {
    v["upload"]["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// The object key of a presigned upload (`POST /documents/upload-url`,
/// `POST /imports`).
pub fn key_of(v: &Value) -> String {
    let url = v["upload"]["url"].as_str().unwrap_or_default();
    let path = url.split('?').next().unwrap_or_default();
    let at = path
        .find("/uploads/")
        .or_else(|| path.find("/imports/"))
        .expect("an upload URL names an uploads/ or imports/ key");
    path[at + 1..].to_string()
}

/// The S3 notification for a stored object, as S3 sends it.
pub fn s3_event_json(key: &str, size: usize) -> Value {
    let bucket = std::env::var("TENURE_BUCKET").unwrap_or_else(|_| "tenure-documents-local".into());
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1", "eventTime": "2026-11-23T10:00:00.000Z",
        "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "AWS:local"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "1", "x-amz-id-2": "2"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "uploads", "bucket": {"name": bucket, "ownerIdentity": {"principalId": "local"}, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": key, "size": size, "eTag": "x", "sequencer": "1"}}
    }]})
}

/// What the benchmark binaries (`tests/bin/`) share: medians, readable
/// counts, and bulk seeding with progress.
pub mod bench {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use aws_sdk_dynamodb::types::WriteRequest;

    pub fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(|a, b| a.total_cmp(b));
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    /// 12345 as `12,345`.
    pub fn thousands(n: usize) -> String {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// DynamoDB operations counted by name, as `Query 26, UpdateItem 26`.
    pub fn ops(calls: &std::collections::BTreeMap<String, usize>) -> String {
        calls.iter().map(|(k, v)| format!("{k} {}", thousands(*v))).collect::<Vec<_>>().join(", ")
    }

    /// Sends `make(i)` for `i` in `0..total` to the test table, 25 to a
    /// `BatchWriteItem`, `tasks` at once (unprocessed items again, with a
    /// growing pause), saying how far it got every `every`; returns the
    /// seconds it took.
    pub async fn write_all(
        client: &aws_sdk_dynamodb::Client,
        total: usize,
        tasks: usize,
        label: &str,
        every: Duration,
        progress: fn(&str),
        make: Arc<dyn Fn(usize) -> WriteRequest + Send + Sync>,
    ) -> f64 {
        let started = Instant::now();
        if total == 0 {
            return 0.0;
        }
        let done = Arc::new(AtomicUsize::new(0));
        let next_chunk = Arc::new(AtomicUsize::new(0));
        let chunks = total.div_ceil(25);
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let (client, done, next_chunk, make) = (client.clone(), done.clone(), next_chunk.clone(), make.clone());
            handles.push(tokio::spawn(async move {
                loop {
                    let c = next_chunk.fetch_add(1, Ordering::Relaxed);
                    if c >= chunks {
                        break;
                    }
                    let (lo, hi) = (c * 25, (c * 25 + 25).min(total));
                    let mut requests: Vec<WriteRequest> = (lo..hi).map(|i| make(i)).collect();
                    let mut attempt = 0;
                    while !requests.is_empty() {
                        let out = client
                            .batch_write_item()
                            .request_items(super::table(), requests.clone())
                            .send()
                            .await
                            .unwrap_or_else(|e| panic!("BatchWriteItem failed: {e:?}"));
                        requests =
                            out.unprocessed_items.and_then(|mut u| u.remove(&super::table())).unwrap_or_default();
                        if !requests.is_empty() {
                            attempt += 1;
                            tokio::time::sleep(Duration::from_millis(20 * attempt.min(50))).await;
                        }
                    }
                    done.fetch_add(hi - lo, Ordering::Relaxed);
                }
            }));
        }
        let ticker = {
            let (done, label) = (done.clone(), label.to_string());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let d = done.load(Ordering::Relaxed);
                    let secs = started.elapsed().as_secs_f64();
                    progress(&format!(
                        "  {label}: {}/{} ({:.0}%), {:.0} items/s",
                        thousands(d),
                        thousands(total),
                        d as f64 * 100.0 / total as f64,
                        d as f64 / secs
                    ));
                }
            })
        };
        for h in handles {
            h.await.expect("a seeding task");
        }
        ticker.abort();
        let secs = started.elapsed().as_secs_f64();
        progress(&format!("  {label}: {} items in {secs:.1}s ({:.0} items/s)", thousands(total), total as f64 / secs));
        secs
    }
}
