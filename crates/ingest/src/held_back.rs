//! Records whose link is left unsure, held back to the end of a feed (see
//! `Importer::place`). They wait in a temporary file, which the system
//! removes however the process ends, so an import's memory stays flat in
//! the size of its feed; only their source record ids stay in memory, so
//! that a later record of one is held back behind it.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

use contactpoint_domain::SourceRecordRef;

use crate::csv_feed::RowRejection;
use crate::record::{FeedRecord, Rejection};

#[derive(Default)]
pub(crate) struct HeldBack {
    /// Made with the first record held back: most pushes hold none.
    file: Option<BufWriter<File>>,
    held: HashSet<SourceRecordRef>,
}

impl HeldBack {
    pub fn hold(&mut self, record: &FeedRecord) -> io::Result<()> {
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        serde_json::to_writer(&mut *file, record)?;
        file.write_all(b"\n")?;
        self.held.insert(record.source_record.clone());
        Ok(())
    }

    pub fn holds(&self, record: &SourceRecordRef) -> bool {
        self.held.contains(record)
    }

    /// The records held back, in the order they were held.
    pub fn into_records(
        self,
    ) -> io::Result<impl Iterator<Item = Result<FeedRecord, RowRejection>> + Send> {
        let file = match self.file {
            Some(file) => {
                let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.seek(SeekFrom::Start(0))?;
                Some(BufReader::new(file))
            }
            None => None,
        };
        Ok(file
            .into_iter()
            .flat_map(BufRead::lines)
            .enumerate()
            .map(|(n, line)| {
                // Only a failing disk makes a record written here unreadable:
                // it is reported rejected, for the source to send again.
                let unreadable = |problem: String| RowRejection {
                    line: n as u64 + 1,
                    record_id: None,
                    reason: Rejection::field(
                        "record",
                        format!("held back to the feed's end and lost ({problem}): send it again"),
                    ),
                };
                let line = line.map_err(|e| unreadable(e.to_string()))?;
                serde_json::from_str(&line).map_err(|e| unreadable(e.to_string()))
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contactpoint_domain::{Name, SourceId, SourceRecordId};

    fn record(id: &str) -> FeedRecord {
        let mut record = FeedRecord::new(SourceRecordRef {
            source: SourceId::parse("school-census").unwrap(),
            record: SourceRecordId::parse(id).unwrap(),
        });
        record.given_name = Some(Name::parse("Amelie").unwrap());
        record
    }

    #[test]
    fn records_held_back_come_back_whole_and_in_order() {
        let mut held = HeldBack::default();
        let (first, second) = (record("S1"), record("S2"));
        held.hold(&first).unwrap();
        held.hold(&second).unwrap();

        assert!(held.holds(&first.source_record));
        assert!(!held.holds(&record("S3").source_record));
        let back: Vec<FeedRecord> = held.into_records().unwrap().map(Result::unwrap).collect();
        assert_eq!(back, [first, second]);
    }

    #[test]
    fn nothing_held_back_reads_as_nothing() {
        assert_eq!(HeldBack::default().into_records().unwrap().count(), 0);
    }
}
