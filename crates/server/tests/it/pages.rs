use crate::helpers::spawn_apps;

#[tokio::test]
async fn the_health_check_says_ok_when_the_database_answers() {
    for app in spawn_apps().await {
        let response = app
            .client
            .get(format!("{}/health", app.address))
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 200, "{}", app.backend);
        let body = response.text().await.unwrap();
        assert_eq!(
            body, r#"{"status":"ok","database":"ok"}"#,
            "{}",
            app.backend
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_home_page_says_what_the_service_is() {
    for app in spawn_apps().await {
        let response = app.client.get(&app.address).send().await.unwrap();

        assert_eq!(response.status(), 200, "{}", app.backend);
        let body = response.text().await.unwrap();
        assert!(
            body.contains("who else is\n      working with a child"),
            "{body}"
        );
        assert!(body.contains("never holds case notes"), "{body}");
        app.stop().await;
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    for app in spawn_apps().await {
        for path in ["/", "/health", "/no-such-page"] {
            let response = app
                .client
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
            let headers = response.headers();
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
            assert_eq!(headers["cache-control"], "no-store", "{path}");
            assert!(headers.contains_key("x-request-id"), "{path}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn an_unknown_page_is_not_found() {
    for app in spawn_apps().await {
        let response = app
            .client
            .get(format!("{}/no-such-page", app.address))
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 404, "{}", app.backend);
        app.stop().await;
    }
}

async fn post_search(app: &crate::helpers::TestApp, form: &[(&str, &str)]) -> String {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&");
    let response = app
        .client
        .post(format!("{}/search", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", app.backend);
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_search_form_reports_each_problem_beside_its_field() {
    for app in crate::helpers::spawn_apps_with(&[]).await {
        let page = post_search(
            &app,
            &[("surname", ""), ("dob-day", "3"), ("dob-year", "2019")],
        )
        .await;

        assert!(page.contains("There is a problem"), "{page}");
        assert!(
            page.contains(r##"<a href="#surname">Enter the child"##),
            "{page}"
        );
        assert!(
            page.contains(
                r##"<a href="#dob-day">Date of birth must include a day, month and year"##
            )
        );
        assert!(page.contains("<title>Error: Search for a child"));
        // What was typed is kept, so it can be corrected.
        assert!(page.contains(r#"name="dob-year" type="text" inputmode="numeric" value="2019""#));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_search_lists_results_that_link_to_the_record_and_the_record_shows_the_services() {
    let children = crate::helpers::children();
    for app in crate::helpers::spawn_apps_with(&children).await {
        let page = post_search(
            &app,
            &[
                ("surname", "Okonkow"),
                ("forename", "Amelia"),
                ("dob-day", "4"),
                ("dob-month", "3"),
                ("dob-year", "2019"),
            ],
        )
        .await;
        let link = format!("/children/{}", children[0].contactpoint_id.compact());
        assert!(page.contains(&link), "{page}");
        assert!(page.contains("govuk-tag--blue\">Strong"), "{page}");

        let record = app
            .client
            .get(format!("{}{link}", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();

        for shown in [
            "Amelia Okonkwo",
            "3 April 2019",
            "Grace Okonkwo",
            "Health visitor: Leeds Community Healthcare",
            "Priya Shah",
            "Recorded with consent",
            "Lead professional",
            "Elm Road Surgery",
        ] {
            assert!(record.contains(shown), "{shown}: {record}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn too_vague_a_search_and_no_match_say_so() {
    for app in crate::helpers::spawn_apps_with(&crate::helpers::children()).await {
        let none = post_search(&app, &[("surname", "Mensah"), ("postcode", "M1 1AE")]).await;

        assert!(none.contains("No children found"), "{none}");
        app.stop().await;
    }
}
