//! The import pipeline against a real store: SQLite always, PostgreSQL when
//! `CONTACTPOINT_TEST_POSTGRES_URL` names a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod merges;
mod pipeline;

/// One test per story and backend, each on a fresh database.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = contactpoint_store::DatabaseUrl::sqlite_in(dir.path());
                    let store = contactpoint_store::Sqlite::open(&url).await.unwrap();
                    super::$story(store).await;
                }
            )*
        }
        mod postgres {
            use contactpoint_store::testing;
            $(
                #[tokio::test]
                async fn $story() {
                    let Some(admin) = testing::postgres_admin_url() else { return };
                    let url = testing::create_postgres_database(&admin).await.unwrap();
                    let store = contactpoint_store::Postgres::connect(&url).await.unwrap();
                    let outcome = tokio::spawn(super::$story(store.clone())).await;
                    store.close().await;
                    testing::drop_postgres_database(&admin, &url).await.unwrap();
                    if let Err(failure) = outcome {
                        std::panic::resume_unwind(failure.into_panic());
                    }
                }
            )*
        }
    };
}
