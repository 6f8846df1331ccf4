//! Registering source systems, as every backend must.

use contactpoint_domain::{
    Coverage, CredentialHash, FeedFormat, Label, LocalAuthorityCode, RecordField, Source, SourceId,
};
use contactpoint_store::{Error, Store};
use time::macros::datetime;

crate::conformance!(
    a_source_reads_back_as_registered_and_is_listed_by_id,
    a_source_id_can_be_registered_once_only,
    an_unknown_source_is_not_found,
);

fn school_census() -> Source {
    Source {
        id: SourceId::parse("school-census").unwrap(),
        name: Label::parse("School census (DfE)").unwrap(),
        coverage: Coverage::National,
        format: FeedFormat::Csv,
        mapping: Some("source = \"school-census\"\n".into()),
        authoritative_for: vec![RecordField::Upn, RecordField::EducationalSetting],
        credential: CredentialHash::of("cpk_school"),
        registered_at: datetime!(2026-11-25 09:00:00.123456 UTC),
    }
    .checked()
    .unwrap()
}

fn leeds_social_care() -> Source {
    Source {
        id: SourceId::parse("leeds-social-care").unwrap(),
        name: Label::parse("Leeds children's social care").unwrap(),
        coverage: Coverage::LocalAuthority(LocalAuthorityCode::parse("E08000035").unwrap()),
        format: FeedFormat::FhirNdjson,
        mapping: None,
        authoritative_for: vec![],
        credential: CredentialHash::of("cpk_leeds"),
        registered_at: datetime!(2026-11-25 09:01:00 UTC),
    }
}

async fn a_source_reads_back_as_registered_and_is_listed_by_id(store: impl Store) {
    store.add_source(&school_census()).await.unwrap();
    store.add_source(&leeds_social_care()).await.unwrap();

    let read = store.source(&school_census().id).await.unwrap();
    let all = store.sources().await.unwrap();

    assert_eq!(read, school_census());
    assert!(read.credential.matches("cpk_school"));
    let ids: Vec<_> = all.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["leeds-social-care", "school-census"]);
    assert_eq!(all[0], leeds_social_care());
}

async fn a_source_id_can_be_registered_once_only(store: impl Store) {
    store.add_source(&school_census()).await.unwrap();
    let mut again = leeds_social_care();
    again.id = school_census().id;

    let refused = store.add_source(&again).await;

    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    assert_eq!(store.source(&again.id).await.unwrap(), school_census());
}

async fn an_unknown_source_is_not_found(store: impl Store) {
    let missing = store.source(&SourceId::parse("nobody").unwrap()).await;

    assert!(matches!(missing, Err(Error::NotFound)), "{missing:?}");
    assert!(store.sources().await.unwrap().is_empty());
}

mod reviews {
    use contactpoint_domain::{ReviewId, ReviewStatus, SourceId, SourceRecordId, SourceRecordRef};
    use contactpoint_store::{Review, Store};
    use time::macros::datetime;

    use crate::fixtures::child;

    crate::conformance!(a_review_is_queued_once_per_source_record_oldest_first);

    fn review(record: &str, candidate: contactpoint_domain::ChildId, minute: u8) -> Review {
        Review {
            id: ReviewId::new(),
            source_record: SourceRecordRef {
                source: SourceId::parse("school-census").unwrap(),
                record: SourceRecordId::parse(record).unwrap(),
            },
            record: r#"{"given_name":"Amelia"}"#.into(),
            candidate,
            probability: 0.75,
            evidence: r#"[{"field":"surname","level":"exact","weight":8.8}]"#.into(),
            received_at: datetime!(2026-11-25 09:00 UTC)
                .replace_minute(minute)
                .unwrap(),
            status: ReviewStatus::Pending,
        }
    }

    async fn a_review_is_queued_once_per_source_record_oldest_first(store: impl Store) {
        let known = child(1);
        store
            .insert_children(std::slice::from_ref(&known))
            .await
            .unwrap();
        let later = review("S2", known.id, 5);
        let earlier = review("S1", known.id, 1);

        assert!(store.add_review(&later).await.unwrap());
        assert!(store.add_review(&earlier).await.unwrap());
        assert!(!store.add_review(&review("S1", known.id, 9)).await.unwrap());

        let pending = store.pending_reviews(10).await.unwrap();
        let open = store.open_review(&earlier.source_record).await.unwrap();
        let unknown = review("S9", known.id, 1).source_record;
        assert_eq!(open.as_ref(), Some(&earlier));
        assert_eq!(store.open_review(&unknown).await.unwrap(), None);
        assert_eq!(pending, [earlier.clone(), later.clone()]);
        assert_eq!(store.pending_reviews(1).await.unwrap().len(), 1);

        store
            .decide_review(earlier.id, ReviewStatus::Linked)
            .await
            .unwrap();
        let again = store
            .decide_review(earlier.id, ReviewStatus::KeptApart)
            .await;
        assert!(
            matches!(again, Err(contactpoint_store::Error::NotFound)),
            "{again:?}"
        );
        assert_eq!(
            store.review(earlier.id).await.unwrap().status,
            ReviewStatus::Linked
        );
        assert_eq!(store.pending_reviews(10).await.unwrap(), [later]);
    }
}

mod weights {
    use contactpoint_domain::SourceId;
    use contactpoint_linkage::Model;
    use contactpoint_store::{Error, Store};

    crate::conformance!(a_source_keeps_the_linkage_weights_it_is_given);

    async fn a_source_keeps_the_linkage_weights_it_is_given(store: impl Store) {
        store.add_source(&super::school_census()).await.unwrap();
        let id = SourceId::parse("school-census").unwrap();
        let unknown = SourceId::parse("nobody").unwrap();
        let estimated = Model {
            known_share: 0.97,
            ..Model::default()
        };

        let before = store.source_weights(&id).await.unwrap();
        store.set_source_weights(&id, &estimated).await.unwrap();
        let after = store.source_weights(&id).await.unwrap();
        let missing = store.set_source_weights(&unknown, &estimated).await;

        assert_eq!(before, None);
        assert_eq!(after, Some(estimated));
        assert!(matches!(missing, Err(Error::NotFound)), "{missing:?}");
        assert!(matches!(
            store.source_weights(&unknown).await,
            Err(Error::NotFound)
        ));
    }
}
