//! One batch of an import: what the store knows of its records, read in a
//! few calls; the children the batch makes or changes, held in memory so
//! that a later record of the batch sees them; and everything to write,
//! handed to the store in one transaction at the end.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use contactpoint_domain::{Child, ChildId, ContactPointId, SourceRecordRef};
use contactpoint_linkage::{
    KeySource, NoTermFrequencies, Profile, Score, TermFrequencies, blocking_keys, fold, surname_key,
};
use contactpoint_store::{
    ChildUpdate, Error, ImportWrites, MergeUpdate, NameFrequencies, Review, SourceRecordState,
    Store, StoredChild, child_search_keys,
};

use time::OffsetDateTime;

use crate::import::{ImportError, Importer, distinct_by_identifier};
use crate::link::{self, LinkCandidate};
use crate::record::{Action, FeedRecord};

/// How many candidates the store returns for a record, and how many of the
/// best are weighed for the decision.
pub(crate) const CANDIDATES: usize = 20;
/// How many more a batch reads, so that its candidates do not depend on
/// whether the batch before had been written when they were read: the
/// children that batch made or changed are dropped (the batch knows them
/// better), and the first [`CANDIDATES`] of the rest are the same either
/// way, unless more than this many of those children rank among them.
const SPARE_CANDIDATES: usize = 8;
const BEST: usize = 3;
/// How far (in bits of weight) below the review threshold a record's best
/// candidate may score and still be read with the batch. The weights
/// placing a record count the children the batch made too, which lowers
/// them; the margin is for whatever else moves them.
const UNREAD_MARGIN: f64 = 8.0;

/// A record of the batch as read before any is decided.
pub(crate) struct Prepared {
    /// The record as JSON: its digest, and what a review keeps.
    pub json: String,
    pub digest: String,
    pub state: SourceRecordState,
    /// Its blocking keys, when it has to be linked.
    pub keys: Vec<i64>,
    /// The store's candidates, once read: the children sharing most keys
    /// (shared with the batch's other records they are candidates of).
    pub found: Option<Vec<Arc<LinkCandidate>>>,
    /// The best of them, scored, best first.
    pub scored: Vec<(f64, Arc<LinkCandidate>)>,
    pub frequencies: Option<NameFrequencies>,
    /// The record as linkage compares it, once it is to be linked: made
    /// once, for every candidate it is weighed against.
    pub query: Option<Profile>,
}

impl Prepared {
    pub fn tf(&self) -> &(dyn TermFrequencies + Sync) {
        match &self.frequencies {
            Some(f) => f,
            None => &NoTermFrequencies,
        }
    }
}

/// A child the batch has read, made or changed.
struct Working {
    /// As stored, when the batch read it; `None` for a child it made.
    stored: Option<StoredChild>,
    /// As the batch made it, or changed it from what it read; `None` while
    /// it stands as read (not cloned: most children read stay so).
    changed: Option<Child>,
    /// As the batch before wrote it: what the store said of the child
    /// when this batch was read is out of date.
    carried: bool,
}

impl Working {
    fn read(stored: StoredChild, carried: bool) -> Self {
        Self {
            stored: Some(stored),
            changed: None,
            carried,
        }
    }

    fn made(child: Child) -> Self {
        Self {
            stored: None,
            changed: Some(child),
            carried: false,
        }
    }

    fn current(&self) -> Option<&Child> {
        self.changed
            .as_ref()
            .or(self.stored.as_ref().map(|s| &s.child))
    }

    fn set(&mut self, child: Child) {
        let unchanged = self.stored.as_ref().is_some_and(|s| s.child == child);
        self.changed = (!unchanged).then_some(child);
    }

    /// Whether the batch knows the child better than the store did when
    /// the batch's candidates were read.
    fn supersedes_store(&self) -> bool {
        self.carried || self.changed.is_some()
    }
}

