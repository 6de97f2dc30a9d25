//! Logs: JSON lines on stdout, one per request plus errors, carrying the
//! request id, function, route and company, never bodies or tokens.

/// Starts JSON logging once per process; `RUST_LOG` sets the level.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_span_list(false)
        .without_time()
        .with_target(false)
        .try_init();
}
