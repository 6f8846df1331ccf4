//! SQLite's write-ahead log: copying it back into the database, and keeping
//! it short during an import.
//!
//! SQLite copies the log back into the database as it goes, but starts it
//! again from the top only when no reader is using it. An import reads each
//! batch while the one before is written, so that moment seldom came: at a
//! million children the log had grown to 3.8 GB, and at national scale it
//! would have outgrown the disk beside the database.

use std::path::{Path, PathBuf};

use super::Sqlite;
use crate::Result;

/// The length of log past which a write waits for the readers to leave it
/// and starts it again: twice what SQLite's own checkpoints copy back at once.
pub(super) const LONG_LOG_BYTES: u64 = 512 << 20;

/// The log's file beside the database's.
pub(super) fn log_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// How a checkpoint leaves the log.
#[derive(Debug, Clone, Copy)]
pub(super) enum Checkpoint {
    /// Copied back, and started again from the top by the next write once
    /// the readers have left it. They are waited for up to 5 s: at national
    /// scale an import reads a batch for a second or more, and with half a
    /// second the log was never started again and grew to 23 GB; a search
    /// server's readers leave within milliseconds.
    Restart,
    /// Copied back and its file emptied, if no reader is in it; none is
    /// waited for.
    Truncate,
}

impl Sqlite {
    /// Copies the log back as `how` says. Readers that stay in the log are
    /// no error: it is copied back later.
    pub(super) async fn checkpoint(&self, how: Checkpoint) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        // The pool's other users keep their patience: this one is closed.
        conn.close_on_drop();
        let (patience, checkpoint) = match how {
            Checkpoint::Restart => (
                "PRAGMA busy_timeout = 5000",
                "PRAGMA wal_checkpoint(RESTART)",
            ),
            Checkpoint::Truncate => ("PRAGMA busy_timeout = 0", "PRAGMA wal_checkpoint(TRUNCATE)"),
        };
        sqlx::query(patience).execute(&mut *conn).await?;
        let _: (i64, i64, i64) = sqlx::query_as(checkpoint).fetch_one(&mut *conn).await?;
        Ok(())
    }

    /// Starts the log again once it is long, when the readers let it. The
    /// batch before is written whatever happens here, so a failure is only
    /// reported: the log is tried again after the next write.
    pub(super) async fn keep_log_short(&self) {
        // SQLite cuts the file back to `LONG_LOG_BYTES` whenever it starts the
        // log again (`journal_size_limit`), so a longer file is a longer log.
        let long = std::fs::metadata(&*self.log_file).is_ok_and(|m| m.len() > LONG_LOG_BYTES);
        if long && let Err(error) = self.checkpoint(Checkpoint::Restart).await {
            tracing::warn!(%error, "could not start the write-ahead log again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_file_is_named_after_the_database() {
        assert_eq!(
            log_file(Path::new("/data/contactpoint.db")),
            PathBuf::from("/data/contactpoint.db-wal")
        );
    }
}