/// What a batch decided tells the next, whose records were read before
/// it was written: the children as written, where its records now stand,
/// the children it made by name, and the children its reviews name. With
/// it, the next batch decides as if read after the write.
pub(crate) struct Carry {
    children: Vec<StoredChild>,
    keys: HashMap<i64, Vec<ChildId>>,
    links: HashMap<SourceRecordRef, Option<(ChildId, ContactPointId)>>,
    digests: HashMap<SourceRecordRef, String>,
    reviews: HashMap<SourceRecordRef, (Review, ContactPointId)>,
    made: Made,
}

/// Children made, and how many bear each surname key and folded forename:
/// what a batch adds to the names' counts read before it.
#[derive(Default)]
struct Made {
    children: u64,
    surnames: HashMap<String, u64>,
    forenames: HashMap<String, u64>,
}

impl Made {
    fn add(&mut self, child: &Child) {
        self.children += 1;
        *self
            .surnames
            .entry(surname_key(child.name.value.family.as_str()))
            .or_default() += 1;
        *self
            .forenames
            .entry(fold(child.name.value.given.as_str()))
            .or_default() += 1;
    }

    fn surname(&self, key: &str) -> u64 {
        self.surnames.get(key).copied().unwrap_or_default()
    }

    fn forename(&self, folded: &str) -> u64 {
        self.forenames.get(folded).copied().unwrap_or_default()
    }
}

#[derive(Default)]
pub(crate) struct Batch {
    /// Boxed: a child is large, and the map moves its values as it grows.
    children: HashMap<ChildId, Box<Working>>,
    /// Children in the order the batch first touched them, for a stable
    /// order of writes.
    order: Vec<ChildId>,
    /// Source records whose link the batch made or ended.
    links: HashMap<SourceRecordRef, Option<ChildId>>,
    digests: HashMap<SourceRecordRef, String>,
    /// Reviews queued by the batch, with the ContactPoint ID of the
    /// candidate (few: a percent of records).
    reviews: Vec<(Review, ContactPointId)>,
    /// The blocking keys of the children the batch made or changed.
    keys: HashMap<i64, Vec<ChildId>>,
    /// The children the batch made by name, and those the batch before
    /// made (read before it was written): added to the counts read, so
    /// that a record's prior and term frequencies count them too (the
    /// first batch into an empty store would otherwise count none at all).
    made: Made,
    made_before: Made,
    /// Records applied to children holding a merge, for an unmerge to
    /// replay.
    merge_updates: Vec<MergeUpdate>,
    /// Children a review waiting for a decision names (read, or queued by
    /// the batch).
    awaiting_review: BTreeSet<ChildId>,
    /// Those of them a waiting review says another child resembles, one
    /// that an NHS number or UPN tells apart: a twin, most likely.
    look_alike: BTreeSet<ChildId>,
    /// The batch's records by source and household (surname, date of
    /// birth, postcode), with each one's record id and folded forename.
    households: HashMap<Household, Vec<(SourceRecordRef, String)>>,
    /// Whether a link left unsure is held back to the feed's end (see
    /// `Importer::place`): only while a feed is read the first time.
    pub holds_back: bool,
    /// The batch's source records so held back: a later record of one is
    /// held back too, so that the records of one source record keep their
    /// order.
    held_back: HashSet<SourceRecordRef>,
}

/// A source, and a household as a record describes it.
type Household = (String, String, time::Date, String);

fn household(record: &FeedRecord) -> Option<Household> {
    Some((
        record.source_record.source.to_string(),
        surname_key(record.family_name.as_ref()?.as_str()),
        record.date_of_birth?,
        record.address.as_ref()?.postcode().to_string(),
    ))
}

