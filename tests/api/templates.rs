//! The deployment descriptions agree with the code: every route of
//! `routes::ROUTES` is wired to its function in `template.yaml` (SAM) and in
//! `infra/` (Terraform), nothing else is, and the table uses the key, index
//! and TTL names of `store::schema`.
//!
//! `template.yaml` is read with a YAML parser that keeps the value under a
//! CloudFormation short-form tag (`!Ref X` reads as `"X"`, `!GetAtt T.Arn`
//! as `"T.Arn"`). The Terraform files are read with a small tokenizer that
//! understands just the literal shapes `infra/lambda.tf` keeps its function
//! table in: strings, names, lists and objects.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use tenure_core::routes::{self, ROUTES};
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

fn repo_file(relative: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    (path, text)
}

/// "METHOD /path" route keys of the route table, per function.
fn routes_by_function() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in ROUTES {
        out.entry(r.function.to_string()).or_default().insert(format!("{} {}", r.method, r.path));
    }
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
            let method = p["Method"].as_str().unwrap_or_else(|| panic!("event {name} has no Method"));
            let path = p["Path"].as_str().unwrap_or_else(|| panic!("event {name} has no Path"));
            let api = p["ApiId"].as_str().unwrap_or_else(|| panic!("event {name} names no ApiId"));
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

