//! The pipeline for feed records against a store: an update when a
//! record's source record is already linked; otherwise candidates by
//! blocking keys, scored, and a link, a review or a new child. Records go a
//! batch at a time, each batch written in one transaction, so an import
//! stopped at any point can run again: what was done reads as unchanged.

use std::borrow::Cow;
use std::io::BufRead;

use contactpoint_domain::{
    ChildId, ContactPointId, FeedFormat, RecordField, ReviewId, ReviewStatus, Source, SourceId,
};
use contactpoint_linkage::{Field, Model, NoTermFrequencies, Score, TermFrequencies};
use contactpoint_store::{Error, MergeUpdate, NameFrequencies, Review, Store};
use time::OffsetDateTime;

use crate::batch::{Batch, Prepared};
use crate::csv_feed::{CsvFeed, FeedError, RowRejection};
use crate::fhir_feed::FhirFeed;
use crate::link::{self, Decision, Thresholds};
use crate::mapping::CsvMapping;
use crate::record::{Action, FeedRecord, Rejection};
use crate::survivorship::{Authority, apply, new_child};

/// What happened to one record, as the import report says it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Its source record was already linked, and it changed the child.
    Updated(ContactPointId),
    /// Its source record was already linked, and it said nothing new.
    Unchanged(ContactPointId),
    /// Linked to a child already known, by its score.
    Linked(ContactPointId, Score),
    New(ContactPointId),
    /// Close to a known child but not surely the same: for a person.
    Review(ContactPointId, Score),
    Rejected(Rejection),
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Updated(_) => "updated",
            Self::Unchanged(_) => "unchanged",
            Self::Linked(..) => "linked",
            Self::New(_) => "new",
            Self::Review(..) => "review",
            Self::Rejected(_) => "rejected",
        }
    }

    /// The ContactPoint ID of the child the record is part of, or was
    /// compared with; none for a rejected record.
    pub fn contactpoint_id(&self) -> Option<ContactPointId> {
        match self {
            Self::Updated(id)
            | Self::Unchanged(id)
            | Self::New(id)
            | Self::Linked(id, _)
            | Self::Review(id, _) => Some(*id),
            Self::Rejected(_) => None,
        }
    }
}

/// Why a record could not be processed at all (the store failed): the
/// import stops, and running it again resumes.
pub type ImportError = Error;

/// How many records an import reads, decides and writes at once: large
/// enough that the store's calls and its transaction are shared by many
/// records, small enough that memory stays flat and a crash redoes little.
/// A page that several updates of a batch touch is written once: 4,000
/// imported 25 % faster than 1,000 at 100,000 children (bench linkage,
/// 4,800-5,000 to 6,150-6,400 records/s), for about 400 MiB more memory.
pub const BATCH: usize = 4_000;

/// How often a batch is decided again when a child it changes was changed
/// meanwhile by another writer.
const RETRIES: usize = 3;

pub struct Importer<'a, S> {
    pub store: &'a S,
    pub model: Model,
    pub thresholds: Thresholds,
    pub authority: &'a dyn Authority,
    /// Decide everything, write nothing.
    pub dry_run: bool,
    /// Numbers new children: a function, so that the CLI can draw them
    /// from the store's sequence.
    pub next_contactpoint_id: &'a (dyn Fn() -> ContactPointId + Send + Sync),
    /// How many records [`Importer::import_all`] takes at once ([`BATCH`]
    /// unless told; at least 1).
    pub batch: usize,
}

impl<'a, S: Store> Importer<'a, S> {
    /// An importer with the default model and thresholds that writes what
    /// it decides, drawing new identifiers at random.
    pub fn new(store: &'a S, authority: &'a dyn Authority) -> Self {
        Self {
            store,
            model: Model::default(),
            thresholds: Thresholds::default(),
            authority,
            dry_run: false,
            next_contactpoint_id: &random_contactpoint_id,
            batch: BATCH,
        }
    }

