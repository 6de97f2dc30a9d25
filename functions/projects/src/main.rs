//! The `projects` function: serves the `projects` route group
//! (`tenure_core::api::projects::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::projects::GROUP).await
}
