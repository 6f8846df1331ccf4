//! A fresh, empty database per test on each backend.

use contactpoint_store::{DatabaseUrl, Postgres, Sqlite};
use sqlx::Connection;
use tempfile::TempDir;
use uuid::Uuid;

pub struct SqliteDb {
    pub store: Sqlite,
    pub _dir: TempDir,
}

pub async fn sqlite() -> SqliteDb {
    let dir = tempfile::tempdir().unwrap();
    let store = Sqlite::open(&DatabaseUrl::sqlite_in(dir.path()))
        .await
        .unwrap();
    SqliteDb { store, _dir: dir }
}

/// The admin URL of the PostgreSQL server to test on. Without it the
/// PostgreSQL half of the suite is skipped, unless
/// `CONTACTPOINT_REQUIRE_POSTGRES` is set (as CI does), when it fails.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("CONTACTPOINT_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CONTACTPOINT_REQUIRE_POSTGRES").is_none(),
                "CONTACTPOINT_REQUIRE_POSTGRES is set but CONTACTPOINT_TEST_POSTGRES_URL is not"
            );
            eprintln!("skipped: set CONTACTPOINT_TEST_POSTGRES_URL to run on PostgreSQL");
            None
        }
    }
}

/// Creates a database with a random name on the server and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> DatabaseUrl {
    let name = format!("contactpoint_test_{}", Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    DatabaseUrl::parse(&format!("{base}/{name}")).unwrap()
}

pub struct PostgresDb {
    pub store: Postgres,
    admin_url: String,
    url: DatabaseUrl,
}

impl PostgresDb {
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Closes the pool and drops the test's database.
    pub async fn drop_database(self) {
        self.store.close().await;
        let name = self
            .url
            .expose()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}"
        )))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

pub async fn drop_postgres_database(admin_url: &str, url: &DatabaseUrl) {
    let name = url
        .expose()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
}

pub async fn postgres() -> Option<PostgresDb> {
    let admin_url = postgres_admin_url()?;
    let url = fresh_postgres_database(&admin_url).await;
    let store = Postgres::connect(&url).await.unwrap();
    Some(PostgresDb {
        store,
        admin_url,
        url,
    })
}

/// Runs a story on both backends, as one test per backend.
#[macro_export]
macro_rules! conformance {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    let db = $crate::backends::sqlite().await;
                    super::$story(db.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    if let Some(db) = $crate::backends::postgres().await {
                        super::$story(db.store.clone()).await;
                        db.drop_database().await;
                    }
                }
            )*
        }
    };
}
