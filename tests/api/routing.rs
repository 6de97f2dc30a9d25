//! Local routing (`cargo lambda watch`'s router in the root Cargo.toml)
//! serves exactly the route table, so `make dev` routes like API Gateway.

use std::collections::BTreeSet;

use tenure_core::routes;

#[test]
fn the_watch_router_in_cargo_toml_is_the_route_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let router = doc["workspace"]["metadata"]["lambda"]["watch"]["router"].as_table().expect("router section");
    let mut local = BTreeSet::new();
    for (path, entries) in router {
        for e in entries.as_array().expect("a list of {method, function}") {
            local.insert((
                e["method"].as_str().unwrap().to_string(),
                path.clone(),
                e["function"].as_str().unwrap().to_string(),
            ));
        }
    }
    let mut table: BTreeSet<_> =
        routes::all().map(|r| (r.method.to_string(), r.path.to_string(), r.function.to_string())).collect();
    // What no route serves goes to the `$default` function, as on AWS: each
    // path's other methods, and every other path.
    let fallback = routes::fallback_function().expect("a function serves $default").to_string();
    let paths: BTreeSet<String> = table.iter().map(|(_, p, _)| p.clone()).collect();
    for path in paths.iter().map(String::as_str).chain([routes::LOCAL_CATCH_ALL]) {
        for method in routes::LOCAL_FALLBACK_METHODS {
            if !routes::all().any(|r| r.path == path && r.method == *method) {
                table.insert((method.to_string(), path.to_string(), fallback.clone()));
            }
        }
    }
    let missing: Vec<_> = table.difference(&local).collect();
    let extra: Vec<_> = local.difference(&table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "router drifted: missing {missing:?}, extra {extra:?}; run `make router`"
    );
}

#[test]
fn every_function_of_the_route_table_is_a_workspace_package() {
    for f in tenure_core::routes::functions() {
        let manifest = format!("{}/../functions/{f}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&manifest).unwrap_or_else(|_| panic!("no package for function {f}"));
        assert!(text.contains(&format!("name = \"{f}\"")), "{manifest} is not named {f}");
    }
}

/// `GET /openapi.json` serves `docs/openapi.json` as compiled in; it must be
/// the document the route table and the request types generate today.
/// `make openapi` (TENURE_WRITE_OPENAPI=1 on this test) rewrites the file.
#[test]
fn the_served_openapi_document_is_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let generated = format!(
        "{}\n",
        serde_json::to_string_pretty(&tenure_core::openapi::document()).expect("the document serializes")
    );
    if std::env::var("TENURE_WRITE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(path, &generated).expect("write docs/openapi.json");
        return;
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/openapi.json is not the generated document (a route, a request or response type changed?); run `make openapi`"
    );
    assert_eq!(
        tenure_core::api::docs::OPENAPI_JSON,
        on_disk,
        "the compiled-in document is not docs/openapi.json; rebuild"
    );
}

/// Each HTTP function's `main` serves exactly its own group
/// (`tenure_core::http::serve(&tenure_core::api::<function>::GROUP)`) and
/// names no other group and not the full table, so it links only its own
/// handlers; and each group's routes are the table's rows for that function.
#[test]
fn every_function_serves_exactly_its_own_group() {
    let functions = routes::functions();
    for f in &functions {
        let main = format!("{}/../functions/{f}/src/main.rs", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&main).unwrap_or_else(|_| panic!("no {main}"));
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let module = f.replace('-', "_");
        let wanted = format!("tenure_core::http::serve(&tenure_core::api::{module}::GROUP)");
        assert!(code.contains(&wanted), "{main} should call {wanted}");
        assert_eq!(code.matches("tenure_core::api::").count(), 1, "{main} names another group");
        assert!(!code.contains("routes::"), "{main} names the full route table");
        let group = routes::group(f).expect("a group per function");
        let rows: Vec<String> =
            routes::all().filter(|r| r.function == *f).map(|r| format!("{} {}", r.method, r.path)).collect();
        let own: Vec<String> = group.routes.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
        assert_eq!(own, rows, "{f}: its group's routes are not the table's rows for it");
        // A function that reads a secret from SSM at cold start (the signing
        // key, the cursor key) links the SSM client, and only such a one.
        let manifest = format!("{}/../functions/{f}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
        let toml = std::fs::read_to_string(&manifest).unwrap_or_else(|_| panic!("no {manifest}"));
        let core =
            toml.lines().find(|l| l.starts_with("tenure-core")).unwrap_or_else(|| panic!("{manifest}: no tenure-core"));
        assert_eq!(
            core.contains("\"ssm\""),
            group.signs_tokens || group.pages(),
            "{manifest}: the `ssm` feature must be on exactly when the function reads the signing or the cursor key"
        );
    }
    // Every route is served by exactly one function.
    let mut seen = BTreeSet::new();
    for r in routes::all() {
        assert!(seen.insert((r.method, r.path)), "{} {} is served twice", r.method, r.path);
        assert_eq!(functions.iter().filter(|f| **f == r.function).count(), 1);
    }
}

/// The layers of `tenure-core` import only downwards (see `shared/src/lib.rs`):
/// `http` and `events` never import `api`, `routes` or each other, and
/// `service`, `domain` and `store` import none of the layers above them.
#[test]
fn the_core_crate_layers_import_only_downwards() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/src");
    let rules: &[(&str, &[&str])] = &[
        ("http", &["api", "routes", "openapi", "events"]),
        ("events", &["api", "routes", "openapi", "http"]),
        ("service", &["api", "routes", "openapi", "http", "events"]),
        ("domain", &["api", "routes", "openapi", "http", "events", "service"]),
        ("store", &["api", "routes", "openapi", "http", "events", "service"]),
    ];
    let mut broken = Vec::new();
    for (layer, forbidden) in rules {
        let mut dirs = vec![std::path::PathBuf::from(format!("{root}/{layer}"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("no {}", dir.display())) {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a source file");
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    for f in *forbidden {
                        if code.contains(&format!("crate::{f}::")) || code.contains(&format!("crate::{f};")) {
                            broken.push(format!("{}:{}: {layer} imports {f}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "layers import upwards:\n{}", broken.join("\n"));
}
