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
