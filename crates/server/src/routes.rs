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

use crate::{AppState, HttpError};

pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(home::<S>))
        .route("/health", get(health::<S>))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    children: u64,
}

async fn home<S: Store>(State(state): State<AppState<S>>) -> Result<HomePage, HttpError> {
    let children = state.store.count_children().await?;
    Ok(HomePage { children })
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
