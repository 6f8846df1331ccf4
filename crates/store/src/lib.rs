//! Where ContactPoint keeps its records: one [`Store`] trait, a backend per
//! database engine ([`Sqlite`], the embedded default, and [`Postgres`] for
//! production), each with its own migrations.

mod baseline;
mod error;
mod history;
mod merge;
mod postgres;
mod record;
mod review;
mod search;
mod source;
mod sqlite;
pub mod testing;
mod url;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use contactpoint_domain::{
    Child, ChildId, ContactPointId, Gender, MergeId, Name, ReviewId, ReviewStatus, Source,
    SourceId, SourceRecordRef,
};
use contactpoint_linkage::{Model, Profile};
use time::{Date, OffsetDateTime};

pub use error::{Error, Result};
pub use postgres::Postgres;
pub use record::{child_profile, child_search_keys, searchable};
pub use search::{NameFrequencies, SearchEngine, SearchOutcome, SearchResult};
pub use sqlite::Sqlite;
pub use url::{Backend, DatabaseUrl};

/// The current time as both backends store it: PostgreSQL keeps
/// microseconds, so SQLite is given no more.
fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

/// A child as stored: the record and its version, which an update must name
/// so that two writers cannot silently overwrite each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChild {
    pub child: Child,
    pub version: i32,
    pub updated_at: OffsetDateTime,
    /// The child holds a merge not yet undone: what the feeds apply to it
    /// is logged ([`ImportWrites::merge_updates`]) so that an unmerge can
    /// give each record back what its own sources said.
    pub survives_merge: bool,
}

/// What a search result shows of a child before the record is opened:
/// enough to tell children apart, nothing more. A shielded child's
/// district is held here but never shown to those the shield hides it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSummary {
    pub child_id: ChildId,
    pub contactpoint_id: ContactPointId,
    pub given_name: Name,
    pub family_name: Name,
    pub date_of_birth: Date,
    pub gender: Gender,
    /// The current postcode's district (`LS6`), if an address is known.
    pub district: Option<String>,
    pub shielded: bool,
}

/// A child a search may return: its summary and the profile it is matched on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub summary: ChildSummary,
    pub profile: Profile,
    /// For linkage: an identifier agreeing or conflicting weighs heavily.
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
}

/// A child an import's record may describe, as linkage weighs it: its
/// profile, and the identifiers whose agreement or conflict weighs
/// heavily. Less than a [`Candidate`]: an import reads thousands a batch
/// and shows none.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkCandidate {
    pub child: ChildId,
    pub profile: Profile,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
}

impl LinkCandidate {
    /// A child as it stands in memory (made or changed by an import and
    /// not yet stored).
    pub fn of(child: &Child) -> Self {
        Self {
            child: child.id,
            profile: child_profile(child),
            nhs_number: child.nhs_number.as_ref().map(|n| n.value.digits()),
            upn: child.upn.as_ref().map(|u| u.value.to_string()),
        }
    }
}

/// How many searchable children bear a surname and a forename, and in all:
/// the term frequencies of a search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameCounts {
    pub surname: u64,
    pub forename: u64,
    pub children: u64,
}

impl NameCounts {
    fn from_rows(rows: Vec<(String, i64)>) -> Self {
        let mut counts = Self::default();
        for (kind, children) in rows {
            let children = u64::try_from(children).unwrap_or_default();
            match kind.as_str() {
                "surname" => counts.surname = children,
                "forename" => counts.forename = children,
                _ => counts.children = children,
            }
        }
        counts
    }

    /// The counts of each (surname key, folded forename) pair, from rows
    /// of (kind, name, children) covering every name asked.
    fn for_each(names: &[(String, String)], rows: Vec<(String, String, i64)>) -> Vec<Self> {
        let mut surnames = HashMap::new();
        let mut forenames = HashMap::new();
        let mut children = 0;
        for (kind, name, count) in rows {
            let count = u64::try_from(count).unwrap_or_default();
            match kind.as_str() {
                "surname" => {
                    surnames.insert(name, count);
                }
                "forename" => {
                    forenames.insert(name, count);
                }
                _ => children = count,
            }
        }
        names
            .iter()
            .map(|(surname, forename)| Self {
                surname: surnames.get(surname).copied().unwrap_or_default(),
                forename: forenames.get(forename).copied().unwrap_or_default(),
                children,
            })
            .collect()
    }
}

