//! Searching, as every backend must answer it: the engine over the store.

use contactpoint_domain::{Gender, SearchInput, SearchQuery, Shield};
use contactpoint_linkage::Band;
use contactpoint_store::{
    DatabaseUrl, ImportWrites, SearchEngine, SearchOutcome, Sqlite, Store, child_search_keys,
};
use time::macros::{date, datetime};

use crate::fixtures::{child, person};

crate::conformance!(
    a_misspelt_name_and_a_date_find_the_child_first_and_strong,
    a_search_by_postcode_never_returns_a_shielded_child,
    name_counts_follow_additions_changes_and_archiving,
    too_many_good_matches_ask_for_more_detail,
    an_unknown_child_is_not_found_by_search,
    children_of_a_bulk_load_are_found_once_it_finishes,
    a_child_changed_during_a_bulk_load_is_indexed_once,
    a_candidate_carries_its_nhs_number_and_upn,
);

fn query(input: SearchInput<'_>) -> SearchQuery {
    SearchQuery::parse(&input, date!(2026 - 11 - 25)).unwrap()
}

async fn search(store: &impl Store, input: SearchInput<'_>) -> SearchOutcome {
    SearchEngine::default()
        .search(store, &query(input))
        .await
        .unwrap()
}

async fn a_misspelt_name_and_a_date_find_the_child_first_and_strong(store: impl Store) {
    let sought = child(1);
    let mut other = child(2);
    other.date_of_birth.value = date!(2018 - 01 - 12);
    store
        .insert_children(&[sought.clone(), other])
        .await
        .unwrap();

    let outcome = search(
        &store,
        SearchInput {
            surname: Some("Okonkow"),
            forename: Some("Millie"),
            date_of_birth: Some("2019-03-04"),
            ..Default::default()
        },
    )
    .await;

    let SearchOutcome::Matches(results) = outcome else {
        panic!("expected matches, got {outcome:?}");
    };
    assert_eq!(results[0].child.child_id, sought.id);
    assert_eq!(results[0].band, Band::Strong);
    assert_eq!(results[0].child.district.as_deref(), Some("LS6"));
    let levels: Vec<_> = results[0].score.evidence.iter().map(|e| e.level).collect();
    assert_eq!(levels[..3], ["exact", "one_edit", "day_month_swapped"]);
}

async fn a_search_by_postcode_never_returns_a_shielded_child(store: impl Store) {
    let mut shielded = child(3);
    shielded.shield = Some(Shield {
        since: datetime!(2026-09-01 10:00 UTC),
        set_by: contactpoint_domain::Label::parse("Leeds local management team").unwrap(),
    });
    store
        .insert_children(std::slice::from_ref(&shielded))
        .await
        .unwrap();

    let by_postcode = search(
        &store,
        SearchInput {
            surname: Some("Okonkwo"),
            postcode: Some("LS6 2AB"),
            ..Default::default()
        },
    )
    .await;
    let by_visible_fields = search(
        &store,
        SearchInput {
            surname: Some("Okonkwo"),
            date_of_birth: Some("2019-04-03"),
            ..Default::default()
        },
    )
    .await;

    assert_eq!(by_postcode, SearchOutcome::None);
    let SearchOutcome::Matches(results) = by_visible_fields else {
        panic!("a shielded child is found by what is visible");
    };
    assert!(results[0].child.shielded);
}

async fn name_counts_follow_additions_changes_and_archiving(store: impl Store) {
    let children: Vec<_> = (10..13).map(child).collect();
    store.insert_children(&children).await.unwrap();
    let mut renamed = children[0].clone();
    renamed.name.value = person("Amelia", "Nowak");
    store.update_child(&renamed, 1).await.unwrap();
    let mut archived = children[1].clone();
    archived.status = contactpoint_domain::RecordStatus::Archived {
        archived_on: date!(2026 - 11 - 01),
    };
    store.update_child(&archived, 1).await.unwrap();

    let okonkwo = store.name_counts("okonkwo", "amelia").await.unwrap();
    let nowak = store.name_counts("nowak", "nobody").await.unwrap();

    assert_eq!(
        (okonkwo.surname, okonkwo.forename, okonkwo.children),
        (1, 2, 2)
    );
    assert_eq!((nowak.surname, nowak.forename), (1, 0));
}

async fn too_many_good_matches_ask_for_more_detail(store: impl Store) {
    let alike: Vec<_> = (20..32)
        .map(|n| {
            let mut c = child(n);
            c.date_of_birth.value = date!(2019 - 01 - 01)
                .replace_day(u8::try_from(n - 19).unwrap())
                .unwrap();
            c
        })
        .collect();
    store.insert_children(&alike).await.unwrap();

    let vague = search(
        &store,
        SearchInput {
            surname: Some("Okonkwo"),
            forename: Some("Amelia"),
            date_of_birth: Some("2019"),
            ..Default::default()
        },
    )
    .await;
    let precise = search(
        &store,
        SearchInput {
            surname: Some("Okonkwo"),
            forename: Some("Amelia"),
            date_of_birth: Some("2019-01-05"),
            ..Default::default()
        },
    )
    .await;

    assert_eq!(vague, SearchOutcome::TooMany);
    let SearchOutcome::Matches(results) = precise else {
        panic!("expected matches");
    };
    assert_eq!(results[0].child.child_id, alike[4].id);
    assert_eq!(results[0].band, Band::Exact);
    assert!(results.len() <= 10);
}

