//! The batch reads and writes an import makes: the same answers as the
//! one-at-a-time calls, and a batch written all or not at all.

use contactpoint_domain::{
    Label, ReviewId, ReviewStatus, Shield, SourceId, SourceRecordId, SourceRecordRef,
};
use contactpoint_store::{
    ChildUpdate, Error, ImportWrites, Review, Store, StoredChild, child_search_keys,
};
use time::macros::datetime;

use crate::fixtures::{child, person};

crate::conformance!(
    many_children_read_back_in_the_order_asked,
    source_record_states_tell_the_link_the_digest_and_an_open_review,
    an_import_batch_writes_children_updates_digests_and_reviews_together,
    an_import_batch_with_a_stale_update_writes_nothing,
    a_batch_of_key_sets_finds_what_each_set_finds_alone,
    a_batch_of_name_counts_equals_the_counts_one_by_one,
    an_update_writes_what_changed_and_reads_back_whole,
    an_update_of_the_summary_alone_rewrites_the_profile_and_keeps_the_keys,
    the_children_a_waiting_review_names_are_known_until_it_is_decided,
    an_import_batch_records_its_versions_at_the_time_it_names,
    a_feed_s_batches_are_found_before_and_after_their_held_keys_are_indexed,
);

fn record(source: &str, id: &str) -> SourceRecordRef {
    SourceRecordRef {
        source: SourceId::parse(source).unwrap(),
        record: SourceRecordId::parse(id).unwrap(),
    }
}

/// An import that writes one update and nothing else.
fn one_update(child: contactpoint_domain::Child, previous: StoredChild) -> ImportWrites {
    ImportWrites {
        updates: vec![ChildUpdate { child, previous }],
        ..ImportWrites::default()
    }
}

fn review(on: SourceRecordRef, candidate: contactpoint_domain::ChildId) -> Review {
    Review {
        id: ReviewId::new(),
        source_record: on,
        record: r#"{"given_name":"Amelia"}"#.into(),
        candidate,
        probability: 0.75,
        evidence: "[]".into(),
        received_at: datetime!(2026-11-25 09:00 UTC),
        status: ReviewStatus::Pending,
    }
}

async fn many_children_read_back_in_the_order_asked(store: impl Store) {
    let children: Vec<_> = (1..=3).map(child).collect();
    store.insert_children(&children).await.unwrap();

    let read = store
        .children(&[children[2].id, children[0].id])
        .await
        .unwrap();
    let missing = store.children(&[children[1].id, child(9).id]).await;

    assert_eq!(read[0].child, children[2]);
    assert_eq!(read[1].child, children[0]);
    assert_eq!(read[1], store.child(children[0].id).await.unwrap());
    assert!(matches!(missing, Err(Error::NotFound)), "{missing:?}");
    assert!(store.children(&[]).await.unwrap().is_empty());
}

async fn source_record_states_tell_the_link_the_digest_and_an_open_review(store: impl Store) {
    let known = child(4);
    store
        .insert_children(std::slice::from_ref(&known))
        .await
        .unwrap();
    let linked = known.source_records[0].clone();
    store.set_record_digest(&linked, "abc").await.unwrap();
    let unlinked = store
        .set_record_digest(&record("school-census", "S-NOWHERE"), "abc")
        .await;
    assert!(matches!(unlinked, Err(Error::NotFound)), "{unlinked:?}");
    let waiting = record("school-census", "S-WAIT");
    let queued = review(waiting.clone(), known.id);
    store.add_review(&queued).await.unwrap();
    let unknown = record("school-census", "S-NEW");

    let states = store
        .source_record_states(&[unknown.clone(), waiting, linked])
        .await
        .unwrap();

    assert_eq!(states[0], Default::default());
    assert_eq!(states[1].linked, None);
    assert_eq!(states[1].open_review, Some((queued, known.contactpoint_id)));
    assert_eq!(states[2].linked, Some((known.id, known.contactpoint_id)));
    assert_eq!(states[2].digest.as_deref(), Some("abc"));
    assert_eq!(states[2].open_review, None);
}

