//! `contactpoint import` killed at any point and run again: no record lost,
//! none duplicated, on both backends.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use contactpoint_store::testing;

use crate::{contactpoint, import_school_census_args, register_school_census, stderr};

/// `--data-dir DIR` or `--database-url URL`.
fn database_args(database: &str) -> [&str; 2] {
    if database.starts_with("postgres") {
        ["--database-url", database]
    } else {
        ["--data-dir", database]
    }
}

fn import_args<'a>(database: &'a str, feed: &'a Path, report: &'a Path) -> Vec<&'a str> {
    let mut args = database_args(database).to_vec();
    args.extend(import_school_census_args(feed, report));
    // Small batches, so that a kill finds some written and some not.
    args.extend(["--batch", "250"]);
    args
}

/// Imports to the end; returns each record's outcome and the children named.
fn import(database: &str, feed: &Path, report: &Path) -> (Vec<String>, BTreeSet<String>) {
    let output = contactpoint(&import_args(database, feed, report));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(report).unwrap();
    let mut outcomes = Vec::new();
    let mut children = BTreeSet::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        outcomes.push(fields[1].to_owned());
        if !fields[2].is_empty() {
            children.insert(fields[2].to_owned());
        }
    }
    (outcomes, children)
}

/// Starts an import and kills it without warning once it has written part
/// of the feed; says whether it was still running when killed.
fn import_killed_midway(database: &str, feed: &Path, report: &Path) -> bool {
    let mut running = Command::new(env!("CARGO_BIN_EXE_contactpoint"))
        .args(import_args(database, feed, report))
        .env_remove("CONTACTPOINT_DATABASE_URL")
        .env_remove("CONTACTPOINT_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The report is written in buffered blocks: once one is out, records
    // are being stored.
    for _ in 0..400 {
        if std::fs::metadata(report).is_ok_and(|m| m.len() > 8 * 1024) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let still_running = running.try_wait().unwrap().is_none();
    running.kill().unwrap();
    running.wait().unwrap();
    still_running
}

async fn killed_and_resumed(reference: &str, interrupted: &str, dir: &Path) {
    let feeds = dir.join("feeds");
    if !feeds.exists() {
        let output = contactpoint(&[
            "generate",
            "--children",
            "3000",
            "--out",
            feeds.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let feed = feeds.join("school_census.csv");
    let mapping = feeds.join("school_census.mapping.toml");
    register_school_census(database_args(reference), &mapping);
    register_school_census(database_args(interrupted), &mapping);
    let (_, expected) = import(reference, &feed, &dir.join("reference.csv"));

    let partial = dir.join("partial.csv");
    assert!(
        import_killed_midway(interrupted, &feed, &partial),
        "the import ended before it could be killed: give it a larger feed"
    );
    import(interrupted, &feed, &dir.join("resumed.csv"));
    let (outcomes, children) = import(interrupted, &feed, &dir.join("again.csv"));

    // Nothing lost: a third run finds every record done. Nothing doubled:
    // the records name exactly as many children as an import never killed.
    let other: Vec<_> = outcomes.iter().filter(|o| *o != "unchanged").collect();
    assert!(
        other.is_empty(),
        "{} records not unchanged: {other:?}",
        other.len()
    );
    assert_eq!(children.len(), expected.len());
}

#[tokio::test]
async fn an_import_killed_midway_on_sqlite_resumes_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference-db");
    let interrupted = dir.path().join("interrupted-db");

    killed_and_resumed(
        reference.to_str().unwrap(),
        interrupted.to_str().unwrap(),
        dir.path(),
    )
    .await;
}

#[tokio::test]
async fn an_import_killed_midway_on_postgres_resumes_without_loss_or_duplicates() {
    let Some(admin) = testing::postgres_admin_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = testing::create_postgres_database(&admin).await.unwrap();
    let interrupted = testing::create_postgres_database(&admin).await.unwrap();

    killed_and_resumed(reference.expose(), interrupted.expose(), dir.path()).await;

    testing::drop_postgres_database(&admin, &reference)
        .await
        .unwrap();
    testing::drop_postgres_database(&admin, &interrupted)
        .await
        .unwrap();
}
