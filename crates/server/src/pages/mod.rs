//! The web pages for practitioners: search, results and a child's record.
//! Server-rendered and usable without JavaScript. Forms are posted, so no
//! name or date of birth ever appears in a URL, a log line or the history.

mod children;
mod search;

use axum::Router;
use axum::routing::get;
use contactpoint_store::Store;

use crate::AppState;

pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/search", get(search::form).post(search::submit::<S>))
        .route("/children/{contactpoint_id}", get(children::show::<S>))
}
