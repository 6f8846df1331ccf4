//! Merging two records of one child and undoing it, by the pages and the
//! API, with the merged record's ContactPoint ID leading to the one kept.

use contactpoint_domain::Child;
use contactpoint_server::Settings;
use contactpoint_store::testing::fixtures::{child, person};
use serde_json::Value;

use crate::helpers::{Seed, TestApp, spawn_apps_configured};

/// Ruth Ellery, and a second record of her as Ruthie, from sources that
/// gave no identifier: no one the other tests search for.
pub fn two_records() -> (Child, Child) {
    let (mut kept, mut other) = (child(11), child(12));
    for (record, given) in [(&mut kept, "Ruth"), (&mut other, "Ruthie")] {
        record.name.value = person(given, "Ellery");
        record.previous_names.clear();
        record.preferred_given_name = None;
    }
    other.nhs_number = None;
    other.upn = None;
    (kept, other)
}

async fn spawn(review_queue: bool) -> (Vec<TestApp>, String, String) {
    let (kept, other) = two_records();
    let ids = (
        kept.contactpoint_id.compact(),
        other.contactpoint_id.compact(),
    );
    let children = [kept, other];
    let seed = Seed {
        children: &children,
        ..Seed::default()
    };
    let apps = spawn_apps_configured(&seed, Settings { review_queue }).await;
    (apps, ids.0, ids.1)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Answers the status, the `Location` and the body.
async fn send(request: reqwest::RequestBuilder) -> (u16, Option<String>, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap())
}

async fn get(app: &TestApp, path: &str) -> (u16, Option<String>, String) {
    send(client().get(format!("{}{path}", app.address))).await
}

async fn post_json(app: &TestApp, path: &str, body: &str) -> (u16, Value) {
    let (status, _, text) = send(
        client()
            .post(format!("{}{path}", app.address))
            .header("content-type", "application/json")
            .body(body.to_owned()),
    )
    .await;
    (status, serde_json::from_str(&text).unwrap())
}

