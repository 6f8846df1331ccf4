//! Merges as the store keeps them: both records replaced and the merge
//! recorded in one transaction, the survivor's feed log, and an unmerge
//! that closes the merge once.

use contactpoint_domain::{Child, MergeId, RecordStatus};
use contactpoint_store::{
    ChildUpdate, Error, ImportWrites, Merge, MergeUpdate, Store, child_search_keys,
};
use time::macros::{date, datetime};

use crate::fixtures::child;

crate::conformance!(
    a_merge_replaces_both_records_and_moves_the_source_records,
    a_source_record_moved_by_a_merge_and_back_keeps_its_digest,
    a_stale_merge_writes_nothing,
    feed_records_applied_to_a_survivor_are_logged_until_the_merge_is_undone,
    a_merge_is_undone_once,
);

/// A merge of two children at their first versions.
fn first_merge(survivor: &Child, absorbed: &Child) -> Merge {
    Merge {
        id: MergeId::new(),
        survivor: survivor.id,
        absorbed: absorbed.id,
        survivor_version: 1,
        absorbed_version: 1,
        merged_at: datetime!(2026-12-01 10:00 UTC),
        undone_at: None,
    }
}

/// Merges child 2 into child 1 as the ingest would: the survivor takes the
/// other's source records, the other is marked merged.
async fn merge_two(store: &impl Store) -> (Merge, ChildUpdate, ChildUpdate) {
    let (survivor, absorbed) = (child(1), child(2));
    store
        .insert_children(&[survivor.clone(), absorbed.clone()])
        .await
        .unwrap();
    merge_held(store, &survivor, &absorbed).await
}

/// Merges `absorbed` into `survivor`, both held at their first versions.
async fn merge_held(
    store: &impl Store,
    survivor: &Child,
    absorbed: &Child,
) -> (Merge, ChildUpdate, ChildUpdate) {
    let (before_s, before_a) = (
        store.child(survivor.id).await.unwrap(),
        store.child(absorbed.id).await.unwrap(),
    );
    let mut joined = survivor.clone();
    joined
        .source_records
        .extend(absorbed.source_records.iter().cloned());
    // In the order the stores read them back.
    joined.source_records.sort_by(|a, b| {
        (a.source.as_str(), a.record.as_str()).cmp(&(b.source.as_str(), b.record.as_str()))
    });
    let mut gone = absorbed.clone();
    gone.source_records.clear();
    gone.status = RecordStatus::Merged {
        into: survivor.id,
        merged_on: date!(2026 - 12 - 01),
    };
    let merge = first_merge(survivor, absorbed);
    let s = ChildUpdate {
        child: joined,
        previous: before_s,
    };
    let a = ChildUpdate {
        child: gone,
        previous: before_a,
    };
    store.merge_children(&merge, &s, &a).await.unwrap();
    (merge, s, a)
}

/// Both children of `merge` as they were before it, as an unmerge writes
/// them back over what they are now.
async fn as_before(
    store: &impl Store,
    merge: &Merge,
    survivor: &ChildUpdate,
    absorbed: &ChildUpdate,
) -> (ChildUpdate, ChildUpdate) {
    let back = |u: &ChildUpdate, stored| ChildUpdate {
        child: u.previous.child.clone(),
        previous: stored,
    };
    (
        back(survivor, store.child(merge.survivor).await.unwrap()),
        back(absorbed, store.child(merge.absorbed).await.unwrap()),
    )
}

async fn a_merge_replaces_both_records_and_moves_the_source_records(store: impl Store) {
    let (merge, s, a) = merge_two(&store).await;

    let survivor = store.child(merge.survivor).await.unwrap();
    let absorbed = store.child(merge.absorbed).await.unwrap();
    assert_eq!((&survivor.child, survivor.version), (&s.child, 2));
    assert!(survivor.survives_merge);
    assert_eq!(absorbed.child, a.child);
    assert!(!absorbed.survives_merge);
    let moved = &a.previous.child.source_records[0];
    assert_eq!(
        store.child_by_source_record(moved).await.unwrap(),
        Some(merge.survivor)
    );
    assert_eq!(store.merge(merge.id).await.unwrap(), merge);
    assert_eq!(
        store.merges_of(merge.absorbed).await.unwrap(),
        vec![merge.clone()]
    );
    assert_eq!(store.recent_merges(10).await.unwrap(), vec![merge.clone()]);
    assert_eq!(
        store.child_version(merge.absorbed, 1).await.unwrap(),
        a.previous.child
    );
    // The merged record is never found.
    let keys = child_search_keys(&a.previous.child);
    let found = store.candidates(&keys, 1, 10).await.unwrap();
    assert!(
        found.iter().all(|c| c.summary.child_id != merge.absorbed),
        "{found:?}"
    );
}

