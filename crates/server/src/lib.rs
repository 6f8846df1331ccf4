//! ContactPoint's web service: pages for practitioners and teams, the JSON
//! API and health checks, over any [`Store`].

mod api;
mod assets;
mod error;
mod headers;
mod merges;
mod pages;
mod queue;
mod routes;
mod same_origin;
mod views;

use std::future::Future;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::Request;
use contactpoint_store::{SearchEngine, Store};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::HttpError;

/// What this server serves beyond the practitioners' pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    /// The data-quality review queue's pages (`/reviews`) and API
    /// (`/api/v1/reviews`). Off by default: until sign-in exists they would
    /// let anyone who reaches the server link and split children, so only
    /// the demo turns them on. Off, they answer 404 as if absent.
    pub review_queue: bool,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState<S> {
    pub store: S,
    pub engine: SearchEngine,
}

/// Today's date, for ages and date checks. UTC: England is at most an hour
/// ahead, and no rule here turns on the hour around midnight.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// The whole service as a router, ready to serve or to call in tests.
pub fn router<S: Store>(store: S, settings: Settings) -> Router {
    Router::new()
        .merge(routes::router())
        .merge(assets::router())
        .merge(pages::router(&settings))
        .nest("/api/v1", api::router(&settings))
        .fallback(error::not_found)
        .with_state(AppState {
            store,
            engine: SearchEngine::default(),
        })
        .layer(axum::middleware::from_fn(headers::security_headers))
        // Spans carry the route's pattern and a request id, never the URI:
        // query strings may hold personal data.
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %request.method(), route, request_id = id)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Serves on a listener the caller bound (tests bind port 0) until
/// `shutdown` completes.
pub async fn serve<S: Store>(
    store: S,
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store, settings))
        .with_graceful_shutdown(shutdown)
        .await
}