/// Posts a form as a browser on our own page would.
async fn post_form(app: &TestApp, path: &str, form: &str) -> (u16, Option<String>, String) {
    send(
        client()
            .post(format!("{}{path}", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &app.address)
            .body(form.to_owned()),
    )
    .await
}

#[tokio::test]
async fn a_merge_by_the_api_leads_the_merged_record_to_the_kept_one_until_undone() {
    let (apps, kept, other) = spawn(true).await;
    for app in apps {
        let body = format!(r#"{{"keep":"{kept}","other":"{other}"}}"#);

        let (status, made) = post_json(&app, "/api/v1/merges", &body).await;

        assert_eq!(status, 201, "{}: {made}", app.backend);
        assert_eq!(made["status"], "standing");
        let id = made["id"].as_str().unwrap().to_owned();
        let (status, location, _) = get(&app, &format!("/api/v1/children/{other}")).await;
        assert_eq!(status, 307);
        assert_eq!(
            location.as_deref(),
            Some(&*format!("/api/v1/children/{kept}"))
        );
        let (status, _, record) = get(&app, &format!("/api/v1/children/{kept}")).await;
        assert_eq!(status, 200);
        assert!(record.contains("Ruthie"), "{record}");
        let (status, _, detail) = get(&app, &format!("/api/v1/merges/{id}")).await;
        assert_eq!(status, 200);
        let detail: Value = serde_json::from_str(&detail).unwrap();
        assert_eq!(detail["merged_before"]["given_name"], "Ruthie");

        let (status, undone) = post_json(&app, &format!("/api/v1/merges/{id}/undo"), "").await;

        assert_eq!(status, 200, "{undone}");
        let (status, _, restored) = get(&app, &format!("/api/v1/children/{other}")).await;
        assert_eq!(status, 200);
        assert!(restored.contains("Ruthie"), "{restored}");
        let (again, refused) = post_json(&app, &format!("/api/v1/merges/{id}/undo"), "").await;
        assert_eq!(again, 409, "{refused}");
        assert_eq!(refused["error"], "conflict");
        let (_, _, list) = get(&app, "/api/v1/merges").await;
        let list: Value = serde_json::from_str(&list).unwrap();
        assert_eq!(list["merges"][0]["status"], "undone");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_bad_merge_request_is_refused_naming_the_field_and_changes_nothing() {
    let (apps, kept, _) = spawn(true).await;
    for app in apps {
        let same = format!(r#"{{"keep":"{kept}","other":"{kept}"}}"#);
        let cases = [
            (r#"{"keep":"not-an-id","other":"x"}"#.to_owned(), "keep"),
            (format!(r#"{{"keep":"{kept}"}}"#), "other"),
            (same, "other"),
        ];
        for (body, field) in cases {
            let (status, refused) = post_json(&app, "/api/v1/merges", &body).await;

            assert_eq!(status, 400, "{}: {body} {refused}", app.backend);
            assert_eq!(refused["errors"][0]["field"], field, "{body}");
        }
        let (_, _, list) = get(&app, "/api/v1/merges").await;
        assert_eq!(list, r#"{"merges":[]}"#);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_merge_by_the_form_shows_both_records_and_can_be_undone_there() {
    let (apps, kept, other) = spawn(true).await;
    for app in apps {
        let (status, location, _) =
            post_form(&app, "/merges", &format!("keep={kept}&other={other}")).await;

        assert_eq!(status, 303, "{}", app.backend);
        let location = location.unwrap();
        assert!(location.ends_with("?done=merged"), "{location}");
        let (status, _, page) = get(&app, &location).await;
        assert_eq!(status, 200);
        assert!(page.contains("The records were merged into one"), "{page}");
        assert!(page.contains("Ruthie"));
        assert!(page.contains("Undo the merge"));
        let (status, location, _) = get(&app, &format!("/children/{other}")).await;
        assert_eq!((status, location), (303, Some(format!("/children/{kept}"))));

        let path = standing_merge(&app).await;
        let (status, after, _) = post_form(&app, &path, "").await;

        assert_eq!(status, 303);
        let (_, _, page) = get(&app, &after.unwrap()).await;
        assert!(page.contains("The merge was undone"), "{page}");
        assert!(!page.contains("Undo the merge"));
        app.stop().await;
    }
}

/// The page of the one merge made.
async fn standing_merge(app: &TestApp) -> String {
    let (_, _, list) = get(app, "/api/v1/merges").await;
    let list: Value = serde_json::from_str(&list).unwrap();
    format!("/merges/{}", list["merges"][0]["id"].as_str().unwrap())
}

#[tokio::test]
async fn a_merge_form_with_a_mistake_shows_the_problem_and_changes_nothing() {
    let (apps, kept, _) = spawn(true).await;
    for app in apps {
        let (status, _, page) = post_form(&app, "/merges", &format!("keep={kept}&other=")).await;

        assert_eq!(status, 200, "{}", app.backend);
        assert!(page.contains("There is a problem"), "{page}");
        assert!(page.contains(r##"href="#other""##));
        assert!(page.contains("Enter a ContactPoint ID"));
        let (_, _, list) = get(&app, "/api/v1/merges").await;
        assert_eq!(list, r#"{"merges":[]}"#);
        app.stop().await;
    }
}

#[tokio::test]
async fn without_the_review_queue_merges_are_not_found() {
    let (apps, kept, other) = spawn(false).await;
    for app in apps {
        let (page, _, _) = get(&app, "/merges").await;
        let (form, _, _) = post_form(&app, "/merges", &format!("keep={kept}&other={other}")).await;
        let (api, _) = post_json(
            &app,
            "/api/v1/merges",
            &format!(r#"{{"keep":"{kept}","other":"{other}"}}"#),
        )
        .await;

        assert_eq!((page, form, api), (404, 404, 404), "{}", app.backend);
        app.stop().await;
    }
}
