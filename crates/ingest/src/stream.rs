//! A whole feed through the pipeline, a batch at a time. Each batch is
//! read from the store while the one before is being written, so the
//! store's reads and its writes (on SQLite, each on its own connection and
//! thread) overlap; what the written batch did is then carried into the
//! next one before anything is decided, so no outcome depends on when the
//! write landed. The store may hold back the search keys of every batch
//! but the last (found by this process meanwhile) until the feed ends.

use contactpoint_store::{Error, ImportWrites, Store};
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::batch::{Batch, Carry, Prepared};
use crate::csv_feed::RowRejection;
use crate::import::{ImportError, Importer, Outcome, received_now};
use crate::record::FeedRecord;
use crate::report::{ReportLine, Summary};

/// A batch's records, and the feed's rejected rows among them in place.
#[derive(Default)]
struct Chunk {
    /// One per row: a rejected row's line, or `None` for a record.
    lines: Vec<Option<ReportLine>>,
    records: Vec<FeedRecord>,
}

impl Chunk {
    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// A batch decided and being written.
struct Writing {
    chunk: Chunk,
    outcomes: Vec<Outcome>,
    write: JoinHandle<Result<(), Error>>,
    carry: Carry,
}

/// What the batch before left for the one to decide next.
enum Before {
    /// Nothing: this is the first.
    Nothing,
    /// It was written as decided.
    Written(Box<Carry>),
    /// It was decided and written again (another writer changed one of its
    /// children): what was read meanwhile is out of date.
    Redone,
}

impl<S: Store> Importer<'_, S> {
    /// Imports every record of a feed a batch at a time, handing each
    /// report line to `each` in the feed's order once its batch is
    /// written; stops only if the store fails.
    pub async fn import_all(
        &self,
        records: impl Iterator<Item = Result<FeedRecord, RowRejection>>,
        at: OffsetDateTime,
        mut each: impl FnMut(ReportLine),
    ) -> Result<Summary, ImportError> {
        let mut summary = Summary::default();
        let mut report = |chunk: &Chunk, outcomes: Vec<Outcome>| {
            for line in lines(chunk, outcomes) {
                summary.count(&line);
                each(line);
            }
        };
        if !self.dry_run {
            // Keys an interrupted import held back would go unfound.
            self.store.index_held_keys().await?;
        }
        let mut records = records.peekable();
        let mut writing: Option<Writing> = None;
        loop {
            let chunk = self.next_chunk(&mut records);
            // Read while the batch before is written.
            let read = match chunk.records.is_empty() {
                true => None,
                false => Some(self.prepare(&chunk.records, true).await),
            };
            let before = match writing.take() {
                None => Before::Nothing,
                Some(w) => match finish(w.write).await {
                    Ok(()) => {
                        report(&w.chunk, w.outcomes);
                        Before::Written(Box::new(w.carry))
                    }
                    Err(Error::Conflict(_)) => {
                        let outcomes = self.import_batch(&w.chunk.records, at).await?;
                        report(&w.chunk, outcomes);
                        Before::Redone
                    }
                    Err(other) => return Err(other),
                },
            };
            if chunk.is_empty() {
                if !self.dry_run {
                    self.store.index_held_keys().await?;
                }
                return Ok(summary);
            }
            let Some(read) = read else {
                // Only rejected rows: nothing to decide or write.
                report(&chunk, Vec::new());
                continue;
            };
            let (mut prepared, mut batch) = match before {
                Before::Nothing => read?,
                Before::Written(carry) => {
                    let (mut prepared, mut batch) = read?;
                    batch.absorb(*carry, &chunk.records, &mut prepared);
                    (prepared, batch)
                }
                Before::Redone => self.prepare(&chunk.records, true).await?,
            };
            self.settle(&chunk.records, &mut prepared, &mut batch, true)
                .await?;
            if self.dry_run {
                // Nothing is written, so nothing carries over: each batch
                // of a preview sees the store as it is.
                let (outcomes, _) = self.place_all(batch, &chunk.records, &prepared, at).await?;
                report(&chunk, outcomes);
                continue;
            }
            // Only a batch with more after it holds its keys back: a feed
            // of one batch (a push, mostly) has nothing to gather them for.
            let more_follow = records.peek().is_some();
            writing = Some(
                self.decide_and_write(chunk, batch, &prepared, at, more_follow)
                    .await?,
            );
        }
    }

    /// The next [`Importer::batch`] rows of the feed.
    fn next_chunk(
        &self,
        records: &mut impl Iterator<Item = Result<FeedRecord, RowRejection>>,
    ) -> Chunk {
        let mut chunk = Chunk::default();
        for record in records.take(self.batch.max(1)) {
            match record {
                Ok(record) => {
                    chunk.lines.push(None);
                    chunk.records.push(record);
                }
                Err(rejection) => chunk.lines.push(Some(ReportLine::rejected(rejection))),
            }
        }
        chunk
    }

    /// Decides a batch and starts writing it.
    async fn decide_and_write(
        &self,
        chunk: Chunk,
        batch: Batch,
        prepared: &[Prepared],
        at: OffsetDateTime,
        more_follow: bool,
    ) -> Result<Writing, ImportError> {
        let (outcomes, batch) = self.place_all(batch, &chunk.records, prepared, at).await?;
        let (mut writes, carry) = batch.into_writes(received_now());
        writes.more_follow = more_follow;
        Ok(Writing {
            chunk,
            outcomes,
            write: spawn_write(self.store.clone(), writes),
            carry,
        })
    }
}

fn spawn_write<S: Store>(store: S, writes: ImportWrites) -> JoinHandle<Result<(), Error>> {
    tokio::spawn(async move { store.apply_import(&writes).await })
}

async fn finish(write: JoinHandle<Result<(), Error>>) -> Result<(), Error> {
    match write.await {
        Ok(written) => written,
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        Err(_) => Err(Error::Unavailable(
            "the import's write was cancelled as the program stopped".into(),
        )),
    }
}

/// A batch's report lines in the feed's order: each rejected row's, and
/// each record's outcome.
fn lines(chunk: &Chunk, outcomes: Vec<Outcome>) -> Vec<ReportLine> {
    let mut placed = chunk.records.iter().zip(outcomes);
    chunk
        .lines
        .iter()
        .filter_map(|line| match line {
            Some(line) => Some(line.clone()),
            None => placed.next().map(|(record, outcome)| {
                ReportLine::of(record.source_record.record.as_str(), &outcome)
            }),
        })
        .collect()
}