/// The blocking keys of a feed record, as the store indexes children.
pub(crate) fn record_keys(record: &FeedRecord) -> Vec<i64> {
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
    let postcodes: Vec<&str> = record
        .address
        .iter()
        .chain(&record.previous_addresses)
        .map(|a| a.postcode().as_str())
        .collect();
    let source = KeySource {
        forenames,
        surnames,
        date_of_birth: record
            .date_of_birth
            .map(|d| (d.year(), u8::from(d.month()), d.day())),
        birth_year: None,
        postcodes,
    };
    let mut keys: Vec<i64> = blocking_keys(&source).iter().map(|k| k.hash).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

impl<S: Store> Importer<'_, S> {
    /// Reads what the store knows of a batch's records and settles what
    /// they are decided on: [`Importer::name_counts`],
    /// [`Importer::prepare`], then [`Importer::settle`].
    pub(crate) async fn read_batch(
        &self,
        records: &[FeedRecord],
        link: bool,
    ) -> Result<(Vec<Prepared>, Batch), ImportError> {
        let names = self.name_counts(records).await?;
        let (mut prepared, mut batch) = self.prepare(records, names, link).await?;
        self.settle(records, &mut prepared, &mut batch, link)
            .await?;
        Ok((prepared, batch))
    }

    /// Reads what the store knows of a batch's records, in a few store
    /// calls for the whole batch: where each source record stands; with
    /// `link`, the candidates of those that no source record places yet;
    /// and the children its updates change. Nothing read here
    /// decides alone: it is read while the batch before is written, and
    /// [`Batch::absorb`] then brings it up to date.
    pub(crate) async fn prepare(
        &self,
        records: &[FeedRecord],
        names: Vec<Option<NameFrequencies>>,
        link: bool,
    ) -> Result<(Vec<Prepared>, Batch), ImportError> {
        let refs: Vec<SourceRecordRef> = records.iter().map(|r| r.source_record.clone()).collect();
        let states = self.store.source_record_states(&refs).await?;
        let mut prepared = Vec::with_capacity(records.len());
        for ((record, state), frequencies) in records.iter().zip(states).zip(names) {
            let json = serde_json::to_string(record).map_err(|e| Error::Decode(e.to_string()))?;
            let digest = digest(&json);
            prepared.push(Prepared {
                json,
                digest,
                state,
                keys: Vec::new(),
                found: None,
                scored: Vec::new(),
                frequencies,
                query: None,
            });
        }
        if link {
            self.find_candidates(records, &mut prepared).await?;
        }
        // The children the batch will change: those its records are
        // linked to already, if they say something new. The candidates it
        // may link to are read once scored, in `settle`.
        let mut likely: BTreeSet<ChildId> = BTreeSet::new();
        for p in &prepared {
            if let Some((child, _)) = p.state.linked
                && p.state.digest.as_deref() != Some(p.digest.as_str())
            {
                likely.insert(child);
            }
        }
        let likely: Vec<ChildId> = likely.into_iter().collect();
        let mut batch = Batch::default();
        for stored in self.store.children(&likely).await? {
            batch.read(stored);
        }
        Ok((prepared, batch))
    }

    /// Reads how many children bear each record's names (for the upserts
    /// that name a family), the counts a link is weighed with. Read
    /// before the batch before is written, so that they count its
    /// children only through its carry, whenever its write lands.
    pub(crate) async fn name_counts(
        &self,
        records: &[FeedRecord],
    ) -> Result<Vec<Option<NameFrequencies>>, ImportError> {
        let named: Vec<(usize, (&str, Option<&str>))> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.action == Action::Upsert)
            .filter_map(|(i, r)| {
                let family = r.family_name.as_ref()?.as_str();
                Some((i, (family, r.given_name.as_ref().map(|n| n.as_str()))))
            })
            .collect();
        let names: Vec<(&str, Option<&str>)> = named.iter().map(|(_, n)| *n).collect();
        let mut counts: Vec<Option<NameFrequencies>> = records.iter().map(|_| None).collect();
        let read = NameFrequencies::read_for_each(self.store, &names).await?;
        for ((i, _), frequencies) in named.into_iter().zip(read) {
            counts[i] = Some(frequencies);
        }
        Ok(counts)
    }

    /// Reads the candidates of the records to be linked that have none
    /// read yet: upserts no source record places, unless already waiting
    /// unchanged for a person's decision.
    async fn find_candidates(
        &self,
        records: &[FeedRecord],
        prepared: &mut [Prepared],
    ) -> Result<(), ImportError> {
        let to_link: Vec<usize> = (0..records.len())
            .filter(|&i| prepared[i].found.is_none() && to_be_linked(&records[i], &prepared[i]))
            .collect();
        if to_link.is_empty() {
            return Ok(());
        }
        let key_sets: Vec<Vec<i64>> = to_link.iter().map(|&i| record_keys(&records[i])).collect();
        let found = self
            .store
            .candidates_for_each(&key_sets, CANDIDATES + SPARE_CANDIDATES)
            .await?;
        for ((&i, keys), candidates) in to_link.iter().zip(key_sets).zip(found) {
            let p = &mut prepared[i];
            p.keys = keys;
            p.found = Some(candidates);
        }
        Ok(())
    }

    /// Settles what a batch's records are decided on, once the store holds
    /// everything written before but the batch absorbed: the candidates
    /// still missing, each record's best candidates by score, the children
    /// the batch will likely link to, and which of them a review awaits.
    pub(crate) async fn settle(
        &self,
        records: &[FeedRecord],
        prepared: &mut [Prepared],
        batch: &mut Batch,
        link: bool,
    ) -> Result<(), ImportError> {
        if link {
            self.find_candidates(records, prepared).await?;
        }
        let worth_reading = self.thresholds.review_weight() - UNREAD_MARGIN;
        let mut wanted: BTreeSet<ChildId> = BTreeSet::new();
        for (record, p) in records.iter().zip(prepared.iter_mut()) {
            if let Some((child, _)) = p.state.linked {
                if p.state.digest.as_deref() != Some(p.digest.as_str()) {
                    wanted.insert(child);
                }
                continue;
            }
            let Some(found) = &p.found else { continue };
            let query = link::profile(record);
            let model = self.model_for(p);
            // A child the batch knows better is weighed as it knows it.
            // Scored by reference, and only the best copied.
            let mut scored: Vec<(f64, &Arc<LinkCandidate>)> = found
                .iter()
                .filter(|c| !batch.supersedes_store(c.child))
                .take(CANDIDATES)
                .map(|c| (link::score(&model, record, &query, c, p.tf()).weight, c))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored.truncate(BEST);
            // A candidate far below the review threshold is neither linked
            // nor reviewed, and need not be read: should the batch's own
            // children lift it, `Batch::child` reads it then.
            wanted.extend(
                scored
                    .first()
                    .filter(|(w, _)| *w >= worth_reading)
                    .map(|(_, c)| c.child),
            );
            p.scored = scored
                .into_iter()
                .map(|(w, c)| (w, Arc::clone(c)))
                .collect();
            p.query = Some(query);
        }
        let wanted: Vec<ChildId> = wanted.into_iter().collect();
        let unread: Vec<ChildId> = wanted
            .iter()
            .copied()
            .filter(|id| !batch.children.contains_key(id))
            .collect();
        for stored in self.store.children(&unread).await? {
            batch.read(stored);
        }
        for review in self.store.awaiting_review(&wanted).await? {
            batch.note_waiting(&review);
        }
        Ok(())
    }
}

