//! The `docs` function: serves its routes of `tenure_core::routes::ROUTES`.
//! (It links the S3 feature only because the OpenAPI document names the
//! document types.)

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve("docs").await
}
