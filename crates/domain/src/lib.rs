//! ContactPoint's domain: what is held about a child and the rules on it.
//!
//! This crate does no I/O. Values that can be wrong are newtypes whose
//! constructors check them, so an invalid NHS number, postcode or name cannot
//! exist past construction.

mod carer;
mod child;
mod identifiers;
mod involvement;
mod provenance;
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
pub use provenance::{
    Provenance, SourceId, SourceIdError, SourceRecordId, SourceRecordIdError, SourceRecordRef,
    Sourced,
};
pub use text::{Email, EmailError, Label, Name, PhoneNumber, TextError};
