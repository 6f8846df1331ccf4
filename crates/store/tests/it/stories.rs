//! What every backend must do, written once.

use contactpoint_domain::{
    ContactPointId, Label, Name, PersonName, Shield, SourceId, SourceRecordId, SourceRecordRef,
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
    a_stale_update_is_refused_and_changes_nothing,
    a_batch_with_a_duplicate_is_refused_whole,
    a_large_batch_is_stored_and_counted,
    size_on_disk_grows_with_the_data,
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