async fn an_import_batch_writes_children_updates_digests_and_reviews_together(store: impl Store) {
    let existing = child(5);
    store
        .insert_children(std::slice::from_ref(&existing))
        .await
        .unwrap();
    let previous = store.child(existing.id).await.unwrap();
    let mut renamed = existing.clone();
    renamed.name.value = person("Amelia", "Nowak");
    let added = child(6);
    let waiting = record("school-census", "S-WAIT");
    let writes = ImportWrites {
        new_children: vec![added.clone()],
        updates: vec![ChildUpdate {
            child: renamed.clone(),
            previous,
        }],
        digests: vec![(added.source_records[0].clone(), "d1".into())],
        reviews: vec![review(waiting.clone(), added.id)],
        merge_updates: Vec::new(),
        written_at: None,
        more_follow: false,
    };

    store.apply_import(&writes).await.unwrap();

    assert_eq!(store.child(added.id).await.unwrap().child, added);
    let updated = store.child(existing.id).await.unwrap();
    assert_eq!((updated.child, updated.version), (renamed.clone(), 2));
    let history = store.child_history(existing.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].child, existing);
    assert_eq!(
        store
            .record_digest(&added.source_records[0])
            .await
            .unwrap()
            .as_deref(),
        Some("d1")
    );
    assert_eq!(
        store
            .open_review(&waiting)
            .await
            .unwrap()
            .map(|r| r.candidate),
        Some(added.id)
    );
    // The renamed child is found by its new keys.
    let found = store
        .candidates(&child_search_keys(&renamed), 1, 10)
        .await
        .unwrap();
    assert!(found.iter().any(|c| c.summary.child_id == existing.id));
    assert!(
        found
            .iter()
            .any(|c| c.summary.family_name.as_str() == "Nowak")
    );
}

async fn an_import_batch_with_a_stale_update_writes_nothing(store: impl Store) {
    let existing = child(7);
    store
        .insert_children(std::slice::from_ref(&existing))
        .await
        .unwrap();
    let read = store.child(existing.id).await.unwrap();
    // Someone else changes the child after the import read it.
    let mut elsewhere = existing.clone();
    elsewhere.name.value = person("Amelia", "Elsewhere");
    store.update_child(&elsewhere, 1).await.unwrap();
    let mut renamed = existing.clone();
    renamed.name.value = person("Amelia", "Nowak");
    let added = child(8);
    let writes = ImportWrites {
        new_children: vec![added.clone()],
        updates: vec![ChildUpdate {
            child: renamed,
            previous: read,
        }],
        digests: vec![(added.source_records[0].clone(), "d1".into())],
        reviews: Vec::new(),
        merge_updates: Vec::new(),
        written_at: None,
        more_follow: true,
    };

    let outcome = store.apply_import(&writes).await;

    assert!(matches!(outcome, Err(Error::Conflict(_))), "{outcome:?}");
    assert!(matches!(store.child(added.id).await, Err(Error::NotFound)));
    assert_eq!(store.child(existing.id).await.unwrap().child, elsewhere);
    assert_eq!(
        store.record_digest(&added.source_records[0]).await.unwrap(),
        None
    );
    let keys = child_search_keys(&added);
    let found = store.candidates(&keys, 1, 10).await.unwrap();
    assert!(found.iter().all(|c| c.summary.child_id != added.id));
}

async fn a_batch_of_key_sets_finds_what_each_set_finds_alone(store: impl Store) {
    let mut children: Vec<_> = (10..16).map(child).collect();
    children[1].name.value = person("Zara", "Nowak");
    children[2].date_of_birth.value = time::macros::date!(2018 - 01 - 09);
    store.insert_children(&children).await.unwrap();
    let sets: Vec<Vec<i64>> = vec![
        child_search_keys(&children[0]),
        Vec::new(),
        child_search_keys(&children[1]),
        vec![42],
        child_search_keys(&children[2]),
    ];
    // As many sets as an import's batch, which a store may share out
    // among threads: the answers still come in the order asked.
    let key_sets: Vec<Vec<i64>> = sets.iter().cycle().take(1_000).cloned().collect();

    let batch = store.candidates_for_each(&key_sets, 4).await.unwrap();

    assert_eq!(batch.len(), key_sets.len());
    let mut alone = Vec::new();
    for keys in &sets {
        alone.push(match keys.is_empty() {
            true => Vec::new(),
            false => store.candidates(keys, 1, 4).await.unwrap(),
        });
    }
    for (i, found) in batch.iter().enumerate() {
        let found: Vec<_> = found.iter().map(|c| (c.child, &c.profile)).collect();
        let expected: Vec<_> = alone[i % sets.len()]
            .iter()
            .map(|c| (c.summary.child_id, &c.profile))
            .collect();
        assert_eq!(found, expected, "key set {i}");
    }
    assert_eq!(batch[0].len(), 4);
    assert!(batch[1].is_empty() && batch[3].is_empty());
}

