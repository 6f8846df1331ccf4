//! A whole feed through the pipeline, a batch at a time. Each batch is
//! read from the store before the one decided before it is written, and
//! decided while that one is written: the store's reads see every batch
//! but the last decided, whose carry brings them up to date, so no
//! outcome depends on when a write lands, and the deciding thread (the one
//! that limits an import) works while the store writes on the other core.
//! The store may hold back the search keys of every batch but the last
//! (found by this process meanwhile) until the feed ends.

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

/// A batch decided, not yet written.
struct Decided {
    chunk: Chunk,
    outcomes: Vec<Outcome>,
    writes: ImportWrites,
    carry: Carry,
}

/// A batch decided and being written.
struct Writing {
    chunk: Chunk,
    outcomes: Vec<Outcome>,
    write: JoinHandle<Result<(), Error>>,
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
        // The batch decided last: written while the next is decided.
        let mut decided: Option<Decided> = None;
        loop {
            let chunk = self.next_chunk(&mut records);
            if chunk.records.is_empty() {
                // The feed's end, or only rejected rows: what was decided
                // is written first, so the report keeps the feed's order.
                if let Some(last) = decided.take() {
                    let writing = start_write(self.store, last.chunk, last.outcomes, last.writes);
                    let (chunk, outcomes, _) = self.land(writing, at).await?;
                    report(&chunk, outcomes);
                }
                if chunk.is_empty() {
                    if !self.dry_run {
                        self.store.index_held_keys().await?;
                    }
                    return Ok(summary);
                }
                report(&chunk, Vec::new());
                continue;
            }
            // Read while nothing is written: the store holds every batch
            // but the one decided last, which its carry brings in.
            let (mut prepared, mut batch) = self.prepare(&chunk.records, true).await?;
            let before = decided.take().map(|d| {
                batch.absorb(d.carry, &chunk.records, &mut prepared);
                (d.chunk, d.outcomes, d.writes)
            });
            self.settle(&chunk.records, &mut prepared, &mut batch, true)
                .await?;
            if self.dry_run {
                // Nothing is written, so nothing carries over: each batch
                // of a preview sees the store as it is.
                let (outcomes, _) = self.place_all(batch, &chunk.records, &prepared, at).await?;
                report(&chunk, outcomes);
                continue;
            }
            let writing = before
                .map(|(chunk, outcomes, writes)| start_write(self.store, chunk, outcomes, writes));
            // Only a batch with more after it holds its keys back: a feed
            // of one batch (a push, mostly) has nothing to gather them for.
            let more_follow = records.peek().is_some();
            let mut next = self
                .decide_batch(chunk, batch, &prepared, at, more_follow)
                .await?;
            if let Some(writing) = writing {
                let (chunk, outcomes, redone) = self.land(writing, at).await?;
                report(&chunk, outcomes);
                if redone {
                    // Decided on what the batch before would have written:
                    // decided again on what it did.
                    let (prepared, batch) = self.read_batch(&next.chunk.records, true).await?;
                    next = self
                        .decide_batch(next.chunk, batch, &prepared, at, more_follow)
                        .await?;
                }
            }
            decided = Some(next);
        }
    }

    /// Waits for a batch's write; if another writer changed one of its
    /// children meanwhile, nothing was written, and the batch is decided
    /// and written again. Its chunk and outcomes, to report, and whether it
    /// was redone.
    async fn land(
        &self,
        writing: Writing,
        at: OffsetDateTime,
    ) -> Result<(Chunk, Vec<Outcome>, bool), ImportError> {
        match finish(writing.write).await {
            Ok(()) => Ok((writing.chunk, writing.outcomes, false)),
            Err(Error::Conflict(_)) => {
                let outcomes = self.import_batch(&writing.chunk.records, at).await?;
                Ok((writing.chunk, outcomes, true))
            }
            Err(other) => Err(other),
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

    /// Decides a batch: its outcomes, what it writes, and what it tells
    /// the next.
    async fn decide_batch(
        &self,
        chunk: Chunk,
        batch: Batch,
        prepared: &[Prepared],
        at: OffsetDateTime,
        more_follow: bool,
    ) -> Result<Decided, ImportError> {
        let (outcomes, batch) = self.place_all(batch, &chunk.records, prepared, at).await?;
        let (mut writes, carry) = batch.into_writes(received_now());
        writes.more_follow = more_follow;
        Ok(Decided {
            chunk,
            outcomes,
            writes,
            carry,
        })
    }
}

fn start_write<S: Store>(
    store: &S,
    chunk: Chunk,
    outcomes: Vec<Outcome>,
    writes: ImportWrites,
) -> Writing {
    let store = store.clone();
    Writing {
        chunk,
        outcomes,
        write: tokio::spawn(async move { store.apply_import(&writes).await }),
    }
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
