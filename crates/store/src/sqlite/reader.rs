//! A search's reads, and an import's batch reads of candidates and
//! children, run on the caller's own thread.
//!
//! sqlx runs every SQLite connection on a worker thread of its own and hands
//! each statement over through a channel, waking one thread and then the
//! other. Profiled at 200,000 children, those wake-ups (the kernel's futex
//! and scheduler) took as much time as SQLite itself. A search is two or
//! three reads of well under a millisecond each, from tables the operating
//! system holds in memory, so they run here, inline, on a small pool of
//! read-only connections. An import's batch reads thousands of rows at
//! once, each of which sqlx handed over as well: reading a batch's
//! candidates and children here took bench linkage at 100,000 children
//! from 9.1 to 7.5 s of reading. Writes stay on sqlx.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, Row};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::record::{CandidateRow, HeadRow, LinkCandidateRow, ManyChildren};
use crate::{Candidate, Error, LinkCandidate, NameCounts, Result};

/// Idle connections kept for the next search: one per search running at
/// once is enough, and a server runs as many as it has threads.
const IDLE: usize = 8;

pub(super) struct Readers {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(super) fn new(file: &Path) -> Self {
        Self {
            file: file.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Pages come through the memory map, shared with every other
        // connection; the private cache holds only the b-trees' tops.
        conn.pragma_update(None, "mmap_size", 1_099_511_627_776_i64)?;
        conn.pragma_update(None, "cache_size", -16_384)?;
        Ok(conn)
    }

    /// Runs `read` on an idle connection (or a new one), returning the
    /// connection afterwards unless the read failed.
    pub(super) fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let answer = read(&conn)?;
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE
        {
            idle.push(conn);
        }
        Ok(answer)
    }

