//! Keeping SQLite's write-ahead log short during an import.
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

impl Sqlite {
    /// Starts the log again once it is long, when the readers let it.
    pub(super) async fn keep_log_short(&self) -> Result<()> {
        // SQLite cuts the file back to `LONG_LOG_BYTES` whenever it starts the
        // log again (`journal_size_limit`), so a longer file is a longer log.
        let long = std::fs::metadata(&*self.log_file).is_ok_and(|m| m.len() > LONG_LOG_BYTES);
        if !long {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        // The pool's other users keep their patience: this one is closed.
        conn.close_on_drop();
        // Half a second for readers to leave before the log is let grow a
        // little longer: a search server's readers come and go, and an import
        // is not held up behind them.
        sqlx::query("PRAGMA busy_timeout = 500")
            .execute(&mut *conn)
            .await?;
        // Copies the log back and waits for readers to read from the database
        // alone; the next write then starts the log from the top. Readers that
        // stay are no error: the log is tried again after the next write.
        let _: (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(RESTART)")
            .fetch_one(&mut *conn)
            .await?;
        Ok(())
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