/// Whether a record is to be linked: an upsert that no source record
/// places, unless already waiting unchanged for a person's decision.
fn to_be_linked(record: &FeedRecord, p: &Prepared) -> bool {
    p.state.linked.is_none()
        && record.action == Action::Upsert
        && p.state
            .open_review
            .as_ref()
            .is_none_or(|(r, _)| r.record != p.json)
}

impl Batch {
    fn read(&mut self, stored: StoredChild) {
        let id = stored.child.id;
        if self.children.contains_key(&id) {
            return;
        }
        self.order.push(id);
        self.children
            .insert(id, Box::new(Working::read(stored, false)));
    }

    /// The child as the batch sees it, read from the store if the batch
    /// has not yet.
    pub async fn child<S: Store>(&mut self, store: &S, id: ChildId) -> Result<&Child, Error> {
        if !self.children.contains_key(&id) {
            let stored = store.child(id).await?;
            self.read(stored);
        }
        self.children
            .get(&id)
            .and_then(|w| w.current())
            .ok_or(Error::NotFound)
    }

    /// Whether the batch knows the child better than the store did when
    /// the batch's candidates were read.
    fn supersedes_store(&self, id: ChildId) -> bool {
        self.children.get(&id).is_some_and(|w| w.supersedes_store())
    }

