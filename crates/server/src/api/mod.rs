//! The JSON API for case management systems, under `/api/v1`.

mod children;
mod error;
mod feeds;
mod merges;
mod reviews;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use contactpoint_store::Store;

use crate::{AppState, Settings};

pub use error::ApiError;

/// The query of a list (`?limit=`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<u32>,
}

/// The most one list may ask for.
const MAX_LIMIT: u32 = 1_000;

/// How many a list asks for: `default` when it does not say, and never
/// outside 1 to [`MAX_LIMIT`].
fn list_limit(
    params: Result<axum::extract::Query<ListParams>, axum::extract::rejection::QueryRejection>,
    default: u32,
) -> Result<u32, ApiError> {
    let axum::extract::Query(params) =
        params.map_err(|r| ApiError::field("query", r.body_text()))?;
    let limit = params.limit.unwrap_or(default);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("give a limit from 1 to {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

/// The largest feed one push may carry.
pub const FEED_LIMIT: usize = 16 * 1024 * 1024;

/// The API's routes, to be nested under `/api/v1`.
pub fn router<S: Store>(settings: &Settings) -> Router<AppState<S>> {
    let mut router = Router::new();
    if settings.review_queue {
        router = router
            .route("/reviews", get(reviews::list::<S>))
            .route("/reviews/{review_id}", get(reviews::show::<S>))
            .route("/reviews/{review_id}/decision", post(reviews::decide::<S>))
            .route("/merges", get(merges::list::<S>).post(merges::create::<S>))
            .route("/merges/{merge_id}", get(merges::show::<S>))
            .route("/merges/{merge_id}/undo", post(merges::undo::<S>))
            .route_layer(axum::middleware::from_fn(
                crate::same_origin::not_from_another_site,
            ));
    }
    router
        .route("/children/search", get(children::search::<S>))
        .route("/children/{contactpoint_id}", get(children::show::<S>))
        // A day's changes from one source fit easily; a whole national
        // extract goes through `contactpoint import` instead.
        .route(
            "/feeds/{source}/records",
            post(feeds::push::<S>).layer(DefaultBodyLimit::max(FEED_LIMIT)),
        )
        .fallback(error::not_found)
}
