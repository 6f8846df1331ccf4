//! Merging two records found to be one child, and undoing it.
//!
//! A merge folds the absorbed record into the survivor field by field, as
//! a feed would ([`crate::survivorship`]): authority, then recency, decide,
//! and the losing names and addresses stay searchable as previous ones.
//! The survivor takes the absorbed record's source records, so its feeds
//! update the survivor from then on; the absorbed record is marked merged
//! and is no longer found. Both records' versions from just before are in
//! their histories.
//!
//! While a merge stands, every feed record applied to the survivor is
//! logged. An unmerge starts both records again from those versions and
//! replays the log: a record from one of the absorbed record's sources goes
//! back to it, any other to the survivor. So both come back as they were,
//! with the later updates on the right one.

use contactpoint_domain::{
    Child, ChildId, ContactPointId, Gender, MergeId, Provenance, RecordField, RecordStatus, Sourced,
};
use contactpoint_store::{ChildUpdate, Error, Merge, Store, StoredChild};
use time::OffsetDateTime;

use crate::import::Registry;
use crate::record::FeedRecord;
use crate::survivorship::{Authority, apply, remember};

/// Which of the two records a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Survivor,
    Absorbed,
}

impl Side {
    fn as_str(self) -> &'static str {
        match self {
            Self::Survivor => "the record to keep",
            Self::Absorbed => "the record to merge into it",
        }
    }
}

/// Why a merge or an unmerge was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("a record cannot be merged into itself")]
    SameChild,
    #[error("no child has {} ContactPoint ID", .0.as_str())]
    NoSuchChild(Side),
    #[error("{} is {}: only current records can be merged", .0.as_str(), .1)]
    NotCurrent(Side, &'static str),
    #[error(
        "{side} holds a merge of its own ({id}): undo that first, or keep this record instead",
        side = .0.as_str(),
        id = .1
    )]
    HoldsMerge(Side, MergeId),
    #[error("the two records have different {0}s: they are two children")]
    ConflictingIdentifier(&'static str),
    #[error("no such merge")]
    NoSuchMerge,
    #[error("the merge was already undone")]
    AlreadyUndone,
    #[error("a later merge into the same record ({0}) must be undone first")]
    LaterMerge(MergeId),
    #[error("a logged feed record could not be read back: {0}")]
    Log(String),
    #[error(transparent)]
    Store(#[from] Error),
}

/// A merge made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub id: MergeId,
    pub survivor: ContactPointId,
    pub absorbed: ContactPointId,
}

/// A merge undone: how many logged feed records went back to the restored
/// record and how many stayed with the survivor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmerged {
    pub survivor: ContactPointId,
    pub restored: ContactPointId,
    pub replayed_on_restored: usize,
    pub replayed_on_survivor: usize,
}

/// Whether the absorbed record's value (`theirs`) replaces the survivor's:
/// when its source alone is authoritative for the field, or, between
/// equals, when it is strictly newer. A tie keeps the survivor's.
fn prevails(
    authority: &dyn Authority,
    field: RecordField,
    theirs: &Provenance,
    ours: &Provenance,
) -> bool {
    match (
        authority.is_authoritative(&theirs.source, field),
        authority.is_authoritative(&ours.source, field),
    ) {
        (true, false) => true,
        (false, true) => false,
        _ => theirs.recorded_at > ours.recorded_at,
    }
}

/// Takes the absorbed record's value if it prevails; returns the value it
/// replaced.
fn take_required<T: PartialEq + Clone>(
    authority: &dyn Authority,
    field: RecordField,
    slot: &mut Sourced<T>,
    theirs: &Sourced<T>,
) -> Option<Sourced<T>> {
    if slot.value != theirs.value
        && prevails(authority, field, &theirs.provenance, &slot.provenance)
    {
        Some(std::mem::replace(slot, theirs.clone()))
    } else {
        None
    }
}

/// As [`take_required`]; a value fills an empty slot.
fn take_optional<T: PartialEq + Clone>(
    authority: &dyn Authority,
    field: RecordField,
    slot: &mut Option<Sourced<T>>,
    theirs: &Sourced<T>,
) -> Option<Sourced<T>> {
    match slot {
        None => {
            *slot = Some(theirs.clone());
            None
        }
        Some(ours) => take_required(authority, field, ours, theirs),
    }
}

