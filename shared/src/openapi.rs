//! The OpenAPI 3.1 document, generated from `routes::ROUTES` so that every
//! route has an entry. Request and response bodies come from the handlers'
//! own types (`utoipa::ToSchema`).

use utoipa::openapi::path::{Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HttpMethod, InfoBuilder, OpenApi, Ref, ResponseBuilder, ResponsesBuilder};
use utoipa::OpenApi as _;

use crate::api::{assess, audit, auth, companies, leavers, risk, status, users, CompanyView, UserView};
use crate::routes::{Access, Route, ROUTES};

#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    status::Status,
    auth::SignupRequest,
    auth::SignupResponse,
    auth::LoginRequest,
    auth::TokenResponse,
    auth::RefreshRequest,
    auth::LogoutRequest,
    users::CreateUserRequest,
    users::RoleRequest,
    users::StatusRequest,
    companies::CreateCompanyRequest,
    audit::Verification,
    leavers::CreateLeaverRequest,
    leavers::PatchLeaverRequest,
    leavers::LeaveDateRequest,
    leavers::ChecklistPatchRequest,
    crate::store::leavers::Leaver,
    crate::store::leavers::RiskState,
    crate::domain::leavers::ChecklistItem,
    crate::domain::leavers::Reason,
    crate::domain::leavers::AccessLevel,
    crate::domain::leavers::LeaverStatus,
    crate::domain::risk::Factor,
    crate::domain::risk::Level,
    crate::domain::risk::Activity,
    crate::domain::risk::RiskSettings,
    crate::domain::risk::settings::Thresholds,
    risk::RiskSettingsRequest,
    risk::AlertPatchRequest,
    assess::Alert,
    assess::AlertStatus,
    assess::HistoryEntry,
    crate::api::sweep::SweepReport,
    UserView,
    CompanyView,
)))]
struct Schemas;

/// The document types exist only where the S3 feature is built; the
/// `docs` function builds it, so the published document has them.
#[cfg(feature = "s3")]
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    crate::api::documents::Document,
    crate::api::documents::DocumentStatus,
    crate::api::documents::UploadUrlRequest,
    crate::api::documents::UploadUrlResponse,
    crate::store::s3::Presigned,
    crate::domain::documents::Kind,
    crate::domain::documents::FileType,
)))]
struct DocumentSchemas;

/// (request schema, success status, response schema) of a route.
fn bodies(r: &Route) -> (Option<&'static str>, u16, Option<&'static str>) {
    match (r.method, r.path) {
        ("GET", "/status") => (None, 200, Some("Status")),
        ("POST", "/auth/signup") => (Some("SignupRequest"), 201, Some("SignupResponse")),
        ("POST", "/auth/login") => (Some("LoginRequest"), 200, Some("TokenResponse")),
        ("POST", "/auth/refresh") => (Some("RefreshRequest"), 200, Some("TokenResponse")),
        ("POST", "/auth/logout") => (Some("LogoutRequest"), 204, None),
        ("GET", "/auth/me") => (None, 200, Some("UserView")),
        ("GET", "/auth/admin/users") => (None, 200, Some("UserView[]")),
        ("POST", "/auth/admin/users") => (Some("CreateUserRequest"), 201, Some("UserView")),
        ("PATCH", "/auth/admin/users/{id}/role") => (Some("RoleRequest"), 200, Some("UserView")),
        ("PATCH", "/auth/admin/users/{id}/status") => (Some("StatusRequest"), 200, Some("UserView")),
        ("GET", "/companies") => (None, 200, Some("CompanyView[]")),
        ("POST", "/companies") => (Some("CreateCompanyRequest"), 201, Some("CompanyView")),
        ("GET", "/companies/{id}") => (None, 200, Some("CompanyView")),
        ("GET", "/audit/verify") => (None, 200, Some("Verification")),
        ("POST", "/leavers") => (Some("CreateLeaverRequest"), 201, Some("Leaver")),
        ("GET", "/leavers") => (None, 200, Some("Leaver[]")),
        ("GET", "/leavers/{id}") => (None, 200, Some("Leaver")),
        ("PUT", "/leavers/{id}") => (Some("LeaveDateRequest"), 200, Some("Leaver")),
        ("PATCH", "/leavers/{id}") => (Some("PatchLeaverRequest"), 200, Some("Leaver")),
        ("DELETE", "/leavers/{id}") => (None, 204, None),
        ("GET", "/leavers/{id}/risk") => (None, 200, Some("RiskState")),
        ("POST", "/leavers/{id}/assess") => (None, 200, Some("RiskState")),
        ("GET", "/leavers/{id}/checklist") => (None, 200, None),
        ("PATCH", "/leavers/{id}/checklist/{item}") => (Some("ChecklistPatchRequest"), 200, None),
        ("GET", "/risk-settings") => (None, 200, Some("RiskSettings")),
        ("PUT", "/risk-settings") => (Some("RiskSettingsRequest"), 200, Some("RiskSettings")),
        ("GET", "/alerts") => (None, 200, Some("Alert[]")),
        ("PATCH", "/alerts/{id}") => (Some("AlertPatchRequest"), 200, Some("Alert")),
        ("POST", "/sweeps") => (None, 200, Some("SweepReport")),
        #[cfg(feature = "s3")]
        ("POST", "/documents/upload-url") => (Some("UploadUrlRequest"), 201, Some("UploadUrlResponse")),
        #[cfg(feature = "s3")]
        ("GET", "/documents") => (None, 200, Some("Document[]")),
        #[cfg(feature = "s3")]
        ("GET", "/documents/{id}") => (None, 200, Some("Document")),
        ("GET", "/documents/{id}/download") => (None, 200, None),
        ("DELETE", "/documents/{id}") => (None, 204, None),
        _ => (None, 200, None),
    }
}