/// A superseded version of a child, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildVersion {
    pub child: Child,
    pub version: i32,
    pub recorded_at: OffsetDateTime,
    pub superseded_at: OffsetDateTime,
}

/// A decision in the review queue: a feed record close to a known child
/// but not surely the same.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: ReviewId,
    pub source_record: SourceRecordRef,
    /// The feed record as the pipeline received it, as JSON.
    pub record: String,
    /// The known child it may be.
    pub candidate: ChildId,
    pub probability: f64,
    /// The score's evidence, field by field, as JSON.
    pub evidence: String,
    pub received_at: OffsetDateTime,
    pub status: ReviewStatus,
}

/// What an import must know of one source record before deciding it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceRecordState {
    /// The child it was linked to, with that child's ContactPoint ID.
    pub linked: Option<(ChildId, ContactPointId)>,
    /// The digest of what it last said, once applied.
    pub digest: Option<String>,
    /// The review it waits in (pending or deferred), with the ContactPoint
    /// ID of the child it may be.
    pub open_review: Option<(Review, ContactPointId)>,
}

/// A child replaced by an import: the new record and the stored one it was
/// made from, whose version must still be current.
#[derive(Debug, Clone)]
pub struct ChildUpdate {
    pub child: Child,
    pub previous: StoredChild,
}

/// Everything one batch of an import writes, in one transaction: all of it
/// or none.
#[derive(Debug, Clone, Default)]
pub struct ImportWrites {
    pub new_children: Vec<Child>,
    pub updates: Vec<ChildUpdate>,
    /// What each source record applied said, by digest.
    pub digests: Vec<(SourceRecordRef, String)>,
    /// Reviews to queue; one whose source record already waits is skipped.
    pub reviews: Vec<Review>,
    /// Feed records applied to children that hold a merge.
    pub merge_updates: Vec<MergeUpdate>,
    /// The time the children's new versions are recorded at (now when
    /// none): an importer that goes on from what it wrote, before reading
    /// it back, knows each version's time.
    pub written_at: Option<OffsetDateTime>,
    /// The batch is one of a feed's many, and more follow: a backend may
    /// hold back its search keys, for this process to find, until
    /// [`Store::index_held_keys`] (or a few million later).
    pub more_follow: bool,
}

/// Two records found to be one child: the absorbed one folded into the
/// survivor. Both records' versions just before are in their histories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    pub id: MergeId,
    pub survivor: ChildId,
    pub absorbed: ChildId,
    pub survivor_version: i32,
    pub absorbed_version: i32,
    pub merged_at: OffsetDateTime,
    pub undone_at: Option<OffsetDateTime>,
}

/// A feed record applied to a child holding a merge, as JSON, with when it
/// was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeUpdate {
    pub survivor: ChildId,
    pub source_record: SourceRecordRef,
    pub record: String,
    pub received_at: OffsetDateTime,
}

impl ImportWrites {
    pub fn is_empty(&self) -> bool {
        self.new_children.is_empty()
            && self.updates.is_empty()
            && self.digests.is_empty()
            && self.reviews.is_empty()
            && self.merge_updates.is_empty()
    }
}

