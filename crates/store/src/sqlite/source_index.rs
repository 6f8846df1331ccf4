//! Where each source record's row is: a hash of its source and record id,
//! held in memory, to the row's `seq`.
//!
//! A source's record ids are in no order (a health feed's are UUIDs), so
//! in a b-tree keyed by them each record an import added rewrote a page of
//! its own: at a million children three in five of the pages written to
//! SQLite's log were that index's, and at national scale every record cost
//! a page. `source_records` instead keeps its rows in the order they arrive,
//! numbered by `seq`, which is never used twice; each process reads the
//! rows' hashes once, then from the last row it read on, so it finds what
//! other processes added too. A row deleted leaves its hash behind, and two
//! records may share one: each lookup reads the rows a hash names and keeps
//! only those that are the record. Uniqueness, which the b-tree's key gave,
//! is checked by each write before it commits ([`SourceIndex::check_added`]).
//!
//! A slot is 17 bytes, and there are one to two slots a record: 1.1 GiB
//! for the 36 million source records of a national database.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::{Arc, Mutex};

use sqlx::SqliteConnection;

use super::reader::Readers;
use super::their_rows;
use crate::{Error, Result};

/// The hashes are already hashes: the map uses them as they are.
#[derive(Default)]
struct AsIs(u64);

impl Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64s are hashed here; fold anything else in all the same.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type ByHash<V> = HashMap<u64, V, BuildHasherDefault<AsIs>>;

#[derive(Default)]
struct Rows {
    /// The highest `seq` read.
    read_to: i64,
    /// The row of each hash that one row has.
    one: ByHash<i64>,
    /// The rows of each hash that several have (records sharing a hash, or
    /// a record removed and sent again).
    several: ByHash<Vec<i64>>,
}

impl Rows {
    fn add(&mut self, hash: u64, seq: i64) {
        if let Some(rows) = self.several.get_mut(&hash) {
            if !rows.contains(&seq) {
                rows.push(seq);
            }
            return;
        }
        match self.one.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(seq);
            }
            Entry::Occupied(slot) if *slot.get() == seq => {}
            Entry::Occupied(slot) => {
                let first = slot.remove();
                self.several.insert(hash, vec![first, seq]);
            }
        }
    }

    fn of(&self, hash: u64) -> &[i64] {
        match self.one.get(&hash) {
            Some(seq) => std::slice::from_ref(seq),
            None => self.several.get(&hash).map_or(&[], Vec::as_slice),
        }
    }
}

pub(super) struct SourceIndex {
    readers: Arc<Readers>,
    hasher: RandomState,
    rows: Mutex<Rows>,
}

impl SourceIndex {
    pub(super) fn new(readers: Arc<Readers>) -> Self {
        Self {
            readers,
            hasher: RandomState::new(),
            rows: Mutex::default(),
        }
    }

    fn hash(&self, source: &str, record: &str) -> u64 {
        self.hasher.hash_one((source, record))
    }

    fn rows(&self) -> Result<std::sync::MutexGuard<'_, Rows>> {
        self.rows
            .lock()
            .map_err(|_| Error::Read("the source records' index was poisoned".into()))
    }

    /// Reads the rows committed since the last read (every row, the first
    /// time), and says the highest `seq` read.
    pub(super) fn catch_up(&self) -> Result<i64> {
        let mut rows = self.rows()?;
        let from = rows.read_to;
        let mut read = Vec::new();
        self.readers.with(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, source, record_id FROM source_records WHERE seq > ?1 ORDER BY seq",
            )?;
            let mut found = statement.query([from])?;
            while let Some(row) = found.next()? {
                let seq: i64 = row.get(0)?;
                let source = row.get_ref(1)?.as_str()?;
                let record = row.get_ref(2)?.as_str()?;
                read.push((self.hash(source, record), seq));
            }
            Ok(())
        })?;
        if let Some(&(_, last)) = read.last() {
            rows.one.reserve(read.len());
            for (hash, seq) in read {
                rows.add(hash, seq);
            }
            rows.read_to = last;
        }
        Ok(rows.read_to)
    }

    /// The rows that may be each record's, as read so far: none for a
    /// record never seen.
    pub(super) fn rows_of<'a>(
        &self,
        records: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<Vec<i64>>> {
        let rows = self.rows()?;
        Ok(records
            .into_iter()
            .map(|(source, record)| rows.of(self.hash(source, record)).to_vec())
            .collect())
    }

    /// As [`SourceIndex::rows_of`], after reading what was committed since
    /// last time; as JSON `[[tag, seq, source, record id], ...]` for
    /// [`their_rows`], one element per row that may be the record.
    pub(super) fn lookup_json<'a, T: serde::Serialize + Copy>(
        &self,
        records: impl IntoIterator<Item = (T, &'a str, &'a str)>,
    ) -> Result<Option<String>> {
        self.catch_up()?;
        self.wanted_json(records, |_| true)
    }

    /// The rows read so far that `keep` keeps and that may be the records',
    /// as [`SourceIndex::lookup_json`] gives them.
    fn wanted_json<'a, T: serde::Serialize + Copy>(
        &self,
        records: impl IntoIterator<Item = (T, &'a str, &'a str)>,
        keep: impl Fn(i64) -> bool,
    ) -> Result<Option<String>> {
        let rows = self.rows()?;
        let mut wanted = Vec::new();
        for (tag, source, record) in records {
            for &seq in rows.of(self.hash(source, record)) {
                if keep(seq) {
                    wanted.push((tag, seq, source, record));
                }
            }
        }
        Ok(match wanted.is_empty() {
            true => None,
            false => Some(serde_json::to_string(&wanted)?),
        })
    }

    /// Fails with a conflict, for the write to be rolled back, if a record
    /// the transaction on `conn` added (the rows after `read_to`, which a
    /// [`SourceIndex::catch_up`] before its writes gave) is there twice: in
    /// two of those rows, or in one and a row before. Returns the added
    /// rows by source and record id.
    pub(super) async fn check_added(
        &self,
        conn: &mut SqliteConnection,
        read_to: i64,
    ) -> Result<HashMap<(String, String), i64>> {
        let added: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT seq, source, record_id FROM source_records WHERE seq > ?1")
                .bind(read_to)
                .fetch_all(&mut *conn)
                .await?;
        let mut by_record = HashMap::with_capacity(added.len());
        for (seq, source, record) in added {
            if by_record.insert((source, record), seq).is_some() {
                return Err(duplicate());
            }
        }
        let records = by_record.keys().map(|(s, r)| (0, s.as_str(), r.as_str()));
        if let Some(earlier) = self.wanted_json(records, |seq| seq <= read_to)? {
            let taken: bool =
                sqlx::query_scalar(concat!("SELECT EXISTS (SELECT 1 FROM ", their_rows!(), ")"))
                    .bind(earlier)
                    .fetch_one(&mut *conn)
                    .await?;
            if taken {
                return Err(duplicate());
            }
        }
        Ok(by_record)
    }
}

fn duplicate() -> Error {
    Error::Conflict("duplicate value for source_records".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_that_several_rows_share_gives_every_one_of_them_once() {
        let mut rows = Rows::default();

        rows.add(7, 1);
        rows.add(7, 1);
        rows.add(7, 5);
        rows.add(7, 5);
        rows.add(9, 2);

        assert_eq!(rows.of(7), &[1, 5]);
        assert_eq!(rows.of(9), &[2]);
        assert!(rows.of(8).is_empty());
    }
}
