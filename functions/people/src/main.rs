//! The `people` function: serves the `people` route group
//! (`tenure_core::api::people::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::people::GROUP).await
}
