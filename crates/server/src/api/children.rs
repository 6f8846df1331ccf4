//! `/api/v1/children`: search, and one child's record.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use contactpoint_domain::{ContactPointId, SearchInput, SearchQuery};
use contactpoint_store::{SearchOutcome, Store};
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::error::FieldError;
use crate::AppState;
use crate::views::{ChildRecord, ResultView};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    surname: Option<String>,
    forename: Option<String>,
    date_of_birth: Option<String>,
    postcode: Option<String>,
    gender: Option<String>,
    explain: Option<bool>,
}

#[derive(Serialize)]
pub struct SearchAnswer {
    outcome: &'static str,
    results: Vec<ResultView>,
}

/// The query string could not be read: an unknown parameter, a repeated
/// one, or `explain` that is not `true` or `false`.
fn unreadable(rejection: &QueryRejection) -> ApiError {
    ApiError::BadRequest(vec![FieldError {
        field: "query",
        message: rejection.body_text(),
    }])
}

pub async fn search<S: Store>(
    State(state): State<AppState<S>>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchAnswer>, ApiError> {
    let Query(params) = params.map_err(|r| unreadable(&r))?;
    let input = SearchInput {
        surname: params.surname.as_deref(),
        forename: params.forename.as_deref(),
        date_of_birth: params.date_of_birth.as_deref(),
        postcode: params.postcode.as_deref(),
        gender: params.gender.as_deref(),
    };
    let query = SearchQuery::parse(&input, crate::today())?;
    let explain = params.explain.unwrap_or(false);
    let outcome = state.engine.search(&state.store, &query).await?;
    let (outcome, results) = match outcome {
        SearchOutcome::Matches(results) => (
            "matches",
            results
                .iter()
                .map(|r| ResultView::new(r, explain))
                .collect(),
        ),
        SearchOutcome::TooMany => ("too_many", Vec::new()),
        SearchOutcome::None => ("none", Vec::new()),
    };
    Ok(Json(SearchAnswer { outcome, results }))
}

pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = ContactPointId::parse(&id).map_err(|e| {
        ApiError::BadRequest(vec![FieldError {
            field: "contactpoint_id",
            message: format!("not a ContactPoint identifier: {e}"),
        }])
    })?;
    let stored = state.store.child_by_contactpoint_id(id).await?;
    if stored.child.is_archived() {
        return Err(crate::HttpError::NotFound.into());
    }
    // A record merged into another leads to it; temporarily, as a merge
    // can be undone.
    if let Some(into) = stored.child.merged_into() {
        let kept = state
            .store
            .child(into)
            .await?
            .child
            .contactpoint_id
            .compact();
        return Ok(Redirect::temporary(&format!("/api/v1/children/{kept}")).into_response());
    }
    Ok(Json(ChildRecord::new(&stored.child, crate::today())).into_response())
}
