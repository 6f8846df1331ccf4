//! ContactPoint's domain: what is held about a child and the rules on it.
//!
//! This crate does no I/O. Values that can be wrong are newtypes whose
//! constructors check them, so an invalid NHS number, postcode or name cannot
//! exist past construction.

/// The conversions every checked string type shares: it reads as `&str`,
/// prints as itself, and converts from `String` (as serde does) only through
/// its `parse`, so a stored or received value is checked like a typed one.
macro_rules! checked_string {
    ($name:ident, $error:ty) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use checked_string;

mod carer;
mod child;
mod identifiers;
mod involvement;
mod merge;
mod provenance;
mod review;
mod search;
mod source;
mod text;

pub use carer::{Carer, ContactDetails, Relationship};
pub use child::{
    Address, AddressError, Child, ChildId, Gender, PersonName, RecordStatus, Shield, age_on,
};
pub use identifiers::{
    ContactPointId, ContactPointIdError, NhsNumber, NhsNumberError, Postcode, PostcodeError, Upn,
    UpnError,
};
pub use involvement::{
    CafIndicator, Consent, ConsentGiver, Involvement, InvolvementError, Organisation, Practitioner,
    SensitiveInvolvement, SensitiveServiceKind, Service, ServiceKind,
};
pub use merge::MergeId;
pub use provenance::{
    Provenance, SourceId, SourceIdError, SourceRecordId, SourceRecordIdError, SourceRecordRef,
    Sourced,
};
pub use review::{ReviewId, ReviewStatus};
pub use search::{BirthDateQuery, SearchError, SearchField, SearchInput, SearchQuery};
pub use source::{
    Coverage, CredentialHash, FeedFormat, LocalAuthorityCode, RecordField, Source, SourceError,
};
pub use text::{Email, EmailError, Label, Name, PhoneNumber, TextError};
