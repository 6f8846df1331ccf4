//! Logs: structured, to stderr, filtered by `RUST_LOG` (default `info`,
//! with sqlx's per-statement timings left out: a bulk load's batches take
//! over a second by design), JSON when `CONTACTPOINT_LOG_FORMAT=json`. Log
//! ids, never personal data.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx::query=error"));
    let json = std::env::var("CONTACTPOINT_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
