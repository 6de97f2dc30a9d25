//! The `users` function: serves the `users` route group
//! (`tenure_core::api::users::ROUTES`) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::users::GROUP).await
}
