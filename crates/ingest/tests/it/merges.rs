//! Merging two records of one child and undoing it, through the importer
//! and a real store.

use contactpoint_domain::{ContactPointId, Name, RecordStatus};
use contactpoint_ingest::{
    FeedRecord, Importer, MergeError, NoAuthority, Outcome, Side, merge_children, unmerge,
};
use contactpoint_store::Store;
use time::OffsetDateTime;
use time::macros::{date, datetime};

use crate::pipeline::{address, record};

crate::on_both_backends!(
    an_unmerge_restores_both_records_with_later_updates_on_the_right_one,
    a_merge_is_refused_when_the_records_cannot_be_one_child,
    merges_into_one_record_are_undone_last_first,
);

const AT: OffsetDateTime = datetime!(2026-11-25 09:00 UTC);
const MERGED_AT: OffsetDateTime = datetime!(2026-11-26 09:00 UTC);
const LATER: OffsetDateTime = datetime!(2026-11-27 09:00 UTC);

/// The same child as [`record`] says it, as a health record under names
/// too different to be linked automatically (known before a change of
/// name the feeds never told).
fn health_record() -> FeedRecord {
    let mut r = record("nhs-pds", "P1");
    r.given_name = Some(Name::parse("Chidinma").unwrap());
    r.family_name = Some(Name::parse("Bell").unwrap());
    r.date_of_birth = Some(date!(2019 - 03 - 04));
    r.nhs_number = None;
    r.address = Some(address("BD7 1DP"));
    r
}

async fn import_new(store: &impl Store, record: FeedRecord, at: OffsetDateTime) -> ContactPointId {
    let outcome = Importer::new(store, &NoAuthority)
        .import(record, at)
        .await
        .unwrap();
    match outcome {
        Outcome::New(id) => id,
        other => panic!("expected a new child, got {other:?}"),
    }
}

async fn an_unmerge_restores_both_records_with_later_updates_on_the_right_one(store: impl Store) {
    let school = import_new(&store, record("school-census", "S1"), AT).await;
    let health = import_new(&store, health_record(), AT).await;
    let before_school = store.child_by_contactpoint_id(school).await.unwrap().child;

    let merged = merge_children(&store, school, health, MERGED_AT)
        .await
        .unwrap();

    let joined = store.child_by_contactpoint_id(school).await.unwrap();
    assert_eq!(joined.child.source_records.len(), 2);
    assert!(
        joined
            .child
            .previous_names
            .iter()
            .any(|n| n.value.given.as_str() == "Chidinma"),
        "{:?}",
        joined.child.previous_names
    );
    let folded = store.child_by_contactpoint_id(health).await.unwrap().child;
    assert!(matches!(folded.status, RecordStatus::Merged { into, .. } if into == joined.child.id));
    // Each source's feed now updates the one record.
    let importer = Importer::new(&store, &NoAuthority);
    let mut moved = health_record();
    moved.address = Some(address("M1 1AE"));
    let mut renamed = record("school-census", "S1");
    renamed.preferred_given_name = Some(Name::parse("Mia").unwrap());
    for update in [moved, renamed] {
        let outcome = importer.import(update, LATER).await.unwrap();
        assert_eq!(outcome, Outcome::Updated(school));
    }

    let undone = unmerge(&store, merged.id, LATER).await.unwrap();

    assert_eq!(
        (undone.replayed_on_restored, undone.replayed_on_survivor),
        (1, 1)
    );
    let school_now = store.child_by_contactpoint_id(school).await.unwrap().child;
    let health_now = store.child_by_contactpoint_id(health).await.unwrap().child;
    assert_eq!(school_now.source_records, before_school.source_records);
    assert_eq!(school_now.previous_names, before_school.previous_names);
    assert_eq!(school_now.postcode().unwrap().as_str(), "LS6 2AB");
    assert_eq!(
        school_now
            .preferred_given_name
            .as_ref()
            .unwrap()
            .value
            .as_str(),
        "Mia"
    );
    assert_eq!(health_now.status, RecordStatus::Active);
    assert_eq!(health_now.name.value.given.as_str(), "Chidinma");
    assert_eq!(health_now.postcode().unwrap().as_str(), "M1 1AE");
    assert_eq!(
        health_now.previous_addresses[0].value.postcode().as_str(),
        "BD7 1DP"
    );
    assert_eq!(health_now.source_records, health_record_refs());
    // Each source record updates its own child again.
    let again = importer.import(health_record(), LATER).await.unwrap();
    assert_eq!(again, Outcome::Updated(health));
    assert!(matches!(
        unmerge(&store, merged.id, LATER).await,
        Err(MergeError::AlreadyUndone)
    ));
    // Both versions around the merge stay in the histories.
    assert_eq!(store.child_history(joined.child.id).await.unwrap().len(), 4);
}

fn health_record_refs() -> Vec<contactpoint_domain::SourceRecordRef> {
    vec![health_record().source_record]
}

async fn a_merge_is_refused_when_the_records_cannot_be_one_child(store: impl Store) {
    let school = import_new(&store, record("school-census", "S1"), AT).await;
    let mut other = health_record();
    other.nhs_number = Some(contactpoint_domain::NhsNumber::parse("9876543210").unwrap());
    let conflicting = import_new(&store, other, AT).await;
    let unknown = ContactPointId::from_sequence(424_242);

    let same = merge_children(&store, school, school, MERGED_AT).await;
    let missing = merge_children(&store, school, unknown, MERGED_AT).await;
    let identifiers = merge_children(&store, school, conflicting, MERGED_AT).await;

    assert!(matches!(same, Err(MergeError::SameChild)), "{same:?}");
    assert!(
        matches!(missing, Err(MergeError::NoSuchChild(Side::Absorbed))),
        "{missing:?}"
    );
    assert!(
        matches!(identifiers, Err(MergeError::ConflictingIdentifier(_))),
        "{identifiers:?}"
    );
    assert!(store.recent_merges(10).await.unwrap().is_empty());
    assert_eq!(
        store
            .child_by_contactpoint_id(school)
            .await
            .unwrap()
            .version,
        1
    );
}

async fn merges_into_one_record_are_undone_last_first(store: impl Store) {
    let school = import_new(&store, record("school-census", "S1"), AT).await;
    let health = import_new(&store, health_record(), AT).await;
    let mut third = health_record();
    third.source_record = record("youth-justice", "Y1").source_record;
    third.given_name = Some(Name::parse("Ngozi").unwrap());
    third.family_name = Some(Name::parse("Adeyemi").unwrap());
    third.address = Some(address("HX1 1AA"));
    let youth = import_new(&store, third, AT).await;
    let first = merge_children(&store, school, health, MERGED_AT)
        .await
        .unwrap();
    let second = merge_children(&store, school, youth, LATER).await.unwrap();

    let early = unmerge(&store, first.id, LATER).await;
    let refold = merge_children(&store, health, school, LATER).await;

    assert!(
        matches!(early, Err(MergeError::LaterMerge(id)) if id == second.id),
        "{early:?}"
    );
    assert!(
        matches!(refold, Err(MergeError::NotCurrent(Side::Survivor, _))),
        "{refold:?}"
    );
    unmerge(&store, second.id, LATER).await.unwrap();
    unmerge(&store, first.id, LATER).await.unwrap();
    let school_now = store.child_by_contactpoint_id(school).await.unwrap().child;
    assert_eq!(school_now.source_records.len(), 1);
    for id in [health, youth] {
        let child = store.child_by_contactpoint_id(id).await.unwrap().child;
        assert_eq!(child.status, RecordStatus::Active);
    }
}
