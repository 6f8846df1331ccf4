//! What every backend must do, written once.

use contactpoint_domain::{
    Child, ContactPointId, Label, Name, PersonName, Shield, SourceId, SourceRecordId,
    SourceRecordRef,
};
use contactpoint_store::{Error, Store};
use time::macros::datetime;

use crate::fixtures::child;

crate::conformance!(
    a_child_reads_back_exactly_as_stored,
    a_child_is_found_by_its_contactpoint_id,
    a_source_record_leads_to_its_child,
    an_unknown_child_is_not_found,
    an_update_keeps_the_previous_version_in_the_history,
    every_version_reads_as_it_was_after_later_updates,
    a_stale_update_is_refused_and_changes_nothing,
    a_batch_with_a_duplicate_is_refused_whole,
    a_source_record_of_one_child_is_refused_for_another,
    a_large_batch_is_stored_and_counted,
    size_on_disk_grows_with_the_data,
    a_misspelt_query_with_a_swapped_date_finds_its_child,
    a_previous_surname_with_the_current_postcode_finds_the_child,
    a_name_changed_without_history_is_no_longer_found_by_the_old_one,
    archived_children_are_never_candidates,
    candidates_are_capped_and_best_first,
);

async fn a_child_reads_back_exactly_as_stored(store: impl Store) {
    let stored = child(1);
    store
        .insert_children(std::slice::from_ref(&stored))
        .await
        .unwrap();

    let read = store.child(stored.id).await.unwrap();

    assert_eq!(read.child, stored);
    assert_eq!(read.version, 1);
}

async fn a_child_is_found_by_its_contactpoint_id(store: impl Store) {
    let children = vec![child(1), child(2)];
    store.insert_children(&children).await.unwrap();

    let read = store
        .child_by_contactpoint_id(ContactPointId::from_sequence(2))
        .await
        .unwrap();

    assert_eq!(read.child.id, children[1].id);
}

async fn a_source_record_leads_to_its_child(store: impl Store) {
    let stored = child(7);
    store
        .insert_children(std::slice::from_ref(&stored))
        .await
        .unwrap();
    let known = stored.source_records[1].clone();
    let unknown = SourceRecordRef {
        source: SourceId::parse("school-census").unwrap(),
        record: SourceRecordId::parse("S999999").unwrap(),
    };

    assert_eq!(
        store.child_by_source_record(&known).await.unwrap(),
        Some(stored.id)
    );
    assert_eq!(store.child_by_source_record(&unknown).await.unwrap(), None);
}

async fn an_unknown_child_is_not_found(store: impl Store) {
    let missing = child(3);

    let by_id = store.child(missing.id).await;
    let by_cp = store
        .child_by_contactpoint_id(missing.contactpoint_id)
        .await;

    assert!(matches!(by_id, Err(Error::NotFound)), "{by_id:?}");
    assert!(matches!(by_cp, Err(Error::NotFound)), "{by_cp:?}");
}

async fn an_update_keeps_the_previous_version_in_the_history(store: impl Store) {
    let original = child(4);
    store
        .insert_children(std::slice::from_ref(&original))
        .await
        .unwrap();
    let mut moved = original.clone();
    moved.name.value = PersonName {
        given: Name::parse("Amelia").unwrap(),
        family: Name::parse("Okonkwo-Reid").unwrap(),
    };
    moved.carers.clear();
    moved.shield = Some(Shield {
        since: datetime!(2026-11-20 10:00 UTC),
        set_by: Label::parse("Leeds local management team").unwrap(),
    });

    let before = store.child(original.id).await.unwrap();
    let version = store.update_child(&moved, 1).await.unwrap();

    assert_eq!(version, 2);
    let current = store.child(original.id).await.unwrap();
    assert_eq!(current.child, moved);
    assert_eq!(current.version, 2);
    let history = store.child_history(original.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].version, 1);
    assert_eq!(history[0].child, original);
    assert_eq!(history[0].recorded_at, before.updated_at);
    assert!(history[0].superseded_at >= before.updated_at);
}