/// The survivor with everything the absorbed record holds folded in.
pub fn absorb(authority: &dyn Authority, survivor: &Child, absorbed: &Child) -> Child {
    let mut out = survivor.clone();
    let name = &absorbed.name;
    match take_required(authority, RecordField::Name, &mut out.name, name) {
        Some(replaced) => remember(&mut out.previous_names, replaced),
        None if name.value != out.name.value => remember(&mut out.previous_names, name.clone()),
        None => {}
    }
    for previous in &absorbed.previous_names {
        if previous.value != out.name.value {
            remember(&mut out.previous_names, previous.clone());
        }
    }
    if let Some(preferred) = &absorbed.preferred_given_name {
        take_optional(
            authority,
            RecordField::Name,
            &mut out.preferred_given_name,
            preferred,
        );
    }
    // An unknown gender says nothing against a known one.
    if absorbed.gender.value != Gender::Unknown {
        let gender = &absorbed.gender;
        if out.gender.value == Gender::Unknown {
            out.gender = gender.clone();
        } else {
            take_required(authority, RecordField::Gender, &mut out.gender, gender);
        }
    }
    let born = &absorbed.date_of_birth;
    take_required(
        authority,
        RecordField::DateOfBirth,
        &mut out.date_of_birth,
        born,
    );
    if let Some(address) = &absorbed.address {
        match take_optional(authority, RecordField::Address, &mut out.address, address) {
            Some(replaced) => remember(&mut out.previous_addresses, replaced),
            None if out
                .address
                .as_ref()
                .is_some_and(|a| a.value != address.value) =>
            {
                remember(&mut out.previous_addresses, address.clone());
            }
            None => {}
        }
    }
    for previous in &absorbed.previous_addresses {
        if out
            .address
            .as_ref()
            .is_none_or(|a| a.value != previous.value)
        {
            remember(&mut out.previous_addresses, previous.clone());
        }
    }
    if let Some(nhs) = &absorbed.nhs_number {
        take_optional(authority, RecordField::NhsNumber, &mut out.nhs_number, nhs);
    }
    if let Some(upn) = &absorbed.upn {
        take_optional(authority, RecordField::Upn, &mut out.upn, upn);
    }
    if let Some(caf) = &absorbed.caf {
        take_optional(authority, RecordField::Caf, &mut out.caf, caf);
    }
    for record in &absorbed.source_records {
        if !out.source_records.contains(record) {
            out.source_records.push(record.clone());
        }
    }
    out.source_records.sort_by(|a, b| {
        (a.source.as_str(), a.record.as_str()).cmp(&(b.source.as_str(), b.record.as_str()))
    });
    take_newer_lists(&mut out.carers, &absorbed.carers);
    take_newer_lists(&mut out.involvements, &absorbed.involvements);
    // Recorded with consent by practitioners, not by feeds: all are kept.
    for involvement in &absorbed.sensitive_involvements {
        if !out.sensitive_involvements.contains(involvement) {
            out.sensitive_involvements.push(involvement.clone());
        }
    }
    // A shield on either record protects the child.
    if out.shield.is_none() {
        out.shield = absorbed.shield.clone();
    }
    out.extended_to_25 |= absorbed.extended_to_25;
    if let (RecordStatus::Active, RecordStatus::Deceased { .. }) = (out.status, absorbed.status) {
        out.status = absorbed.status;
    }
    out
}

/// Carers and services are each source's own list: per source, the more
/// recently received list of the two records wins.
fn take_newer_lists<T: Clone>(
    list: &mut Vec<contactpoint_domain::Sourced<T>>,
    other: &[contactpoint_domain::Sourced<T>],
) {
    let mut sources: Vec<_> = other.iter().map(|v| v.provenance.source.clone()).collect();
    sources.dedup();
    for source in sources {
        let latest = |values: &[contactpoint_domain::Sourced<T>]| {
            values
                .iter()
                .filter(|v| v.provenance.source == source)
                .map(|v| v.provenance.recorded_at)
                .max()
        };
        let (mine, theirs) = (latest(list), latest(other));
        if mine.is_none() || theirs > mine {
            list.retain(|v| v.provenance.source != source);
            list.extend(
                other
                    .iter()
                    .filter(|v| v.provenance.source == source)
                    .cloned(),
            );
        }
    }
}

/// Why a record cannot take part in a merge, if it cannot.
fn not_current(child: &Child) -> Option<&'static str> {
    match child.status {
        RecordStatus::Active | RecordStatus::Deceased { .. } => None,
        RecordStatus::Archived { .. } => Some("archived"),
        RecordStatus::Merged { .. } => Some("already merged into another"),
    }
}

async fn by_contactpoint_id<S: Store>(
    store: &S,
    id: ContactPointId,
    side: Side,
) -> Result<StoredChild, MergeError> {
    match store.child_by_contactpoint_id(id).await {
        Ok(child) => Ok(child),
        Err(Error::NotFound) => Err(MergeError::NoSuchChild(side)),
        Err(other) => Err(other.into()),
    }
}

