//! The deployment descriptions agree with the code: every route of
//! `routes::all()` is wired to its function in `template.yaml` (SAM) and in
//! `infra/` (Terraform), nothing else is, every event function runs on its
//! trigger (a schedule, or the documents bucket's notifications) with its
//! own small environment and a dead-letter destination, each function gets
//! the same DynamoDB actions and the same S3 actions in both (S3 only for
//! `service::BUCKET_FUNCTIONS`, only on objects under `uploads/` and `documents/`), the
//! table uses the key, index and TTL names of `store::schema`, and both
//! declare the same alarms: an Errors and a Throttles alarm on every
//! function, an alarm on the messages waiting in each event function's
//! dead-letter queue and a 5xx alarm on the API, all notifying the
//! encrypted alarm topic that both output; and every function runs with the
//! same memory, timeout, architecture (arm64), runtime and tracing in both.
//!
//! `template.yaml` is read with a YAML parser that keeps the value under a
//! CloudFormation short-form tag (`!Ref X` reads as `"X"`, `!GetAtt T.Arn`
//! as `"T.Arn"`). The Terraform files are read with a small tokenizer that
//! understands just the literal shapes `infra/lambda.tf` keeps its function
//! table in: strings, names, lists and objects; and, for the alarms, the
//! arguments of resource blocks, whose `each.key` and references the alarm
//! tests resolve, and `local.functions`, the `merge` of one `for` over each
//! function table, through which `each.value` of the functions resolves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use tenure_core::routes;
use tenure_core::service::BUCKET_FUNCTIONS;
use tenure_core::store::schema;
use yaml_rust2::{Yaml, YamlLoader};

/// Environment every HTTP function gets.
const COMMON_ENV: &[&str] = &[
    "TENURE_TABLE",
    "TENURE_JWT_ISSUER",
    "TENURE_JWT_AUDIENCE",
    "TENURE_JWT_KID",
    "TENURE_JWT_PUBLIC_KEYS",
    "TENURE_RATE_LIMIT_PER_MINUTE",
    "TENURE_HEAVY_RATE_LIMIT_PER_MINUTE",
    "TENURE_IP_RATE_LIMIT_PER_MINUTE",
    "RUST_LOG",
];

/// Environment only the `auth` function gets: where the signing key lives
/// and the one-time admin bootstrap.
const AUTH_ONLY_ENV: &[&str] =
    &["TENURE_JWT_PRIVATE_KEY_PARAM", "TENURE_BOOTSTRAP_ADMIN_EMAIL", "TENURE_BOOTSTRAP_ADMIN_PASSWORD"];

/// What invokes an event function (asynchronously).
enum Trigger {
    /// An EventBridge schedule expression.
    Schedule(&'static str),
    /// The documents bucket's notifications of these events on keys with this prefix.
    Bucket { events: &'static [&'static str], prefix: &'static str },
}

/// A function with no routes, run by its trigger.
struct EventFunction {
    /// Package and binary name.
    name: &'static str,
    trigger: Trigger,
    timeout_seconds: i64,
    /// Its whole environment.
    env: &'static [&'static str],
}

/// Every event function (`functions/*` packages that are not in ROUTES).
const EVENT_FUNCTIONS: &[EventFunction] = &[
    EventFunction {
        name: "risk-sweep",
        trigger: Trigger::Schedule("rate(1 hour)"),
        timeout_seconds: 900,
        env: &["TENURE_TABLE", "RUST_LOG"],
    },
    EventFunction {
        name: "sla-check",
        trigger: Trigger::Schedule("rate(5 minutes)"),
        timeout_seconds: 300,
        env: &["TENURE_TABLE", "RUST_LOG"],
    },
    EventFunction {
        name: "document-uploaded",
        trigger: Trigger::Bucket { events: &["s3:ObjectCreated:*"], prefix: "uploads/" },
        timeout_seconds: 60,
        env: &["TENURE_TABLE", "TENURE_BUCKET", "RUST_LOG"],
    },
    EventFunction {
        name: "import-uploaded",
        trigger: Trigger::Bucket { events: &["s3:ObjectCreated:*"], prefix: "imports/" },
        timeout_seconds: 900,
        env: &["TENURE_TABLE", "TENURE_BUCKET", "RUST_LOG"],
    },
];

/// The S3 actions each function's code uses on objects of the documents
/// bucket, per key pattern, as the code declares them
/// (`permissions::GRANTS`); every other function has none. Presigned URLs
/// carry the signer's permissions, so `documents` needs PutObject on
/// uploads and GetObject on documents for them.
fn bucket_actions_declared() -> Vec<(&'static str, BucketActions)> {
    tenure_core::permissions::GRANTS
        .iter()
        .filter(|g| !g.bucket.is_empty())
        .map(|g| {
            let actions = g
                .bucket
                .iter()
                .map(|(pattern, actions)| (pattern.to_string(), actions.iter().map(|a| format!("s3:{a}")).collect()))
                .collect();
            (g.function, actions)
        })
        .collect()
}

/// The only objects of the bucket any function may touch (key patterns):
/// uploads and the checked documents; import files and their checked
/// copies.
const DOCUMENT_OBJECTS: &[&str] = &["uploads/*", "documents/*", "imports/*", "imported/*"];

/// The environment variable that names the documents bucket.
const BUCKET_ENV: &str = "TENURE_BUCKET";

/// Retries of a failed asynchronous invocation before it goes to the
/// function's dead-letter queue.
const EVENT_RETRIES: i64 = 2;

fn event_function_names() -> BTreeSet<String> {
    EVENT_FUNCTIONS.iter().map(|e| e.name.to_string()).collect()
}

/// Every function package: the HTTP ones of ROUTES and the event ones.
fn all_function_names() -> BTreeSet<String> {
    let mut all: BTreeSet<String> = routes::functions().into_iter().map(String::from).collect();
    for name in event_function_names() {
        assert!(all.insert(name.clone()), "{name} is both an HTTP and an event function");
    }
    all
}

fn index_names() -> BTreeSet<String> {
    schema::INDEXES.iter().map(|(name, _, _)| name.to_string()).collect()
}

/// DynamoDB actions of one function: on the table, and per index.
type DynamoActions = (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>);

/// S3 actions of one function per object key pattern of the documents bucket.
type BucketActions = BTreeMap<String, BTreeSet<String>>;

/// What the code declares `function` may do to the bucket (empty: nothing).
fn expected_bucket_actions(function: &str) -> BucketActions {
    bucket_actions_declared().into_iter().filter(|(name, _)| *name == function).flat_map(|(_, a)| a).collect()
}

/// What the code declares `function` may do to the table and its indexes.
fn declared_dynamodb_actions(function: &str) -> DynamoActions {
    let g = tenure_core::permissions::of(function);
    let table = g.table.iter().map(|a| format!("dynamodb:{a}")).collect();
    let indexes = g
        .indexes
        .iter()
        .map(|(i, actions)| (i.to_string(), actions.iter().map(|a| format!("dynamodb:{a}")).collect()))
        .collect();
    (table, indexes)
}

fn repo_file(relative: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    (path, text)
}

/// API Gateway's route key of the default route: whatever matches no route.
const DEFAULT_ROUTE: &str = "$default";

/// "METHOD /path" route keys of the route table, per function, and
/// `$default` for the function that serves it.
fn routes_by_function() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in routes::all() {
        out.entry(r.function.to_string()).or_default().insert(format!("{} {}", r.method, r.path));
    }
    let fallback = routes::fallback_function().expect("a function serves $default");
    out.entry(fallback.to_string()).or_default().insert(DEFAULT_ROUTE.to_string());
    out
}

// ---------------------------------------------------------------- SAM

fn sam_template() -> Yaml {
    let (path, text) = repo_file("template.yaml");
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    assert_eq!(docs.len(), 1, "template.yaml must hold exactly one YAML document");
    docs.remove(0)
}

fn sam_resources(template: &Yaml) -> Vec<(String, &Yaml)> {
    let resources = template["Resources"].as_hash().expect("template.yaml has a Resources map");
    resources.iter().map(|(id, r)| (id.as_str().expect("resource ids are strings").to_string(), r)).collect()
}

fn sam_resources_of_type<'a>(template: &'a Yaml, ty: &str) -> Vec<(String, &'a Yaml)> {
    sam_resources(template).into_iter().filter(|(_, r)| r["Type"].as_str() == Some(ty)).collect()
}

