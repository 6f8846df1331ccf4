//! `/api/v1/merges`: two records of one child merged, and merges undone,
//! for the local management team's systems. Served with the review queue.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use contactpoint_store::Store;
use serde::{Deserialize, Serialize};

use super::{ApiError, ListParams, list_limit};
use crate::AppState;
use crate::merges::{self, LIST_LIMIT, MergeDetail, MergeEntry, Refusal, Undone, merge_id};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Field(field, message) => ApiError::field(field, message),
            Refusal::Conflict(message) => ApiError::Conflict(message),
            Refusal::Http(error) => ApiError::Http(error),
        }
    }
}

#[derive(Serialize)]
pub struct MergeList {
    merges: Vec<MergeEntry>,
}

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<MergeList>, ApiError> {
    let limit = list_limit(params, LIST_LIMIT)?;
    let merges = merges::recent(&state.store, limit).await?;
    Ok(Json(MergeList { merges }))
}

fn parse_id(id: &str) -> Result<contactpoint_domain::MergeId, ApiError> {
    merge_id(id).ok_or_else(|| {
        ApiError::field(
            "merge_id",
            "not a merge id: give the id the list shows (a UUID)",
        )
    })
}

pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
) -> Result<Json<MergeDetail>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(merges::detail(&state.store, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The ContactPoint ID of the record to keep.
    keep: Option<String>,
    /// The ContactPoint ID of the record to fold into it.
    other: Option<String>,
}

pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    body: Result<Json<MergeBody>, JsonRejection>,
) -> Result<(StatusCode, Json<MergeEntry>), ApiError> {
    let Json(body) = body.map_err(|r| ApiError::field("body", r.body_text()))?;
    let keep = body.keep.unwrap_or_default();
    let other = body.other.unwrap_or_default();
    let made = merges::make(&state.store, &keep, &other).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub async fn undo<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Undone>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(merges::undo(&state.store, id).await?))
}
