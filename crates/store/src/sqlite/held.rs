//! Search keys held back from `search_keys` and merged into it later, in
//! key order.
//!
//! A key is a hash, so each batch's keys land all over the index, and at a
//! million children an import batch rewrote most of its pages: half of all
//! it wrote. Held back instead, the keys are appended to
//! `held_search_keys` (and a removal as a row saying so), and merged into
//! the index a few million at a time, each merge writing the index once.
//! Until then this process finds them here, in memory; another process
//! finds them once they are merged, at most [`Held::limit`] keys later or
//! when the import ends.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{QueryBuilder, SqliteConnection};
use uuid::Uuid;

use super::wal::Checkpoint;
use super::{ROWS_PER_STATEMENT, Sqlite};
use crate::Result;
use crate::record::SearchKeyRow;

/// The fewest keys held before a merge: about 140 MiB of memory, and a
/// merge every 100,000 children or so of a first load.
const FEWEST_HELD: usize = 4_000_000;

/// The most keys ever held: about 560 MiB of memory.
const MOST_HELD: usize = 16_000_000;

/// Where a write puts the search keys it adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NewKeys {
    /// Into the index, for every process to find at once.
    Indexed,
    /// Into `held_search_keys`, to be merged later.
    Held,
}

/// The search keys a write added and removed.
#[derive(Default)]
pub(super) struct KeyChanges {
    pub added: Vec<SearchKeyRow>,
    pub removed: Vec<SearchKeyRow>,
}

/// The keys this process has held back and not yet merged, as (key,
/// child) in order: about 35 bytes each.
#[derive(Default)]
pub(super) struct Held {
    keys: Mutex<BTreeSet<(i64, Uuid)>>,
    /// How many keys this process has merged into the index.
    merged: AtomicUsize,
    /// Held while a batch's keys are written and remembered, or merged:
    /// a merge forgets what it merged, and must not forget what a batch
    /// written meanwhile added.
    pub(super) writing: tokio::sync::Mutex<()>,
}

impl Held {
    /// The held children of each key given (with a tag of the caller's:
    /// which query it is for), as (tag, key, child).
    pub(super) fn children_of<T: Copy>(
        &self,
        keys: impl IntoIterator<Item = (T, i64)>,
    ) -> Vec<(T, i64, Uuid)> {
        let Ok(held) = self.keys.lock() else {
            return Vec::new();
        };
        if held.is_empty() {
            return Vec::new();
        }
        keys.into_iter()
            .flat_map(|(tag, key)| {
                let children = held.range((key, Uuid::nil())..=(key, Uuid::max()));
                children.map(move |&(key, child)| (tag, key, child))
            })
            .collect()
    }

    /// Remembers keys once the transaction that held them back committed.
    pub(super) fn remember(&self, added: &[SearchKeyRow], removed: &[SearchKeyRow]) {
        let Ok(mut held) = self.keys.lock() else {
            return;
        };
        for row in removed {
            held.remove(&(row.key, row.child_id));
        }
        held.extend(added.iter().map(|row| (row.key, row.child_id)));
    }

    pub(super) fn count(&self) -> usize {
        self.keys.lock().map(|held| held.len()).unwrap_or(0)
    }

    /// How many keys to hold before merging them. A merge rewrites most of
    /// the index, so the more keys have been merged the more wait for each:
    /// a quarter of what this process has merged, within bounds. A first
    /// load at national scale (about 480 million keys) so merges some forty
    /// times instead of 120, each rewriting gigabytes. The count starts
    /// from nothing in each process: an import into a large index begins
    /// with the fewest (counting the index would read all of it).
    pub(super) fn limit(&self) -> usize {
        (self.merged.load(Ordering::Relaxed) / 4).clamp(FEWEST_HELD, MOST_HELD)
    }

    fn forget(&self) {
        if let Ok(mut held) = self.keys.lock() {
            held.clear();
        }
    }
}

