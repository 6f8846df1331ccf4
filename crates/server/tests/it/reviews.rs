//! The review queue's pages and API: what waits, one review beside its
//! candidate, and the decisions (link, keep apart, defer), on a store whose
//! reviews were made by the real pipeline.

use contactpoint_domain::{
    Address, Coverage, CredentialHash, FeedFormat, Gender, Label, Name, NhsNumber, Postcode,
    Source, SourceId, SourceRecordId, SourceRecordRef,
};
use contactpoint_ingest::FeedRecord;
use contactpoint_server::Settings;
use serde_json::Value;
use time::macros::date;

use crate::helpers::{Seed, TestApp, spawn_apps_configured};

fn source(id: &str, name: &str) -> Source {
    Source {
        id: SourceId::parse(id).unwrap(),
        name: Label::parse(name).unwrap(),
        coverage: Coverage::National,
        format: FeedFormat::FhirNdjson,
        mapping: None,
        authoritative_for: Vec::new(),
        credential: CredentialHash::of("cpk_unused"),
        registered_at: time::OffsetDateTime::UNIX_EPOCH,
    }
}

/// The two sources the twins come from.
pub fn review_sources() -> Vec<Source> {
    vec![
        source("school-census", "School census"),
        source("local-authority", "Leeds children's services"),
    ]
}

/// An Adeyemi child born 12 June 2015, at 4 Park Row, Leeds LS1 5AB: no one
/// in [`children`](crate::helpers::children), so the browser tests can hold
/// both.
fn record(source: &str, id: &str, given: &str) -> FeedRecord {
    let mut r = FeedRecord::new(SourceRecordRef {
        source: SourceId::parse(source).unwrap(),
        record: SourceRecordId::parse(id).unwrap(),
    });
    r.given_name = Some(Name::parse(given).unwrap());
    r.family_name = Some(Name::parse("Adeyemi").unwrap());
    r.date_of_birth = Some(date!(2015 - 06 - 12));
    r.gender = Some(Gender::Female);
    r.address = Some(
        Address::new(
            vec![Label::parse("4 Park Row").unwrap()],
            Some(Label::parse("Leeds").unwrap()),
            Postcode::parse("LS1 5AB").unwrap(),
        )
        .unwrap(),
    );
    r
}

/// Tobi, then two siblings of the same birth (same surname, date of birth
/// and address, another forename): Kemi from the school census, then Femi
/// from the local authority, each waiting for review against Tobi.
pub fn twins() -> Vec<FeedRecord> {
    let mut tobi = record("school-census", "S1", "Tobi");
    tobi.nhs_number = Some(NhsNumber::parse("4010232137").unwrap());
    vec![
        tobi,
        record("school-census", "S2", "Kemi"),
        record("local-authority", "L1", "Femi"),
    ]
}

async fn spawn(review_queue: bool) -> Vec<TestApp> {
    let sources = review_sources();
    let feed = twins();
    let seed = Seed {
        sources: &sources,
        feed: &feed,
        ..Seed::default()
    };
    spawn_apps_configured(&seed, Settings { review_queue }).await
}

/// A client that does not follow redirects, to see them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

