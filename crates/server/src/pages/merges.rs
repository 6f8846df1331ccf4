//! `/merges`: the local management team merges two records found to be
//! one child, sees the merges made, and undoes one that was wrong. Served
//! with the review queue.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use contactpoint_store::Store;
use serde::Deserialize;

use crate::AppState;
use crate::HttpError;
use crate::merges::{self, LIST_LIMIT, MergeDetail, MergeEntry, Refusal, merge_id};
use crate::pages::reviews::{Row, comparison};

#[derive(Template, WebTemplate)]
#[template(path = "merges.html")]
pub struct MergesPage {
    merges: Vec<MergeEntry>,
    limit: u32,
    keep: String,
    other: String,
    /// (field id, message): the error summary's.
    errors: Vec<(&'static str, String)>,
}

impl MergesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn list_page<S: Store>(
    state: &AppState<S>,
    form: MergeForm,
    errors: Vec<(&'static str, String)>,
) -> Result<MergesPage, HttpError> {
    Ok(MergesPage {
        merges: merges::recent(&state.store, LIST_LIMIT).await?,
        limit: LIST_LIMIT,
        keep: form.keep,
        other: form.other,
        errors,
    })
}

pub async fn list<S: Store>(State(state): State<AppState<S>>) -> Result<MergesPage, HttpError> {
    list_page(&state, MergeForm::default(), Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    keep: String,
    #[serde(default)]
    other: String,
}

/// Makes the merge and shows it; a mistake in a field, or a merge the
/// records forbid, shows the form again with the problem.
pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    form: Result<Form<MergeForm>, FormRejection>,
) -> Result<Response, HttpError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    match merges::make(&state.store, &form.keep, &form.other).await {
        Ok(made) => Ok(Redirect::to(&format!("/merges/{}?done=merged", made.id)).into_response()),
        Err(Refusal::Field(field, message)) => Ok(list_page(&state, form, vec![(field, message)])
            .await?
            .into_response()),
        Err(Refusal::Conflict(message)) => Ok((
            StatusCode::CONFLICT,
            list_page(&state, form, vec![("keep", message)]).await?,
        )
            .into_response()),
        Err(Refusal::Http(error)) => Err(error),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "merge.html")]
pub struct MergePage {
    merge: MergeDetail,
    /// What was just done, for the success banner.
    done: Option<&'static str>,
    /// Why the undo was refused, for the error summary.
    errors: Vec<(&'static str, String)>,
}

impl MergePage {
    fn rows(&self) -> Vec<Row> {
        comparison(&self.merge.kept_before, &self.merge.merged_before)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowParams {
    done: Option<String>,
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "merged" => Some("The records were merged into one"),
        "undone" => Some("The merge was undone: both records are back as they were"),
        _ => None,
    }
}

async fn page<S: Store>(
    state: &AppState<S>,
    id: &str,
    done: Option<&'static str>,
    errors: Vec<(&'static str, String)>,
) -> Result<MergePage, HttpError> {
    let id = merge_id(id).ok_or(HttpError::NotFound)?;
    Ok(MergePage {
        merge: merges::detail(&state.store, id).await?,
        done,
        errors,
    })
}

pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
    params: Result<Query<ShowParams>, QueryRejection>,
) -> Result<MergePage, HttpError> {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let done = params.done.as_deref().and_then(done_message);
    page(&state, &id, done, Vec::new()).await
}

/// Undoes the merge and shows it again; one the records forbid undoing
/// (a later merge first) shows why.
pub async fn undo<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let merge = merge_id(&id).ok_or(HttpError::NotFound)?;
    match merges::undo(&state.store, merge).await {
        Ok(_) => Ok(Redirect::to(&format!("/merges/{id}?done=undone")).into_response()),
        Err(Refusal::Conflict(message) | Refusal::Field(_, message)) => Ok((
            StatusCode::CONFLICT,
            page(&state, &id, None, vec![("undo", message)]).await?,
        )
            .into_response()),
        Err(Refusal::Http(error)) => Err(error),
    }
}
