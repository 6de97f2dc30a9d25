//! The `risk` function: serves the `risk` route group
//! (`tenure_core::api::risk::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::risk::GROUP).await
}