impl Sqlite {
    /// Holds back the keys of new or changed children.
    pub(super) async fn hold_search_keys(
        conn: &mut SqliteConnection,
        keys: &[SearchKeyRow],
        removed: bool,
    ) -> Result<()> {
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::new("INSERT INTO held_search_keys (key, child_id, removed) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.key).push_bind(r.child_id).push_bind(removed);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Merges every held key into the index, whoever held it, and empties
    /// the log after a merge.
    pub(super) async fn index_every_held_key(&self) -> Result<()> {
        let _writing = self.held.writing.lock().await;
        if self.merge_held_keys().await? == 0 {
            return Ok(());
        }
        // A merge after a bulk load is one transaction as large as the
        // index (8 GB of log at national scale), and a log file keeps its
        // largest size: copy it back and empty it. Readers busy with the
        // log are not waited for: a push ends with a merge too.
        self.checkpoint(Checkpoint::Truncate).await?;
        Ok(())
    }

    /// Merges every held key into the index, in key order, and forgets
    /// them; says how many rows were held. The caller holds
    /// [`Held::writing`].
    pub(super) async fn merge_held_keys(&self) -> Result<i64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM held_search_keys")
            .fetch_one(&mut *tx)
            .await?;
        if held == 0 {
            // Another process merged them.
            self.held.forget();
            return Ok(0);
        }
        // The index by child would take the keys in random order, so when
        // they are a large part of the whole (a first load) it is rebuilt
        // by one sort instead. Counting the index reads all of it: not
        // worth it for a few keys.
        let rebuild = held > 100_000 && {
            let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_keys")
                .fetch_one(&mut *tx)
                .await?;
            held > indexed / 4
        };
        if rebuild {
            sqlx::query("DROP INDEX search_keys_child")
                .execute(&mut *tx)
                .await?;
        }
        // A key's last row says whether it stands. Grouping sorts them
        // by key, the order the index takes them in best.
        sqlx::query(
            "INSERT OR IGNORE INTO search_keys (key, child_id) \
             SELECT key, child_id FROM \
               (SELECT key, child_id, removed, MAX(rowid) FROM held_search_keys \
                GROUP BY key, child_id) \
             WHERE removed = 0",
        )
        .execute(&mut *tx)
        .await?;
        if rebuild {
            sqlx::query("CREATE INDEX search_keys_child ON search_keys (child_id)")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM held_search_keys")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.held.forget();
        self.held
            .merged
            .fetch_add(usize::try_from(held).unwrap_or(0), Ordering::Relaxed);
        Ok(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: i64, child: u128) -> SearchKeyRow {
        SearchKeyRow {
            key,
            child_id: Uuid::from_u128(child),
        }
    }

    #[test]
    fn a_held_key_is_found_until_it_is_removed() {
        let held = Held::default();
        held.remember(&[row(7, 1), row(7, 2), row(9, 1)], &[]);
        assert_eq!(held.count(), 3);
        assert_eq!(
            held.children_of([((), 7)]),
            vec![((), 7, Uuid::from_u128(1)), ((), 7, Uuid::from_u128(2))]
        );

        held.remember(&[], &[row(7, 1)]);

        assert_eq!(
            held.children_of([('a', 7), ('b', 9)]),
            vec![('a', 7, Uuid::from_u128(2)), ('b', 9, Uuid::from_u128(1))]
        );
        assert_eq!(held.count(), 2);
    }

    #[test]
    fn more_keys_are_held_as_more_have_been_merged() {
        let held = Held::default();
        assert_eq!(held.limit(), FEWEST_HELD);

        held.merged.store(40_000_000, Ordering::Relaxed);
        assert_eq!(held.limit(), 10_000_000);

        held.merged.store(400_000_000, Ordering::Relaxed);
        assert_eq!(held.limit(), MOST_HELD);
    }

    #[test]
    fn removing_a_key_never_held_changes_nothing() {
        let held = Held::default();
        held.remember(&[row(7, 1)], &[row(7, 2), row(8, 1)]);
        assert_eq!(held.count(), 1);
    }
}