/// The Serverless functions, keyed by the cargo binary they are built from.
fn sam_functions(template: &Yaml) -> BTreeMap<String, (String, &Yaml)> {
    let mut out = BTreeMap::new();
    for (id, r) in sam_resources_of_type(template, "AWS::Serverless::Function") {
        let binary = r["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("function {id} names no Metadata.BuildProperties.Binary"))
            .to_string();
        let previous = out.insert(binary.clone(), (id.clone(), r));
        assert!(previous.is_none(), "two functions in template.yaml build binary {binary}");
    }
    out
}

/// The (method, path) of every HttpApi event of one function, with the API it names.
fn sam_http_events(function: &Yaml) -> Vec<(String, String, String)> {
    let Some(events) = function["Properties"]["Events"].as_hash() else {
        return Vec::new();
    };
    events
        .iter()
        .filter(|(_, e)| e["Type"].as_str() == Some("HttpApi"))
        .map(|(name, e)| {
            let name = name.as_str().unwrap_or("?");
            let p = &e["Properties"];
            let api = p["ApiId"].as_str().unwrap_or_else(|| panic!("event {name} names no ApiId"));
            // No Path and no Method: SAM makes it the API's $default route.
            if p["Method"].is_badvalue() && p["Path"].is_badvalue() {
                return (String::new(), DEFAULT_ROUTE.to_string(), api.to_string());
            }
            let method = p["Method"].as_str().unwrap_or_else(|| panic!("event {name} has no Method"));
            let path = p["Path"].as_str().unwrap_or_else(|| panic!("event {name} has no Path"));
            (method.to_ascii_uppercase(), path.to_string(), api.to_string())
        })
        .collect()
}

fn yaml_strings(value: &Yaml) -> Vec<String> {
    match value {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Array(items) => items.iter().flat_map(yaml_strings).collect(),
        _ => Vec::new(),
    }
}

fn yaml_keys(value: &Yaml) -> BTreeSet<String> {
    value.as_hash().map(|h| h.keys().filter_map(|k| k.as_str().map(String::from)).collect()).unwrap_or_default()
}

/// The statements of a SAM function's inline policies.
fn sam_statements(function: &Yaml) -> Vec<&Yaml> {
    function["Properties"]["Policies"]
        .as_vec()
        .into_iter()
        .flatten()
        .flat_map(|policy| policy["Statement"].as_vec().into_iter().flatten())
        .collect()
}

/// Actions with `prefix` a SAM function's inline policies allow, per resource.
fn sam_actions_by_resource(function: &Yaml, prefix: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for statement in sam_statements(function) {
        assert_ne!(statement["Effect"].as_str(), Some("Deny"), "the function policies hold no Deny statements");
        let actions: Vec<String> =
            yaml_strings(&statement["Action"]).into_iter().filter(|a| a.starts_with(prefix)).collect();
        if actions.is_empty() {
            continue;
        }
        for resource in yaml_strings(&statement["Resource"]) {
            out.entry(resource).or_default().extend(actions.iter().cloned());
        }
    }
    out
}

/// The documents bucket: the one S3 bucket of the template.
fn sam_bucket(template: &Yaml) -> (String, &Yaml) {
    let mut buckets = sam_resources_of_type(template, "AWS::S3::Bucket");
    assert_eq!(buckets.len(), 1, "template.yaml must declare exactly one S3 bucket, the documents bucket");
    buckets.remove(0)
}

/// The documents bucket's name as written in its BucketName (`!Sub` text).
fn sam_bucket_name(template: &Yaml) -> String {
    let (id, bucket) = sam_bucket(template);
    bucket["Properties"]["BucketName"].as_str().unwrap_or_else(|| panic!("{id} has no BucketName")).to_string()
}

/// The ways a `!Sub` in the template may spell the documents bucket's ARN:
/// `${Bucket.Arn}`, or, in a function the bucket notifies (which the bucket
/// depends on, so it cannot refer back), built from the bucket's name.
fn sam_bucket_arn_spellings(template: &Yaml) -> Vec<String> {
    let (id, _) = sam_bucket(template);
    vec![format!("${{{id}.Arn}}"), format!("arn:${{AWS::Partition}}:s3:::{}", sam_bucket_name(template))]
}

/// S3 actions a SAM function's inline policies allow, per object key pattern
/// of the documents bucket. Any other S3 resource fails the test.
fn sam_bucket_actions(template: &Yaml, function: &Yaml) -> BucketActions {
    let spellings = sam_bucket_arn_spellings(template);
    sam_actions_by_resource(function, "s3:")
        .into_iter()
        .map(|(resource, actions)| {
            let pattern =
                spellings.iter().find_map(|arn| resource.strip_prefix(arn.as_str())?.strip_prefix('/')).unwrap_or_else(
                    || panic!("S3 actions {actions:?} granted on {resource}, not on objects of the bucket"),
                );
            (pattern.to_string(), actions)
        })
        .collect()
}

/// DynamoDB actions a SAM function's inline policies allow on the table and on each index.
fn sam_dynamodb_actions(function: &Yaml, table_id: &str) -> DynamoActions {
    let table_arn = format!("{table_id}.Arn");
    let index_prefix = format!("${{{table_id}.Arn}}/index/");
    let (mut table, mut indexes) = (BTreeSet::new(), BTreeMap::new());
    for (resource, actions) in sam_actions_by_resource(function, "dynamodb:") {
        if resource == table_arn {
            table = actions;
        } else if let Some(index) = resource.strip_prefix(&index_prefix).filter(|i| index_names().contains(*i)) {
            indexes.insert(index.to_string(), actions);
        } else {
            panic!("DynamoDB actions {actions:?} granted on unexpected resource {resource}");
        }
    }
    (table, indexes)
}

#[test]
fn every_route_is_an_http_api_event_of_its_function_in_the_sam_template() {
    let template = sam_template();
    let functions = sam_functions(&template);
    let apis = sam_resources_of_type(&template, "AWS::Serverless::HttpApi");
    assert_eq!(apis.len(), 1, "template.yaml must declare exactly one HttpApi");
    let api_id = &apis[0].0;

    for (function, expected) in routes_by_function() {
        let (id, resource) =
            functions.get(&function).unwrap_or_else(|| panic!("no function in template.yaml builds binary {function}"));
        let events = sam_http_events(resource);
        for (method, path, api) in &events {
            assert_eq!(&api, &api_id, "{id}: event {method} {path} is attached to {api}, not {api_id}");
        }
        let actual: Vec<String> =
            events.iter().map(|(m, p, _)| if m.is_empty() { p.clone() } else { format!("{m} {p}") }).collect();
        let actual_set: BTreeSet<String> = actual.iter().cloned().collect();
        assert_eq!(actual.len(), actual_set.len(), "{id} declares a route twice: {actual:?}");
        assert_eq!(actual_set, expected, "{id} ({function}) serves other routes in template.yaml than in ROUTES");
    }
}

#[test]
fn the_sam_template_serves_no_route_outside_the_route_table() {
    let template = sam_template();
    let table = routes_by_function();
    for (binary, (id, resource)) in sam_functions(&template) {
        if !table.contains_key(&binary) {
            let events = sam_http_events(resource);
            assert!(events.is_empty(), "{id} ({binary}) is not in ROUTES but serves {events:?}");
        }
        let rest_events: Vec<String> = resource["Properties"]["Events"]
            .as_hash()
            .into_iter()
            .flatten()
            .filter(|(_, e)| e["Type"].as_str() == Some("Api"))
            .filter_map(|(name, _)| name.as_str().map(String::from))
            .collect();
        assert!(rest_events.is_empty(), "{id} has REST API events {rest_events:?}; routes belong on the HttpApi");
    }
}

#[test]
fn every_http_function_is_a_rust_function_resource_in_the_sam_template() {
    let template = sam_template();
    let functions = sam_functions(&template);
    let globals = &template["Globals"]["Function"];
    for name in routes::functions() {
        let (id, resource) =
            functions.get(name).unwrap_or_else(|| panic!("no function in template.yaml builds binary {name}"));
        assert_eq!(resource["Metadata"]["BuildMethod"].as_str(), Some("rust-cargolambda"), "{id} build method");
        let prop = |key: &str| resource["Properties"][key].as_str().or_else(|| globals[key].as_str()).map(String::from);
        assert_eq!(prop("Runtime").as_deref(), Some("provided.al2023"), "{id} runtime");
        assert_eq!(prop("Handler").as_deref(), Some("bootstrap"), "{id} handler");
        let architectures = yaml_strings(&resource["Properties"]["Architectures"]);
        let architectures =
            if architectures.is_empty() { yaml_strings(&globals["Architectures"]) } else { architectures };
        assert_eq!(architectures, vec!["arm64".to_string()], "{id} architectures");
    }
}

/// The variable names a SAM function ends up with: Globals merged with its own.
fn sam_env(template: &Yaml, function: &Yaml) -> BTreeSet<String> {
    let mut env = yaml_keys(&template["Globals"]["Function"]["Environment"]["Variables"]);
    env.extend(yaml_keys(&function["Properties"]["Environment"]["Variables"]));
    env
}

/// The console's content security policy names the bucket as the only
/// other origin the browser may connect to (presigned uploads), read from
/// `TENURE_UPLOAD_ORIGIN`: the bucket's regional domain name in both
/// templates, the origin the SDK presigns for (tests/api/documents.rs).
#[test]
fn only_the_console_gets_the_upload_origin_the_buckets_regional_domain_in_both_templates() {
    const NAME: &str = "TENURE_UPLOAD_ORIGIN";
    let template = sam_template();
    let sam = sam_functions(&template);
    let (bucket_id, _) = sam_bucket(&template);
    let mut terraform = terraform_functions();
    terraform.extend(terraform_event_functions());
    for (function, f) in &terraform {
        let (id, resource) = &sam[function];
        let sam_value = resource["Properties"]["Environment"]["Variables"][NAME].as_str();
        let tf_value = terraform_env(function, f).into_iter().find(|(k, _)| k == NAME).map(|(_, v)| v);
        if function == "console" {
            let want = format!("https://${{{bucket_id}.RegionalDomainName}}");
            assert_eq!(sam_value, Some(want.as_str()), "{id}: {NAME} in template.yaml");
            let want = Hcl::Str("https://${aws_s3_bucket.documents.bucket_regional_domain_name}".into());
            assert_eq!(tf_value, Some(want), "{function}: {NAME} in infra/lambda.tf");
        } else {
            assert_eq!(sam_value, None, "{id} ({function}) must not have {NAME}");
            assert_eq!(tf_value, None, "{function} must not have {NAME} in infra/lambda.tf");
        }
    }
    assert!(
        template["Globals"]["Function"]["Environment"]["Variables"][NAME].is_badvalue(),
        "{NAME} must not be global"
    );
}

#[test]
fn every_http_function_gets_the_common_environment_and_only_auth_gets_the_signing_key() {
    let template = sam_template();
    let functions = sam_functions(&template);
    for binary in routes::functions() {
        let (id, resource) =
            functions.get(binary).unwrap_or_else(|| panic!("no function in template.yaml builds binary {binary}"));
        let env = sam_env(&template, resource);
        for name in COMMON_ENV {
            assert!(env.contains(*name), "{id} ({binary}) lacks {name}");
        }
        for name in AUTH_ONLY_ENV {
            assert_eq!(env.contains(*name), binary == "auth", "{id} ({binary}) and {name}: only auth may have it");
        }
    }
}

/// The cursor key (`http::cursor`): every function with a list route reads
/// it, and no other, in both templates, with `ssm:GetParameter` and the
/// `kms:Decrypt` through SSM on exactly that parameter.
#[test]
fn the_functions_with_list_routes_and_only_they_read_the_cursor_key_in_both_templates() {
    const NAME: &str = "TENURE_CURSOR_KEY_PARAM";
    let template = sam_template();
    assert!(
        template["Parameters"]["CursorKeyParam"]["Type"].as_str() == Some("String"),
        "template.yaml: CursorKeyParam"
    );
    let sam = sam_functions(&template);
    let parameter_arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${CursorKeyParam}";
    let terraform = terraform_functions();
    assert_eq!(terraform.len(), routes::functions().len());
    for (function, f) in &terraform {
        let pages = routes::group(function).unwrap_or_else(|| panic!("no group {function}")).pages();
        let (id, resource) = &sam[function];
        // SAM: the variable, the read and the decrypt.
        let env = &resource["Properties"]["Environment"]["Variables"][NAME];
        let reads: Vec<&Yaml> = sam_statements(resource)
            .into_iter()
            .filter(|st| yaml_strings(&st["Resource"]).iter().any(|r| r == parameter_arn))
            .collect();
        let decrypts = sam_statements(resource)
            .into_iter()
            .filter(|st| {
                yaml_strings(&st["Action"]).contains(&"kms:Decrypt".to_string())
                    && yaml_strings(&st["Condition"]["StringEquals"]["kms:EncryptionContext:PARAMETER_ARN"])
                        .iter()
                        .any(|r| r == parameter_arn)
            })
            .count();
        if pages {
            assert_eq!(env.as_str(), Some("CursorKeyParam"), "{id} ({function}): {NAME}");
            assert_eq!(reads.len(), 1, "{id} ({function}): one statement reads the cursor key");
            assert_eq!(yaml_strings(&reads[0]["Action"]), ["ssm:GetParameter"], "{id}: only ssm:GetParameter on it");
            assert_eq!(decrypts, 1, "{id} ({function}): kms:Decrypt through SSM for the cursor key");
        } else {
            assert!(env.is_badvalue(), "{id} ({function}) has no list route and must not have {NAME}");
            assert!(reads.is_empty() && decrypts == 0, "{id} ({function}) must not read the cursor key");
        }
        // Terraform: the parameter in `ssm_parameters` (which iam.tf turns
        // into the same two statements) and the variable.
        let params = match f.get("ssm_parameters") {
            Some(Hcl::List(items)) => items.clone(),
            other => panic!("{function}: ssm_parameters should be a list, is {other:?}"),
        };
        let var = Hcl::Expr("var.cursor_key_param".into());
        assert_eq!(params.contains(&var), pages, "{function}: ssm_parameters and the cursor key in infra/lambda.tf");
        let tf_env = terraform_env(function, f).into_iter().find(|(k, _)| k == NAME).map(|(_, v)| v);
        assert_eq!(tf_env, pages.then_some(var), "{function}: {NAME} in infra/lambda.tf");
    }
}

#[test]
fn every_event_function_runs_on_its_trigger_in_the_sam_template() {
    let template = sam_template();
    let functions = sam_functions(&template);
    assert_eq!(
        functions.keys().cloned().collect::<BTreeSet<_>>(),
        all_function_names(),
        "template.yaml should build exactly the HTTP functions of ROUTES and the event functions"
    );
    let globals = &template["Globals"]["Function"];
    for event in EVENT_FUNCTIONS {
        let (id, resource) = &functions[event.name];
        let p = &resource["Properties"];
        assert_eq!(resource["Metadata"]["BuildMethod"].as_str(), Some("rust-cargolambda"), "{id} build method");
        let prop = |key: &str| if p[key].is_badvalue() { globals[key].clone() } else { p[key].clone() };
        assert_eq!(prop("Runtime").as_str(), Some("provided.al2023"), "{id} runtime");
        assert_eq!(prop("Handler").as_str(), Some("bootstrap"), "{id} handler");
        assert_eq!(yaml_strings(&prop("Architectures")), vec!["arm64".to_string()], "{id} architectures");
        assert_eq!(prop("Tracing").as_str(), Some("Active"), "{id} tracing");
        assert_eq!(prop("Timeout").as_i64(), Some(event.timeout_seconds), "{id} timeout");
        assert_eq!(prop("MemorySize").as_i64(), Some(256), "{id} memory");

        let env = sam_env(&template, resource);
        let expected: BTreeSet<String> = event.env.iter().map(|v| v.to_string()).collect();
        assert_eq!(env, expected, "{id} ({}) environment", event.name);

        // Exactly one trigger.
        let events: Vec<(&Yaml, &Yaml)> = p["Events"].as_hash().into_iter().flatten().collect();
        assert_eq!(events.len(), 1, "{id} should have exactly one event, its trigger");
        let (name, e) = events[0];
        let ep = &e["Properties"];
        match &event.trigger {
            Trigger::Schedule(expected) => {
                let schedule = match e["Type"].as_str() {
                    Some("Schedule") => ep["Schedule"].as_str(),
                    Some("ScheduleV2") => ep["ScheduleExpression"].as_str(),
                    other => panic!("{id}: event {name:?} is of type {other:?}, not a schedule"),
                };
                assert_eq!(schedule, Some(*expected), "{id} schedule");
                assert_ne!(ep["Enabled"].as_bool(), Some(false), "{id}: schedule disabled");
            }
            Trigger::Bucket { events: expected_events, prefix } => {
                assert_eq!(e["Type"].as_str(), Some("S3"), "{id}: event {name:?} should be an S3 event");
                let (bucket_id, _) = sam_bucket(&template);
                assert_eq!(ep["Bucket"].as_str(), Some(bucket_id.as_str()), "{id}: the bucket that notifies it");
                let actual: BTreeSet<String> = yaml_strings(&ep["Events"]).into_iter().collect();
                let expected: BTreeSet<String> = expected_events.iter().map(|e| e.to_string()).collect();
                assert_eq!(actual, expected, "{id}: S3 event types");
                let rules: Vec<(String, String)> = ep["Filter"]["S3Key"]["Rules"]
                    .as_vec()
                    .unwrap_or_else(|| panic!("{id}: no Filter.S3Key.Rules"))
                    .iter()
                    .map(|r| {
                        let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
                        (s("Name").to_ascii_lowercase(), s("Value"))
                    })
                    .collect();
                assert_eq!(rules, vec![("prefix".to_string(), prefix.to_string())], "{id}: S3 key filter");
            }
        }

        // Failed asynchronous invocations: retried, then sent to an encrypted queue.
        let configs: Vec<(String, &Yaml)> = sam_resources_of_type(&template, "AWS::Lambda::EventInvokeConfig")
            .into_iter()
            .filter(|(_, r)| r["Properties"]["FunctionName"].as_str() == Some(id.as_str()))
            .collect();
        assert_eq!(configs.len(), 1, "{id} should have exactly one AWS::Lambda::EventInvokeConfig");
        let config = &configs[0].1["Properties"];
        assert_eq!(config["MaximumRetryAttempts"].as_i64(), Some(EVENT_RETRIES), "{id} retries");
        let destination = config["DestinationConfig"]["OnFailure"]["Destination"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: no OnFailure destination"));
        let queue_id = destination.strip_suffix(".Arn").unwrap_or_else(|| panic!("{id}: destination {destination}"));
        let queues = sam_resources_of_type(&template, "AWS::SQS::Queue");
        let (_, queue) = queues
            .iter()
            .find(|(qid, _)| qid == queue_id)
            .unwrap_or_else(|| panic!("{id}: OnFailure destination {queue_id} is not an SQS queue of the template"));
        let q = &queue["Properties"];
        assert!(
            q["SqsManagedSseEnabled"].as_bool() == Some(true) || !q["KmsMasterKeyId"].is_badvalue(),
            "{queue_id} should be encrypted"
        );

        // The role may send to that queue and no other, and use no other SQS action.
        let sqs = sam_actions_by_resource(resource, "sqs:");
        let expected: BTreeMap<String, BTreeSet<String>> =
            [(destination.to_string(), ["sqs:SendMessage".to_string()].into_iter().collect())].into_iter().collect();
        assert_eq!(sqs, expected, "{id} SQS permissions");

        // Its Errors alarm.
        let alarm = sam_resources_of_type(&template, "AWS::CloudWatch::Alarm").into_iter().find(|(_, a)| {
            let a = &a["Properties"];
            a["Namespace"].as_str() == Some("AWS/Lambda")
                && a["MetricName"].as_str() == Some("Errors")
                && a["Dimensions"]
                    .as_vec()
                    .into_iter()
                    .flatten()
                    .any(|d| d["Name"].as_str() == Some("FunctionName") && d["Value"].as_str() == Some(id.as_str()))
        });
        let (alarm_id, alarm) = alarm.unwrap_or_else(|| panic!("{id}: no CloudWatch alarm on its Errors metric"));
        let a = &alarm["Properties"];
        assert_eq!(a["Statistic"].as_str(), Some("Sum"), "{alarm_id} statistic");
        assert_eq!(a["Period"].as_i64(), Some(3600), "{alarm_id} period");
        assert_eq!(a["EvaluationPeriods"].as_i64(), Some(1), "{alarm_id} evaluation periods");
        assert_eq!(a["Threshold"].as_i64(), Some(0), "{alarm_id} threshold");
        assert_eq!(a["ComparisonOperator"].as_str(), Some("GreaterThanThreshold"), "{alarm_id} comparison");
    }
}

#[test]
fn the_sam_table_uses_the_key_index_and_ttl_names_of_the_schema() {
    let template = sam_template();
    let tables = sam_resources_of_type(&template, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1, "template.yaml must declare exactly one DynamoDB table");
    let p = &tables[0].1["Properties"];

    let key_schema = |keys: &Yaml| -> Vec<(String, String)> {
        keys.as_vec()
            .expect("a KeySchema list")
            .iter()
            .map(|k| {
                (k["AttributeName"].as_str().unwrap_or("").to_string(), k["KeyType"].as_str().unwrap_or("").to_string())
            })
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());

    assert_eq!(key_schema(&p["KeySchema"]), vec![pair(schema::PK, "HASH"), pair(schema::SK, "RANGE")]);

    let indexes = p["GlobalSecondaryIndexes"].as_vec().expect("GlobalSecondaryIndexes");
    let declared: Vec<&str> = indexes.iter().map(|i| i["IndexName"].as_str().unwrap_or("")).collect();
    let expected: Vec<&str> = schema::INDEXES.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(
        declared.iter().copied().collect::<BTreeSet<_>>(),
        expected.iter().copied().collect::<BTreeSet<_>>(),
        "global secondary indexes should be those of schema::INDEXES"
    );
    assert_eq!(declared.len(), expected.len(), "an index is declared twice: {declared:?}");
    for (name, pk, sk) in schema::INDEXES {
        let index = indexes.iter().find(|i| i["IndexName"].as_str() == Some(*name)).expect("checked above");
        assert_eq!(key_schema(&index["KeySchema"]), vec![pair(pk, "HASH"), pair(sk, "RANGE")], "{name} key schema");
        assert_eq!(
            index["Projection"]["ProjectionType"].as_str(),
            Some(schema::projection_of(name)),
            "{name} projection"
        );
    }

    let attributes: BTreeSet<(String, String)> = p["AttributeDefinitions"]
        .as_vec()
        .expect("AttributeDefinitions")
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap_or("").to_string(),
                a["AttributeType"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(attributes, key_attributes().into_iter().map(|a| pair(a, "S")).collect(), "attribute definitions");

    assert_eq!(p["TimeToLiveSpecification"]["AttributeName"].as_str(), Some(schema::TTL_ATTRIBUTE));
    assert_eq!(p["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(true), "TTL enabled");
    assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(), Some(true), "PITR");
    assert_eq!(p["DeletionProtectionEnabled"].as_bool(), Some(true), "deletion protection");
}

/// Every key attribute: the table's and every index's.
fn key_attributes() -> BTreeSet<&'static str> {
    let mut out: BTreeSet<&'static str> = [schema::PK, schema::SK].into_iter().collect();
    for (_, pk, sk) in schema::INDEXES {
        out.extend([*pk, *sk]);
    }
    out
}

// ---------------------------------------------------------------- Terraform

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A name, number or traversal such as `var.stage` or `each.key`.
    Word(String),
    /// A quoted string, with any `${...}` kept as written.
    Str(String),
    Punct(char),
}

/// Splits HCL text into tokens, dropping comments. Heredocs are not
/// supported (the files this reads have none).
fn tokenize_hcl(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' || (c == '/' && chars.get(i + 1) == Some(&'/')) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            let (s, next) = scan_hcl_string(&chars, i);
            tokens.push(Token::Str(s));
            i = next;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.')) {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// Reads the string that opens at `chars[start]` (a `"`), returning its
/// text and the index after its closing quote. Quotes inside `${...}` do
/// not end it.
fn scan_hcl_string(chars: &[char], start: usize) -> (String, usize) {
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                }
                i += 2;
            }
            '"' => return (out, i + 1),
            '$' if chars.get(i + 1) == Some(&'{') => {
                let mut depth = 0;
                let from = i;
                i += 1;
                while i < chars.len() {
                    match chars[i] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        '"' => {
                            i = scan_hcl_string(chars, i).1;
                            continue;
                        }
                        _ => {}
                    }
                    i += 1;
                }
                out.extend(&chars[from..i]);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    panic!("unterminated string in Terraform text");
}

/// A literal HCL value: enough for `locals` tables of strings.
#[derive(Debug, Clone, PartialEq)]
enum Hcl {
    Str(String),
    /// Anything that is not a literal (`var.x`, `true`, a function call), as its first word.
    Expr(String),
    List(Vec<Hcl>),
    Object(Vec<(String, Hcl)>),
}

impl Hcl {
    fn get(&self, key: &str) -> Option<&Hcl> {
        match self {
            Hcl::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn strings(&self) -> Vec<String> {
        match self {
            Hcl::List(items) => items
                .iter()
                .map(|i| match i {
                    Hcl::Str(s) => s.clone(),
                    other => panic!("expected a list of strings, found {other:?}"),
                })
                .collect(),
            other => panic!("expected a list of strings, found {other:?}"),
        }
    }
}

struct HclParser<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl HclParser<'_> {
    fn next(&mut self) -> Token {
        let t = self.tokens.get(self.at).cloned().expect("unexpected end of Terraform text");
        self.at += 1;
        t
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// After an opening bracket: skips to just past its closing one.
    fn skip_balanced(&mut self) {
        let mut depth = 1;
        while depth > 0 {
            match self.next() {
                Token::Punct('(' | '[' | '{') => depth += 1,
                Token::Punct(')' | ']' | '}') => depth -= 1,
                _ => {}
            }
        }
    }

    fn value(&mut self) -> Hcl {
        match self.next() {
            Token::Str(s) => Hcl::Str(s),
            // A `for` expression, `[for ...]` or `{for ...}`: not a literal.
            Token::Punct('[' | '{') if self.peek() == Some(&Token::Word("for".into())) => {
                self.skip_balanced();
                Hcl::Expr("for".to_string())
            }
            Token::Punct('[') => {
                let mut items = Vec::new();
                loop {
                    match self.peek() {
                        Some(Token::Punct(']')) => {
                            self.at += 1;
                            return Hcl::List(items);
                        }
                        Some(Token::Punct(',')) => self.at += 1,
                        _ => items.push(self.value()),
                    }
                }
            }
            Token::Punct('{') => {
                let mut entries = Vec::new();
                loop {
                    match self.next() {
                        Token::Punct('}') => return Hcl::Object(entries),
                        Token::Punct(',') => {}
                        Token::Word(key) | Token::Str(key) => {
                            assert_eq!(self.next(), Token::Punct('='), "expected `=` after {key}");
                            entries.push((key, self.value()));
                        }
                        other => panic!("unexpected {other:?} in an object"),
                    }
                }
            }
            Token::Word(w) => {
                // A function call: skip its balanced argument list.
                if self.peek() == Some(&Token::Punct('(')) {
                    let mut depth = 0;
                    loop {
                        match self.next() {
                            Token::Punct('(') => depth += 1,
                            Token::Punct(')') => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Hcl::Expr(w)
            }
            other => panic!("unexpected {other:?} where a value belongs"),
        }
    }
}

/// The value assigned to `name` in the first `locals` block of `text` that assigns it.
fn terraform_local(text: &str, name: &str) -> Hcl {
    let tokens = tokenize_hcl(text);
    for (i, window) in tokens.windows(2).enumerate() {
        if window[0] == Token::Word("locals".into()) && window[1] == Token::Punct('{') {
            let mut parser = HclParser { tokens: &tokens, at: i + 1 };
            // Parse the block as an object; a value we cannot read fails loudly.
            if let Hcl::Object(entries) = parser.value() {
                if let Some((_, v)) = entries.into_iter().find(|(k, _)| k == name) {
                    return v;
                }
            }
        }
    }
    panic!("no locals block assigns {name}");
}

/// One function table of `infra/lambda.tf`: `http_functions` or `event_functions`.
fn terraform_function_table(name: &str) -> Vec<(String, Hcl)> {
    let (_, text) = repo_file("infra/lambda.tf");
    match terraform_local(&text, name) {
        Hcl::Object(entries) => entries,
        other => panic!("local.{name} is not an object: {other:?}"),
    }
}

/// The HTTP functions of `infra/lambda.tf`.
fn terraform_functions() -> Vec<(String, Hcl)> {
    terraform_function_table("http_functions")
}

/// The event functions of `infra/lambda.tf`.
fn terraform_event_functions() -> Vec<(String, Hcl)> {
    terraform_function_table("event_functions")
}

/// A Terraform function's DynamoDB actions: `table_actions`, and
/// `index_actions` (index name => actions).
fn terraform_dynamodb_actions(function: &str, f: &Hcl) -> DynamoActions {
    let table = f
        .get("table_actions")
        .unwrap_or_else(|| panic!("{function} has no table_actions"))
        .strings()
        .into_iter()
        .collect();
    let indexes = match f.get("index_actions") {
        Some(Hcl::Object(entries)) => entries
            .iter()
            .map(|(index, actions)| {
                assert!(index_names().contains(index), "{function}: index_actions names unknown index {index}");
                (index.clone(), actions.strings().into_iter().collect())
            })
            .collect(),
        other => panic!("{function}: index_actions should be an object of index name => actions, is {other:?}"),
    };
    (table, indexes)
}

/// A Terraform function's `bucket_actions` (object key pattern => S3 actions).
fn terraform_bucket_actions(function: &str, f: &Hcl) -> BucketActions {
    match f.get("bucket_actions") {
        Some(Hcl::Object(entries)) => entries
            .iter()
            .map(|(pattern, actions)| (pattern.clone(), actions.strings().into_iter().collect()))
            .collect(),
        other => panic!("{function}: bucket_actions should be an object of key pattern => actions, is {other:?}"),
    }
}

/// A Terraform function's `env`, variable name => value.
fn terraform_env(function: &str, f: &Hcl) -> Vec<(String, Hcl)> {
    match f.get("env") {
        Some(Hcl::Object(entries)) => entries.clone(),
        other => panic!("{function}: env should be an object, is {other:?}"),
    }
}

/// The body of every `kind { ... }` block in `text` whose body is plain
/// `key = value` assignments (such as `attribute` or `global_secondary_index`).
fn terraform_blocks(text: &str, kind: &str) -> Vec<Hcl> {
    let tokens = tokenize_hcl(text);
    let mut out = Vec::new();
    for (i, window) in tokens.windows(2).enumerate() {
        if window[0] == Token::Word(kind.into()) && window[1] == Token::Punct('{') {
            let mut parser = HclParser { tokens: &tokens, at: i + 1 };
            out.push(parser.value());
        }
    }
    out
}

fn hcl_str<'a>(block: &'a Hcl, key: &str) -> &'a str {
    match block.get(key) {
        Some(Hcl::Str(s)) => s,
        other => panic!("expected {key} = \"...\" in {block:?}, found {other:?}"),
    }
}

/// The code of a Terraform file without comments or whitespace, for
/// looking for expressions: `for_each = local.x # y` reads `for_each=local.x`.
fn squash_hcl(text: &str) -> String {
    render_hcl(&tokenize_hcl(text))
}

/// Tokens written back without whitespace, as `squash_hcl` writes them.
fn render_hcl(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Word(w) => w.clone(),
            Token::Str(s) => format!("\"{s}\""),
            Token::Punct(c) => c.to_string(),
        })
        .collect()
}

/// Every `key = "string"` assignment in a Terraform file, in order.
fn terraform_string_assignments(text: &str) -> Vec<(String, String)> {
    let tokens = tokenize_hcl(text);
    tokens
        .windows(3)
        .filter_map(|w| match w {
            [Token::Word(k), Token::Punct('='), Token::Str(v)] => Some((k.clone(), v.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn terraform_serves_the_same_routes_from_the_same_functions_as_the_route_table() {
    let mut actual: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (function, f) in terraform_functions() {
        let routes = f.get("routes").unwrap_or_else(|| panic!("local.functions.{function} has no routes")).strings();
        let set: BTreeSet<String> = routes.iter().cloned().collect();
        assert_eq!(routes.len(), set.len(), "local.functions.{function} lists a route twice");
        actual.insert(function, set);
    }
    assert_eq!(actual, routes_by_function(), "infra/lambda.tf local.functions routes differ from ROUTES");
}

#[test]
fn terraform_builds_one_api_route_and_one_function_per_table_entry() {
    let (_, api) = repo_file("infra/apigateway.tf");
    let (_, lambda) = repo_file("infra/lambda.tf");
    let (api, lambda) = (squash_hcl(&api), squash_hcl(&lambda));
    for needle in ["for_each=local.routes", "route_key=each.key", "for_each=local.http_functions"] {
        assert!(api.contains(needle), "infra/apigateway.tf should contain `{needle}`");
    }
    for needle in [
        "for_each=local.functions",
        "fornamefinlocal.http_functions:name=>",
        "fornamefinlocal.event_functions:name=>",
        "routes=merge([fornamefinlocal.http_functions",
    ] {
        assert!(lambda.replace(',', "").contains(needle), "infra/lambda.tf should contain `{needle}`");
    }
    assert!(
        lambda.contains("\"${local.artifacts_dir}/${each.key}/bootstrap.zip\""),
        "infra/lambda.tf should deploy target/lambda/<name>/bootstrap.zip"
    );
}

#[test]
fn code_sam_and_terraform_grant_each_function_the_same_dynamodb_actions() {
    let template = sam_template();
    let tables = sam_resources_of_type(&template, "AWS::DynamoDB::Table");
    let table_id = &tables.first().expect("a DynamoDB table in template.yaml").0;
    let sam = sam_functions(&template);
    let mut terraform = terraform_functions();
    terraform.extend(terraform_event_functions());
    let tf_names: Vec<String> = terraform.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(tf_names.len(), tf_names.iter().collect::<BTreeSet<_>>().len(), "infra/lambda.tf repeats a function");
    assert_eq!(
        tf_names.into_iter().collect::<BTreeSet<_>>(),
        sam.keys().cloned().collect::<BTreeSet<_>>(),
        "template.yaml and infra/lambda.tf describe different functions"
    );
    assert_eq!(sam.keys().cloned().collect::<BTreeSet<_>>(), all_function_names());
    for (function, f) in &terraform {
        let (id, resource) = &sam[function];
        let (sam_table, sam_indexes) = sam_dynamodb_actions(resource, table_id);
        let (tf_table, tf_indexes) = terraform_dynamodb_actions(function, f);
        let (code_table, code_indexes) = declared_dynamodb_actions(function);
        assert_eq!(
            sam_table, code_table,
            "{function}: template.yaml grants other table actions than permissions::GRANTS declares"
        );
        assert_eq!(
            sam_indexes, code_indexes,
            "{function}: template.yaml grants other index actions than permissions::GRANTS declares"
        );
        assert!(!sam_table.is_empty(), "{id} ({function}) has no DynamoDB actions on the table");
        assert_eq!(sam_table, tf_table, "{function}: table actions differ between template.yaml and infra/lambda.tf");
        assert_eq!(
            sam_indexes, tf_indexes,
            "{function}: index actions differ between template.yaml and infra/lambda.tf"
        );
        for (index, actions) in &sam_indexes {
            assert!(!actions.is_empty(), "{function}: no actions on index {index}");
        }
        for action in sam_table.iter().chain(sam_indexes.values().flatten()) {
            assert!(!action.contains('*'), "{function}: wildcard action {action}");
        }
        // Any action in any statement, DynamoDB or not.
        for statement in sam_statements(resource) {
            for action in yaml_strings(&statement["Action"]) {
                assert!(!action.contains('*'), "{id} ({function}): wildcard action {action}");
            }
        }
    }
}

#[test]
fn sam_and_terraform_grant_the_same_s3_actions_only_on_document_objects() {
    // The code's list of bucket users is the table's.
    let users: BTreeSet<&str> = bucket_actions_declared().iter().map(|(name, _)| *name).collect();
    assert_eq!(
        users,
        BUCKET_FUNCTIONS.iter().copied().collect(),
        "permissions::GRANTS should give bucket actions to exactly service::BUCKET_FUNCTIONS"
    );

    let template = sam_template();
    let sam = sam_functions(&template);
    let (bucket_id, _) = sam_bucket(&template);
    let bucket_name = sam_bucket_name(&template);
    let mut terraform = terraform_functions();
    terraform.extend(terraform_event_functions());
    assert_eq!(terraform.iter().map(|(n, _)| n.clone()).collect::<BTreeSet<_>>(), all_function_names());

    for (function, f) in &terraform {
        let (id, resource) = &sam[function];
        let expected = expected_bucket_actions(function);
        let sam_actions = sam_bucket_actions(&template, resource);
        let tf_actions = terraform_bucket_actions(function, f);
        assert_eq!(sam_actions, tf_actions, "{function}: S3 actions differ between template.yaml and infra/lambda.tf");
        assert_eq!(sam_actions, expected, "{id} ({function}) S3 actions");
        for resource in sam_actions_by_resource(resource, "s3:").keys() {
            assert!(
                DOCUMENT_OBJECTS.iter().any(|p| resource.ends_with(&format!("/{p}"))),
                "{id} ({function}): S3 resource {resource}"
            );
        }
        for (pattern, actions) in &tf_actions {
            assert!(DOCUMENT_OBJECTS.contains(&pattern.as_str()), "{function}: bucket_actions key {pattern}");
            for action in actions {
                assert!(action.starts_with("s3:") && !action.contains('*'), "{function}: bucket action {action}");
            }
        }

        // The bucket's name goes with the permissions, as the code reads it.
        let uses_bucket = BUCKET_FUNCTIONS.contains(&function.as_str());
        let sam_env = resource["Properties"]["Environment"]["Variables"][BUCKET_ENV].as_str();
        match sam_env {
            Some(value) => {
                assert!(uses_bucket, "{id} ({function}) has {BUCKET_ENV} but uses no bucket");
                // `!Ref Bucket`, or its name spelled out where the function cannot refer to it.
                assert!(value == bucket_id || value == bucket_name, "{id}: {BUCKET_ENV} is {value}, not the bucket");
            }
            None => assert!(!uses_bucket, "{id} ({function}) lacks {BUCKET_ENV}"),
        }
        let tf_env = terraform_env(function, f).into_iter().find(|(k, _)| k == BUCKET_ENV).map(|(_, v)| v);
        let bucket = Hcl::Expr("aws_s3_bucket.documents.bucket".to_string());
        assert_eq!(tf_env, uses_bucket.then_some(bucket), "{function}: {BUCKET_ENV} in infra/lambda.tf");
    }
    assert!(
        template["Globals"]["Function"]["Environment"]["Variables"][BUCKET_ENV].is_badvalue(),
        "{BUCKET_ENV} must not be global"
    );

    // The roles: one statement per key pattern, on the documents bucket's objects; no S3 action of iam.tf's own.
    let (_, iam) = repo_file("infra/iam.tf");
    let iam = squash_hcl(&iam);
    for needle in [
        "dynamic\"statement\"{for_each=each.value.bucket_actions",
        "actions=statement.value",
        "resources=[\"${aws_s3_bucket.documents.arn}/${statement.key}\"]",
    ] {
        assert!(iam.contains(needle), "infra/iam.tf should contain `{needle}`");
    }
    assert_eq!(iam.matches("s3:").count(), 0, "infra/iam.tf should take its S3 actions from bucket_actions only");
    let (_, lambda) = repo_file("infra/lambda.tf");
    let lambda = squash_hcl(&lambda);
    assert!(lambda.contains("bucket_actions=f.bucket_actions"), "infra/lambda.tf should pass bucket_actions on");
    match terraform_local(&repo_file("infra/lambda.tf").1, "common_env") {
        Hcl::Object(entries) => {
            assert!(entries.iter().all(|(k, _)| k != BUCKET_ENV), "local.common_env must not hold {BUCKET_ENV}")
        }
        other => panic!("local.common_env is not an object: {other:?}"),
    }

    // S3 keeps one notification configuration per bucket: one resource sets it.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../infra");
    let mut notifications = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            notifications += squash_hcl(&text).matches("resource\"aws_s3_bucket_notification\"").count();
        }
    }
    assert_eq!(notifications, 1, "infra/ should declare exactly one aws_s3_bucket_notification");
}

#[test]
fn terraform_runs_every_event_function_on_its_trigger_with_only_its_environment() {
    let functions = terraform_event_functions();
    assert_eq!(
        functions.iter().map(|(n, _)| n.clone()).collect::<BTreeSet<_>>(),
        event_function_names(),
        "infra/lambda.tf local.event_functions should hold exactly the event functions"
    );
    for event in EVENT_FUNCTIONS {
        let f = &functions.iter().find(|(n, _)| n == event.name).expect("checked above").1;
        match &event.trigger {
            Trigger::Schedule(schedule) => {
                assert_eq!(f.get("schedule"), Some(&Hcl::Str(schedule.to_string())), "{} schedule", event.name);
                assert!(f.get("bucket_events").is_none(), "{}: one trigger only", event.name);
            }
            Trigger::Bucket { events, prefix } => {
                let actual: BTreeSet<String> = f
                    .get("bucket_events")
                    .unwrap_or_else(|| panic!("{}: no bucket_events", event.name))
                    .strings()
                    .into_iter()
                    .collect();
                assert_eq!(actual, events.iter().map(|e| e.to_string()).collect(), "{} bucket_events", event.name);
                assert_eq!(f.get("bucket_prefix"), Some(&Hcl::Str(prefix.to_string())), "{} bucket_prefix", event.name);
                assert!(f.get("schedule").is_none(), "{}: one trigger only", event.name);
            }
        }
        assert_eq!(f.get("timeout"), Some(&Hcl::Expr(event.timeout_seconds.to_string())), "{} timeout", event.name);
        assert!(f.get("routes").is_none(), "{}: an event function has no routes", event.name);
        let env: BTreeSet<String> = terraform_env(event.name, f).into_iter().map(|(k, _)| k).collect();
        assert_eq!(env, event.env.iter().map(|v| v.to_string()).collect(), "{} environment", event.name);
    }

    let (_, lambda) = repo_file("infra/lambda.tf");
    let lambda = squash_hcl(&lambda);
    // HTTP functions get local.common_env on top of their own; event functions only their own.
    for needle in [
        "env=merge(local.common_env,f.env)",
        "env=f.env",
        "variables=merge(each.value.env,try(local.secret_env[each.key],{}))",
    ] {
        assert!(lambda.contains(needle), "infra/lambda.tf should contain `{needle}`");
    }
    assert_eq!(lambda.matches("local.common_env").count(), 1, "only the HTTP functions may get local.common_env");
    // Each event function by its trigger.
    for needle in [
        "scheduled_functions={forname,finlocal.event_functions:name=>fiftry(f.schedule,null)!=null}",
        "bucket_functions={forname,finlocal.event_functions:name=>fiftry(f.bucket_events,null)!=null}",
    ] {
        assert!(lambda.contains(needle), "infra/lambda.tf should contain `{needle}`");
    }

    let (_, events) = repo_file("infra/events.tf");
    let events = squash_hcl(&events);
    for needle in [
        "resource\"aws_cloudwatch_event_rule\"\"schedule\"{for_each=local.scheduled_functions",
        "schedule_expression=each.value.schedule",
        "resource\"aws_cloudwatch_event_target\"\"schedule\"{for_each=local.scheduled_functions",
        "arn=aws_lambda_function.function[each.key].arn",
        "resource\"aws_lambda_permission\"\"schedule\"{for_each=local.scheduled_functions",
        "principal=\"events.amazonaws.com\"",
        "source_arn=aws_cloudwatch_event_rule.schedule[each.key].arn",
        // The bucket notifies its functions, and only it, from this account, may invoke them.
        "resource\"aws_s3_bucket_notification\"\"documents\"{bucket=aws_s3_bucket.documents.id",
        "dynamic\"lambda_function\"{for_each=local.bucket_functions",
        "lambda_function_arn=aws_lambda_function.function[lambda_function.key].arn",
        "events=lambda_function.value.bucket_events",
        "filter_prefix=lambda_function.value.bucket_prefix",
        "depends_on=[aws_lambda_permission.bucket]",
        "resource\"aws_lambda_permission\"\"bucket\"{for_each=local.bucket_functions",
        "principal=\"s3.amazonaws.com\"",
        "source_arn=aws_s3_bucket.documents.arn",
        "source_account=local.account_id",
        "resource\"aws_sqs_queue\"\"event_dlq\"{for_each=local.event_functions",
        "sqs_managed_sse_enabled=true",
        "resource\"aws_lambda_function_event_invoke_config\"\"event\"{for_each=local.event_functions",
        &format!("maximum_retry_attempts={EVENT_RETRIES}"),
        "on_failure{destination=aws_sqs_queue.event_dlq[each.key].arn}",
    ] {
        assert!(events.contains(needle), "infra/events.tf should contain `{needle}`");
    }
    // Its Errors alarm (the failures that reach the queue) is in infra/alarms.tf: see the alarm tests.

    // The role sends to its own queue only, and only with sqs:SendMessage.
    let (_, iam) = repo_file("infra/iam.tf");
    let iam = squash_hcl(&iam);
    for needle in [
        "for_each={forname,qinaws_sqs_queue.event_dlq:name=>q.arnifname==each.key}",
        "actions=[\"sqs:SendMessage\"]",
        "resources=[statement.value]",
    ] {
        assert!(iam.contains(needle), "infra/iam.tf should contain `{needle}`");
    }
    assert_eq!(iam.matches("sqs:").count(), 1, "infra/iam.tf should grant no other SQS action");
}

#[test]
fn the_terraform_table_uses_the_key_index_and_ttl_names_of_the_schema() {
    let (_, text) = repo_file("infra/dynamodb.tf");
    let assigned = terraform_string_assignments(&text);
    let has = |k: &str, v: &str| assigned.iter().any(|(ak, av)| ak == k && av == v);
    for (key, value) in [
        ("hash_key", schema::PK),
        ("range_key", schema::SK),
        ("attribute_name", schema::TTL_ATTRIBUTE),
        ("billing_mode", "PAY_PER_REQUEST"),
    ] {
        assert!(has(key, value), "infra/dynamodb.tf should set {key} = \"{value}\"");
    }

    let indexes: Vec<(String, String, String, String)> = terraform_blocks(&text, "global_secondary_index")
        .iter()
        .map(|b| {
            let s = |k: &str| hcl_str(b, k).to_string();
            (s("name"), s("hash_key"), s("range_key"), s("projection_type"))
        })
        .collect();
    let expected: Vec<(String, String, String, String)> = schema::INDEXES
        .iter()
        .map(|(name, pk, sk)| {
            (name.to_string(), pk.to_string(), sk.to_string(), schema::projection_of(name).to_string())
        })
        .collect();
    assert_eq!(
        indexes.iter().collect::<BTreeSet<_>>(),
        expected.iter().collect::<BTreeSet<_>>(),
        "infra/dynamodb.tf global_secondary_index blocks should be those of schema::INDEXES"
    );
    assert_eq!(indexes.len(), expected.len(), "infra/dynamodb.tf declares an index twice");

    let attributes: BTreeSet<(String, String)> = terraform_blocks(&text, "attribute")
        .iter()
        .map(|b| (hcl_str(b, "name").to_string(), hcl_str(b, "type").to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> =
        key_attributes().into_iter().map(|a| (a.to_string(), "S".to_string())).collect();
    assert_eq!(attributes, expected, "infra/dynamodb.tf attribute blocks");
}

#[test]
fn the_hcl_reader_understands_the_shapes_the_function_table_uses() {
    let text = r#"
        # a comment
        locals {
          functions = {
            one = {
              routes = ["GET /a/{id}", "POST /b", ] // trailing comma
              env    = { NAME = "x-${var.stage}-${join("-", ["a", "b"])}" }
              flag   = try(local.other["k"], {})
            }
            "two-words" = {
              index_actions = { gsi2 = ["dynamodb:Query"] }
              timeout       = 900
            }
          }
          all = merge({ for n, f in local.functions : n => { env = f.env } }, {})
          some = { for n, f in local.functions : n => f if try(f.env, null) != null }
          names = [for n, f in local.functions : n]
          after = "still read"
        }
        resource "x" "y" {
          block {
            name = "b1"
          }
        }
    "#;
    let functions = terraform_local(text, "functions");
    let two = functions.get("two-words").expect("a quoted key");
    assert_eq!(two.get("timeout"), Some(&Hcl::Expr("900".to_string())));
    assert_eq!(
        two.get("index_actions").and_then(|i| i.get("gsi2")).map(Hcl::strings),
        Some(vec!["dynamodb:Query".to_string()])
    );
    assert_eq!(terraform_local(text, "all"), Hcl::Expr("merge".to_string()));
    assert_eq!(terraform_local(text, "some"), Hcl::Expr("for".to_string()));
    assert_eq!(terraform_local(text, "names"), Hcl::Expr("for".to_string()));
    assert_eq!(terraform_local(text, "after"), Hcl::Str("still read".to_string()));
    let blocks = terraform_blocks(text, "block");
    assert_eq!(blocks.len(), 1);
    assert_eq!(hcl_str(&blocks[0], "name"), "b1");
    let one = functions.get("one").expect("entry one");
    assert_eq!(one.get("routes").expect("routes").strings(), vec!["GET /a/{id}", "POST /b"]);
    assert_eq!(
        one.get("env").and_then(|e| e.get("NAME")),
        Some(&Hcl::Str(r#"x-${var.stage}-${join("-", ["a", "b"])}"#.to_string()))
    );
    assert_eq!(one.get("flag"), Some(&Hcl::Expr("try".to_string())));
}

// ---------------------------------------------------------------- alarms

/// The Lambda metrics every function has an alarm on (the sweep's Errors
/// alarm is the sweep's failures).
const FUNCTION_ALARM_METRICS: &[&str] = &["Errors", "Throttles"];

/// Seconds an alarm on an HTTP function's metric (or the API's) sums over.
const HTTP_ALARM_PERIOD: i64 = 300;

/// Seconds an alarm on an event function's metric sums over: the sweep runs hourly.
const EVENT_ALARM_PERIOD: i64 = 3600;

/// The SQS metric a dead-letter queue's alarm watches: the messages waiting in it.
const DEAD_LETTER_METRIC: &str = "ApproximateNumberOfMessagesVisible";

/// Seconds a dead-letter queue's alarm takes the largest count of waiting messages over.
const DEAD_LETTER_ALARM_PERIOD: i64 = 300;

/// The metric both templates count failed sign-ins with unknown emails
/// under (a log metric filter on the auth function), and the number in 5
/// minutes that is a flood.
const UNKNOWN_ACCOUNT_METRIC: &str = "UnknownAccountSignIns";
const UNKNOWN_ACCOUNT_FLOOD: i64 = 100;

/// The SNS topic every alarm notifies, the stage written `{stage}`.
const ALARM_TOPIC: &str = "tenure-{stage}-alarms";

/// What CloudWatch must be allowed to do with the topic's key to publish to it.
const CLOUDWATCH_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey*"];

/// The stage the HTTP API's metrics are published under: its only one.
const API_STAGE: &str = "$default";

/// A CloudWatch alarm as either template declares it, each reference
/// replaced by what it names so that the two compare equal: the stage as
/// `{stage}`, a function as `function:<binary>`, the HTTP API as `api`, an
/// SNS topic as `topic:<its name>`, an SQS queue's name as `queue:<its
/// name>` (and its URL as `queue-url:<its name>`, which no alarm should use).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Alarm {
    name: String,
    namespace: String,
    metric: String,
    dimensions: BTreeMap<String, String>,
    statistic: String,
    period: i64,
    evaluation_periods: i64,
    threshold: i64,
    comparison: String,
    missing_data: String,
    alarm_actions: Vec<String>,
    ok_actions: Vec<String>,
}

/// An alarm as every alarm of the stack is: its statistic above 0 in one
/// period fires it, no data is not a breach, and the alarm topic hears both
/// when it fires and when it clears.
fn alarm(
    name: String,
    namespace: &str,
    metric: &str,
    dimensions: &[(&str, String)],
    statistic: &str,
    period: i64,
) -> Alarm {
    let topic = vec![format!("topic:{ALARM_TOPIC}")];
    Alarm {
        name,
        namespace: namespace.to_string(),
        metric: metric.to_string(),
        dimensions: dimensions.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        statistic: statistic.to_string(),
        period,
        evaluation_periods: 1,
        threshold: 0,
        comparison: "GreaterThanThreshold".to_string(),
        missing_data: "notBreaching".to_string(),
        alarm_actions: topic.clone(),
        ok_actions: topic,
    }
}

/// The alarm `function` should have on its Lambda `metric`.
fn expected_function_alarm(function: &str, metric: &str) -> Alarm {
    let period = if event_function_names().contains(function) { EVENT_ALARM_PERIOD } else { HTTP_ALARM_PERIOD };
    alarm(
        format!("tenure-{{stage}}-{function}-{}", metric.to_ascii_lowercase()),
        "AWS/Lambda",
        metric,
        &[("FunctionName", format!("function:{function}"))],
        "Sum",
        period,
    )
}

/// The name of event function `function`'s dead-letter queue, the stage written `{stage}`.
fn dead_letter_queue(function: &str) -> String {
    format!("tenure-{{stage}}-{function}-dlq")
}

/// The alarm on the messages waiting in event function `function`'s
/// dead-letter queue: it fires while the queue holds any.
fn expected_dead_letter_alarm(function: &str) -> Alarm {
    alarm(
        format!("tenure-{{stage}}-{function}-dead-letters"),
        "AWS/SQS",
        DEAD_LETTER_METRIC,
        &[("QueueName", format!("queue:{}", dead_letter_queue(function)))],
        "Maximum",
        DEAD_LETTER_ALARM_PERIOD,
    )
}

/// Every alarm the stack should have: each function's on each of
/// FUNCTION_ALARM_METRICS, each event function's on its dead-letter queue,
/// and the HTTP API's on its 5xx answers.
fn expected_alarms() -> BTreeSet<Alarm> {
    let functions = all_function_names();
    let mut out: BTreeSet<Alarm> = functions
        .iter()
        .flat_map(|f| FUNCTION_ALARM_METRICS.iter().map(move |m| expected_function_alarm(f, m)))
        .collect();
    out.extend(event_function_names().iter().map(|f| expected_dead_letter_alarm(f)));
    // A flood of failed sign-ins with emails that have no account (counted
    // from the auth function's log by a metric filter: they are audited
    // nowhere).
    out.insert(Alarm {
        threshold: UNKNOWN_ACCOUNT_FLOOD,
        ..alarm(
            "tenure-{stage}-unknown-account-sign-ins".to_string(),
            "Tenure/{stage}",
            UNKNOWN_ACCOUNT_METRIC,
            &[],
            "Sum",
            HTTP_ALARM_PERIOD,
        )
    });
    out.insert(alarm(
        "tenure-{stage}-api-5xx".to_string(),
        "AWS/ApiGateway",
        "5xx",
        &[("ApiId", "api".to_string()), ("Stage", API_STAGE.to_string())],
        "Sum",
        HTTP_ALARM_PERIOD,
    ));
    out
}

/// The alarms among `alarms` on `function`'s Lambda `metric`.
fn alarms_on<'a>(alarms: &'a [(String, Alarm)], function: &str, metric: &str) -> Vec<&'a (String, Alarm)> {
    let dimension = format!("function:{function}");
    alarms
        .iter()
        .filter(|(_, a)| {
            a.namespace == "AWS/Lambda" && a.metric == metric && a.dimensions.get("FunctionName") == Some(&dimension)
        })
        .collect()
}

/// The alarms among `alarms` on the SQS queue named `queue` (`{stage}` for
/// the stage), including one that gives the queue's URL for its name.
fn alarms_on_queue<'a>(alarms: &'a [(String, Alarm)], queue: &str) -> Vec<&'a (String, Alarm)> {
    let dimensions = [format!("queue:{queue}"), format!("queue-url:{queue}")];
    alarms
        .iter()
        .filter(|(_, a)| {
            a.namespace == "AWS/SQS" && a.dimensions.get("QueueName").is_some_and(|d| dimensions.contains(d))
        })
        .collect()
}

/// A `!Sub` text of template.yaml with the stage written `{stage}`.
fn sam_stage_name(text: &str) -> String {
    text.replace("${Stage}", "{stage}")
}

/// Every CloudWatch alarm of template.yaml, with its resource id.
fn sam_alarms(template: &Yaml) -> Vec<(String, Alarm)> {
    let functions: BTreeMap<String, String> =
        sam_functions(template).into_iter().map(|(binary, (id, _))| (id, binary)).collect();
    let apis: BTreeSet<String> =
        sam_resources_of_type(template, "AWS::Serverless::HttpApi").into_iter().map(|(id, _)| id).collect();
    let topics: BTreeMap<String, String> = sam_resources_of_type(template, "AWS::SNS::Topic")
        .into_iter()
        .map(|(id, t)| {
            let name = t["Properties"]["TopicName"].as_str().unwrap_or_else(|| panic!("{id} has no TopicName"));
            (id.clone(), sam_stage_name(name))
        })
        .collect();
    let queues: BTreeMap<String, String> = sam_resources_of_type(template, "AWS::SQS::Queue")
        .into_iter()
        .map(|(id, q)| {
            let name = q["Properties"]["QueueName"].as_str().unwrap_or_else(|| panic!("{id} has no QueueName"));
            (id.clone(), sam_stage_name(name))
        })
        .collect();
    // What a value names: a resource of the template (`!Ref X` reads as "X",
    // `!GetAtt X.QueueName` as "X.QueueName"), or itself.
    let named = |value: &str| -> String {
        if let Some(binary) = functions.get(value) {
            format!("function:{binary}")
        } else if apis.contains(value) {
            "api".to_string()
        } else if let Some(topic) = topics.get(value) {
            format!("topic:{topic}")
        } else if let Some(queue) = value.strip_suffix(".QueueName").and_then(|id| queues.get(id)) {
            format!("queue:{queue}")
        } else if let Some(queue) = queues.get(value) {
            format!("queue-url:{queue}")
        } else {
            sam_stage_name(value)
        }
    };
    sam_resources_of_type(template, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, resource)| {
            let p = &resource["Properties"];
            let text = |key: &str| p[key].as_str().unwrap_or_else(|| panic!("{id}: no {key}")).to_string();
            let number = |key: &str| {
                p[key]
                    .as_i64()
                    .or_else(|| p[key].as_str().and_then(|s| s.parse().ok()))
                    .unwrap_or_else(|| panic!("{id}: {key} is not a whole number"))
            };
            let actions = |key: &str| yaml_strings(&p[key]).iter().map(|a| named(a)).collect();
            let dimensions = p["Dimensions"]
                .as_vec()
                .into_iter()
                .flatten()
                .map(|d| {
                    let s = |k: &str| d[k].as_str().unwrap_or_else(|| panic!("{id}: a dimension without {k}"));
                    (s("Name").to_string(), named(s("Value")))
                })
                .collect();
            let alarm = Alarm {
                name: sam_stage_name(&text("AlarmName")),
                namespace: sam_stage_name(&text("Namespace")),
                metric: text("MetricName"),
                dimensions,
                statistic: text("Statistic"),
                period: number("Period"),
                evaluation_periods: number("EvaluationPeriods"),
                threshold: number("Threshold"),
                comparison: text("ComparisonOperator"),
                missing_data: text("TreatMissingData"),
                alarm_actions: actions("AlarmActions"),
                ok_actions: actions("OKActions"),
            };
            (id, alarm)
        })
        .collect()
}

/// Every `infra/*.tf` file, as `infra/<name>` and its text, by name.
fn terraform_files() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../infra");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let name = path.file_name().expect("a file name").to_string_lossy();
            out.push((format!("infra/{name}"), text));
        }
    }
    out.sort();
    out
}

