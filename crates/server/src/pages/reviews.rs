//! `/reviews`: the data-quality review queue for the local management team.
//! The open reviews, oldest first; one review with the feed record beside
//! the child it may be and the evidence; and the decision: link, keep
//! apart, or defer. Served only when the review queue is turned on.

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
use crate::queue::{
    self, DecisionError, LIST_LIMIT, Particulars, QueueEntry, ReviewDetail, parse_decision,
    review_id,
};
use crate::views::{gender_label, long_date};

#[derive(Template, WebTemplate)]
#[template(path = "reviews.html")]
pub struct ReviewsPage {
    reviews: Vec<QueueEntry>,
    limit: u32,
    /// What the decision just made did, for the success banner.
    decided: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    decided: Option<String>,
}

/// The success banner's words for a decision just made, named by the
/// review's new status (the redirect's query carries nothing else).
fn decided_message(status: &str) -> Option<&'static str> {
    match status {
        "linked" => Some("The record was linked to the child it may be"),
        "kept_apart" => Some("The record was kept apart: it is now a child of its own"),
        "deferred" => Some("The review was deferred: it stays in the queue"),
        _ => None,
    }
}

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<ReviewsPage, HttpError> {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    Ok(ReviewsPage {
        reviews: queue::open_reviews(&state.store, LIST_LIMIT).await?,
        limit: LIST_LIMIT,
        decided: params.decided.as_deref().and_then(decided_message),
    })
}

/// One line of the comparison: a field, what the record says and what the
/// child's record says, each as lines of text.
pub struct Row {
    pub label: &'static str,
    pub record: Vec<String>,
    pub candidate: Vec<String>,
}

fn cells(p: &Particulars) -> [Vec<String>; 9] {
    let one = |value: Option<String>| value.into_iter().collect::<Vec<_>>();
    let address = p.address.as_ref().map(|a| {
        let mut lines = a.lines.clone();
        lines.extend(a.town.clone());
        lines.push(a.postcode.clone());
        lines
    });
    [
        one(p.given_name.clone()),
        one(p.family_name.clone()),
        one(p.preferred_given_name.clone()),
        p.previous_family_names.clone(),
        one(p.date_of_birth.as_ref().map(long_date)),
        one(p.gender.map(|g| gender_label(g).to_owned())),
        one(p.nhs_number.clone()),
        one(p.upn.clone()),
        address.unwrap_or_default(),
    ]
}

const LABELS: [&str; 9] = [
    "Forename",
    "Surname",
    "Known as",
    "Previous surname",
    "Date of birth",
    "Gender",
    "NHS number",
    "Unique pupil number",
    "Address",
];

#[derive(Template, WebTemplate)]
#[template(path = "review.html")]
pub struct ReviewPage {
    review: ReviewDetail,
    /// (field id, message): the error summary's, when no option was chosen.
    errors: Vec<(&'static str, String)>,
}

/// Two sets of particulars side by side, field by field.
pub fn comparison(left: &Particulars, right: &Particulars) -> Vec<Row> {
    LABELS
        .into_iter()
        .zip(cells(left).into_iter().zip(cells(right)))
        .map(|(label, (record, candidate))| Row {
            label,
            record,
            candidate,
        })
        .collect()
}

impl ReviewPage {
    fn rows(&self) -> Vec<Row> {
        comparison(&self.review.record, &self.review.candidate.particulars)
    }

    /// The decision already made, in words, once the review is closed.
    fn decided(&self) -> Option<&'static str> {
        match self.review.entry.status {
            "linked" => Some("the record was linked to this child"),
            "kept_apart" => Some("the record was kept apart as a child of its own"),
            _ => None,
        }
    }
}

async fn page<S: Store>(
    state: &AppState<S>,
    id: &str,
    errors: Vec<(&'static str, String)>,
) -> Result<ReviewPage, HttpError> {
    let id = review_id(id).ok_or(HttpError::NotFound)?;
    Ok(ReviewPage {
        review: queue::review_detail(&state.store, id).await?,
        errors,
    })
}

pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
) -> Result<ReviewPage, HttpError> {
    page(&state, &id, Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
}

/// Applies the chosen decision and goes back to the queue; with no choice,
/// the page again with the problem; for a review already decided, the page
/// saying so, unchanged.
pub async fn decide<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response, HttpError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Some(decision) = parse_decision(&form.decision) else {
        let problem = vec![(
            "decision",
            "Select whether the record is this child".to_owned(),
        )];
        return Ok(page(&state, &id, problem).await?.into_response());
    };
    let review = review_id(&id).ok_or(HttpError::NotFound)?;
    match queue::decide(&state.store, review, decision).await {
        Ok(decided) => {
            Ok(Redirect::to(&format!("/reviews?decided={}", decided.status)).into_response())
        }
        Err(DecisionError::AlreadyDecided(_)) => {
            Ok((StatusCode::CONFLICT, page(&state, &id, Vec::new()).await?).into_response())
        }
        Err(DecisionError::Http(error)) => Err(error),
    }
}
