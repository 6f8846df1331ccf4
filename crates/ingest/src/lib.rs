//! Source feed formats and the linking pipeline.
//!
//! Feeds arrive as FHIR R4 NDJSON ([`fhir`]) or as CSV with a declared
//! column mapping ([`mapping`]).

pub mod fhir;
pub mod mapping;

pub use fhir::{FhirLineError, Resource};
pub use mapping::{CarerColumns, ChildColumns, CsvMapping, MappingError, ServiceColumns};