async fn every_version_reads_as_it_was_after_later_updates(store: impl Store) {
    let original = child(6);
    store
        .insert_children(std::slice::from_ref(&original))
        .await
        .unwrap();
    let mut second = original.clone();
    second.upn = None;
    second.carers.clear();
    let mut third = second.clone();
    third.name.value = PersonName {
        given: Name::parse("Amelia").unwrap(),
        family: Name::parse("Okonkwo-Reid").unwrap(),
    };
    third.previous_names.push(second.name.clone());

    store.update_child(&second, 1).await.unwrap();
    store.update_child(&third, 2).await.unwrap();

    let history = store.child_history(original.id).await.unwrap();
    let versions: Vec<(i32, &Child)> = history.iter().map(|v| (v.version, &v.child)).collect();
    assert_eq!(versions, [(1, &original), (2, &second)]);
    assert_eq!(store.child_version(original.id, 1).await.unwrap(), original);
    assert_eq!(store.child_version(original.id, 2).await.unwrap(), second);
    let current = store.child_version(original.id, 3).await;
    assert!(matches!(current, Err(Error::NotFound)), "{current:?}");
}

async fn a_stale_update_is_refused_and_changes_nothing(store: impl Store) {
    let original = child(5);
    store
        .insert_children(std::slice::from_ref(&original))
        .await
        .unwrap();
    let mut first = original.clone();
    first.carers.clear();
    store.update_child(&first, 1).await.unwrap();
    let mut second = original.clone();
    second.involvements.clear();

    let result = store.update_child(&second, 1).await;

    assert!(matches!(result, Err(Error::Conflict(_))), "{result:?}");
    assert_eq!(store.child(original.id).await.unwrap().child, first);
    assert_eq!(store.child_history(original.id).await.unwrap().len(), 1);
}

async fn a_batch_with_a_duplicate_is_refused_whole(store: impl Store) {
    let first = child(10);
    store
        .insert_children(std::slice::from_ref(&first))
        .await
        .unwrap();
    // A new child that reuses the first one's ContactPoint ID.
    let mut clash = child(10);
    clash.source_records.clear();

    let result = store.insert_children(&[child(11), clash]).await;

    assert!(matches!(result, Err(Error::Conflict(_))), "{result:?}");
    assert_eq!(store.count_children().await.unwrap(), 1);
}

async fn a_source_record_of_one_child_is_refused_for_another(store: impl Store) {
    let first = child(20);
    store
        .insert_children(std::slice::from_ref(&first))
        .await
        .unwrap();
    let mut taker = child(21);
    taker.source_records = first.source_records.clone();
    let (mut twice, mut again) = (child(22), child(23));
    again.source_records = twice.source_records.clone();
    twice
        .source_records
        .push(child(24).source_records[0].clone());

    let taken = store.insert_children(&[child(25), taker]).await;
    let doubled = store.insert_children(&[twice, again]).await;

    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
    assert!(matches!(doubled, Err(Error::Conflict(_))), "{doubled:?}");
    assert_eq!(store.count_children().await.unwrap(), 1);
    let record = &first.source_records[0];
    assert_eq!(
        store.child_by_source_record(record).await.unwrap(),
        Some(first.id)
    );
}

async fn a_large_batch_is_stored_and_counted(store: impl Store) {
    let children: Vec<_> = (100..2_600).map(child).collect();

    for batch in children.chunks(1_000) {
        store.insert_children(batch).await.unwrap();
    }

    assert_eq!(store.count_children().await.unwrap(), 2_500);
    let last = store.child(children[2_499].id).await.unwrap();
    assert_eq!(last.child, children[2_499]);
}

async fn size_on_disk_grows_with_the_data(store: impl Store) {
    let empty = store.size_on_disk().await.unwrap();
    let children: Vec<_> = (0..500).map(child).collect();
    store.insert_children(&children).await.unwrap();
    store.ping().await.unwrap();

    assert!(store.size_on_disk().await.unwrap() > empty);
}

/// The blocking-key hashes of what a practitioner typed.
fn query_keys(
    forename: &str,
    surname: &str,
    dob: Option<(i32, u8, u8)>,
    postcode: Option<&str>,
) -> Vec<i64> {
    let source = contactpoint_linkage::KeySource {
        forenames: vec![forename],
        surnames: vec![surname],
        date_of_birth: dob,
        birth_year: None,
        postcodes: postcode.into_iter().collect(),
    };
    contactpoint_linkage::blocking_keys(&source)
        .iter()
        .map(|k| k.hash)
        .collect()
}

