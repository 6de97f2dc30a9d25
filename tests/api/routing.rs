//! Local routing (`cargo lambda watch`'s router in the root Cargo.toml)
//! serves exactly the route table, so `make dev` routes like API Gateway.

use std::collections::BTreeSet;

use tenure_core::routes::ROUTES;

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
    let table: BTreeSet<_> =
        ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string(), r.function.to_string())).collect();
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