    /// The (child, key) pairs of the children holding each of `keys` (a
    /// JSON array), for a search or an import's batch.
    pub(super) fn key_holders(&self, keys: &str) -> Result<Vec<(Uuid, i64)>> {
        self.with(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT k.key, k.child_id FROM json_each(?1) q \
                 JOIN search_keys k ON k.key = q.value",
            )?;
            let rows = statement.query_map([keys], |row| {
                Ok((Uuid::from_bytes(row.get(1)?), row.get::<_, i64>(0)?))
            })?;
            rows.collect()
        })
    }

    /// The search profiles of the children `ids` names (a JSON array of
    /// hex ids), as candidates.
    pub(super) fn profiles(&self, ids: &str) -> Result<HashMap<Uuid, Candidate>> {
        let rows = self.with(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT child_id, contactpoint_id, given_name, family_name, date_of_birth, \
                 gender, district, shielded, profile, nhs_number, upn FROM search_profiles \
                 WHERE child_id IN (SELECT unhex(value) FROM json_each(?1))",
            )?;
            let rows = statement.query_map([ids], |row| candidate_row(row, 0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter()
            .map(|row| {
                let candidate = row?.decode()?;
                Ok((candidate.summary.child_id.as_uuid(), candidate))
            })
            .collect()
    }

    /// What linkage weighs of the children `ids` names (a JSON array of
    /// hex ids), for an import's batch.
    pub(super) fn link_candidates(&self, ids: &str) -> Result<Vec<LinkCandidate>> {
        let rows = self.with(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT child_id, profile, nhs_number, upn FROM search_profiles \
                 WHERE child_id IN (SELECT unhex(value) FROM json_each(?1))",
            )?;
            let rows = statement.query_map([ids], |row| {
                let id: [u8; 16] = row.get(0)?;
                Ok(LinkCandidateRow {
                    child_id: Uuid::from_bytes(id),
                    profile: row.get(1)?,
                    nhs_number: row.get(2)?,
                    upn: row.get(3)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter().map(LinkCandidateRow::decode).collect()
    }

    /// Whole children by id (`ids` a JSON array of hex ids), table by
    /// table, for an import's batch.
    pub(super) fn children(&self, ids: &str) -> Result<ManyChildren> {
        let (heads, carers, involvements, source_records) = self.with(|conn| {
            // One snapshot for the four tables, whatever a writer commits
            // meanwhile.
            let snapshot = conn.unchecked_transaction()?;
            let mut heads = conn.prepare_cached(
                "SELECT id, contactpoint_id, version, identity, updated_at, \
                 EXISTS (SELECT 1 FROM merges m WHERE m.survivor_id = children.id \
                         AND m.undone_at IS NULL) AS survives_merge \
                 FROM children WHERE id IN (SELECT unhex(value) FROM json_each(?1))",
            )?;
            let heads = heads
                .query_map([ids], |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i32>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, bool>(5)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut carers = conn.prepare_cached(
                "SELECT child_id, detail FROM carers \
                 WHERE child_id IN (SELECT unhex(value) FROM json_each(?1)) \
                 ORDER BY child_id, position",
            )?;
            let carers = carers
                .query_map([ids], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<Vec<(Vec<u8>, String)>>>()?;
            let mut involvements = conn.prepare_cached(
                "SELECT child_id, sensitive, detail FROM involvements \
                 WHERE child_id IN (SELECT unhex(value) FROM json_each(?1)) \
                 ORDER BY child_id, position",
            )?;
            let involvements = involvements
                .query_map([ids], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<rusqlite::Result<Vec<(Vec<u8>, bool, String)>>>()?;
            let mut source_records = conn.prepare_cached(
                "SELECT child_id, source, record_id FROM source_records \
                 WHERE child_id IN (SELECT unhex(value) FROM json_each(?1)) \
                 ORDER BY child_id, source, record_id",
            )?;
            let source_records = source_records
                .query_map([ids], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<rusqlite::Result<Vec<(Vec<u8>, String, String)>>>()?;
            snapshot.commit()?;
            Ok((heads, carers, involvements, source_records))
        })?;
        let heads = heads
            .into_iter()
            .map(
                |(id, contactpoint_id, version, identity, updated_at, survives_merge)| {
                    Ok(HeadRow {
                        id: uuid(&id)?,
                        contactpoint_id,
                        version,
                        identity,
                        updated_at: OffsetDateTime::parse(&updated_at, &Rfc3339)
                            .map_err(|e| Error::Decode(e.to_string()))?,
                        survives_merge,
                    })
                },
            )
            .collect::<Result<_>>()?;
        Ok(ManyChildren {
            heads,
            carers: carers
                .into_iter()
                .map(|(id, detail)| Ok((uuid(&id)?, detail)))
                .collect::<Result<_>>()?,
            involvements: involvements
                .into_iter()
                .map(|(id, sensitive, detail)| Ok((uuid(&id)?, sensitive, detail)))
                .collect::<Result<_>>()?,
            source_records: source_records
                .into_iter()
                .map(|(id, source, record)| Ok((uuid(&id)?, source, record)))
                .collect::<Result<_>>()?,
        })
    }

    pub(super) fn name_counts(&self, names: &str) -> Result<NameCounts> {
        let rows = self.with(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT n.kind, n.children FROM json_each(?1) q \
                 JOIN name_counts n ON n.kind = q.value ->> 0 AND n.name = q.value ->> 1",
            )?;
            let rows = statement.query_map([names], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<(String, i64)>>>()
        })?;
        Ok(NameCounts::from_rows(rows))
    }
}

/// A candidate's row from column `at` on, or why its stored values cannot
/// be read (a decoding failure is the store's, not the connection's, so it
/// does not fail the read).
fn candidate_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Result<CandidateRow>> {
    let id: Vec<u8> = row.get(at)?;
    let date: String = row.get(at + 4)?;
    let decode = |e: &dyn std::fmt::Display| Error::Decode(e.to_string());
    let parts = (
        Uuid::from_slice(&id),
        Date::parse(&date, format_description!("[year]-[month]-[day]")),
    );
    let (child_id, date_of_birth) = match parts {
        (Ok(id), Ok(date)) => (id, date),
        (Err(e), _) => return Ok(Err(decode(&e))),
        (_, Err(e)) => return Ok(Err(decode(&e))),
    };
    Ok(Ok(CandidateRow {
        child_id,
        contactpoint_id: row.get(at + 1)?,
        given_name: row.get(at + 2)?,
        family_name: row.get(at + 3)?,
        date_of_birth,
        gender: row.get(at + 5)?,
        district: row.get(at + 6)?,
        shielded: row.get(at + 7)?,
        profile: row.get(at + 8)?,
        nhs_number: row.get(at + 9)?,
        upn: row.get(at + 10)?,
    }))
}

fn uuid(bytes: &[u8]) -> Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|e| Error::Decode(e.to_string()))
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                Self::Corrupt(error.to_string())
            }
            Some(ErrorCode::CannotOpen) => Self::Unavailable(error.to_string()),
            _ => Self::Read(error.to_string()),
        }
    }
}
