//! The `audit` function: serves the `audit` route group
//! (`tenure_core::api::audit::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::audit::GROUP).await
}
