//! Synthetic children and the noisy source feeds that describe them.
//!
//! [`Population`] draws a deterministic population of households from the
//! compiled-in reference tables; [`write_feeds`] turns it into the three
//! source feeds (health FHIR, school census CSV, local authority CSV), their
//! column mappings, and a truth file saying which child each record is.
//! Everything streams, so memory stays flat at national scale.

mod census;
mod feeds;
mod health;
mod noise;
mod places;
mod population;
mod queries;
mod reference;
mod services;
mod view;

use std::path::PathBuf;

pub use feeds::write_feeds;
pub use population::Population;
pub use queries::{NoisyQuery, QueryKind, make_query};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How many children in total; the last household may be cut short.
    pub children: u64,
    /// Same seed, same files, byte for byte.
    pub seed: u64,
    /// The day the data describes: every child is under 18 on it.
    pub as_of: time::Date,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("reference table {file}, line {line}: {reason}")]
    Reference {
        file: &'static str,
        line: usize,
        reason: String,
    },
    #[error("the as-of date is too early to have children under 18")]
    Date,
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not write {path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("could not write {path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("could not write the mapping {path}: {source}")]
    Mapping {
        path: PathBuf,
        #[source]
        source: contactpoint_ingest::MappingError,
    },
}

#[cfg(test)]
mod tests;
