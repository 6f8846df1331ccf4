//! The data-quality review queue as the local management team is shown it,
//! built once from the store and rendered by both the pages and the JSON
//! API: the feed records waiting for a decision, and for one of them the
//! record and the child it may be, field by field, with the evidence of its
//! score. The team brokers contact for shielded children, so it sees the
//! candidate's hidden fields too.

use std::collections::HashMap;

use contactpoint_domain::{Child, ContactPointId, ReviewId, ReviewStatus};
use contactpoint_ingest::{FeedRecord, Outcome, ReviewDecision, ReviewDecisionError};
use contactpoint_store::{Review, Store};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::HttpError;
use crate::views::AddressView;

/// The most the list shows: the oldest first, so nothing waits unseen for
/// long.
pub const LIST_LIMIT: u32 = 100;

/// A review in the list.
#[derive(Debug, Clone, Serialize)]
pub struct QueueEntry {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The source system's id (`school-census`).
    pub source: String,
    /// Its name as registered; its id when it is no longer registered.
    pub source_name: String,
    pub source_record_id: String,
    /// The probability that the record is the candidate child, 0 to 1.
    pub probability: f64,
    /// `pending` or `deferred` while open; `linked` or `kept_apart` once
    /// decided.
    pub status: &'static str,
}

impl QueueEntry {
    fn new(review: &Review, names: &HashMap<String, String>) -> Self {
        let source = review.source_record.source.to_string();
        Self {
            id: review.id.as_uuid(),
            received_at: review.received_at,
            source_name: names
                .get(&source)
                .cloned()
                .unwrap_or_else(|| source.clone()),
            source,
            source_record_id: review.source_record.record.to_string(),
            // Six places: a review is often above the link threshold (0.999)
            // when a rule holds it back, and four would read as certainty.
            probability: round(review.probability, 6),
            status: review.status.as_str(),
        }
    }

    /// `25 November 2026 at 09:00` (UTC).
    pub fn received(&self) -> String {
        format!(
            "{} at {:02}:{:02}",
            crate::views::long_date(&self.received_at.date()),
            self.received_at.hour(),
            self.received_at.minute()
        )
    }

    /// The probability as a percentage, rounded down so that only a sure
    /// match could read 100%: `97.3%`, `99.9%` for 0.99997.
    pub fn percentage(&self) -> String {
        format!("{:.1}%", (self.probability * 1000.0).floor() / 10.0)
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status, "pending" | "deferred")
    }
}

/// What a record or a child says about who the child is: the fields a
/// person compares to decide whether they are one child.
#[derive(Debug, Clone, Serialize)]
pub struct Particulars {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub preferred_given_name: Option<String>,
    /// Former family names (the record gives at most one).
    pub previous_family_names: Vec<String>,
    pub date_of_birth: Option<Date>,
    pub gender: Option<&'static str>,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub address: Option<AddressView>,
}

impl From<&FeedRecord> for Particulars {
    fn from(record: &FeedRecord) -> Self {
        Self {
            given_name: record.given_name.as_ref().map(ToString::to_string),
            family_name: record.family_name.as_ref().map(ToString::to_string),
            preferred_given_name: record
                .preferred_given_name
                .as_ref()
                .map(ToString::to_string),
            previous_family_names: record
                .former_family_name
                .iter()
                .map(ToString::to_string)
                .collect(),
            date_of_birth: record.date_of_birth,
            gender: record.gender.map(|g| g.as_str()),
            nhs_number: record.nhs_number.as_ref().map(ToString::to_string),
            upn: record.upn.as_ref().map(ToString::to_string),
            address: record.address.as_ref().map(Into::into),
        }
    }
}

impl From<&Child> for Particulars {
    fn from(child: &Child) -> Self {
        let mut previous: Vec<String> = Vec::new();
        for name in &child.previous_names {
            let family = name.value.family.to_string();
            if family != child.name.value.family.to_string() && !previous.contains(&family) {
                previous.push(family);
            }
        }
        Self {
            given_name: Some(child.name.value.given.to_string()),
            family_name: Some(child.name.value.family.to_string()),
            preferred_given_name: child
                .preferred_given_name
                .as_ref()
                .map(|n| n.value.to_string()),
            previous_family_names: previous,
            date_of_birth: Some(child.date_of_birth.value),
            gender: Some(child.gender.value.as_str()),
            nhs_number: child.nhs_number.as_ref().map(|n| n.value.to_string()),
            upn: child.upn.as_ref().map(|u| u.value.to_string()),
            address: child.address.as_ref().map(|a| (&a.value).into()),
        }
    }
}