    /// Brings a batch read before the batch before it was written up to
    /// date with what that one will have written: its children as written,
    /// where its source records now stand, the children it made by name,
    /// and those its reviews name.
    pub fn absorb(&mut self, carry: Carry, records: &[FeedRecord], prepared: &mut [Prepared]) {
        self.made_before = carry.made;
        for (review, _) in carry.reviews.values() {
            self.note_waiting(review);
        }
        for stored in carry.children {
            let id = stored.child.id;
            if !self.children.contains_key(&id) {
                self.order.push(id);
            }
            self.children
                .insert(id, Box::new(Working::read(stored, true)));
        }
        for (key, ids) in carry.keys {
            let known = self.keys.entry(key).or_default();
            for id in ids {
                if !known.contains(&id) {
                    known.push(id);
                }
            }
        }
        for (record, p) in records.iter().zip(prepared) {
            let at = &record.source_record;
            if let Some(link) = carry.links.get(at) {
                p.state.linked = *link;
            }
            if let Some(digest) = carry.digests.get(at) {
                p.state.digest = Some(digest.clone());
            }
            if p.state.open_review.is_none() {
                p.state.open_review = carry.reviews.get(at).cloned();
            }
        }
    }

    /// Whether the child, as read, holds a merge not yet undone.
    pub fn survives_merge(&self, id: ChildId) -> bool {
        self.children
            .get(&id)
            .and_then(|w| w.stored.as_ref())
            .is_some_and(|s| s.survives_merge)
    }

    /// Logs a record applied to a child holding a merge.
    pub fn log_for_merge(&mut self, update: MergeUpdate) {
        self.merge_updates.push(update);
    }

