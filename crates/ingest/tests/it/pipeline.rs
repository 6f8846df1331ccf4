//! One record at a time through the importer: new, unchanged, linked from
//! another source, updated, and rejected.

use contactpoint_domain::{
    Address, Gender, Label, Name, NhsNumber, Postcode, SourceId, SourceRecordId, SourceRecordRef,
};
use contactpoint_ingest::{
    Action, FeedRecord, Importer, NoAuthority, Outcome, Rejection, RowRejection,
};
use contactpoint_store::Store;
use time::OffsetDateTime;
use time::macros::{date, datetime};

crate::on_both_backends!(
    a_record_makes_a_child_once_and_again_changes_nothing,
    the_same_child_from_another_source_is_linked_to_it,
    a_move_updates_the_address_and_keeps_the_old_one,
    a_record_saying_too_little_is_rejected_and_stores_nothing,
    a_twin_goes_to_the_review_queue_once,
    a_review_kept_apart_makes_a_child_and_one_linked_joins_the_candidate,
    a_second_record_from_one_source_links_only_by_an_agreeing_identifier,
    a_record_like_one_waiting_for_review_waits_too,
    twins_listed_by_one_source_link_only_under_their_own_forenames,
    a_twin_read_before_her_sister_waits_for_review_however_far_apart,
    a_child_whose_look_alike_waits_for_review_links_only_by_an_identifier,
    a_record_deleted_and_sent_again_for_another_child_in_one_batch_moves_to_it,
);

const AT: OffsetDateTime = datetime!(2026-11-25 09:00 UTC);

pub fn record(source: &str, id: &str) -> FeedRecord {
    let mut r = FeedRecord::new(SourceRecordRef {
        source: SourceId::parse(source).unwrap(),
        record: SourceRecordId::parse(id).unwrap(),
    });
    r.given_name = Some(Name::parse("Amelia").unwrap());
    r.family_name = Some(Name::parse("Okonkwo").unwrap());
    r.date_of_birth = Some(date!(2019 - 04 - 03));
    r.gender = Some(Gender::Female);
    r.nhs_number = Some(NhsNumber::parse("9434765919").unwrap());
    r.address = Some(address("LS6 2AB"));
    r
}

pub fn address(postcode: &str) -> Address {
    Address::new(
        vec![Label::parse("12 Church Lane").unwrap()],
        Some(Label::parse("Leeds").unwrap()),
        Postcode::parse(postcode).unwrap(),
    )
    .unwrap()
}

fn importer<S: Store>(store: &S) -> Importer<'_, S> {
    Importer::new(store, &NoAuthority)
}

async fn a_record_makes_a_child_once_and_again_changes_nothing(store: impl Store) {
    let importer = importer(&store);

    let first = importer
        .import(record("school-census", "S1"), AT)
        .await
        .unwrap();
    let second = importer
        .import(record("school-census", "S1"), AT)
        .await
        .unwrap();

    let Outcome::New(id) = first else {
        panic!("{first:?}");
    };
    assert_eq!(second, Outcome::Unchanged(id));
    assert_eq!(store.count_children().await.unwrap(), 1);
}

async fn the_same_child_from_another_source_is_linked_to_it(store: impl Store) {
    let importer = importer(&store);
    let Outcome::New(id) = importer
        .import(record("school-census", "S1"), AT)
        .await
        .unwrap()
    else {
        panic!("expected a new child");
    };

    let mut from_health = record("nhs-pds", "P9");
    from_health.given_name = Some(Name::parse("Amelie").unwrap());
    let outcome = importer.import(from_health, AT).await.unwrap();

    assert!(
        matches!(&outcome, Outcome::Linked(linked, _) if *linked == id),
        "{outcome:?}"
    );
    let child = store.child_by_contactpoint_id(id).await.unwrap().child;
    assert_eq!(child.source_records.len(), 2);
    assert_eq!(store.count_children().await.unwrap(), 1);
}