async fn a_source_record_moved_by_a_merge_and_back_keeps_its_digest(store: impl Store) {
    let (survivor, absorbed) = (child(1), child(2));
    store
        .insert_children(&[survivor.clone(), absorbed.clone()])
        .await
        .unwrap();
    let moved = &absorbed.source_records[0];
    store
        .set_record_digest(moved, "what it said")
        .await
        .unwrap();

    let (merge, s, a) = merge_held(&store, &survivor, &absorbed).await;

    let states = store
        .source_record_states(std::slice::from_ref(moved))
        .await
        .unwrap();
    assert_eq!(states[0].linked.map(|(id, _)| id), Some(survivor.id));
    assert_eq!(states[0].digest.as_deref(), Some("what it said"));

    // Undone, the record goes back with it.
    let (restored, unmerged) = as_before(&store, &merge, &s, &a).await;
    let at = datetime!(2026-12-03 09:00 UTC);
    store
        .unmerge_children(merge.id, &restored, &unmerged, &[], at)
        .await
        .unwrap();
    let states = store
        .source_record_states(std::slice::from_ref(moved))
        .await
        .unwrap();
    assert_eq!(states[0].linked.map(|(id, _)| id), Some(absorbed.id));
    assert_eq!(
        store.record_digest(moved).await.unwrap().as_deref(),
        Some("what it said")
    );
}

async fn a_stale_merge_writes_nothing(store: impl Store) {
    let (survivor, absorbed) = (child(3), child(4));
    store
        .insert_children(&[survivor.clone(), absorbed.clone()])
        .await
        .unwrap();
    let read = store.child(absorbed.id).await.unwrap();
    let mut elsewhere = absorbed.clone();
    elsewhere.extended_to_25 = true;
    store.update_child(&elsewhere, 1).await.unwrap();
    let merge = first_merge(&survivor, &absorbed);
    let s = ChildUpdate {
        child: survivor.clone(),
        previous: store.child(survivor.id).await.unwrap(),
    };
    let a = ChildUpdate {
        child: absorbed.clone(),
        previous: read,
    };

    let outcome = store.merge_children(&merge, &s, &a).await;

    assert!(matches!(outcome, Err(Error::Conflict(_))), "{outcome:?}");
    assert!(matches!(store.merge(merge.id).await, Err(Error::NotFound)));
    assert_eq!(store.child(survivor.id).await.unwrap().version, 1);
}

fn update(merge: &Merge, record: &str) -> MergeUpdate {
    MergeUpdate {
        survivor: merge.survivor,
        source_record: child(9).source_records[0].clone(),
        record: record.into(),
        received_at: datetime!(2026-12-02 09:00 UTC),
    }
}

async fn feed_records_applied_to_a_survivor_are_logged_until_the_merge_is_undone(
    store: impl Store,
) {
    let (merge, s, a) = merge_two(&store).await;
    let writes = ImportWrites {
        merge_updates: vec![update(&merge, "{\"a\":1}"), update(&merge, "{\"b\":2}")],
        ..ImportWrites::default()
    };
    store.apply_import(&writes).await.unwrap();
    let logged = store.merge_updates(merge.id).await.unwrap();
    assert_eq!(
        logged
            .iter()
            .map(|(_, u)| u.record.as_str())
            .collect::<Vec<_>>(),
        ["{\"a\":1}", "{\"b\":2}"]
    );
    assert!(logged[0].0 < logged[1].0);

    let (survivor, absorbed) = as_before(&store, &merge, &s, &a).await;
    let at = datetime!(2026-12-03 09:00 UTC);
    store
        .unmerge_children(merge.id, &survivor, &absorbed, &[logged[0].0], at)
        .await
        .unwrap();

    // No merge of the survivor is left open: its whole log goes.
    assert!(store.merge_updates(merge.id).await.unwrap().is_empty());
    assert!(!store.child(merge.survivor).await.unwrap().survives_merge);
    assert_eq!(store.merge(merge.id).await.unwrap().undone_at, Some(at));
    let moved = &a.previous.child.source_records[0];
    assert_eq!(
        store.child_by_source_record(moved).await.unwrap(),
        Some(merge.absorbed)
    );
    assert_eq!(
        store.child(merge.absorbed).await.unwrap().child,
        a.previous.child
    );
}

async fn a_merge_is_undone_once(store: impl Store) {
    let (merge, s, a) = merge_two(&store).await;
    let (survivor, absorbed) = as_before(&store, &merge, &s, &a).await;
    let at = datetime!(2026-12-03 09:00 UTC);
    store
        .unmerge_children(merge.id, &survivor, &absorbed, &[], at)
        .await
        .unwrap();

    let again = store
        .unmerge_children(merge.id, &survivor, &absorbed, &[], at)
        .await;

    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    assert_eq!(store.child(merge.survivor).await.unwrap().version, 3);
}
