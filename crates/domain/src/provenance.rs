//! Where each value came from.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Why a source identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceIdError {
    #[error("a source id is 1 to 40 lower-case letters, digits and hyphens, such as nhs-pds")]
    Format,
}

/// The registered name of a source system (`nhs-pds`, `school-census`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceId(String);

crate::checked_string!(SourceId, SourceIdError);

impl SourceId {
    pub fn parse(input: &str) -> Result<Self, SourceIdError> {
        let ok = (1..=40).contains(&input.len())
            && input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !input.starts_with('-');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(SourceIdError::Format)
        }
    }
}

/// Which source said a value, and when we received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub source: SourceId,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A value with its provenance. Every field of a child's record is held this
/// way, so a subject-access report can say where each came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sourced<T> {
    pub value: T,
    pub provenance: Provenance,
}

impl<T> Sourced<T> {
    pub fn new(value: T, provenance: Provenance) -> Self {
        Self { value, provenance }
    }
}

/// Why a source record id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceRecordIdError {
    #[error("a source record id is 1 to 64 visible ASCII characters")]
    Format,
}

/// A source system's own identifier for its record of a child.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceRecordId(String);

crate::checked_string!(SourceRecordId, SourceRecordIdError);

impl SourceRecordId {
    pub fn parse(input: &str) -> Result<Self, SourceRecordIdError> {
        let ok = (1..=64).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(SourceRecordIdError::Format)
        }
    }
}

/// A source's record that was linked to a child.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceRecordRef {
    pub source: SourceId,
    pub record: SourceRecordId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_are_lower_case_slugs() {
        assert!(SourceId::parse("nhs-pds").is_ok());
        assert!(SourceId::parse("NHS PDS").is_err());
        assert!(SourceId::parse("").is_err());
    }

    #[test]
    fn source_record_ids_are_visible_ascii() {
        assert!(SourceRecordId::parse("LA-000123").is_ok());
        assert!(SourceRecordId::parse("has space").is_err());
    }
}