async fn get_page(app: &TestApp, path: &str) -> (u16, String) {
    let response = client()
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Posts `decision` (JSON) to the API.
async fn decide_by_api(app: &TestApp, id: &str, body: &str) -> (u16, Value) {
    let response = client()
        .post(format!("{}/api/v1/reviews/{id}/decision", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

/// Posts the review page's form as a browser on our own page would, with
/// `headers` added; answers the status, the `Location` and the body.
async fn post_form(
    app: &TestApp,
    id: &str,
    form: &str,
    headers: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let mut request = client()
        .post(format!("{}/reviews/{id}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap())
}

/// The form as our own page sends it: the browser names our origin.
async fn post_form_from_our_page(
    app: &TestApp,
    id: &str,
    form: &str,
) -> (u16, Option<String>, String) {
    let origin = app.address.clone();
    post_form(app, id, form, &[("origin", &origin)]).await
}

/// The open reviews' ids, oldest first.
async fn open_review_ids(app: &TestApp) -> Vec<String> {
    let (status, body) = get_json(app, "/api/v1/reviews").await;
    assert_eq!(status, 200, "{}: {body}", app.backend);
    body["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_queue_lists_the_twins_waiting_for_a_decision_oldest_first() {
    for app in spawn(true).await {
        let (status, body) = get_json(&app, "/api/v1/reviews").await;
        let (page_status, page) = get_page(&app, "/reviews").await;

        assert_eq!(status, 200, "{}: {body}", app.backend);
        let reviews = body["reviews"].as_array().unwrap();
        assert_eq!(reviews.len(), 2, "{body}");
        assert_eq!(reviews[0]["source"], "school-census");
        assert_eq!(reviews[0]["source_name"], "School census");
        assert_eq!(reviews[0]["source_record_id"], "S2");
        assert_eq!(reviews[0]["status"], "pending");
        assert_eq!(reviews[1]["source_record_id"], "L1");
        let probability = reviews[0]["probability"].as_f64().unwrap();
        // A wholly different forename never links without a person, however
        // strong the rest: at most a review.
        assert!((0.5..=1.0).contains(&probability), "{body}");
        assert_eq!(page_status, 200);
        assert!(page.contains("2 waiting for a decision"), "{page}");
        assert!(page.contains("School census"), "{page}");
        assert!(page.contains("Leeds children&#39;s services"), "{page}");
        assert!(
            page.contains(&format!("{:.1}%", (probability * 1000.0).floor() / 10.0)),
            "{probability}: {page}"
        );
        let first = reviews[0]["id"].as_str().unwrap();
        assert!(
            page.contains(&format!(r#"href="/reviews/{first}""#)),
            "{page}"
        );
        let school = page.find("School census").unwrap();
        let local = page.find("Leeds children").unwrap();
        assert!(school < local, "oldest first: {page}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_review_shows_the_record_beside_the_child_it_may_be_and_the_evidence() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);

        let (status, body) = get_json(&app, &format!("/api/v1/reviews/{id}")).await;
        let (page_status, page) = get_page(&app, &format!("/reviews/{id}")).await;

        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["id"], id.as_str());
        assert_eq!(body["record"]["given_name"], "Kemi");
        assert_eq!(body["record"]["family_name"], "Adeyemi");
        assert_eq!(body["record"]["date_of_birth"], "2015-06-12");
        assert_eq!(body["record"]["address"]["postcode"], "LS1 5AB");
        assert_eq!(body["record"]["nhs_number"], Value::Null);
        assert_eq!(body["candidate"]["given_name"], "Tobi");
        assert_eq!(body["candidate"]["nhs_number"], "401 023 2137");
        assert!(body["candidate"]["contactpoint_id"].as_str().is_some());
        let evidence = body["evidence"].as_array().unwrap();
        let forename = evidence
            .iter()
            .find(|e| e["field"] == "forename")
            .unwrap_or_else(|| panic!("{body}"));
        assert!(forename["weight"].as_f64().unwrap() < 0.0, "{body}");
        assert_eq!(page_status, 200);
        for expected in [
            "The record beside the child it may be",
            "Kemi",
            "Tobi",
            "12 June 2015",
            "4 Park Row",
            "LS1 5AB",
            "401 023 2137",
            "Not given",
            "The evidence, field by field",
            "Forename",
            "Another child",
            r#"value="link""#,
            r#"value="keep_apart""#,
            r#"value="defer""#,
            "Save decision",
        ] {
            assert!(page.contains(expected), "{expected}: {page}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn linking_by_the_form_makes_the_record_part_of_the_candidate() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);
        let (_, before) = get_json(&app, &format!("/api/v1/reviews/{id}")).await;
        let candidate = before["candidate"]["contactpoint_id"].as_str().unwrap();

        let (status, location, _) = post_form_from_our_page(&app, &id, "decision=link").await;

        assert_eq!(status, 303, "{}", app.backend);
        assert_eq!(location.as_deref(), Some("/reviews?decided=linked"));
        let (_, queue) = get_page(&app, location.as_deref().unwrap()).await;
        assert!(
            queue.contains("govuk-notification-banner--success"),
            "{queue}"
        );
        assert!(queue.contains("The record was linked"), "{queue}");
        assert!(queue.contains("1 waiting for a decision"), "{queue}");
        let (_, after) = get_json(&app, &format!("/api/v1/reviews/{id}")).await;
        assert_eq!(after["status"], "linked");
        // The record's forename is now on the candidate's record, current
        // or previous.
        let (status, child) = get_json(&app, &format!("/api/v1/children/{candidate}")).await;
        assert_eq!(status, 200, "{child}");
        assert!(child.to_string().contains("Kemi"), "{child}");
        app.stop().await;
    }
}

#[tokio::test]
async fn linking_by_the_api_answers_the_candidate_it_joined() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);
        let (_, before) = get_json(&app, &format!("/api/v1/reviews/{id}")).await;

        let (status, body) = decide_by_api(&app, &id, r#"{"decision":"link"}"#).await;

        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["decision"], "link");
        assert_eq!(body["status"], "linked");
        assert_eq!(
            body["contactpoint_id"],
            before["candidate"]["contactpoint_id"]
        );
        assert_eq!(open_review_ids(&app).await.len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn keeping_apart_makes_a_new_child_from_the_record() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);
        let (_, before) = get_json(&app, &format!("/api/v1/reviews/{id}")).await;

        let (status, body) = decide_by_api(&app, &id, r#"{"decision":"keep_apart"}"#).await;

        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["status"], "kept_apart");
        let new = body["contactpoint_id"].as_str().unwrap();
        assert_ne!(
            new,
            before["candidate"]["contactpoint_id"].as_str().unwrap()
        );
        let (status, child) = get_json(&app, &format!("/api/v1/children/{new}")).await;
        assert_eq!(status, 200, "{child}");
        assert_eq!(child["given_name"], "Kemi");
        app.stop().await;
    }
}

#[tokio::test]
async fn keeping_apart_by_the_form_says_so_on_the_queue() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);

        let (status, location, _) = post_form_from_our_page(&app, &id, "decision=keep_apart").await;

        assert_eq!(status, 303, "{}", app.backend);
        assert_eq!(location.as_deref(), Some("/reviews?decided=kept_apart"));
        let (_, queue) = get_page(&app, location.as_deref().unwrap()).await;
        assert!(queue.contains("The record was kept apart"), "{queue}");
        app.stop().await;
    }
}

#[tokio::test]
async fn deferring_keeps_the_review_open() {
    for app in spawn(true).await {
        let ids = open_review_ids(&app).await;

        let (status, body) = decide_by_api(&app, &ids[0], r#"{"decision":"defer"}"#).await;
        let (form_status, location, _) =
            post_form_from_our_page(&app, &ids[1], "decision=defer").await;

        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["status"], "deferred");
        assert_eq!(body["contactpoint_id"], Value::Null);
        assert_eq!(form_status, 303);
        assert_eq!(location.as_deref(), Some("/reviews?decided=deferred"));
        let (_, list) = get_json(&app, "/api/v1/reviews").await;
        let reviews = list["reviews"].as_array().unwrap();
        assert_eq!(reviews.len(), 2, "{list}");
        assert!(reviews.iter().all(|r| r["status"] == "deferred"), "{list}");
        let (_, page) = get_page(&app, "/reviews?decided=deferred").await;
        assert!(page.contains("The review was deferred"), "{page}");
        assert!(page.contains("Deferred"), "{page}");
        // Still open: it can be decided later.
        let (status, _) = decide_by_api(&app, &ids[0], r#"{"decision":"link"}"#).await;
        assert_eq!(status, 200);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_decided_review_is_not_decided_again() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);
        decide_by_api(&app, &id, r#"{"decision":"link"}"#).await;

        let (status, body) = decide_by_api(&app, &id, r#"{"decision":"keep_apart"}"#).await;
        let (form_status, _, form_page) =
            post_form_from_our_page(&app, &id, "decision=defer").await;
        let (page_status, page) = get_page(&app, &format!("/reviews/{id}")).await;

        assert_eq!(status, 409, "{}: {body}", app.backend);
        assert_eq!(body["error"], "conflict");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("already decided (linked)"),
            "{body}"
        );
        assert_eq!(form_status, 409);
        assert!(form_page.contains("already decided"), "{form_page}");
        assert_eq!(page_status, 200);
        assert!(page.contains("This review was already decided"), "{page}");
        assert!(!page.contains("Save decision"), "{page}");
        let (_, review) = get_json(&app, &format!("/api/v1/reviews/{id}")).await;
        assert_eq!(review["status"], "linked");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_form_without_a_choice_shows_the_problem_and_changes_nothing() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);

        let (status, _, page) = post_form_from_our_page(&app, &id, "").await;

        assert_eq!(status, 200, "{}", app.backend);
        assert!(page.contains("govuk-error-summary"), "{page}");
        assert!(
            page.contains(r##"<a href="#decision">Select whether the record is this child</a>"##),
            "{page}"
        );
        assert!(page.contains("<title>Error: "), "{page}");
        assert_eq!(open_review_ids(&app).await.len(), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_bad_decision_body_is_refused_naming_the_field() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);

        for (body, field) in [
            (r#"{"decision":"merge"}"#, "decision"),
            (r#"{}"#, "decision"),
            (r#"{"decision":"link","why":"sure"}"#, "body"),
            ("link", "body"),
        ] {
            let (status, answer) = decide_by_api(&app, &id, body).await;

            assert_eq!(status, 400, "{}: {body} {answer}", app.backend);
            assert_eq!(answer["error"], "invalid_request", "{answer}");
            assert_eq!(answer["errors"][0]["field"], field, "{body}: {answer}");
        }
        assert_eq!(open_review_ids(&app).await.len(), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_unknown_review_is_not_found() {
    for app in spawn(true).await {
        let unknown = "0190f5c2-0000-7000-8000-000000000000";

        let (page_status, page) = get_page(&app, &format!("/reviews/{unknown}")).await;
        let (malformed_status, _) = get_page(&app, "/reviews/not-a-review").await;
        let (form_status, _, _) = post_form_from_our_page(&app, unknown, "decision=link").await;
        let (api_status, api) = get_json(&app, &format!("/api/v1/reviews/{unknown}")).await;
        let (decision_status, decision) =
            decide_by_api(&app, unknown, r#"{"decision":"link"}"#).await;
        let (bad_id_status, bad_id) = get_json(&app, "/api/v1/reviews/not-a-review").await;

        assert_eq!(page_status, 404, "{}", app.backend);
        assert!(page.contains("Page not found"), "{page}");
        assert_eq!(malformed_status, 404);
        assert_eq!(form_status, 404);
        assert_eq!(api_status, 404, "{api}");
        assert_eq!(api["error"], "not_found");
        assert_eq!(decision_status, 404, "{decision}");
        assert_eq!(bad_id_status, 400, "{bad_id}");
        assert_eq!(bad_id["errors"][0]["field"], "review_id");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_decision_sent_from_another_site_is_refused_and_changes_nothing() {
    for app in spawn(true).await {
        let id = open_review_ids(&app).await.remove(0);
        let host = app.address.trim_start_matches("http://").to_owned();

        let refused = [
            post_form(&app, &id, "decision=link", &[]).await,
            post_form(
                &app,
                &id,
                "decision=link",
                &[("origin", "http://evil.example")],
            )
            .await,
            post_form(&app, &id, "decision=link", &[("origin", "null")]).await,
            post_form(
                &app,
                &id,
                "decision=link",
                &[("sec-fetch-site", "cross-site")],
            )
            .await,
            post_form(
                &app,
                &id,
                "decision=link",
                &[("sec-fetch-site", "same-site")],
            )
            .await,
        ];
        let api = client()
            .post(format!("{}/api/v1/reviews/{id}/decision", app.address))
            .header("content-type", "application/json")
            .header("sec-fetch-site", "cross-site")
            .header("origin", "http://evil.example")
            .body(r#"{"decision":"link"}"#)
            .send()
            .await
            .unwrap();

        for (status, _, page) in &refused {
            assert_eq!(*status, 403, "{}: {page}", app.backend);
            assert!(page.contains("This request was refused"), "{page}");
        }
        assert_eq!(api.status().as_u16(), 403);
        let body: Value = serde_json::from_str(&api.text().await.unwrap()).unwrap();
        assert_eq!(body["error"], "forbidden");
        assert_eq!(open_review_ids(&app).await.len(), 2);
        // The same form from our own page, by either header, is accepted.
        let (status, _, _) = post_form(
            &app,
            &id,
            "decision=defer",
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
        assert_eq!(status, 303);
        let origin = format!("http://{host}");
        let (status, _, _) = post_form(&app, &id, "decision=defer", &[("origin", &origin)]).await;
        assert_eq!(status, 303);
        app.stop().await;
    }
}

#[tokio::test]
async fn without_the_review_queue_its_pages_and_api_are_not_found() {
    for app in spawn(false).await {
        let id = "0190f5c2-0000-7000-8000-000000000000";

        let (list_status, _) = get_page(&app, "/reviews").await;
        let (page_status, _) = get_page(&app, &format!("/reviews/{id}")).await;
        let (form_status, _, _) = post_form_from_our_page(&app, id, "decision=link").await;
        let (api_status, api) = get_json(&app, "/api/v1/reviews").await;
        let (decision_status, _) = decide_by_api(&app, id, r#"{"decision":"link"}"#).await;

        assert_eq!(list_status, 404, "{}", app.backend);
        assert_eq!(page_status, 404);
        assert_eq!(form_status, 404);
        assert_eq!(api_status, 404, "{api}");
        assert_eq!(api["error"], "not_found");
        assert_eq!(decision_status, 404);
        app.stop().await;
    }
}
