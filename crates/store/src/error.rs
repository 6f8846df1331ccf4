use std::borrow::Cow;

/// Everything that can go wrong in a store, stated as the fact.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such record")]
    NotFound,
    #[error("the record was changed by someone else since it was read ({0})")]
    Conflict(Cow<'static, str>),
    #[error(
        "the database was written by a newer ContactPoint (schema version {found}, this one knows up to {supported}): upgrade ContactPoint, or point it at another database"
    )]
    NewerSchema { found: i64, supported: i64 },
    #[error(
        "the database file is not a ContactPoint database or is damaged ({0}): restore it from a backup, or move it aside to start afresh"
    )]
    Corrupt(String),
    #[error(
        "the database holds tables that ContactPoint did not create: give ContactPoint an empty database of its own"
    )]
    Foreign,
    #[error(
        "cannot reach the database ({0}): check the database URL and that the server is running"
    )]
    Unavailable(String),
    #[error("the database URL must start with sqlite:// or postgres:// (postgresql:// also works)")]
    UnsupportedUrl,
    #[error(
        "an in-memory SQLite database cannot be shared by the connections ContactPoint opens: give a file, as in sqlite:///var/lib/contactpoint/contactpoint.db"
    )]
    InMemory,
    #[error("reading the database failed: {0}")]
    Read(String),
    #[error("a stored record cannot be read back: {0}")]
    Decode(String),
    #[error("migrating the database failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Self::Decode(error.to_string())
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Io(io) => Self::Unavailable(io.to_string()),
            sqlx::Error::Tls(tls) => Self::Unavailable(tls.to_string()),
            sqlx::Error::PoolTimedOut => {
                Self::Unavailable("timed out waiting for a connection".into())
            }
            sqlx::Error::Database(db) => match db.code().as_deref() {
                // SQLite: "file is not a database", "database disk image is malformed".
                Some("26") | Some("11") => Self::Corrupt(db.message().to_owned()),
                // SQLite: the file cannot be opened or created.
                Some("14") => Self::Unavailable(db.message().to_owned()),
                // PostgreSQL: unique violation; SQLite: constraint (unique, primary key).
                Some("23505") | Some("2067") | Some("1555") => {
                    Self::Conflict(Cow::Owned(constraint_name(db.as_ref())))
                }
                // PostgreSQL: no such database, cannot connect now.
                Some("3D000") | Some("57P03") | Some("08006") | Some("08001") => {
                    Self::Unavailable(db.message().to_owned())
                }
                _ => Self::Database(error),
            },
            _ => Self::Database(error),
        }
    }
}

fn constraint_name(db: &dyn sqlx::error::DatabaseError) -> String {
    match db.constraint() {
        Some(name) => format!("duplicate value for {name}"),
        None => "duplicate value".to_owned(),
    }
}
