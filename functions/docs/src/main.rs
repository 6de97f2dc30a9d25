//! The `docs` function: serves the `docs` route group
//! (`tenure_core::api::docs::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::docs::GROUP).await
}
