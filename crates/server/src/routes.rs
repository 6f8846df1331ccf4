//! The routes that exist before sign-in: what the service is, and health.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use contactpoint_store::Store;
use serde::Serialize;

use crate::AppState;

pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(home))
        .route("/health", get(health::<S>))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage;

/// Says what the service is. It reads nothing from the database: anyone can
/// reach it, so it must cost nothing and tell nothing about the records.
async fn home() -> HomePage {
    HomePage
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

/// For load balancers and monitoring: 200 when the database answers, 503
/// when it does not. Says nothing about any child.
async fn health<S: Store>(State(state): State<AppState<S>>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "ok",
            }),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database: "unavailable",
                }),
            )
        }
    }
}
