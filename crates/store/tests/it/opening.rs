//! Opening a database: what is refused, with what error, and that a refused
//! database is left as it was.

use contactpoint_store::{DatabaseUrl, Error, Postgres, Sqlite, Store};

use crate::backends;

/// Marks the database as written by a future version of ContactPoint.
const FUTURE_MIGRATION: &str = "INSERT INTO _sqlx_migrations \
    (version, description, success, checksum, execution_time) \
    VALUES (29991231000000, 'from the future', TRUE, X'00', 0)";

#[tokio::test]
async fn a_file_that_is_not_a_database_is_called_corrupt_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contactpoint.db");
    std::fs::write(&path, b"this is not an SQLite database, just some text").unwrap();

    let result = Sqlite::open(&DatabaseUrl::sqlite_in(dir.path())).await;

    assert!(
        matches!(result, Err(Error::Corrupt(_))),
        "{:?}",
        result.err()
    );
    let after = std::fs::read(&path).unwrap();
    assert_eq!(after, b"this is not an SQLite database, just some text");
}

#[tokio::test]
async fn a_sqlite_database_from_a_newer_version_is_refused() {
    let db = backends::sqlite().await;
    db.store
        .insert_children(&[crate::fixtures::child(1)])
        .await
        .unwrap();
    let url = DatabaseUrl::sqlite_in(db._dir.path());
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(url.expose()).await.unwrap();
        sqlx::query(FUTURE_MIGRATION)
            .execute(&mut conn)
            .await
            .unwrap();
    }

    let result = Sqlite::open(&url).await;

    assert!(
        matches!(result, Err(Error::NewerSchema { .. })),
        "{:?}",
        result.err()
    );
    assert_eq!(db.store.count_children().await.unwrap(), 1);
}

#[tokio::test]
async fn a_postgres_database_from_a_newer_version_is_refused() {
    let Some(db) = backends::postgres().await else {
        return;
    };
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(db_url(&db)).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(
            FUTURE_MIGRATION.replace("X'00'", "'\\x00'::bytea"),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }

    let result = Postgres::connect(&DatabaseUrl::parse(db_url(&db)).unwrap()).await;

    assert!(
        matches!(result, Err(Error::NewerSchema { .. })),
        "{:?}",
        result.err()
    );
    db.drop_database().await;
}

fn db_url(db: &backends::PostgresDb) -> &str {
    db.url().expose()
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_called_unavailable() {
    // Port 9 (discard) on loopback: nothing listens there.
    let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1:9/contactpoint").unwrap();

    let result = Postgres::connect(&url).await;

    assert!(
        matches!(result, Err(Error::Unavailable(_))),
        "{:?}",
        result.err()
    );
}

#[tokio::test]
async fn a_sqlite_file_in_a_missing_folder_is_called_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::sqlite_in(&dir.path().join("no").join("such").join("folder"));

    let result = Sqlite::open(&url).await;

    assert!(
        matches!(result, Err(Error::Unavailable(_))),
        "{:?}",
        result.err()
    );
}

#[tokio::test]
async fn a_sqlite_database_of_another_application_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::sqlite_in(dir.path());
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("{}?mode=rwc", url.expose()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
            .execute(&mut conn)
            .await
            .unwrap();
    }

    let path = dir.path().join("contactpoint.db");
    let before = std::fs::read(&path).unwrap();

    let result = Sqlite::open(&url).await;

    assert!(matches!(result, Err(Error::Foreign)), "{:?}", result.err());
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file changed");
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url.expose()).await.unwrap();
    let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(tables, 1);
}

#[tokio::test]
async fn a_postgres_database_of_another_application_is_refused() {
    let Some(admin) = backends::postgres_admin_url() else {
        return;
    };
    let url = backends::fresh_postgres_database(&admin).await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(url.expose()).await.unwrap();
        sqlx::query("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
            .execute(&mut conn)
            .await
            .unwrap();
    }

    let result = Postgres::connect(&url).await;

    assert!(matches!(result, Err(Error::Foreign)), "{:?}", result.err());
    backends::drop_postgres_database(&admin, &url).await;
}