    /// Imports one record: a batch of one.
    pub async fn import(
        &self,
        record: FeedRecord,
        at: OffsetDateTime,
    ) -> Result<Outcome, ImportError> {
        let mut outcomes = self.import_batch(std::slice::from_ref(&record), at).await?;
        outcomes.pop().ok_or(Error::NotFound)
    }

    /// Imports a batch of records, read in a few store calls and written in
    /// one transaction; a later record sees what an earlier one did. The
    /// outcomes are in the records' order.
    pub async fn import_batch(
        &self,
        records: &[FeedRecord],
        at: OffsetDateTime,
    ) -> Result<Vec<Outcome>, ImportError> {
        let mut attempt = 0;
        loop {
            match self.try_batch(records, at).await {
                // Another writer changed a child meanwhile, or a new
                // identifier was taken: nothing was written; decide again.
                Err(Error::Conflict(_)) if attempt < RETRIES => attempt += 1,
                other => return other,
            }
        }
    }

    async fn try_batch(
        &self,
        records: &[FeedRecord],
        at: OffsetDateTime,
    ) -> Result<Vec<Outcome>, ImportError> {
        let (prepared, batch) = self.read_batch(records, true).await?;
        let (outcomes, batch) = self.place_all(batch, records, &prepared, at).await?;
        if !self.dry_run {
            let (writes, _) = batch.into_writes(received_now());
            self.store.apply_import(&writes).await?;
        }
        // A batch read here holds nothing back: every record has its outcome.
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// Decides every record of a batch, in order, applying each to what
    /// the batch holds: each one's outcome, or `None` for one held back to
    /// the feed's end.
    pub(crate) async fn place_all(
        &self,
        mut batch: Batch,
        records: &[FeedRecord],
        prepared: &[Prepared],
        at: OffsetDateTime,
    ) -> Result<(Vec<Option<Outcome>>, Batch), ImportError> {
        batch.note_households(records);
        let mut outcomes = Vec::with_capacity(records.len());
        for (record, p) in records.iter().zip(prepared) {
            outcomes.push(self.place(&mut batch, record, p, at).await?);
        }
        Ok((outcomes, batch))
    }

    /// Decides one record of a batch and applies it to what the batch
    /// holds; or, when the batch holds back links left unsure, holds it
    /// back (`None`).
    ///
    /// A link is unsure when no NHS number or UPN confirms it and the
    /// forename is not the child's own: a typo, a nickname, or a twin's
    /// like-sounding name, as in the school's Amelie for health's Amelia,
    /// her sister's record not yet read. Held back to the feed's end, such
    /// a record finds the twin's own record linked by then, from the same
    /// source, and goes to review rather than merge two children.
    async fn place(
        &self,
        batch: &mut Batch,
        record: &FeedRecord,
        p: &Prepared,
        at: OffsetDateTime,
    ) -> Result<Option<Outcome>, ImportError> {
        let source_record = &record.source_record;
        if batch.is_held_back(source_record) {
            return Ok(None);
        }
        if let Some(child) = batch.linked(source_record, &p.state) {
            // The same record as last time: nothing to apply, whatever
            // other sources have said since.
            if batch.digest(source_record, &p.state) == Some(p.digest.as_str()) {
                let id = match batch.contactpoint_id(child) {
                    Some(id) => id,
                    None => match p.state.linked {
                        Some((_, id)) => id,
                        None => batch.child(self.store, child).await?.contactpoint_id,
                    },
                };
                return Ok(Some(Outcome::Unchanged(id)));
            }
            let outcome = self.update(batch, child, record, at, None).await?;
            batch.remember(source_record, &p.digest);
            return Ok(Some(outcome));
        }
        if record.action != Action::Upsert {
            return Ok(Some(Outcome::Rejected(Rejection::field(
                "action",
                "a delete or a death for a record never received",
            ))));
        }
        // A record already waiting for a person's decision stays there: it
        // is not decided again on every import.
        let waiting = batch
            .queued_review(source_record)
            .or(p.state.open_review.as_ref());
        if let Some((review, candidate)) = waiting
            && review.record == p.json
        {
            return Ok(Some(Outcome::Unchanged(*candidate)));
        }
        let already_waiting = waiting.is_some();
        let frequencies = p.frequencies.as_ref().map(|f| batch.frequencies(f));
        let tf: &(dyn TermFrequencies + Sync) = match &frequencies {
            Some(f) => f,
            None => &NoTermFrequencies,
        };
        let model = self.model_with(frequencies.as_ref());
        let query = match &p.query {
            Some(query) => Cow::Borrowed(query),
            None => Cow::Owned(link::profile(record)),
        };
        let candidates = batch.candidates(p, |c| link::score(&model, record, &query, c, tf));
        let decision = link::decide_scored(&model, self.thresholds, record, candidates);
        match self.second_from_source(batch, record, decision).await? {
            Decision::Link { score, .. } if batch.holds_back && link::unsure(&score) => {
                batch.hold_back(source_record);
                Ok(None)
            }
            Decision::Link { child, score } => {
                let outcome = self.update(batch, child, record, at, Some(score)).await?;
                batch.remember(source_record, &p.digest);
                Ok(Some(outcome))
            }
            Decision::Review { child, score } => {
                let id = batch.child(self.store, child).await?.contactpoint_id;
                // Already waiting for a decision: nothing new.
                if already_waiting {
                    return Ok(Some(Outcome::Unchanged(id)));
                }
                let review = Review {
                    id: ReviewId::new(),
                    source_record: source_record.clone(),
                    record: p.json.clone(),
                    candidate: child,
                    probability: score.probability(),
                    evidence: evidence_json(&score),
                    received_at: at,
                    status: ReviewStatus::Pending,
                };
                batch.queue_review(review, id);
                Ok(Some(Outcome::Review(id, score)))
            }
            Decision::New => Ok(Some(self.create(batch, record, at, &p.digest))),
            Decision::TooLittle => Ok(Some(Outcome::Rejected(Rejection::TooLittle))),
        }
    }

    /// A source holds one record per child, so a second record from the
    /// same source under a forename spelt otherwise is more likely a brother
    /// or sister (twins given like-sounding names look, field by field, like
    /// one child) than the source's own duplicate: it is linked without a
    /// person only when an NHS number or UPN agrees, and otherwise goes to
    /// review. The same forename, surname and date of birth is a duplicate.
    /// So too a record under a forename spelt otherwise for a child that a
    /// review waiting for a decision names: a twin's record waiting there
    /// and this one are likely one child, and a person decides both; and one
    /// whose source lists, in the same batch, another child of the household
    /// born the same day under another forename: twins, William and Billy,
    /// one of whom the child may be. And, under any forename, one for a
    /// child that a waiting review's record resembles but for its NHS number
    /// or UPN: a twin a feed has given the other's name (Finley listed as
    /// Finn, beside his brother Finn).
    async fn second_from_source(
        &self,
        batch: &mut Batch,
        record: &FeedRecord,
        decision: Decision,
    ) -> Result<Decision, ImportError> {
        let Decision::Link { child, score } = decision else {
            return Ok(decision);
        };
        let identified = link::identified(&score);
        let duplicate = link::same_identity(&score);
        let own = &record.source_record;
        let unsure = link::unsure(&score);
        let second = !identified
            && !duplicate
            && batch
                .child(self.store, child)
                .await?
                .source_records
                .iter()
                .any(|r| r.source == own.source && r.record != own.record);
        let beside_a_waiting_one = unsure && batch.awaits_review(child);
        // Even under the child's own forename: which twin it is, only an
        // identifier can say.
        let beside_a_look_alike = !identified && batch.has_look_alike(child);
        let twin_listed = unsure && batch.has_twin_in_source(record);
        let second = second || beside_a_waiting_one || beside_a_look_alike || twin_listed;
        Ok(if second {
            Decision::Review { child, score }
        } else {
            Decision::Link { child, score }
        })
    }

    /// The model for one record: its prior from how many children there
    /// are, so a match among few says more.
    pub(crate) fn model_for(&self, p: &Prepared) -> Model {
        self.model_with(p.frequencies.as_ref())
    }

    fn model_with(&self, frequencies: Option<&NameFrequencies>) -> Model {
        Model {
            prior_weight: frequencies
                .map_or(self.model.prior_weight, NameFrequencies::prior_weight),
            ..self.model.clone()
        }
    }

    /// A new child from the record, under a fresh identifier (one that
    /// clashes with an identifier in use fails the batch's write, which is
    /// then decided again with new ones).
    fn create(
        &self,
        batch: &mut Batch,
        record: &FeedRecord,
        at: OffsetDateTime,
        digest: &str,
    ) -> Outcome {
        let id = (self.next_contactpoint_id)();
        let Some(child) = new_child(record, ChildId::new(), id, at) else {
            return Outcome::Rejected(Rejection::TooLittle);
        };
        batch.set_child(child);
        batch.remember(&record.source_record, digest);
        Outcome::New(id)
    }

    /// A person's decision on a review: the record describes the candidate
    /// (`same`), or another child. The record is applied accordingly and the
    /// review closed. Run again after a crash, it finds the record already
    /// linked and only closes the review.
    pub async fn decide(
        &self,
        review: &Review,
        same: bool,
        at: OffsetDateTime,
    ) -> Result<Outcome, ImportError> {
        let record: FeedRecord =
            serde_json::from_str(&review.record).map_err(|e| Error::Decode(e.to_string()))?;
        let (prepared, mut batch) = self
            .read_batch(std::slice::from_ref(&record), false)
            .await?;
        let Some(p) = prepared.first() else {
            return Err(Error::NotFound);
        };
        let outcome = match p.state.linked {
            Some((_, id)) => Outcome::Unchanged(id),
            None if same => {
                let candidate = current_record(self.store, review.candidate).await?;
                let outcome = self
                    .update(&mut batch, candidate, &record, at, None)
                    .await?;
                batch.remember(&record.source_record, &p.digest);
                outcome
            }
            None => self.create(&mut batch, &record, at, &p.digest),
        };
        if !self.dry_run {
            let (writes, _) = batch.into_writes(received_now());
            self.store.apply_import(&writes).await?;
        }
        let status = if same {
            ReviewStatus::Linked
        } else {
            ReviewStatus::KeptApart
        };
        self.store.decide_review(review.id, status).await?;
        Ok(outcome)
    }

    async fn update(
        &self,
        batch: &mut Batch,
        child: ChildId,
        record: &FeedRecord,
        at: OffsetDateTime,
        linked_by: Option<Score>,
    ) -> Result<Outcome, ImportError> {
        let current = batch.child(self.store, child).await?;
        let changed = apply(self.authority, current, record, at);
        let id = current.contactpoint_id;
        let unchanged = changed == *current;
        if !unchanged {
            batch.set_child(changed);
        }
        if batch.survives_merge(child) {
            batch.log_for_merge(MergeUpdate {
                survivor: child,
                source_record: record.source_record.clone(),
                record: serde_json::to_string(record).map_err(|e| Error::Decode(e.to_string()))?,
                received_at: at,
            });
        }
        Ok(match (linked_by, unchanged) {
            (Some(score), _) => Outcome::Linked(id, score),
            (None, true) => Outcome::Unchanged(id),
            (None, false) => Outcome::Updated(id),
        })
    }
}

/// The record a child's is now: its own, or, once merged, the one it was
/// merged into (a review may name a record merged since it was queued).
async fn current_record<S: Store>(store: &S, mut id: ChildId) -> Result<ChildId, Error> {
    // Merges never form a cycle; the bound only guards a corrupt store.
    for _ in 0..16 {
        match store.child(id).await?.child.merged_into() {
            Some(into) => id = into,
            None => return Ok(id),
        }
    }
    Err(Error::Decode("a chain of merges too long to follow".into()))
}

/// What a person decided about a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    /// The record is the child the review names: apply it to that child.
    Link,
    /// The record is another child: make a new child from it.
    KeepApart,
    /// Not yet: the review stays open, for more information.
    Defer,
}