/// The merge not yet undone that `child` is the survivor of, newest first.
async fn open_merge_held<S: Store>(store: &S, child: ChildId) -> Result<Option<Merge>, Error> {
    Ok(store
        .merges_of(child)
        .await?
        .into_iter()
        .find(|m| m.survivor == child && m.undone_at.is_none()))
}

/// Merges the record `absorbed` into `survivor`, with authority as the
/// registered sources declare it.
pub async fn merge_children<S: Store>(
    store: &S,
    survivor: ContactPointId,
    absorbed: ContactPointId,
    at: OffsetDateTime,
) -> Result<Merged, MergeError> {
    if survivor == absorbed {
        return Err(MergeError::SameChild);
    }
    let kept = by_contactpoint_id(store, survivor, Side::Survivor).await?;
    let gone = by_contactpoint_id(store, absorbed, Side::Absorbed).await?;
    for (child, side) in [(&kept, Side::Survivor), (&gone, Side::Absorbed)] {
        if let Some(why) = not_current(&child.child) {
            return Err(MergeError::NotCurrent(side, why));
        }
    }
    // The absorbed record's own merge could not be undone once it is gone.
    if let Some(held) = open_merge_held(store, gone.child.id).await? {
        return Err(MergeError::HoldsMerge(Side::Absorbed, held.id));
    }
    let (k, g) = (&kept.child, &gone.child);
    if let (Some(a), Some(b)) = (&k.nhs_number, &g.nhs_number)
        && a.value != b.value
    {
        return Err(MergeError::ConflictingIdentifier("NHS number"));
    }
    if let (Some(a), Some(b)) = (&k.upn, &g.upn)
        && a.value != b.value
    {
        return Err(MergeError::ConflictingIdentifier("Unique Pupil Number"));
    }
    let registry = Registry(store.sources().await?);
    let joined = absorb(&registry, k, g);
    let mut folded = g.clone();
    folded.source_records.clear();
    folded.status = RecordStatus::Merged {
        into: k.id,
        merged_on: at.date(),
    };
    let merge = Merge {
        id: MergeId::new(),
        survivor: k.id,
        absorbed: g.id,
        survivor_version: kept.version,
        absorbed_version: gone.version,
        merged_at: at,
        undone_at: None,
    };
    let survivor_update = ChildUpdate {
        child: joined,
        previous: kept,
    };
    let absorbed_update = ChildUpdate {
        child: folded,
        previous: gone,
    };
    store
        .merge_children(&merge, &survivor_update, &absorbed_update)
        .await?;
    Ok(Merged {
        id: merge.id,
        survivor,
        absorbed,
    })
}

/// Undoes a merge: both records start again from their versions just
/// before it, and each feed record applied since goes to the record its
/// source record belonged to. A later merge into the same survivor must be
/// undone first.
pub async fn unmerge<S: Store>(
    store: &S,
    id: MergeId,
    at: OffsetDateTime,
) -> Result<Unmerged, MergeError> {
    let merge = match store.merge(id).await {
        Ok(merge) => merge,
        Err(Error::NotFound) => return Err(MergeError::NoSuchMerge),
        Err(other) => return Err(other.into()),
    };
    if merge.undone_at.is_some() {
        return Err(MergeError::AlreadyUndone);
    }
    if let Some(latest) = open_merge_held(store, merge.survivor).await?
        && latest.id != merge.id
    {
        return Err(MergeError::LaterMerge(latest.id));
    }
    let mut survivor = store
        .child_version(merge.survivor, merge.survivor_version)
        .await?;
    let mut restored = store
        .child_version(merge.absorbed, merge.absorbed_version)
        .await?;
    let registry = Registry(store.sources().await?);
    let belonged = restored.source_records.clone();
    let mut replayed = Vec::new();
    let mut on_survivor = 0;
    for (seq, update) in store.merge_updates(merge.id).await? {
        let record: FeedRecord =
            serde_json::from_str(&update.record).map_err(|e| MergeError::Log(e.to_string()))?;
        if belonged.contains(&update.source_record) {
            restored = apply(&registry, &restored, &record, update.received_at);
            replayed.push(seq);
        } else {
            survivor = apply(&registry, &survivor, &record, update.received_at);
            on_survivor += 1;
        }
    }
    let mut current = store.children(&[merge.survivor, merge.absorbed]).await?;
    let (Some(now_absorbed), Some(now_survivor)) = (current.pop(), current.pop()) else {
        return Err(Error::NotFound.into());
    };
    keep_what_people_recorded(&now_survivor.child, &mut survivor, &mut restored);
    let (kept_id, restored_id) = (now_survivor.child.contactpoint_id, restored.contactpoint_id);
    store
        .unmerge_children(
            merge.id,
            &ChildUpdate {
                child: survivor,
                previous: now_survivor,
            },
            &ChildUpdate {
                child: restored,
                previous: now_absorbed,
            },
            &replayed,
            at,
        )
        .await?;
    Ok(Unmerged {
        survivor: kept_id,
        restored: restored_id,
        replayed_on_restored: replayed.len(),
        replayed_on_survivor: on_survivor,
    })
}

