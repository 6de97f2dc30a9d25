//! The `documents` function: serves the `documents` route group
//! (`tenure_core::api::documents::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::documents::GROUP).await
}
