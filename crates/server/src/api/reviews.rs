//! `/api/v1/reviews`: the data-quality review queue for the local
//! management team's systems: the open reviews, one review with its record,
//! candidate and evidence, and a decision on it. Served only when the
//! review queue is turned on.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use contactpoint_domain::ReviewId;
use contactpoint_store::Store;
use serde::{Deserialize, Serialize};

use super::{ApiError, ListParams, list_limit};
use crate::AppState;
use crate::queue::{
    self, Decided, LIST_LIMIT, QueueEntry, ReviewDetail, parse_decision, review_id,
};

#[derive(Serialize)]
pub struct ReviewList {
    reviews: Vec<QueueEntry>,
}

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ReviewList>, ApiError> {
    let limit = list_limit(params, LIST_LIMIT)?;
    let reviews = queue::open_reviews(&state.store, limit).await?;
    Ok(Json(ReviewList { reviews }))
}

fn parse_id(id: &str) -> Result<ReviewId, ApiError> {
    review_id(id).ok_or_else(|| {
        ApiError::field(
            "review_id",
            "not a review id: give the id the list shows (a UUID)",
        )
    })
}

pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
) -> Result<Json<ReviewDetail>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(queue::review_detail(&state.store, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    decision: Option<String>,
}

pub async fn decide<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<Decided>, ApiError> {
    let id = parse_id(&id)?;
    let Json(body) = body.map_err(|r| ApiError::field("body", r.body_text()))?;
    let decision = body
        .decision
        .as_deref()
        .and_then(parse_decision)
        .ok_or_else(|| {
            ApiError::field("decision", "give the decision: link, keep_apart or defer")
        })?;
    Ok(Json(queue::decide(&state.store, id, decision).await?))
}
