//! The import report: one line per record, the same from the command line
//! (CSV) and from the push API (JSON).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::csv_feed::RowRejection;
use crate::import::Outcome;

/// The report's columns, in order.
pub const REPORT_HEADER: [&str; 5] = [
    "source_record_id",
    "outcome",
    "contactpoint_id",
    "score",
    "reason",
];

/// One record's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportLine {
    pub source_record_id: String,
    pub outcome: &'static str,
    pub contactpoint_id: String,
    /// The match probability of a link or a review, to four places.
    pub score: String,
    pub reason: String,
}

impl ReportLine {
    pub fn of(source_record_id: &str, outcome: &Outcome) -> Self {
        let (id, score, reason) = match outcome {
            Outcome::Updated(id) | Outcome::Unchanged(id) | Outcome::New(id) => {
                (id.to_string(), String::new(), String::new())
            }
            Outcome::Linked(id, score) | Outcome::Review(id, score) => (
                id.to_string(),
                format!("{:.4}", score.probability()),
                String::new(),
            ),
            Outcome::Rejected(reason) => (String::new(), String::new(), reason.to_string()),
        };
        Self {
            source_record_id: source_record_id.to_owned(),
            outcome: outcome.as_str(),
            contactpoint_id: id,
            score,
            reason,
        }
    }

    pub fn rejected(rejection: RowRejection) -> Self {
        Self {
            source_record_id: rejection.record_id.unwrap_or_default(),
            outcome: "rejected",
            contactpoint_id: String::new(),
            score: String::new(),
            reason: format!("line {}: {}", rejection.line, rejection.reason),
        }
    }

    pub fn fields(&self) -> [&str; 5] {
        [
            &self.source_record_id,
            self.outcome,
            &self.contactpoint_id,
            &self.score,
            &self.reason,
        ]
    }
}

/// How many records had each outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Summary(pub BTreeMap<&'static str, u64>);

impl Summary {
    pub fn count(&mut self, line: &ReportLine) {
        *self.0.entry(line.outcome).or_default() += 1;
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}