/// Everything the rest of ContactPoint asks of a database. Both backends
/// pass the same conformance suite (`tests/it`).
pub trait Store: Clone + Send + Sync + 'static {
    /// Adds new children in one transaction: all of them or none.
    fn insert_children(&self, children: &[Child]) -> impl Future<Output = Result<()>> + Send;

    /// Adds new children as [`Store::insert_children`] does, for a load of
    /// many batches into a database nobody searches meanwhile: a backend may
    /// hold back their search keys until [`Store::index_held_keys`], and
    /// until then a search may not find them.
    fn bulk_insert_children(&self, children: &[Child]) -> impl Future<Output = Result<()>> + Send {
        self.insert_children(children)
    }

    /// Indexes every search key held back (by a bulk load, or by an
    /// import's batches), so that every process finds their children.
    /// Cheap when there is nothing to do, so a server and an import run it
    /// on start, in case a load or an import was interrupted.
    fn index_held_keys(&self) -> impl Future<Output = Result<()>> + Send {
        std::future::ready(Ok(()))
    }

    /// Reads what a search reads (keys, profiles, name counts) once, so
    /// that it is in memory before the first searches rather than fetched
    /// from disk by them, one page at a time. Returns the bytes read. At
    /// national scale these tables are a tenth of the database and fit in
    /// memory where the whole does not.
    fn warm_search(&self) -> impl Future<Output = Result<u64>> + Send {
        std::future::ready(Ok(0))
    }

    fn child(&self, id: ChildId) -> impl Future<Output = Result<StoredChild>> + Send;

    fn child_by_contactpoint_id(
        &self,
        id: ContactPointId,
    ) -> impl Future<Output = Result<StoredChild>> + Send;

    /// The child a source's record was linked to, if any.
    fn child_by_source_record(
        &self,
        record: &SourceRecordRef,
    ) -> impl Future<Output = Result<Option<ChildId>>> + Send;

    /// Replaces the current record, keeping the one it replaces in the
    /// history. Fails with [`Error::Conflict`] if `expected_version` is stale.
    fn update_child(
        &self,
        child: &Child,
        expected_version: i32,
    ) -> impl Future<Output = Result<i32>> + Send;

    /// Superseded versions, oldest first.
    fn child_history(&self, id: ChildId) -> impl Future<Output = Result<Vec<ChildVersion>>> + Send;

    /// Many children at once, in the order asked; fails with
    /// [`Error::NotFound`] if any is missing.
    fn children(&self, ids: &[ChildId]) -> impl Future<Output = Result<Vec<StoredChild>>> + Send;

    /// What is known of each source record, in the order asked.
    fn source_record_states(
        &self,
        records: &[SourceRecordRef],
    ) -> impl Future<Output = Result<Vec<SourceRecordState>>> + Send;

    /// Applies one import batch's writes in one transaction. Fails with
    /// [`Error::Conflict`], writing nothing, if a child to update changed
    /// since it was read or a new child's ContactPoint ID is taken.
    fn apply_import(&self, writes: &ImportWrites) -> impl Future<Output = Result<()>> + Send;

    /// [`Store::candidates`] for many key sets at once (each at least one
    /// key shared), in the order asked, as linkage weighs them. A child
    /// found for several key sets is one value shared among them: in a
    /// batch of records, the namesakes of a common surname are candidates
    /// of dozens.
    fn candidates_for_each(
        &self,
        key_sets: &[Vec<i64>],
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Vec<Arc<LinkCandidate>>>>> + Send;

    /// [`Store::name_counts`] for many (surname key, folded forename)
    /// pairs at once, in the order asked.
    fn name_counts_for_each(
        &self,
        names: &[(String, String)],
    ) -> impl Future<Output = Result<Vec<NameCounts>>> + Send;

    /// Children sharing at least `min_shared` of `keys` (blocking-key
    /// hashes), at most `limit`, those sharing the most keys kept first.
    /// Archived children are never candidates.
    fn candidates(
        &self,
        keys: &[i64],
        min_shared: u32,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Candidate>>> + Send;

    /// How many searchable children bear the surname (under its surname
    /// key) and the forename (folded), and how many there are in all.
    fn name_counts(
        &self,
        surname: &str,
        forename: &str,
    ) -> impl Future<Output = Result<NameCounts>> + Send;

    /// Registers a source system. Fails with [`Error::Conflict`] if its id
    /// is taken.
    fn add_source(&self, source: &Source) -> impl Future<Output = Result<()>> + Send;

    fn source(&self, id: &SourceId) -> impl Future<Output = Result<Source>> + Send;

    /// The linkage weights kept for a source, if any were.
    fn source_weights(&self, id: &SourceId) -> impl Future<Output = Result<Option<Model>>> + Send;

    /// Keeps linkage weights for a source. Fails with [`Error::NotFound`]
    /// if no source has that id.
    fn set_source_weights(
        &self,
        id: &SourceId,
        weights: &Model,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Every registered source, by id.
    fn sources(&self) -> impl Future<Output = Result<Vec<Source>>> + Send;

    /// The digest of what a source record last said, if it was applied.
    fn record_digest(
        &self,
        record: &SourceRecordRef,
    ) -> impl Future<Output = Result<Option<String>>> + Send;

    /// Remembers what a source record said, after it was applied to the
    /// child it is linked to; a record linked to no child has no digest
    /// ([`Error::NotFound`]).
    fn set_record_digest(
        &self,
        record: &SourceRecordRef,
        digest: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Queues a review. Returns `false`, adding nothing, when the same
    /// source record already waits for a decision.
    fn add_review(&self, review: &Review) -> impl Future<Output = Result<bool>> + Send;

    /// The review still open (pending or deferred) for a source record.
    fn open_review(
        &self,
        record: &SourceRecordRef,
    ) -> impl Future<Output = Result<Option<Review>>> + Send;

    /// One review, open or decided.
    fn review(&self, id: ReviewId) -> impl Future<Output = Result<Review>> + Send;

    /// Records a person's decision on an open review (pending or deferred).
    /// Fails with [`Error::NotFound`] if no open review has that id.
    fn decide_review(
        &self,
        id: ReviewId,
        status: ReviewStatus,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The reviews waiting for a decision (pending or deferred) that name
    /// one of `children` as the child their record may be.
    fn awaiting_review(
        &self,
        children: &[ChildId],
    ) -> impl Future<Output = Result<Vec<Review>>> + Send;

    /// Reviews waiting for a decision (pending or deferred), oldest first,
    /// at most `limit`.
    fn pending_reviews(&self, limit: u32) -> impl Future<Output = Result<Vec<Review>>> + Send;

    /// Folds `absorbed` into `survivor` in one transaction: both records
    /// replaced (the survivor now holding the absorbed one's source records,
    /// the absorbed one marked merged) and the merge recorded. Fails with
    /// [`Error::Conflict`], writing nothing, if either changed since read.
    fn merge_children(
        &self,
        merge: &Merge,
        survivor: &ChildUpdate,
        absorbed: &ChildUpdate,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Undoes a merge in one transaction: both records replaced as an
    /// unmerge rebuilt them, the merge marked undone, and the logged updates
    /// `replayed` (given back to the absorbed record) dropped from the
    /// survivor's log, or all of it once no merge of the survivor is left
    /// open. Fails with [`Error::Conflict`], writing nothing, if either
    /// record changed since read or the merge is no longer open.
    fn unmerge_children(
        &self,
        id: MergeId,
        survivor: &ChildUpdate,
        absorbed: &ChildUpdate,
        replayed: &[i64],
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;

    fn merge(&self, id: MergeId) -> impl Future<Output = Result<Merge>> + Send;

    /// The merges a child took part in, either way, newest first.
    fn merges_of(&self, child: ChildId) -> impl Future<Output = Result<Vec<Merge>>> + Send;

    /// Merges newest first, at most `limit`.
    fn recent_merges(&self, limit: u32) -> impl Future<Output = Result<Vec<Merge>>> + Send;

    /// The feed records applied to a merge's survivor since the merge, each
    /// with its sequence number in the log, in the order they were applied.
    fn merge_updates(
        &self,
        merge: MergeId,
    ) -> impl Future<Output = Result<Vec<(i64, MergeUpdate)>>> + Send;

    /// One superseded version of a child, from its history.
    fn child_version(
        &self,
        id: ChildId,
        version: i32,
    ) -> impl Future<Output = Result<Child>> + Send;

    fn count_children(&self) -> impl Future<Output = Result<u64>> + Send;

    /// Refreshes the query planner's statistics: after a bulk load, before
    /// the first searches, so that PostgreSQL plans them as index lookups.
    fn analyze(&self) -> impl Future<Output = Result<()>> + Send;

    /// Bytes the database takes on disk.
    fn size_on_disk(&self) -> impl Future<Output = Result<u64>> + Send;

    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;
}