async fn a_move_updates_the_address_and_keeps_the_old_one(store: impl Store) {
    let importer = importer(&store);
    importer
        .import(record("school-census", "S1"), AT)
        .await
        .unwrap();
    let mut moved = record("school-census", "S1");
    moved.address = Some(address("M1 1AE"));

    let outcome = importer
        .import(moved, datetime!(2026-11-26 09:00 UTC))
        .await
        .unwrap();

    let Outcome::Updated(id) = outcome else {
        panic!("{outcome:?}");
    };
    let stored = store.child_by_contactpoint_id(id).await.unwrap();
    assert_eq!(stored.child.postcode().unwrap().as_str(), "M1 1AE");
    assert_eq!(
        stored.child.previous_addresses[0].value.postcode().as_str(),
        "LS6 2AB"
    );
    assert_eq!(stored.version, 2);
}

async fn a_record_saying_too_little_is_rejected_and_stores_nothing(store: impl Store) {
    let importer = importer(&store);
    let mut bare = record("school-census", "S2");
    bare.date_of_birth = None;
    let mut unknown_death = record("school-census", "S3");
    unknown_death.action = Action::Deceased;

    let outcomes = [
        importer.import(bare, AT).await.unwrap(),
        importer.import(unknown_death, AT).await.unwrap(),
    ];

    for outcome in outcomes {
        assert_eq!(outcome.as_str(), "rejected", "{outcome:?}");
    }
    assert_eq!(store.count_children().await.unwrap(), 0);
}

async fn a_twin_goes_to_the_review_queue_once(store: impl Store) {
    let importer = importer(&store);
    let Outcome::New(amelia) = importer
        .import(record("school-census", "S1"), AT)
        .await
        .unwrap()
    else {
        panic!("expected a new child");
    };
    let mut zara = record("school-census", "S2");
    zara.given_name = Some(Name::parse("Zara").unwrap());
    zara.nhs_number = None;

    let first = importer.import(zara.clone(), AT).await.unwrap();
    let again = importer.import(zara, AT).await.unwrap();

    assert!(
        matches!(&first, Outcome::Review(id, _) if *id == amelia),
        "{first:?}"
    );
    assert_eq!(again, Outcome::Unchanged(amelia));
    let pending = store.pending_reviews(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].record.contains("Zara"));
    assert!(pending[0].evidence.contains("\"forename\""));
    assert_eq!(store.count_children().await.unwrap(), 1);
}

async fn a_review_kept_apart_makes_a_child_and_one_linked_joins_the_candidate(store: impl Store) {
    let importer = importer(&store);
    let Outcome::New(amelia) = importer
        .import(record("school-census", "S1"), AT)
        .await
        .unwrap()
    else {
        panic!("expected a new child");
    };
    let mut zara = record("school-census", "S2");
    zara.given_name = Some(Name::parse("Zara").unwrap());
    zara.nhs_number = None;
    let mut amelie = record("local-authority", "L1");
    amelie.given_name = Some(Name::parse("Zoe").unwrap());
    amelie.nhs_number = None;
    importer.import(zara.clone(), AT).await.unwrap();
    importer.import(amelie.clone(), AT).await.unwrap();
    let pending = store.pending_reviews(10).await.unwrap();
    assert_eq!(pending.len(), 2);

    let kept_apart = importer.decide(&pending[0], false, AT).await.unwrap();
    let linked = importer.decide(&pending[1], true, AT).await.unwrap();
    let again = importer.decide(&pending[1], true, AT).await;

    assert_eq!(kept_apart.as_str(), "new", "{kept_apart:?}");
    assert_eq!(linked, Outcome::Updated(amelia));
    assert!(
        matches!(again, Err(contactpoint_store::Error::NotFound)),
        "{again:?}"
    );
    assert!(store.pending_reviews(10).await.unwrap().is_empty());
    assert_eq!(store.count_children().await.unwrap(), 2);
    let child = store.child_by_contactpoint_id(amelia).await.unwrap().child;
    assert_eq!(child.source_records.len(), 2);
    assert_eq!(
        importer.import(zara, AT).await.unwrap().as_str(),
        "unchanged"
    );
    assert_eq!(
        importer.import(amelie, AT).await.unwrap(),
        Outcome::Unchanged(amelia)
    );
}