/// Why a decision on a review was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ReviewDecisionError {
    #[error("no such review")]
    NotFound,
    #[error("the review was already decided ({}): nothing was changed", .0.as_str())]
    AlreadyDecided(ReviewStatus),
    #[error(transparent)]
    Store(#[from] Error),
}

/// Applies a person's decision to an open review (pending or deferred): a
/// link or a keep-apart through [`Importer::decide`], with authority as the
/// registered sources declare it; a deferral leaves the review open. A
/// review already decided is refused and nothing changes. Returns what
/// happened to the record, `None` when deferred.
pub async fn decide_review<S: Store>(
    store: &S,
    id: ReviewId,
    decision: ReviewDecision,
    at: OffsetDateTime,
) -> Result<Option<Outcome>, ReviewDecisionError> {
    let review = match store.review(id).await {
        Ok(review) => review,
        Err(Error::NotFound) => return Err(ReviewDecisionError::NotFound),
        Err(other) => return Err(other.into()),
    };
    if !matches!(
        review.status,
        ReviewStatus::Pending | ReviewStatus::Deferred
    ) {
        return Err(ReviewDecisionError::AlreadyDecided(review.status));
    }
    let same = match decision {
        ReviewDecision::Link => true,
        ReviewDecision::KeepApart => false,
        ReviewDecision::Defer => {
            store.decide_review(id, ReviewStatus::Deferred).await?;
            return Ok(None);
        }
    };
    let registry = Registry(store.sources().await?);
    let outcome = Importer::new(store, &registry)
        .decide(&review, same, at)
        .await?;
    Ok(Some(outcome))
}

