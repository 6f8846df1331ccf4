//! For tests of this crate and those above it: throwaway PostgreSQL
//! databases (each test gets its own, so tests run in parallel) and
//! [`fixtures`].

pub mod fixtures;

use sqlx::Connection;
use uuid::Uuid;

use crate::{DatabaseUrl, Result};

/// The server tests may create databases on, from
/// `CONTACTPOINT_TEST_POSTGRES_URL`. Without it, PostgreSQL tests are skipped,
/// unless `CONTACTPOINT_REQUIRE_POSTGRES` is set (as CI does): then this panics,
/// so a missing server fails the run instead of passing it silently.
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

/// Creates an empty database with a random name and returns its URL.
pub async fn create_postgres_database(admin_url: &str) -> Result<DatabaseUrl> {
    let name = format!("contactpoint_test_{}", Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    DatabaseUrl::parse(&format!("{base}/{name}"))
}

/// Drops a database made by [`create_postgres_database`], closing any
/// connection still open on it.
pub async fn drop_postgres_database(admin_url: &str, url: &DatabaseUrl) -> Result<()> {
    let name = url.expose().rsplit('/').next().unwrap_or_default();
    if !name.starts_with("contactpoint_test_") {
        return Ok(());
    }
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    Ok(())
}