/// Many records at once: a later record of a batch sees what an earlier one
/// did, before anything is written.
mod batches {
    use super::*;

    crate::on_both_backends!(
        records_of_one_child_in_one_batch_make_one_child,
        a_preview_links_records_of_one_child_within_a_batch_and_writes_nothing,
        a_twin_in_the_same_batch_waits_for_review_against_the_child_just_made,
        a_batch_imported_again_is_all_unchanged,
        batches_one_after_another_decide_as_one_batch_would,
    );

    fn from_health(id: &str) -> FeedRecord {
        let mut r = record("nhs-pds", id);
        r.address = Some(address("LS7 1QD"));
        r
    }

    async fn records_of_one_child_in_one_batch_make_one_child(store: impl Store) {
        let importer = importer(&store);
        let batch = [
            record("school-census", "S1"),
            from_health("P1"),
            record("school-census", "S1"),
        ];

        let outcomes = importer.import_batch(&batch, AT).await.unwrap();

        let Outcome::New(id) = outcomes[0] else {
            panic!("expected a new child: {outcomes:?}");
        };
        assert!(matches!(outcomes[1], Outcome::Linked(linked, _) if linked == id));
        assert_eq!(outcomes[2], Outcome::Unchanged(id));
        assert_eq!(store.count_children().await.unwrap(), 1);
        let child = store.child_by_contactpoint_id(id).await.unwrap();
        assert_eq!(child.child.source_records.len(), 2);
        assert_eq!(child.version, 1);
        // The health record's newer address won; the first stays as previous.
        assert_eq!(child.child.postcode().map(|p| p.as_str()), Some("LS7 1QD"));
        assert_eq!(child.child.previous_addresses.len(), 1);
    }

    async fn a_preview_links_records_of_one_child_within_a_batch_and_writes_nothing(
        store: impl Store,
    ) {
        let mut importer = importer(&store);
        importer.dry_run = true;

        let outcomes = importer
            .import_batch(&[record("school-census", "S1"), from_health("P1")], AT)
            .await
            .unwrap();

        let Outcome::New(id) = outcomes[0] else {
            panic!("expected a new child: {outcomes:?}");
        };
        assert!(matches!(outcomes[1], Outcome::Linked(linked, _) if linked == id));
        assert_eq!(store.count_children().await.unwrap(), 0);
    }