async fn an_unknown_child_is_not_found_by_search(store: impl Store) {
    store.insert_children(&[child(40)]).await.unwrap();

    let outcome = search(
        &store,
        SearchInput {
            surname: Some("Mensah"),
            forename: Some("Kwame"),
            date_of_birth: Some("2011-09-30"),
            ..Default::default()
        },
    )
    .await;

    assert_eq!(outcome, SearchOutcome::None);
}

fn okonkwo() -> SearchInput<'static> {
    SearchInput {
        surname: Some("Okonkwo"),
        forename: Some("Amelia"),
        date_of_birth: Some("2019-04-03"),
        ..Default::default()
    }
}

async fn children_of_a_bulk_load_are_found_once_it_finishes(store: impl Store) {
    let sought = child(1);
    let mut others = [child(2), child(3)];
    others[0].name.value = person("Kwame", "Mensah");
    others[1].name.value = person("Zofia", "Zielinska");
    store
        .bulk_insert_children(&[sought.clone(), others[0].clone()])
        .await
        .unwrap();
    store.bulk_insert_children(&others[1..]).await.unwrap();

    store.index_held_keys().await.unwrap();
    store.index_held_keys().await.unwrap();

    let SearchOutcome::Matches(results) = search(&store, okonkwo()).await else {
        panic!("expected matches");
    };
    assert_eq!(results[0].child.child_id, sought.id);
    assert_eq!(results[0].band, Band::Exact);
    assert_eq!(store.count_children().await.unwrap(), 3);
}

async fn a_child_changed_during_a_bulk_load_is_indexed_once(store: impl Store) {
    let mut changed = child(1);
    store
        .bulk_insert_children(std::slice::from_ref(&changed))
        .await
        .unwrap();
    changed.gender.value = Gender::Unknown;
    store.update_child(&changed, 1).await.unwrap();

    store.index_held_keys().await.unwrap();

    let SearchOutcome::Matches(results) = search(&store, okonkwo()).await else {
        panic!("expected matches");
    };
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].child.gender, Gender::Unknown);
}

#[tokio::test]
async fn finishing_a_bulk_load_on_sqlite_empties_the_log() {
    let db = crate::backends::sqlite().await;
    let children: Vec<_> = (1..=60).map(child).collect();
    db.store.bulk_insert_children(&children).await.unwrap();
    let log = db._dir.path().join("contactpoint.db-wal");
    assert!(std::fs::metadata(&log).unwrap().len() > 0);

    db.store.index_held_keys().await.unwrap();

    assert_eq!(std::fs::metadata(&log).unwrap().len(), 0);
    assert_eq!(db.store.count_children().await.unwrap(), 60);
}

#[tokio::test]
async fn keys_an_import_holds_back_on_sqlite_reach_other_processes_once_indexed() {
    let db = crate::backends::sqlite().await;
    let held = child(1);
    db.store
        .apply_import(&ImportWrites {
            new_children: vec![held.clone()],
            more_follow: true,
            ..ImportWrites::default()
        })
        .await
        .unwrap();
    // Another process, as a server beside a running import is.
    let other = Sqlite::open(&DatabaseUrl::sqlite_in(db._dir.path()))
        .await
        .unwrap();
    let keys = child_search_keys(&held);
    assert!(other.candidates(&keys, 1, 10).await.unwrap().is_empty());
    assert_eq!(db.store.candidates(&keys, 1, 10).await.unwrap().len(), 1);

    // The import stops before it indexes them; whoever indexes next does.
    drop(db.store);
    other.index_held_keys().await.unwrap();

    assert_eq!(other.candidates(&keys, 1, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn warming_sqlite_reads_every_page_of_the_search_tables() {
    let db = crate::backends::sqlite().await;
    db.store.insert_children(&[child(1)]).await.unwrap();

    let bytes = db.store.warm_search().await.unwrap();

    // Search keys, profiles and name counts: at least a 4 KiB page each.
    assert!(bytes >= 3 * 4_096, "{bytes}");
}

async fn a_candidate_carries_its_nhs_number_and_upn(store: impl Store) {
    let known = child(7);
    store
        .insert_children(std::slice::from_ref(&known))
        .await
        .unwrap();
    let source = contactpoint_linkage::KeySource {
        forenames: vec!["Amelia"],
        surnames: vec!["Okonkwo"],
        date_of_birth: Some((2019, 4, 3)),
        birth_year: None,
        postcodes: vec!["LS6 2AB"],
    };
    let keys: Vec<i64> = contactpoint_linkage::blocking_keys(&source)
        .iter()
        .map(|k| k.hash)
        .collect();

    let candidates = store.candidates(&keys, 1, 10).await.unwrap();

    assert_eq!(candidates.len(), 1);
    let nhs = known.nhs_number.as_ref().unwrap().value.digits();
    assert_eq!(candidates[0].nhs_number.as_deref(), Some(nhs.as_str()));
    let upn = known.upn.as_ref().unwrap().value.to_string();
    assert_eq!(candidates[0].upn.as_deref(), Some(upn.as_str()));
}