/// The index of the bracket that closes the one at `tokens[open]`.
fn closing_bracket(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced brackets in Terraform text");
}

/// The `key = value` arguments of a block or object body (the tokens
/// between its braces), each value as its tokens; nested blocks
/// (`name "label" { ... }`) are left out. Unlike `HclParser`, this reads
/// any expression, index and conditional expressions included.
fn hcl_arguments(body: &[Token]) -> Vec<(String, Vec<Token>)> {
    let mut out: Vec<(String, Vec<Token>)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < body.len() {
        if depth == 0 {
            if let Token::Word(key) | Token::Str(key) = &body[i] {
                // `key =`, not `key ==` or `key =>`.
                if body.get(i + 1) == Some(&Token::Punct('='))
                    && !matches!(body.get(i + 2), Some(Token::Punct('=' | '>')))
                {
                    out.push((key.clone(), Vec::new()));
                    i += 2;
                    continue;
                }
            }
            if let Token::Word(_) = &body[i] {
                let mut open = i + 1;
                while matches!(body.get(open), Some(Token::Str(_))) {
                    open += 1;
                }
                if body.get(open) == Some(&Token::Punct('{')) {
                    i = closing_bracket(body, open) + 1;
                    continue;
                }
            }
        }
        match &body[i] {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        if let Some((_, value)) = out.last_mut() {
            value.push(body[i].clone());
        }
        i += 1;
    }
    out
}

/// A `resource "TYPE" "NAME" { ... }` block of `infra/`.
struct TfResource {
    file: String,
    ty: String,
    name: String,
    /// Its arguments (nested blocks left out).
    args: Vec<(String, Vec<Token>)>,
}

impl TfResource {
    fn at(&self) -> String {
        format!("{}: {}.{}", self.file, self.ty, self.name)
    }

    fn arg(&self, key: &str) -> Option<&[Token]> {
        self.args.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }
}

/// Every resource block of `infra/*.tf`.
fn terraform_resources() -> Vec<TfResource> {
    let mut out = Vec::new();
    for (file, text) in terraform_files() {
        let tokens = tokenize_hcl(&text);
        let mut i = 0;
        while i + 3 < tokens.len() {
            if let [Token::Word(keyword), Token::Str(ty), Token::Str(name), Token::Punct('{')] = &tokens[i..i + 4] {
                if keyword == "resource" {
                    let end = closing_bracket(&tokens, i + 3);
                    let args = hcl_arguments(&tokens[i + 4..end]);
                    out.push(TfResource { file: file.clone(), ty: ty.clone(), name: name.clone(), args });
                    i = end + 1;
                    continue;
                }
            }
            i += 1;
        }
    }
    out
}

/// `tokens` of one instance of a resource: `each.key` becomes the
/// instance's key, a string where it stands alone, its text in strings.
fn with_each_key(tokens: &[Token], key: Option<&str>, at: &str) -> Vec<Token> {
    tokens
        .iter()
        .map(|t| match (t, key) {
            (Token::Word(w), Some(k)) if w == "each.key" => Token::Str(k.to_string()),
            (Token::Str(s), Some(k)) => Token::Str(s.replace("${each.key}", k)),
            (Token::Word(w), _) if w.starts_with("each.") => panic!("{at}: cannot read {w}"),
            _ => t.clone(),
        })
        .collect()
}

/// The items of a list expression `[a, b]`.
fn hcl_list_items(tokens: &[Token], at: &str) -> Vec<Vec<Token>> {
    let [Token::Punct('['), inner @ .., Token::Punct(']')] = tokens else {
        panic!("{at}: expected a list, found `{}`", render_hcl(tokens));
    };
    let mut items = vec![Vec::new()];
    let mut depth = 0usize;
    for token in inner {
        match token {
            Token::Punct(',') if depth == 0 => items.push(Vec::new()),
            _ => {
                match token {
                    Token::Punct('(' | '[' | '{') => depth += 1,
                    Token::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
                    _ => {}
                }
                items.last_mut().expect("one item at least").push(token.clone());
            }
        }
    }
    items.retain(|item| !item.is_empty());
    items
}

/// Reads the alarms of `infra/`: what their expressions name, for each
/// instance of a resource that iterates a function table.
struct TerraformAlarms {
    resources: Vec<TfResource>,
    http: BTreeSet<String>,
    event: BTreeSet<String>,
    /// `local.function_alarm_period` of infra/alarms.tf: kind => seconds.
    periods: Hcl,
}

impl TerraformAlarms {
    fn read() -> Self {
        let (_, alarms_tf) = repo_file("infra/alarms.tf");
        // local.function_kind, which the test cannot evaluate, must be exactly this.
        let kind = "function_kind={fornameinkeys(local.functions):name=>contains(keys(local.event_functions),name)?\"event\":\"http\"}";
        assert!(squash_hcl(&alarms_tf).contains(kind), "infra/alarms.tf should define `{kind}`");
        TerraformAlarms {
            resources: terraform_resources(),
            http: terraform_functions().into_iter().map(|(n, _)| n).collect(),
            event: terraform_event_functions().into_iter().map(|(n, _)| n).collect(),
            periods: terraform_local(&alarms_tf, "function_alarm_period"),
        }
    }

    fn resource(&self, ty: &str, name: &str, at: &str) -> &TfResource {
        self.resources
            .iter()
            .find(|r| r.ty == ty && r.name == name)
            .unwrap_or_else(|| panic!("{at}: no resource {ty}.{name} in infra/"))
    }

    /// What an expression names, or its value.
    fn resolve(&self, tokens: &[Token], at: &str) -> String {
        if let [Token::Str(s)] = tokens {
            let s = s.replace("${var.stage}", "{stage}");
            assert!(!s.contains("${"), "{at}: cannot read \"{s}\"");
            return s;
        }
        if let [Token::Word(w)] = tokens {
            if w.parse::<i64>().is_ok() {
                return w.clone();
            }
        }
        let expr = render_hcl(tokens);
        if let Some(function) =
            expr.strip_prefix("local.function_alarm_period[local.function_kind[\"").and_then(|r| r.strip_suffix("\"]]"))
        {
            let kind = if self.event.contains(function) {
                "event"
            } else if self.http.contains(function) {
                "http"
            } else {
                panic!("{at}: {function} is in no function table")
            };
            return match self.periods.get(kind) {
                Some(Hcl::Expr(seconds)) => seconds.clone(),
                other => panic!("{at}: local.function_alarm_period.{kind} is {other:?}, not a number"),
            };
        }
        if let Some(function) =
            expr.strip_prefix("aws_lambda_function.function[\"").and_then(|r| r.strip_suffix("\"].function_name"))
        {
            let f = self.resource("aws_lambda_function", "function", at);
            assert_eq!(f.arg("for_each").map(render_hcl).as_deref(), Some("local.functions"), "{}", f.at());
            assert_eq!(
                f.arg("function_name").map(render_hcl).as_deref(),
                Some("\"tenure-${var.stage}-${each.key}\""),
                "{}: function_name",
                f.at()
            );
            assert!(self.http.contains(function) || self.event.contains(function), "{at}: no function {function}");
            return format!("function:{function}");
        }
        // An instance of a queue for each event function, such as aws_sqs_queue.event_dlq["risk-sweep"].name.
        if let Some((queue, key, attribute)) = expr.strip_prefix("aws_sqs_queue.").and_then(|r| {
            let (queue, r) = r.split_once("[\"")?;
            let (key, attribute) = r.split_once("\"].")?;
            Some((queue, key, attribute))
        }) {
            let q = self.resource("aws_sqs_queue", queue, at);
            assert_eq!(q.arg("for_each").map(render_hcl).as_deref(), Some("local.event_functions"), "{}", q.at());
            assert!(self.event.contains(key), "{at}: {key} is not an event function");
            let name = q.arg("name").unwrap_or_else(|| panic!("{} has no name", q.at()));
            let name = with_each_key(name, Some(key), at);
            let name = self.resolve(&name, &q.at());
            match attribute {
                "name" => return format!("queue:{name}"),
                "url" | "id" => return format!("queue-url:{name}"),
                _ => {}
            }
        }
        if let [ty, name, attribute] = expr.split('.').collect::<Vec<_>>()[..] {
            let r = self.resource(ty, name, at);
            let arg = |key: &str| r.arg(key).unwrap_or_else(|| panic!("{}: no {key}", r.at()));
            match (ty, attribute) {
                ("aws_apigatewayv2_api", "id") => return "api".to_string(),
                ("aws_apigatewayv2_stage", "name") => return self.resolve(arg("name"), &r.at()),
                ("aws_sns_topic", "arn") => return format!("topic:{}", self.resolve(arg("name"), &r.at())),
                ("aws_sqs_queue", "name") => return format!("queue:{}", self.resolve(arg("name"), &r.at())),
                ("aws_sqs_queue", "url" | "id") => return format!("queue-url:{}", self.resolve(arg("name"), &r.at())),
                _ => {}
            }
        }
        panic!("{at}: cannot tell what `{expr}` names");
    }

    /// One instance of an aws_cloudwatch_metric_alarm resource.
    fn alarm(&self, r: &TfResource, key: Option<&str>) -> Alarm {
        let at = match key {
            Some(k) => format!("{}[\"{k}\"]", r.at()),
            None => r.at(),
        };
        let arg = |name: &str| with_each_key(r.arg(name).unwrap_or_else(|| panic!("{at} has no {name}")), key, &at);
        let value = |name: &str| self.resolve(&arg(name), &at);
        let number =
            |name: &str| value(name).parse::<i64>().unwrap_or_else(|_| panic!("{at}: {name} is not a whole number"));
        let list = |name: &str| hcl_list_items(&arg(name), &at).iter().map(|i| self.resolve(i, &at)).collect();
        let dimensions = match arg("dimensions").as_slice() {
            [Token::Punct('{'), inner @ .., Token::Punct('}')] => {
                hcl_arguments(inner).into_iter().map(|(k, v)| (k, self.resolve(&v, &at))).collect()
            }
            other => panic!("{at}: dimensions should be an object, is `{}`", render_hcl(other)),
        };
        Alarm {
            name: value("alarm_name"),
            namespace: value("namespace"),
            metric: value("metric_name"),
            dimensions,
            statistic: value("statistic"),
            period: number("period"),
            evaluation_periods: number("evaluation_periods"),
            threshold: number("threshold"),
            comparison: value("comparison_operator"),
            missing_data: value("treat_missing_data"),
            alarm_actions: list("alarm_actions"),
            ok_actions: list("ok_actions"),
        }
    }

    /// Every instance of every aws_cloudwatch_metric_alarm, with where it is declared.
    fn all(&self) -> Vec<(String, Alarm)> {
        let mut out = Vec::new();
        for r in self.resources.iter().filter(|r| r.ty == "aws_cloudwatch_metric_alarm") {
            let keys: Vec<String> = match r.arg("for_each").map(render_hcl).as_deref() {
                None => {
                    out.push((r.at(), self.alarm(r, None)));
                    continue;
                }
                Some("local.functions") => self.http.iter().chain(&self.event).cloned().collect(),
                Some("local.http_functions") => self.http.iter().cloned().collect(),
                Some("local.event_functions") => self.event.iter().cloned().collect(),
                Some(other) => panic!("{}: for_each = {other} is not a function table", r.at()),
            };
            for key in keys {
                out.push((format!("{}[\"{key}\"]", r.at()), self.alarm(r, Some(&key))));
            }
        }
        out
    }
}

fn terraform_alarms() -> Vec<(String, Alarm)> {
    TerraformAlarms::read().all()
}

#[test]
fn every_function_has_an_errors_and_a_throttles_alarm_on_the_alarm_topic_in_sam_and_terraform() {
    let sam = sam_alarms(&sam_template());
    let terraform = terraform_alarms();
    for function in all_function_names() {
        for metric in FUNCTION_ALARM_METRICS {
            let expected = expected_function_alarm(&function, metric);
            for (file, alarms) in [("template.yaml", &sam), ("Terraform", &terraform)] {
                let found = alarms_on(alarms, &function, metric);
                let ids: Vec<&String> = found.iter().map(|(id, _)| id).collect();
                assert!(
                    !found.is_empty(),
                    "{file}: function {function} has no {metric} alarm (AWS/Lambda {metric}, FunctionName = the \
                     function); expected one named {}",
                    expected.name
                );
                assert_eq!(found.len(), 1, "{file}: function {function} has several {metric} alarms: {ids:?}");
                let (id, actual) = found[0];
                assert_eq!(actual, &expected, "{file}: {id}, the {metric} alarm of {function}");
            }
        }
    }
}

/// The SQS queue that `function`'s failed invocations go to in
/// template.yaml: the OnFailure destination of its EventInvokeConfig, by
/// QueueName (`{stage}` for the stage).
fn sam_dead_letter_queue(template: &Yaml, function: &str) -> String {
    let functions = sam_functions(template);
    let (id, _) = &functions[function];
    let configs: Vec<(String, &Yaml)> = sam_resources_of_type(template, "AWS::Lambda::EventInvokeConfig")
        .into_iter()
        .filter(|(_, r)| r["Properties"]["FunctionName"].as_str() == Some(id.as_str()))
        .collect();
    assert_eq!(configs.len(), 1, "{id} should have exactly one AWS::Lambda::EventInvokeConfig");
    let (config_id, config) = &configs[0];
    let destination = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        .as_str()
        .unwrap_or_else(|| panic!("{config_id}: no OnFailure destination"));
    let queue_id = destination.strip_suffix(".Arn").unwrap_or_else(|| panic!("{config_id}: destination {destination}"));
    let queues = sam_resources_of_type(template, "AWS::SQS::Queue");
    let (_, queue) = queues
        .iter()
        .find(|(q, _)| q == queue_id)
        .unwrap_or_else(|| panic!("{config_id}: OnFailure destination {queue_id} is not an SQS queue of the template"));
    let name = queue["Properties"]["QueueName"].as_str().unwrap_or_else(|| panic!("{queue_id} has no QueueName"));
    sam_stage_name(name)
}

/// The SQS queue that `function`'s failed invocations go to in infra/: the
/// `on_failure` destination of the aws_lambda_function_event_invoke_config
/// (one resource for every event function), by name (`{stage}` for the stage).
fn terraform_dead_letter_queue(tf: &TerraformAlarms, function: &str) -> String {
    let configs: Vec<&TfResource> =
        tf.resources.iter().filter(|r| r.ty == "aws_lambda_function_event_invoke_config").collect();
    assert_eq!(
        configs.len(),
        1,
        "infra/ should declare one aws_lambda_function_event_invoke_config, for_each event function"
    );
    let config = configs[0];
    assert_eq!(config.arg("for_each").map(render_hcl).as_deref(), Some("local.event_functions"), "{}", config.at());
    // The destination sits in nested blocks, which TfResource leaves out: read it from the file's text.
    let (_, text) = repo_file(&config.file);
    let text = squash_hcl(&text);
    let block = format!("resource\"{}\"\"{}\"{{", config.ty, config.name);
    let body = &text[text.find(&block).unwrap_or_else(|| panic!("{}: not found again", config.at()))..];
    let needle = "on_failure{destination=";
    let start =
        body.find(needle).unwrap_or_else(|| panic!("{}: no on_failure destination", config.at())) + needle.len();
    let destination = &body[start..start + body[start..].find('}').expect("a closing brace")];
    let destination = render_hcl(&with_each_key(&tokenize_hcl(destination), Some(function), &config.at()));
    let queue = destination
        .strip_suffix(".arn")
        .filter(|q| q.starts_with("aws_sqs_queue."))
        .unwrap_or_else(|| panic!("{}: destination {destination} is not an aws_sqs_queue's arn", config.at()));
    let name = tf.resolve(&tokenize_hcl(&format!("{queue}.name")), &config.at());
    name.strip_prefix("queue:").unwrap_or_else(|| panic!("{}: {queue} is not a queue", config.at())).to_string()
}

#[test]
fn every_dead_letter_queue_has_an_alarm_on_its_waiting_messages_in_sam_and_terraform() {
    let template = sam_template();
    let sam = sam_alarms(&template);
    let tf = TerraformAlarms::read();
    let terraform = tf.all();
    let mut terraform_resources = BTreeSet::new();
    for function in event_function_names() {
        let queue = dead_letter_queue(&function);
        let expected = expected_dead_letter_alarm(&function);
        for (file, alarms, destination) in [
            ("template.yaml", &sam, sam_dead_letter_queue(&template, &function)),
            ("Terraform", &terraform, terraform_dead_letter_queue(&tf, &function)),
        ] {
            assert_eq!(destination, queue, "{file}: the dead-letter queue of {function}");
            let found = alarms_on_queue(alarms, &queue);
            let ids: Vec<&String> = found.iter().map(|(id, _)| id).collect();
            assert!(
                !found.is_empty(),
                "{file}: the dead-letter queue {queue} of {function} has no alarm (AWS/SQS {DEAD_LETTER_METRIC}, \
                 QueueName = the queue's name); expected one named {}",
                expected.name
            );
            assert_eq!(found.len(), 1, "{file}: the dead-letter queue {queue} has several alarms: {ids:?}");
            let (id, actual) = found[0];
            assert_eq!(actual, &expected, "{file}: {id}, the alarm of {function}'s dead-letter queue");
            if file == "Terraform" {
                let (resource, _) = id.rsplit_once('[').unwrap_or_else(|| {
                    panic!("{id}: should be an instance of one resource for_each = local.event_functions, not a copy")
                });
                terraform_resources.insert(resource.to_string());
            }
        }
    }
    // Terraform: one resource for every event function, not a copy each.
    assert_eq!(terraform_resources.len(), 1, "the dead-letter alarms should be one resource: {terraform_resources:?}");
    let r =
        tf.resources.iter().find(|r| terraform_resources.contains(&r.at())).expect("the resource of the alarms found");
    assert_eq!(r.arg("for_each").map(render_hcl).as_deref(), Some("local.event_functions"), "{}", r.at());
}

#[test]
fn sam_and_terraform_declare_the_same_alarms_and_no_others() {
    let template = sam_template();
    let sam = sam_alarms(&template);
    let terraform = terraform_alarms();
    let expected = expected_alarms();
    for (file, alarms) in [("template.yaml", &sam), ("Terraform", &terraform)] {
        let actual: BTreeSet<Alarm> = alarms.iter().map(|(_, a)| a.clone()).collect();
        assert_eq!(actual.len(), alarms.len(), "{file} declares an alarm twice");
        let missing: Vec<&Alarm> = expected.difference(&actual).collect();
        let unexpected: Vec<(&String, &Alarm)> =
            alarms.iter().filter(|(_, a)| !expected.contains(a)).map(|(id, a)| (id, a)).collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{file}: the alarms differ from the expected ones.\nmissing (or different): {missing:#?}\nunexpected: \
             {unexpected:#?}"
        );
    }
    let sam_set: BTreeSet<&Alarm> = sam.iter().map(|(_, a)| a).collect();
    let terraform_set: BTreeSet<&Alarm> = terraform.iter().map(|(_, a)| a).collect();
    assert_eq!(sam_set, terraform_set, "template.yaml and infra/*.tf declare different alarms");

    // The API alarm's Stage dimension is the API's only stage: SAM's HttpApi
    // without a StageName, Terraform's aws_apigatewayv2_stage.default.
    let apis = sam_resources_of_type(&template, "AWS::Serverless::HttpApi");
    for (id, api) in &apis {
        assert!(api["Properties"]["StageName"].is_badvalue(), "{id} should keep the {API_STAGE} stage");
    }
}

#[test]
fn every_alarm_notifies_the_encrypted_alarm_topic_which_both_templates_output() {
    let topic = vec![format!("topic:{ALARM_TOPIC}")];
    let cloudwatch_actions: BTreeSet<String> = CLOUDWATCH_KEY_ACTIONS.iter().map(|a| a.to_string()).collect();

    // SAM: one topic, encrypted with a key of the template that CloudWatch may use.
    let template = sam_template();
    let topics = sam_resources_of_type(&template, "AWS::SNS::Topic");
    assert_eq!(topics.len(), 1, "template.yaml should declare one SNS topic, the alarm topic");
    let (topic_id, resource) = &topics[0];
    let p = &resource["Properties"];
    assert_eq!(p["TopicName"].as_str().map(sam_stage_name), Some(ALARM_TOPIC.to_string()), "{topic_id} TopicName");
    let key_id =
        p["KmsMasterKeyId"].as_str().unwrap_or_else(|| panic!("{topic_id} should be encrypted (KmsMasterKeyId)"));
    let keys = sam_resources_of_type(&template, "AWS::KMS::Key");
    let (_, key) = keys.iter().find(|(id, _)| id == key_id).unwrap_or_else(|| {
        panic!(
            "{topic_id} is encrypted with {key_id}, not a key of the template: CloudWatch cannot publish to a topic \
             under a key whose policy does not allow it, such as the AWS managed alias/aws/sns"
        )
    });
    assert_eq!(key["Properties"]["EnableKeyRotation"].as_bool(), Some(true), "{key_id} should rotate");
    let allowed: BTreeSet<String> = key["Properties"]["KeyPolicy"]["Statement"]
        .as_vec()
        .into_iter()
        .flatten()
        .filter(|s| s["Effect"].as_str() == Some("Allow"))
        .filter(|s| yaml_strings(&s["Principal"]["Service"]).iter().any(|p| p == "cloudwatch.amazonaws.com"))
        .flat_map(|s| yaml_strings(&s["Action"]))
        .collect();
    assert_eq!(allowed, cloudwatch_actions, "{key_id}: what its policy lets CloudWatch do");
    for (id, alarm) in sam_alarms(&template) {
        assert_eq!(alarm.alarm_actions, topic, "{id}: AlarmActions should be the alarm topic alone");
        assert_eq!(alarm.ok_actions, topic, "{id}: OKActions should be the alarm topic alone");
    }
    let outputs = template["Outputs"].as_hash().expect("template.yaml has Outputs");
    assert!(
        outputs.values().any(|o| o["Value"].as_str() == Some(topic_id.as_str())),
        "template.yaml should output the alarm topic's ARN (`Value: !Ref {topic_id}`)"
    );

    // Terraform: the same, with the key policy as a policy document.
    let tf = TerraformAlarms::read();
    let topics: Vec<&TfResource> = tf.resources.iter().filter(|r| r.ty == "aws_sns_topic").collect();
    assert_eq!(topics.len(), 1, "infra/ should declare one aws_sns_topic, the alarm topic");
    let t = topics[0];
    let arg =
        |r: &TfResource, key: &str| r.arg(key).map(render_hcl).unwrap_or_else(|| panic!("{} should set {key}", r.at()));
    assert_eq!(tf.resolve(t.arg("name").unwrap_or_default(), &t.at()), ALARM_TOPIC, "{} name", t.at());
    let key_ref = arg(t, "kms_master_key_id");
    let key_name = key_ref
        .strip_prefix("aws_kms_key.")
        .and_then(|k| k.strip_suffix(".arn"))
        .unwrap_or_else(|| panic!("{}: kms_master_key_id should be an aws_kms_key of infra/, is {key_ref}", t.at()));
    let key = tf.resource("aws_kms_key", key_name, &t.at());
    assert_eq!(arg(key, "enable_key_rotation"), "true", "{} should rotate", key.at());
    let policy = arg(key, "policy");
    let document = policy
        .strip_prefix("data.aws_iam_policy_document.")
        .and_then(|d| d.strip_suffix(".json"))
        .unwrap_or_else(|| panic!("{}: policy should be an aws_iam_policy_document, is {policy}", key.at()));
    let (file, text) = terraform_files()
        .into_iter()
        .find(|(_, text)| squash_hcl(text).contains(&format!("data\"aws_iam_policy_document\"\"{document}\"{{")))
        .unwrap_or_else(|| panic!("no data.aws_iam_policy_document.{document} in infra/"));
    let actions = CLOUDWATCH_KEY_ACTIONS.iter().rev().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(",");
    let statement = format!(
        "actions=[{actions}]resources=[\"*\"]principals{{type=\"Service\"identifiers=[\"cloudwatch.amazonaws.com\"]}}"
    );
    assert!(squash_hcl(&text).contains(&statement), "{file}: {document} should allow CloudWatch `{statement}`");
    for (at, alarm) in tf.all() {
        assert_eq!(alarm.alarm_actions, topic, "{at}: alarm_actions should be the alarm topic alone");
        assert_eq!(alarm.ok_actions, topic, "{at}: ok_actions should be the alarm topic alone");
    }
    let (_, outputs) = repo_file("infra/outputs.tf");
    let output = format!("value=aws_sns_topic.{}.arn", t.name);
    assert!(
        squash_hcl(&outputs).contains(&output),
        "infra/outputs.tf should output the alarm topic's ARN (`{output}`)"
    );
}

#[test]
fn the_hcl_argument_reader_reads_expressions_and_skips_nested_blocks() {
    let text = r#"
        resource "t" "n" {
          for_each = local.functions # a comment
          name     = "x-${each.key}"
          period   = local.p[local.k[each.key]]
          note     = each.key == "a" ? "b" : "c"
          dims = {
            A = x.y[each.key].z
            B = q.r
          }
          nested "label" {
            inner = 1
          }
          list = [a.b, c.d]
        }
    "#;
    let tokens = tokenize_hcl(text);
    let end = closing_bracket(&tokens, 3);
    assert_eq!(end, tokens.len() - 1);
    let args = hcl_arguments(&tokens[4..end]);
    let rendered: Vec<(String, String)> = args.iter().map(|(k, v)| (k.clone(), render_hcl(v))).collect();
    let expected = [
        ("for_each", "local.functions"),
        ("name", "\"x-${each.key}\""),
        ("period", "local.p[local.k[each.key]]"),
        ("note", "each.key==\"a\"?\"b\":\"c\""),
        ("dims", "{A=x.y[each.key].zB=q.r}"),
        ("list", "[a.b,c.d]"),
    ];
    assert_eq!(rendered, expected.map(|(k, v)| (k.to_string(), v.to_string())));
    let dims = with_each_key(&args[4].1, Some("k1"), "test");
    let inner = hcl_arguments(&dims[1..dims.len() - 1]);
    assert_eq!(render_hcl(&inner[0].1), "x.y[\"k1\"].z");
    assert_eq!(render_hcl(&inner[1].1), "q.r");
    let items = hcl_list_items(&args[5].1, "test");
    assert_eq!(items.iter().map(|i| render_hcl(i)).collect::<Vec<_>>(), vec!["a.b", "c.d"]);
}

// ---------------------------------------------------------------- function settings

/// How Lambda runs a function, as either template sets it: the same for
/// every function in both is what the templates must agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FunctionSettings {
    memory_size: i64,
    timeout: i64,
    architectures: Vec<String>,
    runtime: String,
    /// The X-Ray tracing mode ([`DEFAULT_TRACING`] where none is set).
    tracing: String,
}

impl FunctionSettings {
    /// Each setting by name, written out for a diff.
    fn fields(&self) -> [(&'static str, String); 5] {
        [
            ("memory_size", self.memory_size.to_string()),
            ("timeout", self.timeout.to_string()),
            ("architectures", format!("{:?}", self.architectures)),
            ("runtime", self.runtime.clone()),
            ("tracing", self.tracing.clone()),
        ]
    }
}

/// Lambda's tracing mode for a function that sets none.
const DEFAULT_TRACING: &str = "PassThrough";

/// Lambda's architectures for a function that sets none.
const DEFAULT_ARCHITECTURES: &[&str] = &["x86_64"];

/// A property of a SAM function: its own, else that of `Globals.Function`.
fn sam_property<'a>(template: &'a Yaml, function: &'a Yaml, key: &str) -> &'a Yaml {
    let own = &function["Properties"][key];
    if own.is_badvalue() {
        &template["Globals"]["Function"][key]
    } else {
        own
    }
}

/// Each SAM function's settings, by the binary it is built from, with its resource id.
fn sam_function_settings(template: &Yaml) -> BTreeMap<String, (String, FunctionSettings)> {
    sam_functions(template)
        .into_iter()
        .map(|(binary, (id, resource))| {
            let prop = |key: &str| sam_property(template, resource, key);
            let number = |key: &str| {
                let v = prop(key);
                v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| {
                    panic!("{id}: {key} (its own, else Globals.Function's) is {v:?}, not a whole number")
                })
            };
            let text = |key: &str| prop(key).as_str().map(String::from);
            let architectures = match yaml_strings(prop("Architectures")) {
                none if none.is_empty() => DEFAULT_ARCHITECTURES.iter().map(|a| a.to_string()).collect(),
                some => some,
            };
            let settings = FunctionSettings {
                memory_size: number("MemorySize"),
                timeout: number("Timeout"),
                architectures,
                runtime: text("Runtime").unwrap_or_else(|| panic!("{id}: no Runtime, its own or Globals.Function's")),
                tracing: text("Tracing").unwrap_or_else(|| DEFAULT_TRACING.to_string()),
            };
            (binary, (id, settings))
        })
        .collect()
}

/// One `{ for NAME, F in local.TABLE : NAME => { ... } }` of the `merge`
/// that `local.functions` of infra/lambda.tf is.
struct TfFunctionsArm {
    /// The function table it iterates, such as `http_functions`.
    table: String,
    /// What its object calls the table's entry (`f`).
    entry: String,
    /// The object each function of the table becomes, as its arguments.
    args: Vec<(String, Vec<Token>)>,
}

/// `local.functions` of infra/lambda.tf, read as the `merge` of one `for`
/// expression over each function table (anything else fails the test).
fn terraform_functions_local() -> Vec<TfFunctionsArm> {
    let at = "infra/lambda.tf: local.functions";
    let (_, text) = repo_file("infra/lambda.tf");
    let tokens = tokenize_hcl(&text);
    let value = tokens
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] == Token::Word("locals".into()) && w[1] == Token::Punct('{'))
        .find_map(|(i, _)| {
            let end = closing_bracket(&tokens, i + 1);
            hcl_arguments(&tokens[i + 2..end]).into_iter().find(|(k, _)| k == "functions").map(|(_, v)| v)
        })
        .unwrap_or_else(|| panic!("{at}: no locals block of infra/lambda.tf assigns functions"));
    let [Token::Word(merge), Token::Punct('('), inner @ .., Token::Punct(')')] = value.as_slice() else {
        panic!("{at} should be merge(...), is `{}`", render_hcl(&value));
    };
    assert_eq!(merge, "merge", "{at} should be merge(...), is `{}`", render_hcl(&value));
    let list: Vec<Token> =
        std::iter::once(Token::Punct('[')).chain(inner.iter().cloned()).chain([Token::Punct(']')]).collect();
    hcl_list_items(&list, at)
        .into_iter()
        .map(|item| {
            let shape = "{ for NAME, F in local.TABLE : NAME => { ... } }";
            let written = render_hcl(&item);
            let cannot = || format!("{at}: cannot read `{written}`, expected `{shape}`");
            // The words at NAME, F and TABLE, then the whole head as it must be written.
            let word = |i: usize| match item.get(i) {
                Some(Token::Word(w)) => w.clone(),
                _ => panic!("{}", cannot()),
            };
            let (key, entry, table) = (word(2), word(4), word(6));
            let head = format!("{{for{key},{entry}in{table}:{key}=>{{");
            assert_eq!(render_hcl(&item[..12.min(item.len())]), head, "{}", cannot());
            // The object closes the `for`: no `if` leaves a function out.
            assert_eq!(closing_bracket(&item, 11), item.len() - 2, "{}", cannot());
            let table = table.strip_prefix("local.").unwrap_or_else(|| panic!("{at}: {table} is not a local"));
            TfFunctionsArm { table: table.to_string(), entry, args: hcl_arguments(&item[12..item.len() - 2]) }
        })
        .collect()
}

