//! Logs: JSON lines on stdout, one per request plus errors, carrying the
//! request id, function, route and company, never bodies or tokens. Lines
//! logged while a request runs (a handler's warning, say) carry the same
//! fields in their `span` object (`http::pipeline::handle` opens it).

use tracing_subscriber::fmt::MakeWriter;

/// The JSON subscriber every function logs through, writing to `writer`.
pub fn subscriber<W>(writer: W, filter: tracing_subscriber::EnvFilter) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .without_time()
        .with_target(false)
        .with_writer(writer)
        .finish()
}

/// Starts JSON logging once per process; `RUST_LOG` sets the level.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing::subscriber::set_global_default(subscriber(std::io::stdout, filter));
}