async fn a_batch_of_name_counts_equals_the_counts_one_by_one(store: impl Store) {
    let mut children: Vec<_> = (20..24).map(child).collect();
    children[0].name.value = person("Zara", "Nowak");
    store.insert_children(&children).await.unwrap();
    let names = vec![
        ("okonkwo".to_owned(), "amelia".to_owned()),
        ("nowak".to_owned(), "zara".to_owned()),
        ("nobody".to_owned(), String::new()),
        ("okonkwo".to_owned(), "amelia".to_owned()),
    ];

    let batch = store.name_counts_for_each(&names).await.unwrap();

    for ((surname, forename), counts) in names.iter().zip(&batch) {
        assert_eq!(*counts, store.name_counts(surname, forename).await.unwrap());
    }
    assert_eq!((batch[0].surname, batch[0].children), (3, 4));
}

/// An update writes only the parts that differ: what it leaves must read
/// back as the whole new record, found by its new keys and not its old.
async fn an_update_writes_what_changed_and_reads_back_whole(store: impl Store) {
    let (existing, neighbour) = (child(21), child(22));
    store
        .insert_children(&[existing.clone(), neighbour.clone()])
        .await
        .unwrap();
    let previous = store.child(existing.id).await.unwrap();
    let mut changed = existing.clone();
    changed.name.value = person("Zara", "Quint");
    changed.previous_names.clear();
    changed.preferred_given_name = None;
    changed.source_records.remove(0);
    changed.source_records.push(record("youth-justice", "Y21"));
    changed.involvements.pop();
    store
        .apply_import(&one_update(changed.clone(), previous))
        .await
        .unwrap();

    assert_eq!(store.child(existing.id).await.unwrap().child, changed);
    assert_eq!(store.child(neighbour.id).await.unwrap().child, neighbour);
    let by_new = store
        .candidates(&child_search_keys(&changed), 1, 10)
        .await
        .unwrap();
    assert!(by_new.iter().any(|c| c.summary.child_id == existing.id));
    let found = by_new
        .iter()
        .find(|c| c.summary.child_id == existing.id)
        .unwrap();
    assert_eq!(found.summary.given_name.as_str(), "Zara");
    let old_only: Vec<i64> = child_search_keys(&existing)
        .into_iter()
        .filter(|k| !child_search_keys(&changed).contains(k))
        .collect();
    let by_old = store.candidates(&old_only, 1, 10).await.unwrap();
    assert!(
        by_old.iter().all(|c| c.summary.child_id != existing.id),
        "{by_old:?}"
    );
    assert_eq!(
        store
            .child_by_source_record(&existing.source_records[0])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .child_by_source_record(&record("youth-justice", "Y21"))
            .await
            .unwrap(),
        Some(existing.id)
    );
    assert_eq!(
        store
            .name_counts("okonkwo", "amelia")
            .await
            .unwrap()
            .surname,
        1,
        "only the neighbour is still an Okonkwo"
    );
}

async fn an_update_of_the_summary_alone_rewrites_the_profile_and_keeps_the_keys(store: impl Store) {
    let existing = child(23);
    store
        .insert_children(std::slice::from_ref(&existing))
        .await
        .unwrap();
    let previous = store.child(existing.id).await.unwrap();
    let mut changed = existing.clone();
    changed.shield = Some(Shield {
        since: datetime!(2026-09-01 10:00 UTC),
        set_by: Label::parse("Leeds local management team").unwrap(),
    });
    changed.upn = None;
    store
        .apply_import(&one_update(changed.clone(), previous))
        .await
        .unwrap();

    let keys = child_search_keys(&existing);
    let found = store.candidates(&keys, 1, 10).await.unwrap();
    let found: Vec<_> = found
        .iter()
        .filter(|c| c.summary.child_id == existing.id)
        .collect();
    assert_eq!(found.len(), 1, "every key still finds the child once");
    assert!(found[0].summary.shielded);
    assert_eq!(found[0].upn, None);
    assert_eq!(
        store
            .candidates(&keys, u32::try_from(keys.len()).unwrap(), 10)
            .await
            .unwrap()
            .len(),
        1,
        "the child keeps all of its keys"
    );
}

