//! The `tickets` function: serves the `tickets` route group
//! (`tenure_core::api::tickets::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::tickets::GROUP).await
}
