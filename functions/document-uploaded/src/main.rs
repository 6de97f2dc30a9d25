//! The `document-uploaded` function: the S3 upload trigger
//! (`tenure_core::events::document_uploaded`).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tenure_core::events::document_uploaded::serve().await
}
