//! Identifiers that arrive from outside and carry their own check rules.
//!
//! Each is a newtype with a private field: once constructed it is valid, so
//! nothing downstream re-checks it.

mod contactpoint_id;
mod nhs_number;
mod postcode;
mod upn;

pub use contactpoint_id::{ContactPointId, ContactPointIdError};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use postcode::{Postcode, PostcodeError};
pub use upn::{Upn, UpnError};

/// Removes the spaces and hyphens people type inside identifiers.
fn compact(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}
