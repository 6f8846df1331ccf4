//! A review as both backends store it.

use contactpoint_domain::{
    ChildId, ReviewId, ReviewStatus, SourceId, SourceRecordId, SourceRecordRef,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Error, Result, Review};

/// A row of `reviews`.
#[derive(sqlx::FromRow)]
pub(crate) struct ReviewRow {
    pub id: Uuid,
    pub source: String,
    pub record_id: String,
    pub record: String,
    pub candidate_id: Uuid,
    pub probability: f64,
    pub evidence: String,
    pub received_at: OffsetDateTime,
    pub status: String,
}

impl ReviewRow {
    pub fn decode(self) -> Result<Review> {
        let decode = |e: &dyn std::fmt::Display| Error::Decode(e.to_string());
        Ok(Review {
            id: ReviewId::from_uuid(self.id),
            source_record: SourceRecordRef {
                source: SourceId::parse(&self.source).map_err(|e| decode(&e))?,
                record: SourceRecordId::parse(&self.record_id).map_err(|e| decode(&e))?,
            },
            record: self.record,
            candidate: ChildId::from_uuid(self.candidate_id),
            probability: self.probability,
            evidence: self.evidence,
            received_at: self.received_at,
            status: ReviewStatus::parse(&self.status)
                .ok_or_else(|| decode(&"unknown review status"))?,
        })
    }
}
