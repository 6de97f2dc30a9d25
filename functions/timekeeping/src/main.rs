//! The `timekeeping` function: serves the `time` route group
//! (`tenure_core::api::timekeeping::ROUTES`: clock-ins, packages, events, payroll,
//! cost forecasts) and links no other group's handlers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve(&tenure_core::api::timekeeping::GROUP).await
}