/// The known child a review names.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub contactpoint_id: String,
    /// The compact form, for links.
    #[serde(skip)]
    pub link_id: String,
    pub shielded: bool,
    #[serde(flatten)]
    pub particulars: Particulars,
}

/// One field's part in the score, as the queue keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    pub field: String,
    /// The comparison level (`exact`, `one_edit`, `different`...).
    pub level: String,
    /// The match weight (log2 m/u): above 0 for the same child, below
    /// against.
    pub weight: f64,
}

impl Evidence {
    /// The field in words.
    pub fn field_label(&self) -> String {
        match self.field.as_str() {
            "forename" => "Forename".into(),
            "surname" => "Surname".into(),
            "date_of_birth" => "Date of birth".into(),
            "postcode" => "Postcode".into(),
            "gender" => "Gender".into(),
            "name_order" => "Name order".into(),
            "nhs_number" => "NHS number".into(),
            "upn" => "Unique pupil number".into(),
            // Not a field: the other candidates' scores and the share of the
            // feed's records whose child is already held.
            "candidates" => "Other candidates and the share already held".into(),
            other => words(other),
        }
    }

    /// The comparison level in words: `one edit`.
    pub fn level_label(&self) -> String {
        words(&self.level)
    }

    /// `+8.8`, `-5.6`.
    pub fn signed_weight(&self) -> String {
        format!("{:+.1}", self.weight)
    }

    /// Which way the field points, so that the sign is not the only cue.
    pub fn points_to(&self) -> &'static str {
        if self.weight > 0.0 {
            "The same child"
        } else if self.weight < 0.0 {
            "Another child"
        } else {
            "Neither"
        }
    }
}

fn words(code: &str) -> String {
    code.replace('_', " ")
}

/// A review with everything a person needs to decide it.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewDetail {
    #[serde(flatten)]
    pub entry: QueueEntry,
    /// What the feed record says.
    pub record: Particulars,
    /// The child it may be.
    pub candidate: Candidate,
    pub evidence: Vec<Evidence>,
}

/// How a review was decided.
#[derive(Debug, Clone, Serialize)]
pub struct Decided {
    pub id: Uuid,
    pub decision: &'static str,
    pub status: &'static str,
    /// The ContactPoint ID of the child the record is now part of (the
    /// candidate, or the new child); `null` when deferred.
    pub contactpoint_id: Option<String>,
}

/// Why a decision was not applied.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error("the review was already decided ({0}): nothing was changed")]
    AlreadyDecided(&'static str),
    #[error(transparent)]
    Http(#[from] HttpError),
}

impl From<ReviewDecisionError> for DecisionError {
    fn from(error: ReviewDecisionError) -> Self {
        match error {
            ReviewDecisionError::NotFound => Self::Http(HttpError::NotFound),
            ReviewDecisionError::AlreadyDecided(status) => Self::AlreadyDecided(status.as_str()),
            ReviewDecisionError::Store(error) => Self::Http(error.into()),
        }
    }
}

/// A decision as the form and the API name it.
pub fn parse_decision(value: &str) -> Option<ReviewDecision> {
    match value {
        "link" => Some(ReviewDecision::Link),
        "keep_apart" => Some(ReviewDecision::KeepApart),
        "defer" => Some(ReviewDecision::Defer),
        _ => None,
    }
}

fn decision_name(decision: ReviewDecision) -> &'static str {
    match decision {
        ReviewDecision::Link => "link",
        ReviewDecision::KeepApart => "keep_apart",
        ReviewDecision::Defer => "defer",
    }
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// A review id from a path: a UUID, or no review at all.
pub fn review_id(text: &str) -> Option<ReviewId> {
    Uuid::parse_str(text).ok().map(ReviewId::from_uuid)
}

async fn source_names<S: Store>(store: &S) -> Result<HashMap<String, String>, HttpError> {
    Ok(store
        .sources()
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.name.to_string()))
        .collect())
}