/// A score's evidence as the review queue keeps it.
fn evidence_json(score: &Score) -> String {
    let fields: Vec<serde_json::Value> = score
        .evidence
        .iter()
        .map(|e| serde_json::json!({"field": e.field.as_str(), "level": e.level, "weight": e.weight}))
        .collect();
    serde_json::Value::Array(fields).to_string()
}

/// Whether a review's evidence has an NHS number or UPN differing.
pub(crate) fn distinct_by_identifier(evidence: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Line {
        field: String,
        level: String,
    }
    let identifiers = [Field::NhsNumber.as_str(), Field::Upn.as_str()];
    serde_json::from_str::<Vec<Line>>(evidence).is_ok_and(|lines| {
        lines
            .iter()
            .any(|l| l.level == "different" && identifiers.contains(&l.field.as_str()))
    })
}

/// Authority as the registered sources declare it.
pub struct Registry(pub Vec<Source>);

impl Authority for Registry {
    fn is_authoritative(&self, source: &SourceId, field: RecordField) -> bool {
        self.0
            .iter()
            .any(|s| s.id == *source && s.is_authoritative_for(field))
    }
}

/// A new child's identifier: a random one (the identifier scrambles its
/// number, so random numbers give random-looking identifiers); a clash with
/// one already used is refused by the store and another is drawn.
pub fn random_contactpoint_id() -> ContactPointId {
    let bytes = uuid::Uuid::new_v4();
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes.as_bytes()[..8]);
    ContactPointId::from_sequence(u64::from_le_bytes(first) >> 9)
}

/// The time a feed is received, as the stores keep it (microseconds), so
/// that a record imported twice compares equal to what was stored.
pub fn received_now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

/// The records of a feed in `source`'s format.
pub fn open_feed<'a, R: BufRead + Send + 'a>(
    source: &Source,
    input: R,
) -> Result<Box<dyn Iterator<Item = Result<FeedRecord, RowRejection>> + Send + 'a>, FeedError> {
    Ok(match source.format {
        FeedFormat::Csv => {
            let text = source.mapping.as_deref().unwrap_or_default();
            let mapping =
                CsvMapping::from_toml(text).map_err(|e| FeedError::Mapping(e.to_string()))?;
            Box::new(CsvFeed::new(input, mapping, &source.id)?)
        }
        FeedFormat::FhirNdjson => Box::new(FhirFeed::new(input, &source.id)),
    })
}