    /// Replaces (or adds) a child as the batch now sees it.
    pub fn set_child(&mut self, child: Child) {
        let id = child.id;
        for key in child_search_keys(&child) {
            let ids = self.keys.entry(key).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for record in &child.source_records {
            self.links.insert(record.clone(), Some(id));
        }
        match self.children.get_mut(&id) {
            Some(working) => {
                // A record the child no longer carries is no longer linked.
                for record in working.current().iter().flat_map(|c| &c.source_records) {
                    if !child.source_records.contains(record) {
                        self.links.insert(record.clone(), None);
                    }
                }
                working.set(child);
            }
            None => {
                self.made.add(&child);
                self.order.push(id);
                self.children.insert(id, Box::new(Working::made(child)));
            }
        }
    }

    /// A record's name counts with the children made since they were read.
    pub fn frequencies(&self, read: &NameFrequencies) -> NameFrequencies {
        let (surname, forename) = read.names();
        let (made, before) = (&self.made, &self.made_before);
        read.with_more(
            made.children + before.children,
            made.surname(surname) + before.surname(surname),
            made.forename(forename) + before.forename(forename),
        )
    }

    /// The child a source record is linked to, as the batch left it.
    pub fn linked(&self, record: &SourceRecordRef, state: &SourceRecordState) -> Option<ChildId> {
        match self.links.get(record) {
            Some(link) => *link,
            None => state.linked.map(|(child, _)| child),
        }
    }

    /// What the source record last said, as the batch left it.
    pub fn digest<'a>(
        &'a self,
        record: &SourceRecordRef,
        state: &'a SourceRecordState,
    ) -> Option<&'a str> {
        self.digests
            .get(record)
            .map(String::as_str)
            .or(state.digest.as_deref())
    }

    pub fn remember(&mut self, record: &SourceRecordRef, digest: &str) {
        self.digests.insert(record.clone(), digest.to_owned());
    }

    pub fn contactpoint_id(&self, id: ChildId) -> Option<ContactPointId> {
        self.children
            .get(&id)
            .and_then(|w| w.current())
            .map(|c| c.contactpoint_id)
    }

    /// The review the source record waits in, queued by this batch.
    pub fn queued_review(&self, record: &SourceRecordRef) -> Option<&(Review, ContactPointId)> {
        self.reviews
            .iter()
            .find(|(r, _)| r.source_record == *record)
    }

    pub fn queue_review(&mut self, review: Review, candidate: ContactPointId) {
        self.note_waiting(&review);
        self.reviews.push((review, candidate));
    }

    fn note_waiting(&mut self, review: &Review) {
        self.awaiting_review.insert(review.candidate);
        if distinct_by_identifier(&review.evidence) {
            self.look_alike.insert(review.candidate);
        }
    }

    /// Whether a review waiting for a decision holds a record that looks
    /// like the child but whose NHS number or UPN says it is another: one
    /// of twins whom a feed has given one name.
    pub fn has_look_alike(&self, child: ChildId) -> bool {
        self.look_alike.contains(&child)
    }

    /// Remembers which of the batch's records share a source and a
    /// household.
    pub fn note_households(&mut self, records: &[FeedRecord]) {
        for record in records {
            if let (Some(key), Some(given)) = (household(record), &record.given_name) {
                self.households
                    .entry(key)
                    .or_default()
                    .push((record.source_record.clone(), fold(given.as_str())));
            }
        }
    }

    /// Whether the batch holds another record from the record's source for
    /// a child of the same household and birth date under another forename:
    /// a twin, listed by the same source.
    pub fn has_twin_in_source(&self, record: &FeedRecord) -> bool {
        let (Some(key), Some(given)) = (household(record), &record.given_name) else {
            return false;
        };
        let given = fold(given.as_str());
        self.households.get(&key).is_some_and(|others| {
            others
                .iter()
                .any(|(other, name)| *other != record.source_record && *name != given)
        })
    }

    /// Holds a record back to the feed's end.
    pub fn hold_back(&mut self, record: &SourceRecordRef) {
        self.held_back.insert(record.clone());
    }

    pub fn is_held_back(&self, record: &SourceRecordRef) -> bool {
        self.held_back.contains(record)
    }

    /// Whether a review waiting for a decision names the child. A child
    /// the batch did not read beforehand counts as not named.
    pub fn awaits_review(&self, child: ChildId) -> bool {
        self.awaiting_review.contains(&child)
    }

    /// The record's best candidates, scored by `score`, best first: the
    /// store's, less those the batch changed, and the children the batch
    /// made or changed that share a key with it.
    pub fn candidates(
        &self,
        p: &Prepared,
        score: impl Fn(&LinkCandidate) -> Score,
    ) -> Vec<(ChildId, Score)> {
        let mut scored: Vec<(ChildId, Score)> = p
            .scored
            .iter()
            .filter(|(_, c)| !self.supersedes_store(c.child))
            .map(|(_, c)| (c.child, score(c)))
            .collect();
        let touched: BTreeSet<ChildId> = p
            .keys
            .iter()
            .filter_map(|k| self.keys.get(k))
            .flatten()
            .copied()
            .collect();
        for id in touched {
            if let Some(current) = self.children.get(&id).and_then(|w| w.current()) {
                scored.push((id, score(&LinkCandidate::of(current))));
            }
        }
        scored.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight));
        scored.truncate(BEST);
        scored
    }

    /// Everything the batch writes, its versions recorded at `written_at`,
    /// and what the next batch needs to know of it.
    pub fn into_writes(mut self, written_at: OffsetDateTime) -> (ImportWrites, Carry) {
        let links = self
            .links
            .iter()
            .map(|(record, child)| {
                let linked = child.and_then(|id| Some((id, self.contactpoint_id(id)?)));
                (record.clone(), linked)
            })
            .collect();
        let mut writes = ImportWrites {
            written_at: Some(written_at),
            ..ImportWrites::default()
        };
        let mut carried = Vec::new();
        for id in &self.order {
            let Some(working) = self.children.remove(id) else {
                continue;
            };
            let Working {
                stored, changed, ..
            } = *working;
            match (stored, changed) {
                (None, Some(made)) => {
                    carried.push(StoredChild {
                        child: made.clone(),
                        version: 1,
                        updated_at: written_at,
                        survives_merge: false,
                    });
                    writes.new_children.push(made);
                }
                (Some(stored), Some(child)) => {
                    carried.push(StoredChild {
                        child: child.clone(),
                        version: stored.version + 1,
                        updated_at: written_at,
                        survives_merge: stored.survives_merge,
                    });
                    writes.updates.push(ChildUpdate {
                        child,
                        previous: stored,
                    });
                }
                _ => {}
            }
        }
        writes.digests = self
            .digests
            .iter()
            .map(|(r, d)| (r.clone(), d.clone()))
            .collect();
        // A stable order, so concurrent writers take locks in one order.
        writes.digests.sort_unstable_by(|a, b| {
            (a.0.source.as_str(), a.0.record.as_str())
                .cmp(&(b.0.source.as_str(), b.0.record.as_str()))
        });
        let reviews = self
            .reviews
            .iter()
            .map(|(r, id)| (r.source_record.clone(), (r.clone(), *id)))
            .collect();
        writes.reviews = self.reviews.into_iter().map(|(r, _)| r).collect();
        writes.merge_updates = self.merge_updates;
        // Only the keys of the children carried: those a batch before
        // carried in, and this one left alone, the store now holds.
        let ids: BTreeSet<ChildId> = carried.iter().map(|s| s.child.id).collect();
        let mut keys = self.keys;
        keys.retain(|_, holders| {
            holders.retain(|id| ids.contains(id));
            !holders.is_empty()
        });
        let carry = Carry {
            children: carried,
            keys,
            links,
            digests: self.digests,
            reviews,
            made: self.made,
        };
        (writes, carry)
    }
}

