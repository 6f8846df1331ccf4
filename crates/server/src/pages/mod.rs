//! The web pages for practitioners: search, results and a child's record.
//! Server-rendered and usable without JavaScript. Forms are posted, so no
//! name or date of birth ever appears in a URL, a log line or the history.

mod children;
mod merges;
mod reviews;
mod search;

use axum::Router;
use axum::routing::get;
use contactpoint_store::Store;

use crate::{AppState, Settings};

pub fn router<S: Store>(settings: &Settings) -> Router<AppState<S>> {
    let router = Router::new()
        .route("/search", get(search::form).post(search::submit::<S>))
        .route("/children/{contactpoint_id}", get(children::show::<S>));
    if !settings.review_queue {
        return router;
    }
    router.merge(
        Router::new()
            .route("/reviews", get(reviews::list::<S>))
            .route(
                "/reviews/{review_id}",
                get(reviews::show::<S>).post(reviews::decide::<S>),
            )
            .route("/merges", get(merges::list::<S>).post(merges::create::<S>))
            .route(
                "/merges/{merge_id}",
                get(merges::show::<S>).post(merges::undo::<S>),
            )
            .route_layer(axum::middleware::from_fn(
                crate::same_origin::from_our_pages,
            )),
    )
}