/// The children sharing at least `min_shared` of `keys`, by id.
async fn candidate_ids(
    store: &impl Store,
    keys: &[i64],
    min_shared: u32,
    limit: usize,
) -> Vec<contactpoint_domain::ChildId> {
    let found = store.candidates(keys, min_shared, limit).await.unwrap();
    found.into_iter().map(|c| c.summary.child_id).collect()
}

async fn a_misspelt_query_with_a_swapped_date_finds_its_child(store: impl Store) {
    let stored = child(20);
    store
        .insert_children(&[stored.clone(), child(21)])
        .await
        .unwrap();

    let keys = query_keys("Amelia", "Okonkow", Some((2019, 3, 4)), None);
    let found = candidate_ids(&store, &keys, 1, 50).await;

    assert!(found.contains(&stored.id), "{found:?}");
}

async fn a_previous_surname_with_the_current_postcode_finds_the_child(store: impl Store) {
    // The fixture was Amelia Smith at LS7 1QD, now Amelia Okonkwo at LS6 2AB.
    let stored = child(22);
    store
        .insert_children(std::slice::from_ref(&stored))
        .await
        .unwrap();

    let keys = query_keys("", "Smith", None, Some("LS6 2AB"));
    let found = candidate_ids(&store, &keys, 1, 50).await;

    assert_eq!(found, vec![stored.id]);
}

async fn a_name_changed_without_history_is_no_longer_found_by_the_old_one(store: impl Store) {
    let original = child(23);
    store
        .insert_children(std::slice::from_ref(&original))
        .await
        .unwrap();
    let mut renamed = original.clone();
    renamed.previous_names.clear();
    renamed.name.value = PersonName {
        given: Name::parse("Zofia").unwrap(),
        family: Name::parse("Nowak").unwrap(),
    };
    store.update_child(&renamed, 1).await.unwrap();

    let old = candidate_ids(
        &store,
        &query_keys("", "Okonkwo", None, Some("LS6 2AB")),
        1,
        50,
    )
    .await;
    let new = candidate_ids(
        &store,
        &query_keys("Zofia", "Nowak", Some((2019, 4, 3)), None),
        1,
        50,
    )
    .await;

    assert!(old.is_empty(), "{old:?}");
    assert_eq!(new, vec![original.id]);
}

async fn archived_children_are_never_candidates(store: impl Store) {
    let original = child(24);
    store
        .insert_children(std::slice::from_ref(&original))
        .await
        .unwrap();
    let mut archived = original.clone();
    archived.status = contactpoint_domain::RecordStatus::Archived {
        archived_on: time::macros::date!(2026 - 11 - 01),
    };
    store.update_child(&archived, 1).await.unwrap();

    let found = candidate_ids(
        &store,
        &query_keys("Amelia", "Okonkwo", Some((2019, 4, 3)), None),
        1,
        50,
    )
    .await;

    assert!(found.is_empty(), "{found:?}");
}

async fn candidates_are_capped_and_best_first(store: impl Store) {
    let alike: Vec<_> = (30..60).map(child).collect();
    store.insert_children(&alike).await.unwrap();
    let mut older = child(61);
    older.date_of_birth.value = time::macros::date!(2012 - 08 - 20);
    store
        .insert_children(std::slice::from_ref(&older))
        .await
        .unwrap();

    let everyone = query_keys("Amelia", "Okonkwo", Some((2019, 4, 3)), Some("LS6 2AB"));
    let capped = candidate_ids(&store, &everyone, 1, 10).await;
    let all = candidate_ids(&store, &everyone, 1, 100).await;
    let unrelated = candidate_ids(
        &store,
        &query_keys("Grace", "Mensah", Some((2010, 1, 1)), None),
        1,
        10,
    )
    .await;

    assert_eq!(capped.len(), 10);
    // The older child shares only the postcode-and-surname key: last.
    assert_eq!(all.len(), 31);
    assert_eq!(all.last(), Some(&older.id));
    assert!(unrelated.is_empty());
    assert!(store.candidates(&[], 1, 10).await.unwrap().is_empty());
    // Fresh statistics change plans, never answers.
    store.analyze().await.unwrap();
    assert_eq!(store.candidates(&everyone, 1, 100).await.unwrap().len(), 31);
    // Only the older child shares a single key: asking for two leaves it out.
    let two = store.candidates(&everyone, 2, 100).await.unwrap();
    assert_eq!(two.len(), 30);
    assert!(two.iter().all(|c| c.summary.child_id != older.id));
}
