use contactpoint_store::testing::fixtures::child;
use serde_json::Value;

use crate::helpers::{TestApp, children, spawn_apps_with};

async fn get(app: &TestApp, path_and_query: &str) -> (u16, Value) {
    let response = app
        .client
        .get(format!("{}{path_and_query}", app.address))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn a_misspelt_name_and_a_swapped_date_find_the_child_with_its_summary() {
    for app in spawn_apps_with(&children()).await {
        let (status, body) = get(
            &app,
            "/api/v1/children/search?surname=Okonkow&forename=Amelia&date_of_birth=2019-03-04",
        )
        .await;

        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["outcome"], "matches");
        let first = &body["results"][0];
        assert_eq!(
            first["contactpoint_id"],
            child(1).contactpoint_id.to_string()
        );
        assert_eq!(first["band"], "strong");
        assert_eq!(first["given_name"], "Amelia");
        assert_eq!(first["family_name"], "Okonkwo");
        assert_eq!(first["date_of_birth"], "2019-04-03");
        assert_eq!(first["gender"], "female");
        assert_eq!(first["postcode_district"], "LS6");
        assert!(first["score"].as_f64().unwrap() > 0.9);
        assert!(first.get("explanation").is_none());
        app.stop().await;
    }
}

#[tokio::test]
async fn explain_gives_the_evidence_field_by_field() {
    for app in spawn_apps_with(&children()).await {
        let (_, body) = get(
            &app,
            "/api/v1/children/search?surname=Smith&forename=Millie&date_of_birth=2019&explain=true",
        )
        .await;

        let evidence = body["results"][0]["explanation"].as_array().unwrap();
        let levels: Vec<(&str, &str)> = evidence
            .iter()
            .map(|e| (e["field"].as_str().unwrap(), e["level"].as_str().unwrap()))
            .collect();
        assert_eq!(
            levels[..3],
            [
                ("forename", "exact"),
                ("surname", "exact"),
                ("date_of_birth", "same_year")
            ],
            "{}",
            app.backend
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_search_by_postcode_never_returns_a_shielded_child() {
    for app in spawn_apps_with(&children()).await {
        let (_, by_postcode) = get(
            &app,
            "/api/v1/children/search?surname=Quint&postcode=LS6%202AB",
        )
        .await;
        let (_, by_date) = get(
            &app,
            "/api/v1/children/search?surname=Quint&date_of_birth=2019-04-03",
        )
        .await;

        assert_eq!(by_postcode["outcome"], "none", "{}", app.backend);
        let found = &by_date["results"][0];
        assert_eq!(found["shielded"], true);
        assert_eq!(found["postcode_district"], Value::Null);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_bad_query_is_refused_naming_each_field_at_fault() {
    for app in spawn_apps_with(&[]).await {
        for (query, fields) in [
            ("date_of_birth=2019-02-30", vec!["surname", "date_of_birth"]),
            ("surname=Smith", vec!["date_of_birth"]),
            ("surname=Smith&postcode=not-a-postcode", vec!["postcode"]),
            (
                "surname=Smith&date_of_birth=2019-01-01&gender=x",
                vec!["gender"],
            ),
            (
                "surname=Smith&date_of_birth=2019-01-01&colour=red",
                vec!["query"],
            ),
            (
                "surname=Smith&date_of_birth=2019-01-01&explain=maybe",
                vec!["query"],
            ),
        ] {
            let (status, body) = get(&app, &format!("/api/v1/children/search?{query}")).await;

            assert_eq!(status, 400, "{query}");
            assert_eq!(body["error"], "invalid_request", "{query}");
            let named: Vec<&str> = body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert_eq!(named, fields, "{query}: {body}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_record_shows_who_works_with_the_child() {
    for app in spawn_apps_with(&children()).await {
        let id = child(1).contactpoint_id.compact();

        let (status, record) = get(&app, &format!("/api/v1/children/{id}")).await;

        assert_eq!(status, 200, "{}", app.backend);
        assert_eq!(record["given_name"], "Amelia");
        let details = &record["details"];
        assert_eq!(details["address"]["postcode"], "LS6 2AB");
        assert_eq!(details["carers"][0]["name"], "Grace Okonkwo");
        let services: Vec<&str> = details["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        assert_eq!(services, ["health_visitor", "gp_practice", "mental_health"]);
        assert_eq!(details["services"][2]["sensitive"], true);
        // Who consented is restricted: never in the record.
        assert!(!record.to_string().contains("consent"), "{record}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_shielded_record_shows_only_its_visible_fields_and_whom_to_contact() {
    for app in spawn_apps_with(&children()).await {
        let id = child(2).contactpoint_id.compact();

        let (status, record) = get(&app, &format!("/api/v1/children/{id}")).await;

        assert_eq!(status, 200);
        assert_eq!(record["shielded"], true);
        assert_eq!(record["details"], Value::Null);
        assert_eq!(record["shield_contact"], "Leeds local management team");
        assert!(!record.to_string().contains("LS6"), "{record}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_identifier_gets_a_typed_error() {
    for app in spawn_apps_with(&[]).await {
        let unknown = child(99).contactpoint_id.compact();

        let (missing, body) = get(&app, &format!("/api/v1/children/{unknown}")).await;
        let (malformed, bad) = get(&app, "/api/v1/children/not-an-id").await;
        let (elsewhere, _) = get(&app, "/api/v1/nothing/here").await;

        assert_eq!((missing, body["error"].as_str()), (404, Some("not_found")));
        assert_eq!(malformed, 400);
        assert_eq!(bad["errors"][0]["field"], "contactpoint_id");
        assert_eq!(elsewhere, 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_archived_record_is_neither_shown_nor_found() {
    let mut archived = child(7);
    archived.status = contactpoint_domain::RecordStatus::Archived {
        archived_on: time::macros::date!(2026 - 11 - 01),
    };
    for app in spawn_apps_with(std::slice::from_ref(&archived)).await {
        let id = archived.contactpoint_id.compact();

        let (status, _) = get(&app, &format!("/api/v1/children/{id}")).await;
        let (_, found) = get(
            &app,
            "/api/v1/children/search?surname=Okonkwo&date_of_birth=2019-04-03",
        )
        .await;
        let page = app
            .client
            .get(format!("{}/children/{id}", app.address))
            .send()
            .await
            .unwrap();

        assert_eq!(status, 404, "{}", app.backend);
        assert_eq!(found["outcome"], "none");
        assert_eq!(page.status(), 404);
        app.stop().await;
    }
}
