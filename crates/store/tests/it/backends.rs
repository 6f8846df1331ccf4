//! A fresh, empty database per test on each backend.

use contactpoint_store::{DatabaseUrl, Postgres, Sqlite, testing};
use tempfile::TempDir;

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

pub use contactpoint_store::testing::postgres_admin_url;

pub async fn fresh_postgres_database(admin_url: &str) -> DatabaseUrl {
    testing::create_postgres_database(admin_url).await.unwrap()
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
        drop_postgres_database(&self.admin_url, &self.url).await;
    }
}

pub async fn drop_postgres_database(admin_url: &str, url: &DatabaseUrl) {
    testing::drop_postgres_database(admin_url, url)
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
                        // Run the story as a task so that a failing one still
                        // drops its database before the failure is reported.
                        let outcome = tokio::spawn(super::$story(db.store.clone())).await;
                        db.drop_database().await;
                        if let Err(failure) = outcome {
                            std::panic::resume_unwind(failure.into_panic());
                        }
                    }
                }
            )*
        }
    };
}
