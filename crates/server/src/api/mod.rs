//! The JSON API for case management systems, under `/api/v1`.

mod children;
mod error;

use axum::Router;
use axum::routing::get;
use contactpoint_store::Store;

use crate::AppState;

pub use error::ApiError;

/// The API's routes, to be nested under `/api/v1`.
pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/children/search", get(children::search::<S>))
        .route("/children/{contactpoint_id}", get(children::show::<S>))
        .fallback(error::not_found)
}