    async fn a_twin_in_the_same_batch_waits_for_review_against_the_child_just_made(
        store: impl Store,
    ) {
        let importer = importer(&store);
        let mut twin = record("school-census", "S2");
        twin.given_name = Some(Name::parse("Zara").unwrap());
        twin.nhs_number = None;

        let outcomes = importer
            .import_batch(&[record("school-census", "S1"), twin], AT)
            .await
            .unwrap();

        let Outcome::New(id) = outcomes[0] else {
            panic!("expected a new child: {outcomes:?}");
        };
        assert!(matches!(outcomes[1], Outcome::Review(candidate, _) if candidate == id));
        let pending = store.pending_reviews(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        let child = store.child_by_contactpoint_id(id).await.unwrap();
        assert_eq!(pending[0].candidate, child.child.id);
        assert_eq!(store.count_children().await.unwrap(), 1);
    }

    /// A feed a record at a time, each batch read before the one before it
    /// is written: each record sees what the one just before it did.
    async fn batches_one_after_another_decide_as_one_batch_would(store: impl Store) {
        let mut importer = importer(&store);
        importer.batch = 1;
        let mut moved = from_health("P1");
        moved.address = Some(address("LS8 1AA"));
        let mut twin = record("school-census", "S2");
        twin.given_name = Some(Name::parse("Zara").unwrap());
        twin.nhs_number = None;
        let rejected = RowRejection {
            line: 4,
            record_id: Some("P9".into()),
            reason: Rejection::TooLittle,
        };
        let feed = vec![
            Ok(record("school-census", "S1")),
            Ok(from_health("P1")),
            Err(rejected),
            Ok(moved),
            Ok(twin.clone()),
            Ok(twin),
            Ok(record("school-census", "S1")),
        ];
        let mut lines = Vec::new();

        let summary = importer
            .import_all(feed.into_iter(), AT, |line| lines.push(line))
            .await
            .unwrap();

        let outcomes: Vec<_> = lines.iter().map(|l| l.outcome).collect();
        assert_eq!(
            outcomes,
            [
                "new",
                "linked",
                "rejected",
                "updated",
                "review",
                "unchanged",
                "unchanged"
            ]
        );
        assert_eq!(lines[2].source_record_id, "P9");
        assert_eq!(summary.total(), 7);
        let id = &lines[0].contactpoint_id;
        assert!(
            lines
                .iter()
                .all(|l| l.contactpoint_id == *id || l.outcome == "rejected")
        );
        assert_eq!(store.count_children().await.unwrap(), 1);
        let child = store
            .child_by_source_record(&moved_ref())
            .await
            .unwrap()
            .unwrap();
        let stored = store.child(child).await.unwrap();
        assert_eq!(stored.version, 3);
        assert_eq!(stored.child.postcode().map(|p| p.as_str()), Some("LS8 1AA"));
        assert_eq!(store.child_history(child).await.unwrap().len(), 2);
        assert_eq!(store.pending_reviews(10).await.unwrap().len(), 1);
    }

    fn moved_ref() -> SourceRecordRef {
        from_health("P1").source_record
    }

    async fn a_batch_imported_again_is_all_unchanged(store: impl Store) {
        let importer = importer(&store);
        let mut twin = record("school-census", "S2");
        twin.given_name = Some(Name::parse("Zara").unwrap());
        twin.nhs_number = None;
        let mut moved = from_health("P1");
        moved.action = Action::Deceased;
        let batch = [record("school-census", "S1"), twin, from_health("P1")];
        importer.import_batch(&batch, AT).await.unwrap();

        let again = importer.import_batch(&batch, AT).await.unwrap();
        let died = importer.import_batch(&[moved], AT).await.unwrap();

        let outcomes: Vec<_> = again.iter().map(Outcome::as_str).collect();
        assert_eq!(outcomes, ["unchanged"; 3]);
        assert_eq!(died[0].as_str(), "updated");
        assert_eq!(store.count_children().await.unwrap(), 1);
        assert_eq!(store.pending_reviews(10).await.unwrap().len(), 1);
    }
}

async fn a_second_record_from_one_source_links_only_by_an_agreeing_identifier(store: impl Store) {
    let importer = importer(&store);
    let Outcome::New(amelia) = importer.import(record("nhs-pds", "P1"), AT).await.unwrap() else {
        panic!("expected a new child");
    };
    // A twin whose like-sounding name is one letter off, her NHS number
    // missing from this record: everything else agrees.
    let mut amelie = record("nhs-pds", "P2");
    amelie.given_name = Some(Name::parse("Amelie").unwrap());
    amelie.nhs_number = None;
    let duplicate = record("nhs-pds", "P3");
    let mut unnumbered = record("nhs-pds", "P4");
    unnumbered.nhs_number = None;
    // Another source's record under her own forename.
    let from_school = {
        let mut r = record("school-census", "S1");
        r.nhs_number = None;
        r
    };

    let twin = importer.import(amelie, AT).await.unwrap();
    let same_number = importer.import(duplicate, AT).await.unwrap();
    let other_source = importer.import(from_school, AT).await.unwrap();
    let same_names = importer.import(unnumbered, AT).await.unwrap();

    assert!(
        matches!(&twin, Outcome::Review(id, _) if *id == amelia),
        "{twin:?}"
    );
    assert!(
        matches!(&same_number, Outcome::Linked(id, _) if *id == amelia),
        "{same_number:?}"
    );
    assert!(
        matches!(&other_source, Outcome::Linked(id, _) if *id == amelia),
        "{other_source:?}"
    );
    // The same forename, surname and date of birth: the source's duplicate.
    assert!(
        matches!(&same_names, Outcome::Linked(id, _) if *id == amelia),
        "{same_names:?}"
    );
}

async fn a_record_like_one_waiting_for_review_waits_too(store: impl Store) {
    let importer = importer(&store);
    let mut leo = record("nhs-pds", "P1");
    leo.given_name = Some(Name::parse("Leo").unwrap());
    let Outcome::New(child) = importer.import(leo, AT).await.unwrap() else {
        panic!("expected a new child");
    };
    // Leo's twin Leon: from the same source, so held for a person.
    let mut leon = record("nhs-pds", "P2");
    leon.given_name = Some(Name::parse("Leon").unwrap());
    leon.nhs_number = None;
    let held = importer.import(leon.clone(), AT).await.unwrap();
    let mut at_school = leon;
    at_school.source_record = record("school-census", "S2").source_record;

    let outcome = importer.import(at_school, AT).await.unwrap();

    assert!(
        matches!(&held, Outcome::Review(id, _) if *id == child),
        "{held:?}"
    );
    assert!(
        matches!(&outcome, Outcome::Review(id, _) if *id == child),
        "{outcome:?}"
    );
    // Leo's own school record still links: its forename agrees exactly.
    let mut leo_at_school = record("school-census", "S1");
    leo_at_school.given_name = Some(Name::parse("Leo").unwrap());
    leo_at_school.nhs_number = None;
    let own = importer.import(leo_at_school, AT).await.unwrap();
    assert!(
        matches!(&own, Outcome::Linked(id, _) if *id == child),
        "{own:?}"
    );
}

async fn twins_listed_by_one_source_link_only_under_their_own_forenames(store: impl Store) {
    let importer = importer(&store);
    // Only Billy is known to health; the school lists both twins, side by
    // side, William first. Billy is a nickname for William.
    let mut billy = record("nhs-pds", "P1");
    billy.given_name = Some(Name::parse("Billy").unwrap());
    let Outcome::New(known) = importer.import(billy.clone(), AT).await.unwrap() else {
        panic!("expected a new child");
    };
    let at_school = |id: &str, given: &str| {
        let mut r = record("school-census", id);
        r.given_name = Some(Name::parse(given).unwrap());
        r.nhs_number = None;
        r
    };
    let batch = [at_school("S1", "William"), at_school("S2", "Billy")];

    let outcomes = importer.import_batch(&batch, AT).await.unwrap();

    assert!(
        matches!(&outcomes[0], Outcome::Review(id, _) if *id == known),
        "William is not linked to his brother: {:?}",
        outcomes[0]
    );
    assert!(
        matches!(&outcomes[1], Outcome::Linked(id, _) if *id == known),
        "{:?}",
        outcomes[1]
    );
}

async fn a_twin_read_before_her_sister_waits_for_review_however_far_apart(store: impl Store) {
    let mut importer = importer(&store);
    let Outcome::New(amelia) = importer.import(record("nhs-pds", "P1"), AT).await.unwrap() else {
        panic!("expected a new child");
    };
    // Health does not know Amelie; the school lists her first and her twin
    // Amelia batches later, one record a batch.
    importer.batch = 1;
    let at_school = |id: &str, given: &str| {
        let mut r = record("school-census", id);
        r.given_name = Some(Name::parse(given).unwrap());
        r.nhs_number = None;
        Ok(r)
    };
    // S2 is sent twice: the second waits behind the first.
    let feed = vec![
        at_school("S2", "Amelie"),
        at_school("S2", "Amelie"),
        at_school("S9", "Amelie"),
        at_school("S1", "Amelia"),
    ];
    let mut lines = Vec::new();

    importer
        .import_all(feed.into_iter(), AT, |line| lines.push(line))
        .await
        .unwrap();

    let outcomes: Vec<_> = lines
        .iter()
        .map(|l| (l.source_record_id.as_str(), l.outcome))
        .collect();
    // Amelie's records were held back to the end of the feed, by when her
    // sister's own record was linked: they wait for a person rather than
    // merge the twins. The second of them waits beside the first.
    assert_eq!(
        outcomes,
        [
            ("S1", "linked"),
            ("S2", "review"),
            ("S2", "unchanged"),
            ("S9", "review")
        ]
    );
    assert!(
        lines
            .iter()
            .all(|l| l.contactpoint_id == amelia.to_string())
    );
    assert_eq!(store.pending_reviews(10).await.unwrap().len(), 2);

    // The same feed again changes nothing.
    let mut again = Vec::new();
    let feed = vec![
        at_school("S2", "Amelie"),
        at_school("S9", "Amelie"),
        at_school("S1", "Amelia"),
    ];
    importer
        .import_all(feed.into_iter(), AT, |line| again.push(line.outcome))
        .await
        .unwrap();
    assert_eq!(again, ["unchanged"; 3]);
}

async fn a_child_whose_look_alike_waits_for_review_links_only_by_an_identifier(store: impl Store) {
    let importer = importer(&store);
    // Health lists Finley by his nickname, Finn: his twin brother's name.
    let finn = |source: &str, id: &str, nhs: Option<&str>| {
        let mut r = record(source, id);
        r.given_name = Some(Name::parse("Finn").unwrap());
        r.gender = Some(Gender::Male);
        r.nhs_number = nhs.map(|n| NhsNumber::parse(n).unwrap());
        r
    };
    let Outcome::New(finley) = importer
        .import(finn("nhs-pds", "P1", Some("9434765919")), AT)
        .await
        .unwrap()
    else {
        panic!("expected a new child");
    };
    // The real Finn: the same in every field but his NHS number.
    let brother = importer
        .import(finn("nhs-pds", "P2", Some("9434765927")), AT)
        .await
        .unwrap();

    let at_school = importer
        .import(finn("school-census", "S1", None), AT)
        .await
        .unwrap();
    let numbered = importer
        .import(finn("local-authority", "L1", Some("9434765919")), AT)
        .await
        .unwrap();

    assert!(
        matches!(&brother, Outcome::Review(id, _) if *id == finley),
        "{brother:?}"
    );
    // Which of the two the school's Finn is, only an identifier can say.
    assert!(
        matches!(&at_school, Outcome::Review(id, _) if *id == finley),
        "{at_school:?}"
    );
    assert!(
        matches!(&numbered, Outcome::Linked(id, _) if *id == finley),
        "{numbered:?}"
    );
}

async fn a_record_deleted_and_sent_again_for_another_child_in_one_batch_moves_to_it(
    store: impl Store,
) {
    let importer = importer(&store);
    let Outcome::New(first) = importer
        .import(record("school-census", "S1"), AT)
        .await
        .unwrap()
    else {
        panic!("the first record makes a child");
    };
    let mut deleted = FeedRecord::new(record("school-census", "S1").source_record);
    deleted.action = Action::Delete;
    let mut another = record("school-census", "S1");
    another.given_name = Some(Name::parse("Kwame").unwrap());
    another.family_name = Some(Name::parse("Brathwaite").unwrap());
    another.date_of_birth = Some(date!(2012 - 09 - 30));
    another.gender = Some(Gender::Male);
    another.nhs_number = None;
    another.address = Some(address("BS1 4DJ"));

    let outcomes = importer
        .import_batch(&[deleted, another], AT)
        .await
        .unwrap();

    let Outcome::New(second) = outcomes[1] else {
        panic!("{outcomes:?}");
    };
    assert_ne!(second, first);
    let linked = store
        .child_by_source_record(&record("school-census", "S1").source_record)
        .await
        .unwrap();
    let held = store.child_by_contactpoint_id(second).await.unwrap();
    assert_eq!(linked, Some(held.child.id));
}
