//! The pipeline for one feed record against a store: an update when its
//! source record is already linked; otherwise candidates by blocking keys,
//! scored, and a link, a review or a new child. Each record is written in
//! one store call, so an import stopped at any point can run again: what
//! was done reads as unchanged.

use std::io::BufRead;

use contactpoint_domain::{
    ChildId, ContactPointId, FeedFormat, RecordField, ReviewId, ReviewStatus, Source, SourceId,
};
use contactpoint_linkage::{
    KeySource, Model, NoTermFrequencies, Score, TermFrequencies, blocking_keys,
};
use contactpoint_store::{Error, NameFrequencies, Review, Store};
use time::OffsetDateTime;

use crate::csv_feed::{CsvFeed, FeedError, RowRejection};
use crate::fhir_feed::FhirFeed;
use crate::link::{self, Decision, LinkCandidate, Thresholds};
use crate::mapping::CsvMapping;
use crate::record::{Action, FeedRecord, Rejection};
use crate::report::{ReportLine, Summary};
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
}

/// Why a record could not be processed at all (the store failed): the
/// import stops, and running it again resumes.
pub type ImportError = Error;

/// How many candidates are scored, and how many of the best are weighed
/// for the decision.
const CANDIDATES: usize = 50;
const BEST: usize = 3;

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
        }
    }

    pub async fn import(
        &self,
        record: FeedRecord,
        at: OffsetDateTime,
    ) -> Result<Outcome, ImportError> {
        // The record as JSON, once: its digest, and what a review keeps.
        let json = serde_json::to_string(&record).map_err(|e| Error::Decode(e.to_string()))?;
        let digest = digest(&json);
        if let Some(child) = self
            .store
            .child_by_source_record(&record.source_record)
            .await?
        {
            // The same record as last time: nothing to apply, whatever
            // other sources have said since.
            let last = self.store.record_digest(&record.source_record).await?;
            if last.as_deref() == Some(digest.as_str()) {
                let stored = self.store.child(child).await?;
                return Ok(Outcome::Unchanged(stored.child.contactpoint_id));
            }
            let outcome = self.update(child, &record, at, None).await?;
            self.remember(&record, &digest).await?;
            return Ok(outcome);
        }
        if record.action != Action::Upsert {
            return Ok(Outcome::Rejected(Rejection::field(
                "action",
                "a delete or a death for a record never received",
            )));
        }
        // A record already waiting for a person's decision stays there: it
        // is not decided again on every import.
        if let Some(waiting) = self.store.open_review(&record.source_record).await?
            && json == waiting.record
        {
            let candidate = self.store.child(waiting.candidate).await?;
            return Ok(Outcome::Unchanged(candidate.child.contactpoint_id));
        }
        // How common the record's names are, and how many children there
        // are: a match on a rare name, among few children, says more.
        let frequencies = match &record.family_name {
            Some(family) => Some(
                NameFrequencies::read(
                    self.store,
                    family.as_str(),
                    record.given_name.as_ref().map(|n| n.as_str()),
                )
                .await?,
            ),
            None => None,
        };
        let model = Model {
            prior_weight: frequencies
                .as_ref()
                .map_or(self.model.prior_weight, NameFrequencies::prior_weight),
            ..self.model.clone()
        };
        let tf: &(dyn TermFrequencies + Sync) = match &frequencies {
            Some(f) => f,
            None => &NoTermFrequencies,
        };
        let candidates = self.candidates(&model, &record, tf).await?;
        match link::decide(&model, self.thresholds, &record, &candidates, tf) {
            Decision::Link { child, score } => {
                let outcome = self.update(child, &record, at, Some(score)).await?;
                self.remember(&record, &digest).await?;
                Ok(outcome)
            }
            Decision::Review { child, score } => {
                let stored = self.store.child(child).await?;
                let id = stored.child.contactpoint_id;
                if self.dry_run {
                    return Ok(Outcome::Review(id, score));
                }
                let review = Review {
                    id: ReviewId::new(),
                    source_record: record.source_record.clone(),
                    record: json,
                    candidate: child,
                    probability: score.probability(),
                    evidence: evidence_json(&score),
                    received_at: at,
                    status: ReviewStatus::Pending,
                };
                // Already waiting for a decision: nothing new.
                if self.store.add_review(&review).await? {
                    Ok(Outcome::Review(id, score))
                } else {
                    Ok(Outcome::Unchanged(id))
                }
            }
            Decision::New => self.create(&record, at, &digest).await,
            Decision::TooLittle => Ok(Outcome::Rejected(Rejection::TooLittle)),
        }
    }

    /// Records what the source record said, once it is applied (after,
    /// never before: a crash between the two only means the record is
    /// applied again next time, to the same effect).
    async fn remember(&self, record: &FeedRecord, digest: &str) -> Result<(), ImportError> {
        if self.dry_run {
            return Ok(());
        }
        self.store
            .set_record_digest(&record.source_record, digest)
            .await
    }

    /// Imports every record of a feed, handing each report line to
    /// `each` as it is made; stops only if the store fails.
    pub async fn import_all(
        &self,
        records: impl Iterator<Item = Result<FeedRecord, RowRejection>>,
        at: OffsetDateTime,
        mut each: impl FnMut(ReportLine),
    ) -> Result<Summary, ImportError> {
        let mut summary = Summary::default();
        for record in records {
            let line = match record {
                Ok(record) => {
                    let id = record.source_record.record.to_string();
                    let outcome = self.import(record, at).await?;
                    ReportLine::of(&id, &outcome)
                }
                Err(rejection) => ReportLine::rejected(rejection),
            };
            summary.count(&line);
            each(line);
        }
        Ok(summary)
    }

    /// A new child from the record, under a fresh identifier.
    async fn create(
        &self,
        record: &FeedRecord,
        at: OffsetDateTime,
        digest: &str,
    ) -> Result<Outcome, ImportError> {
        // A new identifier that clashes with one in use is refused by the
        // store; another is drawn.
        let mut attempts = 0;
        loop {
            let id = (self.next_contactpoint_id)();
            let Some(child) = new_child(record, ChildId::new(), id, at) else {
                return Ok(Outcome::Rejected(Rejection::TooLittle));
            };
            if self.dry_run {
                return Ok(Outcome::New(id));
            }
            match self
                .store
                .insert_children(std::slice::from_ref(&child))
                .await
            {
                Ok(()) => {
                    self.remember(record, digest).await?;
                    return Ok(Outcome::New(id));
                }
                Err(Error::Conflict(_)) if attempts < 3 => attempts += 1,
                Err(other) => return Err(other),
            }
        }
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
        let digest = digest(&review.record);
        let outcome = match self
            .store
            .child_by_source_record(&record.source_record)
            .await?
        {
            Some(child) => {
                let stored = self.store.child(child).await?;
                Outcome::Unchanged(stored.child.contactpoint_id)
            }
            None if same => {
                let outcome = self.update(review.candidate, &record, at, None).await?;
                self.remember(&record, &digest).await?;
                outcome
            }
            None => self.create(&record, at, &digest).await?,
        };
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
        child: ChildId,
        record: &FeedRecord,
        at: OffsetDateTime,
        linked_by: Option<Score>,
    ) -> Result<Outcome, ImportError> {
        let stored = self.store.child(child).await?;
        let changed = apply(self.authority, &stored.child, record, at);
        let id = stored.child.contactpoint_id;
        if changed == stored.child {
            return Ok(match linked_by {
                Some(score) => Outcome::Linked(id, score),
                None => Outcome::Unchanged(id),
            });
        }
        if !self.dry_run {
            self.store.update_child(&changed, stored.version).await?;
        }
        Ok(match linked_by {
            Some(score) => Outcome::Linked(id, score),
            None => Outcome::Updated(id),
        })
    }

    /// Children sharing a blocking key with the record, scored with their
    /// NHS number and UPN; the best few.
    async fn candidates(
        &self,
        model: &Model,
        record: &FeedRecord,
        tf: &(dyn TermFrequencies + Sync),
    ) -> Result<Vec<LinkCandidate>, ImportError> {
        let forenames: Vec<&str> = record
            .given_name
            .iter()
            .chain(&record.preferred_given_name)
            .map(|n| n.as_str())
            .collect();
        let surnames: Vec<&str> = record
            .family_name
            .iter()
            .chain(&record.former_family_name)
            .map(|n| n.as_str())
            .collect();
        let postcode = record
            .address
            .as_ref()
            .map(|a| a.postcode().as_str().to_owned());
        let source = KeySource {
            forenames,
            surnames,
            date_of_birth: record
                .date_of_birth
                .map(|d| (d.year(), u8::from(d.month()), d.day())),
            birth_year: None,
            postcodes: postcode.iter().map(String::as_str).collect(),
        };
        let mut keys: Vec<i64> = blocking_keys(&source).iter().map(|k| k.hash).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let query = link::profile(record);
        let mut scored: Vec<(f64, LinkCandidate)> = self
            .store
            .candidates(&keys, 1, CANDIDATES)
            .await?
            .into_iter()
            .map(|c| {
                let candidate = LinkCandidate {
                    child: c.summary.child_id,
                    profile: c.profile,
                    nhs_number: c.nhs_number,
                    upn: c.upn,
                };
                let weight = link::score(model, record, &query, &candidate, tf).weight;
                (weight, candidate)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(BEST);
        Ok(scored.into_iter().map(|(_, c)| c).collect())
    }
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

/// A short digest of everything a record says, from its JSON.
fn digest(json: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(json.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