/// What Terraform computes for `tokens`: a literal (a string without
/// `${...}`; a number or boolean, as `Hcl::Expr`; a list of those), or a
/// name that `reference` resolves. Anything else fails the test at `at`.
fn terraform_value(tokens: &[Token], at: &str, reference: &dyn Fn(&str) -> Option<Hcl>) -> Hcl {
    match tokens {
        [Token::Str(s)] if !s.contains("${") => Hcl::Str(s.clone()),
        [Token::Word(w)] if w.parse::<f64>().is_ok() || w == "true" || w == "false" => Hcl::Expr(w.clone()),
        [Token::Word(w)] => reference(w).unwrap_or_else(|| panic!("{at}: cannot read `{w}`")),
        [Token::Punct('['), ..] => {
            Hcl::List(hcl_list_items(tokens, at).iter().map(|item| terraform_value(item, at, reference)).collect())
        }
        _ => panic!("{at}: cannot read `{}`", render_hcl(tokens)),
    }
}

/// The arguments of each `kind { ... }` block directly inside resource `r`.
fn terraform_resource_blocks(r: &TfResource, kind: &str) -> Vec<Vec<(String, Vec<Token>)>> {
    let (_, text) = repo_file(&r.file);
    let tokens = tokenize_hcl(&text);
    let head =
        [Token::Word("resource".into()), Token::Str(r.ty.clone()), Token::Str(r.name.clone()), Token::Punct('{')];
    let open = tokens.windows(4).position(|w| w == head).unwrap_or_else(|| panic!("{}: not found again", r.at())) + 3;
    let body = &tokens[open + 1..closing_bracket(&tokens, open)];
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, token) in body.iter().enumerate() {
        match token {
            Token::Word(w) if depth == 0 && w == kind && body.get(i + 1) == Some(&Token::Punct('{')) => {
                out.push(hcl_arguments(&body[i + 2..closing_bracket(body, i + 1)]));
            }
            Token::Word(w) if depth == 0 && w == "dynamic" && body.get(i + 1) == Some(&Token::Str(kind.into())) => {
                panic!("{}: cannot read a dynamic \"{kind}\" block", r.at())
            }
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    out
}

/// Each Terraform function's settings, by name: those of its instance of
/// `aws_lambda_function.function` (`for_each = local.functions`), with
/// `each.value.X` read from `local.functions` and that from the function's
/// entry in its table (`f.X`).
fn terraform_function_settings() -> BTreeMap<String, FunctionSettings> {
    let resources: Vec<TfResource> =
        terraform_resources().into_iter().filter(|r| r.ty == "aws_lambda_function").collect();
    let names: Vec<String> = resources.iter().map(TfResource::at).collect();
    assert_eq!(
        names.len(),
        1,
        "infra/ should declare every function in one aws_lambda_function, for_each = local.functions: {names:?}"
    );
    let r = &resources[0];
    assert_eq!(r.arg("for_each").map(render_hcl).as_deref(), Some("local.functions"), "{}: for_each", r.at());
    let tracing_blocks = terraform_resource_blocks(r, "tracing_config");
    assert!(tracing_blocks.len() <= 1, "{}: several tracing_config blocks", r.at());

    let mut out = BTreeMap::new();
    for arm in terraform_functions_local() {
        for (function, entry) in terraform_function_table(&arm.table) {
            let at = format!("{}[\"{function}\"]", r.at());
            let entry_prefix = format!("{}.", arm.entry);
            let of_entry = |name: &str| entry.get(name.strip_prefix(entry_prefix.as_str())?).cloned();
            let of_each = |name: &str| {
                let key = name.strip_prefix("each.value.")?;
                let (_, tokens) = arm.args.iter().find(|(k, _)| k == key)?;
                Some(terraform_value(
                    tokens,
                    &format!("infra/lambda.tf: local.functions[\"{function}\"].{key}"),
                    &of_entry,
                ))
            };
            let value = |args: &[(String, Vec<Token>)], key: &str| {
                args.iter().find(|(k, _)| k == key).map(|(_, tokens)| terraform_value(tokens, &at, &of_each))
            };
            let number = |key: &str| match value(&r.args, key) {
                Some(Hcl::Expr(n)) => {
                    n.parse::<i64>().unwrap_or_else(|_| panic!("{at}: {key} is {n}, not a whole number"))
                }
                other => panic!("{at}: {key} is {other:?}, not a whole number"),
            };
            let text = |args: &[(String, Vec<Token>)], key: &str| match value(args, key) {
                Some(Hcl::Str(s)) => Some(s),
                None => None,
                other => panic!("{at}: {key} is {other:?}, not a string"),
            };
            let architectures = match value(&r.args, "architectures") {
                None => DEFAULT_ARCHITECTURES.iter().map(|a| a.to_string()).collect(),
                Some(list) => list.strings(),
            };
            let tracing = match tracing_blocks.first() {
                None => DEFAULT_TRACING.to_string(),
                Some(block) => text(block, "mode").unwrap_or_else(|| panic!("{at}: tracing_config without a mode")),
            };
            let settings = FunctionSettings {
                memory_size: number("memory_size"),
                timeout: number("timeout"),
                architectures,
                runtime: text(&r.args, "runtime").unwrap_or_else(|| panic!("{at}: no runtime")),
                tracing,
            };
            assert!(out.insert(function.clone(), settings).is_none(), "{at}: in two function tables");
        }
    }
    out
}

#[test]
fn every_function_has_the_same_memory_timeout_architecture_runtime_and_tracing_in_sam_and_terraform() {
    let sam = sam_function_settings(&sam_template());
    let terraform = terraform_function_settings();
    let names = all_function_names();
    assert_eq!(sam.keys().cloned().collect::<BTreeSet<_>>(), names, "template.yaml: the functions");
    assert_eq!(terraform.keys().cloned().collect::<BTreeSet<_>>(), names, "infra/lambda.tf: local.functions");

    let mut differences = Vec::new();
    for function in &names {
        let (id, in_sam) = &sam[function];
        let in_terraform = &terraform[function];
        if in_sam != in_terraform {
            let fields: Vec<String> = in_sam
                .fields()
                .into_iter()
                .zip(in_terraform.fields())
                .filter(|(s, t)| s != t)
                .map(|((field, s), (_, t))| format!("    {field}: template.yaml {s}, infra/lambda.tf {t}"))
                .collect();
            differences.push(format!(
                "{function} ({id}):\n{}\n    template.yaml:   {in_sam:?}\n    infra/lambda.tf: {in_terraform:?}",
                fields.join("\n")
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} functions are set up differently in template.yaml (the function's Properties, else \
         Globals.Function) and in infra/lambda.tf (aws_lambda_function.function, each.value from local.functions):\n{}",
        differences.len(),
        names.len(),
        differences.join("\n")
    );
    for (function, (id, settings)) in &sam {
        assert_eq!(settings.architectures, ["arm64"], "{id} ({function}): architectures, in both templates");
    }
}

/// The failed sign-ins with unknown emails are counted the same way in both
/// templates: a metric filter on the auth function's log group matching the
/// event the code logs, into the metric the alarm watches.
#[test]
fn sam_and_terraform_count_unknown_account_sign_ins_from_the_auth_log() {
    let event = tenure_core::api::auth::UNKNOWN_ACCOUNT_EVENT;
    let pattern = format!("{{ $.fields.event = \"{event}\" }}");
    let template = sam_template();
    let filters = sam_resources_of_type(&template, "AWS::Logs::MetricFilter");
    assert_eq!(filters.len(), 1, "template.yaml: one metric filter");
    let (id, f) = &filters[0];
    let p = &f["Properties"];
    let functions = sam_functions(&template);
    let auth_log_group = functions["auth"].1["Properties"]["LoggingConfig"]["LogGroup"].as_str().unwrap().to_string();
    assert_eq!(p["LogGroupName"].as_str(), Some(auth_log_group.as_str()), "{id}: not the auth function's log group");
    assert_eq!(p["FilterPattern"].as_str(), Some(pattern.as_str()), "{id}: pattern");
    let t = &p["MetricTransformations"][0];
    assert_eq!(sam_stage_name(t["MetricNamespace"].as_str().unwrap()), "Tenure/{stage}");
    assert_eq!(t["MetricName"].as_str(), Some(UNKNOWN_ACCOUNT_METRIC));
    assert_eq!(t["MetricValue"].as_str(), Some("1"));

    let (_, alarms) = repo_file("infra/alarms.tf");
    let compact: String = alarms.split_whitespace().collect();
    for needle in [
        "resource\"aws_cloudwatch_log_metric_filter\"".to_string(),
        "log_group_name=aws_cloudwatch_log_group.function[\"auth\"].name".to_string(),
        format!("pattern=\"{}\"", pattern.replace('"', "\\\"").split_whitespace().collect::<String>()),
        "namespace=\"Tenure/${var.stage}\"".to_string(),
        format!("name=\"{UNKNOWN_ACCOUNT_METRIC}\""),
        "value=\"1\"".to_string(),
    ] {
        assert!(compact.contains(&needle), "infra/alarms.tf lacks {needle}");
    }
}

/// The local S3 endpoint routes notifications by `store::s3::TRIGGERS`: it
/// must name exactly the bucket-triggered functions and prefixes the
/// templates are checked against (`EVENT_FUNCTIONS`).
#[test]
fn the_local_notification_routes_are_the_templates_bucket_triggers() {
    let declared: BTreeSet<(String, String)> = EVENT_FUNCTIONS
        .iter()
        .filter_map(|f| match f.trigger {
            Trigger::Bucket { prefix, .. } => Some((prefix.to_string(), f.name.to_string())),
            _ => None,
        })
        .collect();
    let local: BTreeSet<(String, String)> =
        tenure_core::store::s3::TRIGGERS.iter().map(|(p, f)| (p.to_string(), f.to_string())).collect();
    assert_eq!(local, declared);
}
