//! The `sla-check` function: records tickets' SLA notices every five
//! minutes (`tenure_core::events::sla_check`).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tenure_core::events::sla_check::serve().await
}
