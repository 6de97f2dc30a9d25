//! The `auth` function: serves the `auth` route group
//! (`tenure_core::api::auth::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::auth::GROUP).await
}
