//! The `companies` function: serves the `companies` route group
//! (`tenure_core::api::companies::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::companies::GROUP).await
}
