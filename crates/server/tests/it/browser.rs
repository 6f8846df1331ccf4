//! The pages in a real browser: the node tests in `tests/browser/` (Debian's
//! Chromium driven by playwright-core, axe's WCAG 2.2 AA checks, screenshots)
//! against the real server on a fresh SQLite database holding
//! [`children`](crate::helpers::children) and, with the review queue on,
//! [`twins`](crate::reviews::twins) waiting for review.
//!
//! Without node, `tests/browser/node_modules` or `/usr/bin/chromium` the test
//! is skipped, unless `CONTACTPOINT_REQUIRE_BROWSER=1` (as CI sets): then it
//! fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use contactpoint_server::Settings;

use crate::helpers::{Seed, TestApp, children, spawn_apps, spawn_apps_configured};
use crate::reviews::{review_sources, twins};

const CHROMIUM: &str = "/usr/bin/chromium";

/// `tests/browser/` at the workspace root.
fn browser_tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/server sits two folders below the workspace root")
        .join("tests/browser")
}

/// What the browser tests lack on this machine, if anything.
fn missing_prerequisite(dir: &Path) -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !dir.join("node_modules").is_dir() {
        return Some(format!(
            "{} has no node_modules: run `npm ci` there",
            dir.display()
        ));
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is missing: apt-get install chromium"));
    }
    None
}

/// The browser tests' folder when they can run; `None` (after saying why)
/// when they must be skipped.
fn browser_tests_or_skip() -> Option<PathBuf> {
    let dir = browser_tests_dir();
    let Some(missing) = missing_prerequisite(&dir) else {
        return Some(dir);
    };
    assert!(
        std::env::var("CONTACTPOINT_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "CONTACTPOINT_REQUIRE_BROWSER=1 but the browser tests cannot run: {missing}"
    );
    eprintln!("skipped: {missing}");
    None
}

/// The service on a fresh SQLite database holding `seed`: the pages look
/// the same on every backend, and one browser run is slow enough.
async fn spawn_sqlite_app(seed: &Seed<'_>, settings: Settings) -> TestApp {
    let mut sqlite = None;
    for app in spawn_apps_configured(seed, settings).await {
        if app.backend == "sqlite" && sqlite.is_none() {
            sqlite = Some(app);
        } else {
            app.stop().await;
        }
    }
    sqlite.expect("spawn_apps always starts a SQLite app")
}

/// Runs `node --test` in `dir` against `app`, with `extra_env` telling the
/// node tests what the store holds (say, a surname to search for). Blocks a
/// worker thread, not the runtime, so the server keeps answering meanwhile.
async fn run_node_tests(dir: PathBuf, app: &TestApp, extra_env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("node");
    command
        .args(["--test", "--test-reporter=spec"])
        .current_dir(dir)
        .env("CONTACTPOINT_BASE_URL", &app.address)
        .envs(extra_env.iter().copied());
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the thread running node panicked")
        .expect("node could not be started")
}

#[tokio::test]
async fn the_pages_pass_the_browser_and_accessibility_tests() {
    let Some(dir) = browser_tests_or_skip() else {
        return;
    };
    let mut children = children();
    let (keep, other) = crate::merges::two_records();
    let merge_ids = (
        keep.contactpoint_id.compact(),
        other.contactpoint_id.compact(),
    );
    children.extend([keep, other]);
    let (sources, feed) = (review_sources(), twins());
    let seed = Seed {
        children: &children,
        sources: &sources,
        feed: &feed,
    };
    let app = spawn_sqlite_app(&seed, Settings { review_queue: true }).await;
    // The fixture child (Amelia Okonkwo) and the shielded one (Zara Quint).
    let search_child = children[0].contactpoint_id.compact();
    let shielded_child = children[1].contactpoint_id.compact();

    let output = run_node_tests(
        dir,
        &app,
        &[
            ("CONTACTPOINT_SEARCH_CHILD_ID", &search_child),
            ("CONTACTPOINT_SHIELDED_CHILD_ID", &shielded_child),
            ("CONTACTPOINT_MERGE_KEEP_ID", &merge_ids.0),
            ("CONTACTPOINT_MERGE_OTHER_ID", &merge_ids.1),
        ],
    )
    .await;

    app.stop().await;
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "node --test failed ({}): its output is above",
        output.status
    );
}

#[tokio::test]
async fn the_style_sheet_may_be_cached_but_pages_may_not() {
    for app in spawn_apps().await {
        let css = app
            .client
            .get(format!("{}/assets/govuk-frontend.min.css", app.address))
            .send()
            .await
            .unwrap();
        let page = app.client.get(&app.address).send().await.unwrap();

        assert_eq!(css.status(), 200, "{}", app.backend);
        assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
        assert_eq!(css.headers()["cache-control"], "public, max-age=86400");
        assert_eq!(css.headers()["x-content-type-options"], "nosniff");
        assert_eq!(page.headers()["cache-control"], "no-store");
        let body = page.text().await.unwrap();
        assert!(
            body.contains(r#"<link rel="stylesheet" href="/assets/govuk-frontend.min.css">"#),
            "{body}"
        );
        app.stop().await;
    }
}
