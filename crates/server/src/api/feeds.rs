//! `POST /api/v1/feeds/{source}/records`: a source system pushes records
//! in its registered format (CSV through its mapping, or FHIR NDJSON), and
//! gets the import report back.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use contactpoint_domain::{Source, SourceId};
use contactpoint_ingest::{Importer, Registry, ReportLine, Summary, open_feed, received_now};
use contactpoint_store::Store;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::error::FieldError;
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushParams {
    dry_run: Option<bool>,
}

#[derive(Serialize)]
pub struct PushAnswer {
    source: String,
    dry_run: bool,
    summary: Summary,
    records: Vec<ReportLine>,
}

/// The source named in the path, if the request carries its credential.
/// An unknown source and a wrong credential get the same answer, so the
/// API does not tell which sources exist.
async fn authenticate<S: Store>(
    store: &S,
    source: &str,
    headers: &HeaderMap,
) -> Result<Source, ApiError> {
    let credential = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    let id = SourceId::parse(source).map_err(|_| ApiError::Unauthorized)?;
    let source = match store.source(&id).await {
        Ok(source) => source,
        Err(contactpoint_store::Error::NotFound) => return Err(ApiError::Unauthorized),
        Err(other) => return Err(other.into()),
    };
    if !source.credential.matches(credential.trim()) {
        return Err(ApiError::Unauthorized);
    }
    Ok(source)
}

pub async fn push<S: Store>(
    State(state): State<AppState<S>>,
    Path(source): Path<String>,
    params: Result<Query<PushParams>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushAnswer>, ApiError> {
    let source = authenticate(&state.store, &source, &headers).await?;
    let Query(params) = params.map_err(|r| {
        ApiError::BadRequest(vec![FieldError {
            field: "query",
            message: r.body_text(),
        }])
    })?;
    let dry_run = params.dry_run.unwrap_or(false);
    let records = open_feed(&source, &body[..]).map_err(|e| {
        ApiError::BadRequest(vec![FieldError {
            field: "body",
            message: e.to_string(),
        }])
    })?;
    let registry = Registry(state.store.sources().await?);
    let mut importer = Importer::new(&state.store, &registry);
    importer.dry_run = dry_run;
    // The weights estimated on the source's first import, when there was
    // one; the defaults otherwise.
    if let Some(weights) = state.store.source_weights(&source.id).await? {
        importer.model = weights;
    }
    let mut lines = Vec::new();
    let summary = importer
        .import_all(records, received_now(), |line| lines.push(line))
        .await?;
    tracing::info!(source = %source.id, records = summary.total(), dry_run, "feed pushed");
    Ok(Json(PushAnswer {
        source: source.id.to_string(),
        dry_run,
        summary,
        records: lines,
    }))
}