/// DynamoDB actions a SAM function's inline policies allow on the table and on index gsi1.
fn sam_dynamodb_actions(function: &Yaml, table_id: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let table_arn = format!("{table_id}.Arn");
    let index_arn = format!("${{{table_id}.Arn}}/index/{}", schema::GSI1);
    let (mut table, mut index) = (BTreeSet::new(), BTreeSet::new());
    for policy in function["Properties"]["Policies"].as_vec().into_iter().flatten() {
        for statement in policy["Statement"].as_vec().into_iter().flatten() {
            let actions: Vec<String> =
                yaml_strings(&statement["Action"]).into_iter().filter(|a| a.starts_with("dynamodb:")).collect();
            for resource in yaml_strings(&statement["Resource"]) {
                if resource == table_arn {
                    table.extend(actions.iter().cloned());
                } else if resource == index_arn {
                    index.extend(actions.iter().cloned());
                } else {
                    assert!(
                        actions.is_empty(),
                        "DynamoDB actions {actions:?} granted on unexpected resource {resource}"
                    );
                }
            }
        }
    }
    (table, index)
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
        let actual: Vec<String> = events.iter().map(|(m, p, _)| format!("{m} {p}")).collect();
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

#[test]
fn every_http_function_gets_the_common_environment_and_only_auth_gets_the_signing_key() {
    let template = sam_template();
    let global_env = yaml_keys(&template["Globals"]["Function"]["Environment"]["Variables"]);
    for (binary, (id, resource)) in sam_functions(&template) {
        let mut env = global_env.clone();
        env.extend(yaml_keys(&resource["Properties"]["Environment"]["Variables"]));
        for name in COMMON_ENV {
            assert!(env.contains(*name), "{id} ({binary}) lacks {name}");
        }
        for name in AUTH_ONLY_ENV {
            assert_eq!(env.contains(*name), binary == "auth", "{id} ({binary}) and {name}: only auth may have it");
        }
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
    assert_eq!(indexes.len(), 1, "exactly one global secondary index");
    assert_eq!(indexes[0]["IndexName"].as_str(), Some(schema::GSI1));
    assert_eq!(
        key_schema(&indexes[0]["KeySchema"]),
        vec![pair(schema::GSI1_PK, "HASH"), pair(schema::GSI1_SK, "RANGE")]
    );
    assert_eq!(indexes[0]["Projection"]["ProjectionType"].as_str(), Some("ALL"));

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
    let expected: BTreeSet<(String, String)> =
        [schema::PK, schema::SK, schema::GSI1_PK, schema::GSI1_SK].iter().map(|a| pair(a, "S")).collect();
    assert_eq!(attributes, expected, "attribute definitions");

    assert_eq!(p["TimeToLiveSpecification"]["AttributeName"].as_str(), Some(schema::TTL_ATTRIBUTE));
    assert_eq!(p["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(true), "TTL enabled");
    assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(), Some(true), "PITR");
    assert_eq!(p["DeletionProtectionEnabled"].as_bool(), Some(true), "deletion protection");
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

    fn value(&mut self) -> Hcl {
        match self.next() {
            Token::Str(s) => Hcl::Str(s),
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

/// The function table of `infra/lambda.tf`.
fn terraform_functions() -> Vec<(String, Hcl)> {
    let (_, text) = repo_file("infra/lambda.tf");
    match terraform_local(&text, "functions") {
        Hcl::Object(entries) => entries,
        other => panic!("local.functions is not an object: {other:?}"),
    }
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
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    let (api, lambda) = (squash(&api), squash(&lambda));
    for needle in ["for_each=local.routes", "route_key=each.key", "for_each=local.functions"] {
        assert!(api.contains(needle), "infra/apigateway.tf should contain `{needle}`");
    }
    assert!(
        lambda.contains("for_each=local.functions"),
        "infra/lambda.tf should create functions from local.functions"
    );
    assert!(
        lambda.contains("\"${local.artifacts_dir}/${each.key}/bootstrap.zip\""),
        "infra/lambda.tf should deploy target/lambda/<name>/bootstrap.zip"
    );
}

#[test]
fn sam_and_terraform_grant_each_function_the_same_dynamodb_actions() {
    let template = sam_template();
    let tables = sam_resources_of_type(&template, "AWS::DynamoDB::Table");
    let table_id = &tables.first().expect("a DynamoDB table in template.yaml").0;
    let sam = sam_functions(&template);
    let terraform = terraform_functions();
    assert_eq!(
        terraform.iter().map(|(n, _)| n.clone()).collect::<BTreeSet<_>>(),
        sam.keys().cloned().collect::<BTreeSet<_>>(),
        "template.yaml and infra/lambda.tf describe different functions"
    );
    for (function, f) in &terraform {
        let (_, resource) = &sam[function];
        let (sam_table, sam_index) = sam_dynamodb_actions(resource, table_id);
        let tf_table: BTreeSet<String> = f.get("table_actions").expect("table_actions").strings().into_iter().collect();
        let tf_index: BTreeSet<String> = f.get("index_actions").expect("index_actions").strings().into_iter().collect();
        assert_eq!(sam_table, tf_table, "{function}: table actions differ between template.yaml and infra/lambda.tf");
        assert_eq!(sam_index, tf_index, "{function}: gsi1 actions differ between template.yaml and infra/lambda.tf");
        for action in sam_table.iter().chain(&sam_index) {
            assert!(!action.contains('*'), "{function}: wildcard action {action}");
        }
    }
}

#[test]
fn the_terraform_table_uses_the_key_index_and_ttl_names_of_the_schema() {
    let (_, text) = repo_file("infra/dynamodb.tf");
    let assigned = terraform_string_assignments(&text);
    let has = |k: &str, v: &str| assigned.iter().any(|(ak, av)| ak == k && av == v);
    for (key, value) in [
        ("hash_key", schema::PK),
        ("range_key", schema::SK),
        ("name", schema::GSI1),
        ("hash_key", schema::GSI1_PK),
        ("range_key", schema::GSI1_SK),
        ("projection_type", "ALL"),
        ("attribute_name", schema::TTL_ATTRIBUTE),
        ("billing_mode", "PAY_PER_REQUEST"),
    ] {
        assert!(has(key, value), "infra/dynamodb.tf should set {key} = \"{value}\"");
    }
    let attributes: BTreeSet<&str> =
        assigned.iter().filter(|(k, _)| k == "name").map(|(_, v)| v.as_str()).filter(|v| *v != schema::GSI1).collect();
    let expected: BTreeSet<&str> = [schema::PK, schema::SK, schema::GSI1_PK, schema::GSI1_SK].into_iter().collect();
    assert!(
        expected.is_subset(&attributes),
        "infra/dynamodb.tf should define attributes {expected:?}, has {attributes:?}"
    );
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
          }
        }
    "#;
    let functions = terraform_local(text, "functions");
    let one = functions.get("one").expect("entry one");
    assert_eq!(one.get("routes").expect("routes").strings(), vec!["GET /a/{id}", "POST /b"]);
    assert_eq!(
        one.get("env").and_then(|e| e.get("NAME")),
        Some(&Hcl::Str(r#"x-${var.stage}-${join("-", ["a", "b"])}"#.to_string()))
    );
    assert_eq!(one.get("flag"), Some(&Hcl::Expr("try".to_string())));
}
