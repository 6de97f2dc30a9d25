//! The `status` function: serves the `status` route group
//! (`tenure_core::api::status::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::status::GROUP).await
}
