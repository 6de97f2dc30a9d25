//! The `risk-sweep` function: the scheduled leaver-risk sweep
//! (`tenure_core::events::sweep`).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tenure_core::events::sweep::serve().await
}
