//! Choosing and opening the database: a URL, or SQLite in a data directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use contactpoint_store::{DatabaseUrl, Postgres, Sqlite};

#[derive(clap::Args)]
pub struct DatabaseArgs {
    /// Database URL: postgres://user@host/db, or sqlite://path/to/file.db.
    /// Default: SQLite in the data directory.
    #[arg(
        long,
        env = "CONTACTPOINT_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Where the embedded SQLite database lives when no URL is given.
    #[arg(long, env = "CONTACTPOINT_DATA_DIR", global = true, default_value_os_t = crate::default_data_dir())]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    /// The URL to open, creating the data directory if SQLite lives there.
    pub fn url(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database_url {
            Some(url) => Ok(DatabaseUrl::parse(url)?),
            None => {
                prepare_data_dir(&self.data_dir)?;
                Ok(DatabaseUrl::sqlite_in(&self.data_dir))
            }
        }
    }
}

pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_file() {
        bail!(
            "the data directory {} is a file: give a directory with --data-dir",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))
}

/// The database behind a URL, opened and migrated.
pub enum Database {
    Sqlite(Sqlite),
    Postgres(Postgres),
}

impl Database {
    pub async fn open(url: &DatabaseUrl) -> anyhow::Result<Self> {
        let opened = match url.backend() {
            contactpoint_store::Backend::Sqlite => Sqlite::open(url).await.map(Self::Sqlite),
            contactpoint_store::Backend::Postgres => {
                Postgres::connect(url).await.map(Self::Postgres)
            }
        };
        opened.with_context(|| format!("cannot open the database {url}"))
    }
}

/// Runs a generic async body with whichever backend the database is.
macro_rules! with_store {
    ($database:expr, |$store:ident| $body:expr) => {
        match $database {
            $crate::database::Database::Sqlite($store) => $body,
            $crate::database::Database::Postgres($store) => $body,
        }
    };
}
pub(crate) use with_store;
