//! The `console` function: serves its routes of `tenure_core::routes::ROUTES`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tenure_core::http::serve("console").await
}
