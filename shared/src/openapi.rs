//! The OpenAPI 3.1 document, generated from the route table
//! (`routes::all()`) so that every route has an entry. Each route declares
//! its request and response types (`utoipa::ToSchema`); their schemas, and
//! those they refer to, are the document's components.

use utoipa::openapi::path::{Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder, Ref, ResponseBuilder,
    ResponsesBuilder,
};

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};

use crate::routes::{self, Access, Response, Row};

/// The schemas the document's components hold: (name, schema).
type Schemas = Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>;

fn schema_ref(name: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    Ref::from_schema_name(name).into()
}

fn operation(r: &Row, schemas: &mut Schemas) -> Operation {
    let req = r.request.map(|s| s(schemas));
    let ok = r.response.status();
    let mut responses = ResponsesBuilder::new();
    let mut success = ResponseBuilder::new().description("Success");
    let typed = match r.response {
        Response::Json(_, s) => Some((s(schemas), false)),
        Response::Page(s) => Some((s(schemas), true)),
        Response::Empty(_) | Response::Untyped(_) => None,
    };
    if let Some((name, page)) = typed {
        let item = name.as_str();
        let content = match page {
            true => ContentBuilder::new()
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .property("items", utoipa::openapi::ArrayBuilder::new().items(schema_ref(item)))
                        .property(
                            "next_cursor",
                            ObjectBuilder::new()
                                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                                .description(Some("The cursor of the next page; null on the last")),
                        )
                        .required("items")
                        .required("next_cursor"),
                ))
                .build(),
            false => ContentBuilder::new().schema(Some(schema_ref(item))).build(),
        };
        success = success.content("application/json", content);
    }
    responses = responses.response(ok.to_string(), success.build());
    let problem_name = crate::http::schema_of::<crate::error::Problem>(schemas);
    let problem = |d: &str| {
        ResponseBuilder::new()
            .description(d)
            .content("application/problem+json", ContentBuilder::new().schema(Some(schema_ref(&problem_name))).build())
            .build()
    };
    let mut errors = vec![
        ("400", "Malformed JSON, wrong types, bad query parameter or cursor"),
        ("429", "Rate limited; see Retry-After"),
    ];
    let has_params = r.path.contains('{');
    if r.body() {
        errors.extend([
            ("413", "Body larger than 64 KiB"),
            ("415", "Body is not application/json"),
            ("422", "Invalid values, with field errors"),
        ]);
    }
    if r.access != Access::Public {
        errors.push(("401", "Missing, invalid, expired or revoked token"));
    }
    if r.access != Access::Public || has_params {
        errors.push(("404", "Not found or not visible to you"));
    }
    if let Access::Roles(_) = r.access {
        errors.push(("403", "Your role does not allow this"));
    }
    if r.create {
        errors.push(("409", "A duplicate, or the same Idempotency-Key in use by a request still running"));
    }
    let extra: Vec<(String, &str)> = r.answers.iter().map(|(code, d)| (code.to_string(), *d)).collect();
    for (code, d) in errors.iter().map(|(c, d)| (c.to_string(), *d)).chain(extra) {
        responses = responses.response(code, problem(d));
    }
    let mut op = OperationBuilder::new()
        .summary(Some(r.summary))
        .description(Some(format!("{}{}.", crate::api::docs::WHO_PREFIX, who(r.access))))
        .tag(r.function)
        .operation_id(Some(format!(
            "{}_{}",
            r.method.to_lowercase(),
            r.path.trim_matches('/').replace(['/', '{', '}', '.'], "_")
        )))
        .responses(responses.build());
    if let Some(name) = req {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .content("application/json", ContentBuilder::new().schema(Some(schema_ref(&name))).build())
                .required(Some(utoipa::openapi::Required::True))
                .build(),
        ));
    }
    for segment in r.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(utoipa::openapi::Required::True)
                    .schema(Some(string(1, None))),
            );
        }
    }
    for name in r.query {
        op = op.parameter(
            ParameterBuilder::new().name(*name).parameter_in(ParameterIn::Query).schema(Some(string(0, None))),
        );
    }
    if r.paged {
        let limit = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(100))
            .default(Some(serde_json::json!(25)));
        op = op
            .parameter(ParameterBuilder::new().name("limit").parameter_in(ParameterIn::Query).schema(Some(limit)))
            .parameter(
                ParameterBuilder::new()
                    .name("cursor")
                    .parameter_in(ParameterIn::Query)
                    .schema(Some(string(0, Some(2048)))),
            );
    }
    if r.create {
        op = op.parameter(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .description(Some("Replays the first result of the same request within 24 hours"))
                .schema(Some(string(1, Some(255)))),
        );
    }
    if r.access != Access::Public {
        op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    }
    op.build()
}

/// A string schema with these length bounds.
fn string(min: usize, max: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).min_length(Some(min)).max_length(max)
}

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// Who may call a route, in words.
fn who(access: Access) -> String {
    match access {
        Access::Public => "anyone".to_string(),
        Access::SignedIn => "any signed-in user".to_string(),
        Access::Roles(roles) => roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
    }
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new().build();
    let mut schemas = Schemas::new();
    for r in routes::all() {
        paths.add_path_operation(r.path, vec![method(r.method)], operation(&r, &mut schemas));
    }
    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
    );
    for (name, schema) in schemas {
        components = components.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Tenure API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("Workforce security: leavers and insider risk, with the HR, IT and time-keeping work that produces the signals."))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_an_operation_and_the_document_is_openapi_3_1() {
        let doc = document();
        let v = serde_json::to_value(&doc).unwrap();
        assert!(v["openapi"].as_str().unwrap().starts_with("3.1"), "{}", v["openapi"]);
        for r in routes::all() {
            let op = &v["paths"][r.path][r.method.to_lowercase()];
            assert!(op.is_object(), "no operation for {} {}", r.method, r.path);
        }
    }

    /// Two types with one schema name would share one entry of the
    /// components: one route's body would be documented as the other's.
    #[test]
    fn no_two_types_share_a_schema_name() {
        let mut schemas = Schemas::new();
        for r in routes::all() {
            operation(&r, &mut schemas);
        }
        let mut seen: std::collections::BTreeMap<String, String> = Default::default();
        for (name, schema) in &schemas {
            let json = serde_json::to_string(schema).unwrap();
            if let Some(other) = seen.insert(name.clone(), json.clone()) {
                assert_eq!(other, json, "two different types are both called {name} in the OpenAPI document");
            }
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let v = serde_json::to_value(document()).unwrap();
        let text = v.to_string();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(v["components"]["schemas"][name].is_object(), "dangling $ref {name}");
        }
    }
}
