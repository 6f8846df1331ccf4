//! A source system pushing records through the API.

use contactpoint_domain::{
    Coverage, CredentialHash, FeedFormat, Label, RecordField, Source, SourceId,
};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_apps_seeded};

const CREDENTIAL: &str = "cpk_test_credential_for_the_school_census";

const MAPPING: &str = r#"
source = "school-census"
record_id = "id"
date_format = "[day]/[month]/[year]"

[child]
given = "forename"
family = "surname"
date_of_birth = "dob"
postcode = "postcode"
address_lines = ["line1"]
"#;

fn school_census() -> Source {
    Source {
        id: SourceId::parse("school-census").unwrap(),
        name: Label::parse("School census").unwrap(),
        coverage: Coverage::National,
        format: FeedFormat::Csv,
        mapping: Some(MAPPING.into()),
        authoritative_for: vec![RecordField::Upn],
        credential: CredentialHash::of(CREDENTIAL),
        registered_at: time::OffsetDateTime::UNIX_EPOCH,
    }
}

const FEED: &str = "id,forename,surname,dob,line1,postcode\n\
    S1,Kwame,Mensah,30/09/2011,4 Park Row,LS1 5AB\n\
    S2,Ama,Mensah,31/02/2012,4 Park Row,LS1 5AB\n";

async fn push(app: &TestApp, path: &str, credential: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "text/csv")
        .body(body.to_owned());
    if let Some(credential) = credential {
        request = request.bearer_auth(credential);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn a_source_pushes_records_and_gets_its_report_and_a_repeat_changes_nothing() {
    for app in spawn_apps_seeded(&[], &[school_census()]).await {
        let path = "/api/v1/feeds/school-census/records";

        let (status, first) = push(&app, path, Some(CREDENTIAL), FEED).await;
        let (_, again) = push(&app, path, Some(CREDENTIAL), FEED).await;

        assert_eq!(status, 200, "{}: {first}", app.backend);
        assert_eq!(first["records"][0]["outcome"], "new");
        assert_eq!(first["records"][1]["outcome"], "rejected");
        assert!(
            first["records"][1]["reason"]
                .as_str()
                .unwrap()
                .contains("date of birth"),
            "{first}"
        );
        assert_eq!(first["summary"]["new"], 1);
        assert_eq!(again["records"][0]["outcome"], "unchanged");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_wrong_or_missing_credential_and_an_unknown_source_look_the_same() {
    for app in spawn_apps_seeded(&[], &[school_census()]).await {
        let cases = [
            ("/api/v1/feeds/school-census/records", None),
            ("/api/v1/feeds/school-census/records", Some("cpk_wrong")),
            ("/api/v1/feeds/nobody/records", Some(CREDENTIAL)),
        ];

        for (path, credential) in cases {
            let (status, body) = push(&app, path, credential, FEED).await;

            assert_eq!(status, 401, "{}: {path} {body}", app.backend);
            assert_eq!(body["error"], "unauthorized");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_feed_in_the_wrong_shape_is_refused_whole() {
    for app in spawn_apps_seeded(&[], &[school_census()]).await {
        let path = "/api/v1/feeds/school-census/records";

        let (status, body) = push(&app, path, Some(CREDENTIAL), "name,born\nKwame,2011\n").await;

        assert_eq!(status, 400, "{}: {body}", app.backend);
        assert_eq!(body["errors"][0]["field"], "body");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("lacks columns"),
            "{body}"
        );
        app.stop().await;
    }
}