/// The reviews waiting for a decision (pending or deferred), oldest first.
pub async fn open_reviews<S: Store>(store: &S, limit: u32) -> Result<Vec<QueueEntry>, HttpError> {
    let reviews = store.pending_reviews(limit).await?;
    let names = source_names(store).await?;
    Ok(reviews.iter().map(|r| QueueEntry::new(r, &names)).collect())
}

/// One review, open or decided, with its record, its candidate and the
/// evidence.
pub async fn review_detail<S: Store>(store: &S, id: ReviewId) -> Result<ReviewDetail, HttpError> {
    let review = store.review(id).await?;
    let names = source_names(store).await?;
    let undecodable = |what: &str, e: serde_json::Error| {
        HttpError::Internal(Box::new(contactpoint_store::Error::Decode(format!(
            "review {}: {what}: {e}",
            review.id.as_uuid()
        ))))
    };
    let record: FeedRecord =
        serde_json::from_str(&review.record).map_err(|e| undecodable("record", e))?;
    let mut evidence: Vec<Evidence> =
        serde_json::from_str(&review.evidence).map_err(|e| undecodable("evidence", e))?;
    for field in &mut evidence {
        field.weight = round(field.weight, 2);
    }
    let child = store.child(review.candidate).await?.child;
    Ok(ReviewDetail {
        entry: QueueEntry::new(&review, &names),
        record: (&record).into(),
        candidate: Candidate {
            contactpoint_id: child.contactpoint_id.to_string(),
            link_id: child.contactpoint_id.compact(),
            shielded: child.is_shielded(),
            particulars: (&child).into(),
        },
        evidence,
    })
}

/// Applies a person's decision to an open review.
pub async fn decide<S: Store>(
    store: &S,
    id: ReviewId,
    decision: ReviewDecision,
) -> Result<Decided, DecisionError> {
    let outcome = contactpoint_ingest::decide_review(
        store,
        id,
        decision,
        contactpoint_ingest::received_now(),
    )
    .await?;
    let status = match decision {
        ReviewDecision::Link => ReviewStatus::Linked,
        ReviewDecision::KeepApart => ReviewStatus::KeptApart,
        ReviewDecision::Defer => ReviewStatus::Deferred,
    };
    tracing::info!(
        review = %id.as_uuid(),
        decision = decision_name(decision),
        "review decided"
    );
    Ok(Decided {
        id: id.as_uuid(),
        decision: decision_name(decision),
        status: status.as_str(),
        contactpoint_id: outcome
            .as_ref()
            .and_then(Outcome::contactpoint_id)
            .map(|id: ContactPointId| id.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(probability: f64) -> QueueEntry {
        QueueEntry {
            id: Uuid::nil(),
            received_at: OffsetDateTime::UNIX_EPOCH,
            source: "school-census".into(),
            source_name: "School census".into(),
            source_record_id: "S2".into(),
            probability,
            status: "pending",
        }
    }

    #[test]
    fn a_probability_reads_as_a_percentage_never_rounded_up_to_certainty() {
        assert_eq!(entry(0.9731).percentage(), "97.3%");
        assert_eq!(entry(0.99997).percentage(), "99.9%");
        assert_eq!(entry(0.5).percentage(), "50.0%");
    }

    #[test]
    fn evidence_reads_in_words_with_its_direction() {
        let forename = Evidence {
            field: "forename".into(),
            level: "one_edit".into(),
            weight: -5.61,
        };

        assert_eq!(forename.field_label(), "Forename");
        assert_eq!(forename.level_label(), "one edit");
        assert_eq!(forename.signed_weight(), "-5.6");
        assert_eq!(forename.points_to(), "Another child");
    }

    #[test]
    fn only_the_three_decisions_are_understood() {
        assert_eq!(parse_decision("link"), Some(ReviewDecision::Link));
        assert_eq!(
            parse_decision("keep_apart"),
            Some(ReviewDecision::KeepApart)
        );
        assert_eq!(parse_decision("defer"), Some(ReviewDecision::Defer));
        assert_eq!(parse_decision("merge"), None);
        assert_eq!(parse_decision(""), None);
    }
}