/// A short digest of everything a record says, from its JSON.
pub(crate) fn digest(json: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(json.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use contactpoint_store::testing::fixtures::child;
    use time::macros::datetime;

    use super::*;

    const AT: OffsetDateTime = datetime!(2026-11-25 09:00 UTC);

    fn stored(child: Child, version: i32, survives_merge: bool) -> StoredChild {
        StoredChild {
            child,
            version,
            updated_at: datetime!(2026-11-01 09:00 UTC),
            survives_merge,
        }
    }

    #[test]
    fn a_written_batch_carries_its_children_at_the_versions_the_store_gives_them() {
        let read = child(1);
        let mut changed = read.clone();
        changed.upn = None;
        let made = child(3);
        let mut batch = Batch::default();
        batch.read(stored(read.clone(), 4, true));
        batch.read(stored(child(2), 7, false));
        batch.set_child(changed.clone());
        batch.set_child(made.clone());

        let (writes, carry) = batch.into_writes(AT);

        assert_eq!(writes.written_at, Some(AT));
        assert_eq!(writes.new_children, std::slice::from_ref(&made));
        assert_eq!(writes.updates.len(), 1);
        assert_eq!(writes.updates[0].child, changed);
        let carried: Vec<_> = carry
            .children
            .iter()
            .map(|s| (s.child.id, s.version, s.survives_merge, s.updated_at))
            .collect();
        assert_eq!(carried, [(read.id, 5, true, AT), (made.id, 1, false, AT)]);
        assert_eq!(carry.children[0].child, changed);
        assert_eq!(
            carry.links.get(&made.source_records[0]),
            Some(&Some((made.id, made.contactpoint_id)))
        );
        let keys = child_search_keys(&made);
        assert!(keys.iter().all(|k| carry.keys[k].contains(&made.id)));
    }

    #[test]
    fn a_child_carried_in_and_left_alone_is_not_carried_on() {
        let mut batch = Batch::default();
        let (_, carry) = {
            let mut before = Batch::default();
            before.set_child(child(2));
            before.into_writes(AT)
        };
        batch.absorb(carry, &[], &mut []);
        let made = child(3);
        batch.set_child(made.clone());

        let (writes, carry) = batch.into_writes(AT);

        assert!(writes.updates.is_empty());
        assert_eq!(writes.new_children.len(), 1);
        assert_eq!(carry.children.len(), 1);
        assert!(carry.keys.values().flatten().all(|id| *id == made.id));
    }
}
