//! The child: identity, address, carers and services.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::{
    CafIndicator, Carer, ContactPointId, Involvement, Label, Name, NhsNumber, Postcode,
    SensitiveInvolvement, SourceRecordRef, Sourced, Upn,
};

/// The store's key for a child. Never shown to people: they see the
/// [`ContactPointId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChildId(Uuid);

impl ChildId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for ChildId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ChildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A person's given names and family name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonName {
    pub given: Name,
    pub family: Name,
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.given, self.family)
    }
}

/// Administrative gender as the NHS records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    Other,
    Unknown,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "female" => Some(Self::Female),
            "male" => Some(Self::Male),
            "other" => Some(Self::Other),
            "unknown" => Some(Self::Unknown),
            _ => None,
        }
    }
}

/// A postal address in England: one to four lines, a town, a postcode.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AddressParts")]
pub struct Address {
    lines: Vec<Label>,
    town: Option<Label>,
    postcode: Postcode,
}

/// An address as stored or received, before its rules are checked.
#[derive(Deserialize)]
struct AddressParts {
    lines: Vec<Label>,
    town: Option<Label>,
    postcode: Postcode,
}

impl TryFrom<AddressParts> for Address {
    type Error = AddressError;
    fn try_from(parts: AddressParts) -> Result<Self, Self::Error> {
        Self::new(parts.lines, parts.town, parts.postcode)
    }
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address has one to four lines before the town")]
    Lines,
}

impl Address {
    pub fn new(
        lines: Vec<Label>,
        town: Option<Label>,
        postcode: Postcode,
    ) -> Result<Self, AddressError> {
        if lines.is_empty() || lines.len() > 4 {
            return Err(AddressError::Lines);
        }
        Ok(Self {
            lines,
            town,
            postcode,
        })
    }

    pub fn lines(&self) -> &[Label] {
        &self.lines
    }

    pub fn town(&self) -> Option<&Label> {
        self.town.as_ref()
    }

    pub fn postcode(&self) -> &Postcode {
        &self.postcode
    }
}

/// Where the record stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    /// Notified of the child's death; kept one year, then archived.
    Deceased {
        notified_on: Date,
    },
    /// No longer found or shown; purged six years after this date.
    Archived {
        archived_on: Date,
    },
    /// Found to be the same child as another record and folded into it: no
    /// longer found, and its ContactPoint ID leads to the record it joined.
    /// An unmerge brings it back.
    Merged {
        into: ChildId,
        merged_on: Date,
    },
}

impl RecordStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deceased { .. } => "deceased",
            Self::Archived { .. } => "archived",
            Self::Merged { .. } => "merged",
        }
    }
}

/// The shield: set by a local management team when disclosing where a child
/// is could cause the child or carer significant harm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shield {
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// The local authority team that set it.
    pub set_by: Label,
}

/// Everything ContactPoint holds about one child. Every value carries its
/// provenance; nowhere can hold free text about the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    pub id: ChildId,
    pub contactpoint_id: ContactPointId,
    pub status: RecordStatus,
    pub name: Sourced<PersonName>,
    pub previous_names: Vec<Sourced<PersonName>>,
    pub preferred_given_name: Option<Sourced<Name>>,
    pub gender: Sourced<Gender>,
    pub date_of_birth: Sourced<Date>,
    pub address: Option<Sourced<Address>>,
    pub previous_addresses: Vec<Sourced<Address>>,
    pub nhs_number: Option<Sourced<NhsNumber>>,
    pub upn: Option<Sourced<Upn>>,
    pub source_records: Vec<SourceRecordRef>,
    pub carers: Vec<Sourced<Carer>>,
    pub involvements: Vec<Sourced<Involvement>>,
    pub sensitive_involvements: Vec<Sourced<SensitiveInvolvement>>,
    pub caf: Option<Sourced<CafIndicator>>,
    pub shield: Option<Shield>,
    /// The record stays past the 18th birthday, up to 25, with the young
    /// person's consent (care leavers, learning difficulties).
    pub extended_to_25: bool,
}

/// Completed years between a date of birth and a day.
pub fn age_on(date_of_birth: Date, today: Date) -> i32 {
    let mut years = today.year() - date_of_birth.year();
    if (today.month() as u8, today.day()) < (date_of_birth.month() as u8, date_of_birth.day()) {
        years -= 1;
    }
    years
}

impl Child {
    pub fn is_shielded(&self) -> bool {
        self.shield.is_some()
    }

    /// An archived record is no longer found or shown to practitioners.
    pub fn is_archived(&self) -> bool {
        matches!(self.status, RecordStatus::Archived { .. })
    }

    /// The child this record was merged into, if it was.
    pub fn merged_into(&self) -> Option<ChildId> {
        match self.status {
            RecordStatus::Merged { into, .. } => Some(into),
            _ => None,
        }
    }

    /// Whether the record is still within the age ContactPoint covers.
    pub fn is_in_scope_on(&self, today: Date) -> bool {
        let limit = if self.extended_to_25 { 25 } else { 18 };
        age_on(self.date_of_birth.value, today) < limit
    }

    pub fn postcode(&self) -> Option<&Postcode> {
        self.address.as_ref().map(|a| a.value.postcode())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn age_turns_on_the_birthday_not_before() {
        let born = date!(2010 - 03 - 15);
        assert_eq!(age_on(born, date!(2028 - 03 - 14)), 17);
        assert_eq!(age_on(born, date!(2028 - 03 - 15)), 18);
    }

    #[test]
    fn a_leap_day_birthday_counts_from_the_first_of_march() {
        let born = date!(2008 - 02 - 29);
        assert_eq!(age_on(born, date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(born, date!(2026 - 03 - 01)), 18);
    }

    #[test]
    fn a_stored_address_is_checked_when_read_back() {
        let json = r#"{"lines":[],"town":null,"postcode":"M1 1AE"}"#;
        assert!(serde_json::from_str::<Address>(json).is_err());
    }

    #[test]
    fn an_address_needs_one_to_four_lines() {
        let postcode = Postcode::parse("M1 1AE").unwrap();
        assert_eq!(
            Address::new(vec![], None, postcode.clone()),
            Err(AddressError::Lines)
        );
        let line = Label::parse("1 High Street").unwrap();
        assert!(Address::new(vec![line], None, postcode).is_ok());
    }
}
