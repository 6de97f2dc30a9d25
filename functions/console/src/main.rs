//! The `console` function: serves the `console` route group
//! (`tenure_core::api::console::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::console::GROUP).await
}
