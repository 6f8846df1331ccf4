//! Databases as an earlier release left them, for the tests of the
//! migrations that follow.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::str::FromStr;

use contactpoint_domain::Child;
use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

use super::Sqlite;
use super::held::NewKeys;
use crate::DatabaseUrl;

/// A database in `dir` migrated up to the migration named `first_left_out`
/// (not included), holding `children`; its pool is left open for the test
/// to add what that release wrote, and to close.
pub(crate) async fn holding(
    dir: &Path,
    first_left_out: &str,
    children: &[Child],
) -> (DatabaseUrl, SqlitePool) {
    let earlier = tempfile::tempdir().unwrap();
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    for entry in std::fs::read_dir(migrations).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < first_left_out {
            std::fs::copy(&path, earlier.path().join(name)).unwrap();
        }
    }
    let url = DatabaseUrl::sqlite_in(dir);
    let options = SqliteConnectOptions::from_str(url.expose())
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    Migrator::new(earlier.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let rows = crate::record::Rows::from_children(children).unwrap();
    let mut tx = pool.begin().await.unwrap();
    Sqlite::insert_rows(&mut tx, &rows, crate::now(), NewKeys::Indexed)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (url, pool)
}

/// The digests an earlier release kept in a table of their own are kept,
/// each in its record's row.
#[tokio::test]
async fn the_digests_move_into_their_records_rows() {
    use crate::Store;
    use crate::testing::fixtures::child;

    let dir = tempfile::tempdir().unwrap();
    let held = child(1);
    let (url, pool) = holding(dir.path(), "20261201000013", std::slice::from_ref(&held)).await;
    let record = &held.source_records[0];
    sqlx::query("INSERT INTO source_record_digests (source, record_id, digest) VALUES (?, ?, ?)")
        .bind(record.source.as_str())
        .bind(record.record.as_str())
        .bind("what it said")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let store = Sqlite::open(&url).await.unwrap();

    assert_eq!(
        store.record_digest(record).await.unwrap().as_deref(),
        Some("what it said")
    );
    assert_eq!(store.child(held.id).await.unwrap().child, held);
}

/// Source records an earlier release kept under their ids are found as
/// before in the rows kept in order, digests and all, and the next record
/// and a record taken twice are told apart.
#[tokio::test]
async fn source_records_are_found_once_kept_in_arrival_order() {
    use crate::testing::fixtures::child;
    use crate::{Error, Store};

    let dir = tempfile::tempdir().unwrap();
    let held = [child(1), child(2)];
    let (url, pool) = holding(dir.path(), "20261202000014", &held).await;
    let record = &held[1].source_records[0];
    sqlx::query("UPDATE source_records SET digest = ? WHERE source = ? AND record_id = ?")
        .bind("what it said")
        .bind(record.source.as_str())
        .bind(record.record.as_str())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let store = Sqlite::open(&url).await.unwrap();
    let next = child(3);
    store
        .insert_children(std::slice::from_ref(&next))
        .await
        .unwrap();
    let mut taker = child(4);
    taker.source_records = held[0].source_records.clone();
    let taken = store.insert_children(&[taker]).await;

    for stored in [&held[0], &held[1], &next] {
        let found = store.child_by_source_record(&stored.source_records[0]);
        assert_eq!(found.await.unwrap(), Some(stored.id));
    }
    assert_eq!(
        store.record_digest(record).await.unwrap().as_deref(),
        Some("what it said")
    );
    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
    assert_eq!(store.child(held[1].id).await.unwrap().child, held[1]);
}
