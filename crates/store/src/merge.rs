//! A merge and its log as both backends store them.

use contactpoint_domain::{ChildId, MergeId, SourceId, SourceRecordId, SourceRecordRef};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Error, Merge, MergeUpdate, Result};

/// The columns of `merges`, for `concat!` into a statement (sqlx takes
/// only static statements).
macro_rules! merge_columns {
    () => {
        "id, survivor_id, absorbed_id, survivor_version, absorbed_version, merged_at, undone_at"
    };
}
pub(crate) use merge_columns;

/// A row of `merges`.
#[derive(sqlx::FromRow)]
pub(crate) struct MergeRow {
    id: Uuid,
    survivor_id: Uuid,
    absorbed_id: Uuid,
    survivor_version: i32,
    absorbed_version: i32,
    merged_at: OffsetDateTime,
    undone_at: Option<OffsetDateTime>,
}

impl From<MergeRow> for Merge {
    fn from(row: MergeRow) -> Self {
        Self {
            id: MergeId::from_uuid(row.id),
            survivor: ChildId::from_uuid(row.survivor_id),
            absorbed: ChildId::from_uuid(row.absorbed_id),
            survivor_version: row.survivor_version,
            absorbed_version: row.absorbed_version,
            merged_at: row.merged_at,
            undone_at: row.undone_at,
        }
    }
}

/// A row of `merge_updates`.
#[derive(sqlx::FromRow)]
pub(crate) struct MergeUpdateRow {
    seq: i64,
    survivor_id: Uuid,
    source: String,
    record_id: String,
    record: String,
    received_at: OffsetDateTime,
}

impl MergeUpdateRow {
    pub fn decode(self) -> Result<(i64, MergeUpdate)> {
        let decode = |e: &dyn std::fmt::Display| Error::Decode(e.to_string());
        Ok((
            self.seq,
            MergeUpdate {
                survivor: ChildId::from_uuid(self.survivor_id),
                source_record: SourceRecordRef {
                    source: SourceId::parse(&self.source).map_err(|e| decode(&e))?,
                    record: SourceRecordId::parse(&self.record_id).map_err(|e| decode(&e))?,
                },
                record: self.record,
                received_at: self.received_at,
            },
        ))
    }
}
