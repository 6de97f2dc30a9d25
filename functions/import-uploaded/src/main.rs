//! The `import-uploaded` function: checks and applies bulk imports
//! (`tenure_core::events::import_uploaded`).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tenure_core::events::import_uploaded::serve().await
}