fn schema_ref(name: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    Ref::from_schema_name(name).into()
}

fn operation(r: &Route) -> Operation {
    let (req, ok, resp) = bodies(r);
    let mut responses = ResponsesBuilder::new();
    let mut success = ResponseBuilder::new().description("Success");
    if let Some(name) = resp {
        let content = match name.strip_suffix("[]") {
            Some(item) => ContentBuilder::new()
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .property("items", utoipa::openapi::ArrayBuilder::new().items(schema_ref(item)))
                        .property(
                            "next_cursor",
                            utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String),
                        )
                        .required("items"),
                ))
                .build(),
            None => ContentBuilder::new().schema(Some(schema_ref(name))).build(),
        };
        success = success.content("application/json", content);
    }
    responses = responses.response(ok.to_string(), success.build());
    let problem = |d: &str| {
        ResponseBuilder::new().description(d).content("application/problem+json", ContentBuilder::new().build()).build()
    };
    let mut errors = vec![
        ("400", "Malformed JSON, wrong types, bad query parameter or cursor"),
        ("429", "Rate limited; see Retry-After"),
    ];
    if r.body {
        errors.extend([
            ("413", "Body larger than 64 KiB"),
            ("415", "Body is not application/json"),
            ("422", "Invalid values, with field errors"),
        ]);
    }
    if r.access != Access::Public {
        errors.extend([
            ("401", "Missing, invalid, expired or revoked token"),
            ("404", "Not found or not visible to you"),
        ]);
    }
    if let Access::Roles(_) = r.access {
        errors.push(("403", "Your role does not allow this"));
    }
    for (code, d) in errors {
        responses = responses.response(code, problem(d));
    }
    let mut op = OperationBuilder::new()
        .summary(Some(r.summary))
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
                .content("application/json", ContentBuilder::new().schema(Some(schema_ref(name))).build())
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
                    .required(utoipa::openapi::Required::True),
            );
        }
    }
    if r.method == "GET" && r.summary.starts_with("List") || r.path == "/audit" {
        let filters: &[&str] = match r.path {
            "/audit" => &["actor", "action", "target", "from", "to"],
            "/leavers" => &["status", "risk_level", "leaving_before", "leaving_after", "department"],
            "/alerts" => &["status", "level", "leaver_id"],
            "/documents" => &["employee_id"],
            _ => &[],
        };
        for name in filters {
            op = op.parameter(ParameterBuilder::new().name(*name).parameter_in(ParameterIn::Query));
        }
        for name in ["limit", "cursor"] {
            op = op.parameter(ParameterBuilder::new().name(name).parameter_in(ParameterIn::Query));
        }
    }
    if r.method == "POST" && r.body && resp.is_some() && ok == 201 {
        op = op.parameter(ParameterBuilder::new().name("Idempotency-Key").parameter_in(ParameterIn::Header));
    }
    if r.access != Access::Public {
        op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    }
    op.build()
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

/// The whole document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new().build();
    for r in ROUTES {
        paths.add_path_operation(r.path, vec![method(r.method)], operation(r));
    }
    let mut doc = Schemas::openapi();
    #[cfg(feature = "s3")]
    doc.merge(DocumentSchemas::openapi());
    doc.info = InfoBuilder::new()
        .title("Tenure API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some("Workforce security: leavers and insider risk, with the HR, IT and time-keeping work that produces the signals."))
        .build();
    doc.paths = paths;
    if let Some(c) = doc.components.as_mut() {
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_an_operation_and_the_document_is_openapi_3_1() {
        let doc = document();
        let v = serde_json::to_value(&doc).unwrap();
        assert!(v["openapi"].as_str().unwrap().starts_with("3.1"), "{}", v["openapi"]);
        for r in ROUTES {
            let op = &v["paths"][r.path][r.method.to_lowercase()];
            assert!(op.is_object(), "no operation for {} {}", r.method, r.path);
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