async fn the_children_a_waiting_review_names_are_known_until_it_is_decided(store: impl Store) {
    let (named, other) = (child(31), child(32));
    store
        .insert_children(&[named.clone(), other.clone()])
        .await
        .unwrap();
    let waiting = review(record("school-census", "S-TWIN"), named.id);
    let writes = ImportWrites {
        reviews: vec![waiting.clone()],
        ..ImportWrites::default()
    };
    store.apply_import(&writes).await.unwrap();

    let before = store.awaiting_review(&[named.id, other.id]).await.unwrap();
    store
        .decide_review(waiting.id, ReviewStatus::KeptApart)
        .await
        .unwrap();
    let after = store.awaiting_review(&[named.id, other.id]).await.unwrap();

    assert_eq!(before, vec![waiting]);
    assert!(after.is_empty(), "{after:?}");
    assert!(store.awaiting_review(&[]).await.unwrap().is_empty());
}

async fn an_import_batch_records_its_versions_at_the_time_it_names(store: impl Store) {
    let made_at = datetime!(2026-11-25 09:00:00.123456 UTC);
    let changed_at = datetime!(2026-11-25 09:00:01.5 UTC);
    let made = child(31);
    store
        .apply_import(&ImportWrites {
            new_children: vec![made.clone()],
            written_at: Some(made_at),
            ..ImportWrites::default()
        })
        .await
        .unwrap();
    let previous = store.child(made.id).await.unwrap();
    let mut moved = made.clone();
    moved.upn = None;

    store
        .apply_import(&ImportWrites {
            written_at: Some(changed_at),
            ..one_update(moved, previous.clone())
        })
        .await
        .unwrap();

    assert_eq!(previous.updated_at, made_at);
    assert_eq!(store.child(made.id).await.unwrap().updated_at, changed_at);
    let history = store.child_history(made.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].recorded_at, made_at);
    assert_eq!(history[0].superseded_at, changed_at);
}

async fn a_feed_s_batches_are_found_before_and_after_their_held_keys_are_indexed(
    store: impl Store,
) {
    let (kept, renamed) = (child(31), child(32));
    store
        .apply_import(&ImportWrites {
            new_children: vec![kept.clone(), renamed.clone()],
            more_follow: true,
            ..ImportWrites::default()
        })
        .await
        .unwrap();
    let previous = store.child(renamed.id).await.unwrap();
    let mut changed = renamed.clone();
    changed.name.value = person("Zara", "Quint");
    changed.previous_names.clear();
    changed.preferred_given_name = None;
    store
        .apply_import(&ImportWrites {
            more_follow: true,
            ..one_update(changed.clone(), previous)
        })
        .await
        .unwrap();
    let old_only: Vec<i64> = child_search_keys(&renamed)
        .into_iter()
        .filter(|k| !child_search_keys(&changed).contains(k))
        .collect();

    for indexed in [false, true] {
        if indexed {
            store.index_held_keys().await.unwrap();
        }
        let by_kept = store
            .candidates(&child_search_keys(&kept), 1, 10)
            .await
            .unwrap();
        assert!(
            by_kept.iter().any(|c| c.summary.child_id == kept.id),
            "indexed: {indexed}"
        );
        let by_new = store
            .candidates_for_each(&[child_search_keys(&changed)], 10)
            .await
            .unwrap();
        let found: Vec<_> = by_new[0].iter().map(|c| c.child).collect();
        assert_eq!(found, vec![renamed.id], "indexed: {indexed}");
        let by_old = store.candidates(&old_only, 1, 10).await.unwrap();
        assert!(
            by_old.iter().all(|c| c.summary.child_id != renamed.id),
            "indexed: {indexed}: {by_old:?}"
        );
    }
}
