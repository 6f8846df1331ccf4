//! Source feed formats and the linking pipeline.
//!
//! Feeds arrive as FHIR R4 NDJSON ([`fhir`]) or as CSV with a declared
//! column mapping ([`mapping`]).

mod batch;
mod csv_feed;
mod estimation;
pub mod fhir;
mod fhir_feed;
mod held_back;
mod import;
mod link;
pub mod mapping;
mod merge;
mod read_ahead;
mod record;
mod report;
mod stream;
mod survivorship;

pub use csv_feed::{CsvFeed, FeedError, RowRejection};
pub use estimation::SAMPLE as ESTIMATION_SAMPLE;
pub use fhir::{FhirLineError, Resource};
pub use fhir_feed::FhirFeed;
pub use import::{
    BATCH, ImportError, Importer, Outcome, Registry, ReviewDecision, ReviewDecisionError,
    decide_review, open_feed, random_contactpoint_id, received_now,
};
pub use link::{Decision, LinkCandidate, Thresholds, decide, profile};
pub use mapping::{CarerColumns, ChildColumns, CsvMapping, MappingError, ServiceColumns};
pub use merge::{MergeError, Merged, Side, Unmerged, absorb, merge_children, unmerge};
pub use read_ahead::{ReadAhead, read_ahead};
pub use record::{Action, FeedRecord, Rejection};
pub use report::{REPORT_HEADER, ReportLine, Summary};
pub use stream::FeedImportError;
pub use survivorship::{Authority, NoAuthority, apply, new_child};
