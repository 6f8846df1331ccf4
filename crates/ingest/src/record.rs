//! What one source record says about a child, whatever the feed's format:
//! checked values, any of which may be missing except the record's id.

use contactpoint_domain::{
    Address, Carer, Gender, Involvement, Name, NhsNumber, SourceRecordRef, Upn, age_on,
};
use time::Date;

/// What the source asks to be done with its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Add or update (the default when a feed says nothing).
    Upsert,
    /// The source no longer holds the record: its link to the child ends.
    Delete,
    /// The child has died.
    Deceased,
}

impl Action {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "upsert" => Some(Self::Upsert),
            "delete" => Some(Self::Delete),
            "deceased" => Some(Self::Deceased),
            _ => None,
        }
    }
}

/// One record of a feed, checked field by field. It serialises as JSON,
/// for the review queue to keep it whole.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeedRecord {
    pub source_record: SourceRecordRef,
    pub action: Action,
    pub given_name: Option<Name>,
    pub family_name: Option<Name>,
    pub preferred_given_name: Option<Name>,
    /// A family name the child was known by before.
    pub former_family_name: Option<Name>,
    pub date_of_birth: Option<Date>,
    pub gender: Option<Gender>,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    pub address: Option<Address>,
    /// Addresses the source says the child lived at before (FHIR `old`):
    /// kept as previous addresses, still searchable. Left out of the JSON
    /// when there are none, so a record's digest reads as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_addresses: Vec<Address>,
    pub carers: Vec<Carer>,
    pub involvements: Vec<Involvement>,
}

/// Why a record cannot be used at all. It goes to the report with its
/// reason; the rest of the feed goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no source record id")]
    NoRecordId,
    #[error("{field}: {problem}")]
    Field {
        field: &'static str,
        problem: String,
    },
    #[error("the date of birth {0} is in the future")]
    BornInFuture(Date),
    #[error("the child was 18 or over on {today}: ContactPoint holds children only")]
    Adult { today: Date },
    #[error(
        "too little to identify a new child (both names and a date of birth are needed), and no known child it surely is"
    )]
    TooLittle,
}

impl Rejection {
    pub fn field(field: &'static str, problem: impl std::fmt::Display) -> Self {
        Self::Field {
            field,
            problem: problem.to_string(),
        }
    }
}

impl FeedRecord {
    /// An empty upsert for the record `source_record`, to be filled in.
    pub fn new(source_record: SourceRecordRef) -> Self {
        Self {
            source_record,
            action: Action::Upsert,
            given_name: None,
            family_name: None,
            preferred_given_name: None,
            former_family_name: None,
            date_of_birth: None,
            gender: None,
            nhs_number: None,
            upn: None,
            address: None,
            previous_addresses: Vec::new(),
            carers: Vec::new(),
            involvements: Vec::new(),
        }
    }

    /// The rules every record must keep, whatever its format: a date of
    /// birth not in the future, and a child under 18 on `today`.
    pub fn check(self, today: Date) -> Result<Self, Rejection> {
        if let Some(born) = self.date_of_birth {
            if born > today {
                return Err(Rejection::BornInFuture(born));
            }
            if age_on(born, today) >= 18 {
                return Err(Rejection::Adult { today });
            }
        }
        Ok(self)
    }

    /// Whether the record says enough to make a new child from it: both
    /// names and a date of birth. Less may still update the child its
    /// source record is linked to, or link to a child already known.
    pub fn identifies_a_new_child(&self) -> bool {
        self.given_name.is_some() && self.family_name.is_some() && self.date_of_birth.is_some()
    }
}

#[cfg(test)]
mod tests {
    use contactpoint_domain::{SourceId, SourceRecordId};
    use time::macros::date;

    use super::*;

    fn record() -> FeedRecord {
        FeedRecord::new(SourceRecordRef {
            source: SourceId::parse("school-census").unwrap(),
            record: SourceRecordId::parse("S1").unwrap(),
        })
    }

    #[test]
    fn actions_default_to_upsert_and_read_in_any_case() {
        assert_eq!(Action::parse(""), Some(Action::Upsert));
        assert_eq!(Action::parse("Deceased"), Some(Action::Deceased));
        assert_eq!(Action::parse(" DELETE "), Some(Action::Delete));
        assert_eq!(Action::parse("merge"), None);
    }

    #[test]
    fn an_adult_or_an_unborn_child_is_rejected() {
        let today = date!(2026 - 11 - 25);
        let mut adult = record();
        adult.date_of_birth = Some(date!(2008 - 11 - 25));
        let mut unborn = record();
        unborn.date_of_birth = Some(date!(2026 - 12 - 01));
        let mut seventeen = record();
        seventeen.date_of_birth = Some(date!(2008 - 11 - 26));

        assert_eq!(adult.check(today), Err(Rejection::Adult { today }));
        assert!(matches!(
            unborn.check(today),
            Err(Rejection::BornInFuture(_))
        ));
        assert!(seventeen.check(today).is_ok());
    }

    #[test]
    fn a_new_child_needs_both_names_and_a_date_of_birth() {
        let mut partial = record();
        partial.family_name = Some(Name::parse("Okonkwo").unwrap());
        partial.upn = Some(Upn::from_parts(383, 2001, 23, 1).unwrap());
        assert!(!partial.identifies_a_new_child());
        partial.given_name = Some(Name::parse("Amelia").unwrap());
        partial.date_of_birth = Some(date!(2019 - 04 - 03));
        assert!(partial.identifies_a_new_child());
        partial.family_name = None;
        assert!(!partial.identifies_a_new_child());
    }
}
