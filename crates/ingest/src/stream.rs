//! A whole feed through the pipeline, a batch at a time. Each batch is
//! read from the store and decided while the one decided before it is
//! written: the store's reads see every batch before that one, and that
//! one or not, as its write lands; its carry brings them up to date either
//! way, so no outcome depends on when a write lands, and the deciding
//! thread reads and decides while the store writes on the other core.
//! The store may hold back the search keys of every batch but the last
//! (found by this process meanwhile) until the feed ends. Records whose
//! link is left unsure are held back to a second pass at the feed's end.

use contactpoint_store::{Error, ImportWrites, Store};
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::batch::{Batch, Carry, Prepared};
use crate::csv_feed::RowRejection;
use crate::held_back::HeldBack;
use crate::import::{ImportError, Importer, Outcome, received_now};
use crate::record::FeedRecord;
use crate::report::{ReportLine, Summary};

/// Why a feed's import stopped: the store failed, or the records held back
/// to the feed's end could not be kept. Run again, it resumes.
#[derive(Debug, thiserror::Error)]
pub enum FeedImportError {
    #[error(transparent)]
    Store(#[from] Error),
    #[error(
        "cannot keep the records held back to the feed's end in a temporary file ({0}): check the space in the temporary folder (TMPDIR)"
    )]
    HeldBack(#[from] std::io::Error),
}

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

    /// Takes out the records the batch held back (their outcome `None`):
    /// the outcomes of the rest, and the records held back, in order.
    fn take_held_back(
        &mut self,
        outcomes: Vec<Option<Outcome>>,
    ) -> (Vec<Outcome>, Vec<FeedRecord>) {
        let mut placed = std::mem::take(&mut self.records).into_iter().zip(outcomes);
        let mut done = Vec::with_capacity(self.lines.len());
        let mut held = Vec::new();
        let lines = std::mem::take(&mut self.lines);
        for line in lines {
            match line {
                Some(line) => self.lines.push(Some(line)),
                None => match placed.next() {
                    Some((record, Some(outcome))) => {
                        self.lines.push(None);
                        self.records.push(record);
                        done.push(outcome);
                    }
                    Some((record, None)) => held.push(record),
                    None => {}
                },
            }
        }
        (done, held)
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
    /// report line to `each` once its batch is written: in the feed's
    /// order, but for the records whose link was left unsure, held back
    /// and decided at the end (see `Importer::place`). Stops only if the
    /// store fails.
    pub async fn import_all(
        &self,
        records: impl Iterator<Item = Result<FeedRecord, RowRejection>>,
        at: OffsetDateTime,
        mut each: impl FnMut(ReportLine),
    ) -> Result<Summary, FeedImportError> {
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
        let mut held = HeldBack::default();
        self.import_pass(records, at, Some(&mut held), &mut report)
            .await?;
        self.import_pass(held.into_records()?, at, None, &mut report)
            .await?;
        if !self.dry_run {
            self.store.index_held_keys().await?;
        }
        Ok(summary)
    }

    /// One pass over records, a batch at a time; with `held`, the links
    /// left unsure are held back there rather than made.
    async fn import_pass(
        &self,
        records: impl Iterator<Item = Result<FeedRecord, RowRejection>>,
        at: OffsetDateTime,
        mut held: Option<&mut HeldBack>,
        report: &mut impl FnMut(&Chunk, Vec<Outcome>),
    ) -> Result<(), FeedImportError> {
        let mut records = records.peekable();
        // The batch decided last: written while the next is decided.
        let mut decided: Option<Decided> = None;
        loop {
            let chunk = self.next_chunk(&mut records, held.as_deref_mut())?;
            if chunk.records.is_empty() {
                // The feed's end, or only rejected rows: what was decided
                // is written first, so the report keeps the feed's order.
                if let Some(last) = decided.take() {
                    let writing = start_write(self.store, last.chunk, last.outcomes, last.writes);
                    let (chunk, outcomes, _) = self.land(writing, at).await?;
                    report(&chunk, outcomes);
                }
                if chunk.is_empty() {
                    return Ok(());
                }
                report(&chunk, Vec::new());
                continue;
            }
            // The names' counts are read while nothing is written, so that
            // they leave out the batch decided last, whose carry adds its
            // children. Its write then runs while this batch is read and
            // decided: the store may or may not hold it by then, and the
            // carry brings in what it would hold either way.
            let names = self.name_counts(&chunk.records).await?;
            let (writing, carry) = match decided.take() {
                Some(d) => (
                    Some(start_write(self.store, d.chunk, d.outcomes, d.writes)),
                    Some(d.carry),
                ),
                None => (None, None),
            };
            let (mut prepared, mut batch) = self.prepare(&chunk.records, names, true).await?;
            if let Some(carry) = carry {
                batch.absorb(carry, &chunk.records, &mut prepared);
            }
            self.settle(&chunk.records, &mut prepared, &mut batch, true)
                .await?;
            if self.dry_run {
                // Nothing is written, so nothing carries over: each batch
                // of a preview sees the store as it is.
                let mut chunk = chunk;
                let (outcomes, _) = self
                    .place_chunk(&mut chunk, batch, &prepared, at, held.as_deref_mut())
                    .await?;
                report(&chunk, outcomes);
                continue;
            }
            // Only a batch with more after it holds its keys back: a feed
            // of one batch (a push, mostly) has nothing to gather them for.
            let more_follow = records.peek().is_some();
            let mut next = self
                .decide_batch(
                    chunk,
                    batch,
                    &prepared,
                    at,
                    more_follow,
                    held.as_deref_mut(),
                )
                .await?;
            if let Some(writing) = writing {
                let (chunk, outcomes, redone) = self.land(writing, at).await?;
                report(&chunk, outcomes);
                if redone {
                    // Decided on what the batch before would have written:
                    // decided again on what it did. What it held back stays
                    // held back.
                    let (prepared, batch) = self.read_batch(&next.chunk.records, true).await?;
                    next = self
                        .decide_batch(
                            next.chunk,
                            batch,
                            &prepared,
                            at,
                            more_follow,
                            held.as_deref_mut(),
                        )
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

    /// The next [`Importer::batch`] rows of the feed; a record of a
    /// source record held back is held back behind it.
    fn next_chunk(
        &self,
        records: &mut impl Iterator<Item = Result<FeedRecord, RowRejection>>,
        mut held: Option<&mut HeldBack>,
    ) -> std::io::Result<Chunk> {
        let mut chunk = Chunk::default();
        // Records held back behind others do not count: a chunk comes
        // back empty only at the feed's end.
        while chunk.lines.len() < self.batch.max(1) {
            let Some(record) = records.next() else {
                break;
            };
            match record {
                Ok(record) => match held.as_deref_mut() {
                    Some(held) if held.holds(&record.source_record) => held.hold(&record)?,
                    _ => {
                        chunk.lines.push(None);
                        chunk.records.push(record);
                    }
                },
                Err(rejection) => chunk.lines.push(Some(ReportLine::rejected(rejection))),
            }
        }
        Ok(chunk)
    }

    /// Decides a batch: its outcomes, what it writes, and what it tells
    /// the next.
    async fn decide_batch(
        &self,
        mut chunk: Chunk,
        batch: Batch,
        prepared: &[Prepared],
        at: OffsetDateTime,
        more_follow: bool,
        held: Option<&mut HeldBack>,
    ) -> Result<Decided, FeedImportError> {
        let (outcomes, batch) = self
            .place_chunk(&mut chunk, batch, prepared, at, held)
            .await?;
        let (mut writes, carry) = batch.into_writes(received_now());
        writes.more_follow = more_follow;
        Ok(Decided {
            chunk,
            outcomes,
            writes,
            carry,
        })
    }

    /// Places a chunk's records; with `held`, the links left unsure are
    /// taken out of the chunk and held back there. The outcomes of the
    /// records left.
    async fn place_chunk(
        &self,
        chunk: &mut Chunk,
        mut batch: Batch,
        prepared: &[Prepared],
        at: OffsetDateTime,
        held: Option<&mut HeldBack>,
    ) -> Result<(Vec<Outcome>, Batch), FeedImportError> {
        batch.holds_back = held.is_some();
        let (outcomes, batch) = self.place_all(batch, &chunk.records, prepared, at).await?;
        let (outcomes, held_back) = chunk.take_held_back(outcomes);
        if let Some(held) = held {
            for record in &held_back {
                held.hold(record)?;
            }
        }
        Ok((outcomes, batch))
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
