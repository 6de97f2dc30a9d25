//! The `leavers` function: serves the `leavers` route group
//! (`tenure_core::api::leavers::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::leavers::GROUP).await
}