/// What people, not feeds, recorded on the merged record while it stood:
/// its shield (the team's latest word) stays on the survivor and, for
/// safety, covers the restored record too until the team decides; a
/// sensitive involvement recorded meanwhile stays on the survivor.
fn keep_what_people_recorded(merged: &Child, survivor: &mut Child, restored: &mut Child) {
    survivor.shield = merged.shield.clone();
    if restored.shield.is_none() {
        restored.shield = merged.shield.clone();
    }
    for involvement in &merged.sensitive_involvements {
        if !survivor.sensitive_involvements.contains(involvement)
            && !restored.sensitive_involvements.contains(involvement)
        {
            survivor.sensitive_involvements.push(involvement.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use contactpoint_domain::{
        Address, Label, Name, Postcode, Shield, SourceId, SourceRecordId, SourceRecordRef,
    };
    use time::macros::{date, datetime};

    use super::*;
    use crate::survivorship::{NoAuthority, new_child};

    const T1: OffsetDateTime = datetime!(2026-11-01 09:00 UTC);
    const T2: OffsetDateTime = datetime!(2026-11-20 09:00 UTC);

    struct HealthOwnsNames;

    impl Authority for HealthOwnsNames {
        fn is_authoritative(
            &self,
            source: &contactpoint_domain::SourceId,
            field: RecordField,
        ) -> bool {
            source.as_str() == "nhs-pds" && field == RecordField::Name
        }
    }

    fn child(source: &str, given: &str, postcode: &str, at: OffsetDateTime) -> Child {
        let mut r = FeedRecord::new(SourceRecordRef {
            source: SourceId::parse(source).unwrap(),
            record: SourceRecordId::parse("R1").unwrap(),
        });
        r.given_name = Some(Name::parse(given).unwrap());
        r.family_name = Some(Name::parse("Okonkwo").unwrap());
        r.date_of_birth = Some(date!(2019 - 04 - 03));
        r.address = Some(
            Address::new(
                vec![Label::parse("1 High Street").unwrap()],
                None,
                Postcode::parse(postcode).unwrap(),
            )
            .unwrap(),
        );
        new_child(&r, ChildId::new(), ContactPointId::from_sequence(1), at).unwrap()
    }

    #[test]
    fn the_absorbed_records_names_and_addresses_stay_searchable_as_previous_ones() {
        let survivor = child("school-census", "Amelia", "LS6 2AB", T2);
        let absorbed = child("youth-justice", "Millie", "M1 1AE", T1);

        let joined = absorb(&NoAuthority, &survivor, &absorbed);

        assert_eq!(joined.name, survivor.name);
        assert_eq!(joined.previous_names, vec![absorbed.name.clone()]);
        assert_eq!(joined.address, survivor.address);
        assert_eq!(
            joined.previous_addresses,
            vec![absorbed.address.clone().unwrap()]
        );
        assert_eq!(joined.source_records.len(), 2);
    }

    #[test]
    fn an_authoritative_source_wins_over_a_newer_one_and_a_tie_keeps_the_survivors_value() {
        let survivor = child("school-census", "Amelia", "LS6 2AB", T2);
        let absorbed = child("nhs-pds", "Amélie", "LS6 2AB", T1);
        let twin = child("youth-justice", "Millie", "LS6 2AB", T2);

        let by_authority = absorb(&HealthOwnsNames, &survivor, &absorbed);
        let by_tie = absorb(&NoAuthority, &survivor, &twin);

        assert_eq!(by_authority.name, absorbed.name);
        assert_eq!(by_authority.previous_names, vec![survivor.name.clone()]);
        assert_eq!(by_tie.name, survivor.name);
    }

    #[test]
    fn a_shield_on_either_record_shields_the_merged_one() {
        let survivor = child("school-census", "Amelia", "LS6 2AB", T1);
        let mut absorbed = child("nhs-pds", "Amelia", "LS6 2AB", T1);
        absorbed.shield = Some(Shield {
            since: T1,
            set_by: Label::parse("Leeds local management team").unwrap(),
        });

        let joined = absorb(&NoAuthority, &survivor, &absorbed);

        assert_eq!(joined.shield, absorbed.shield);
    }
}
