//! The embedded backend: one SQLite file in WAL mode.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use contactpoint_domain::{
    Child, ChildId, ContactPointId, MergeId, ReviewId, ReviewStatus, Source, SourceId,
    SourceRecordRef,
};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Row, SqliteConnection, SqlitePool};
use time::OffsetDateTime;
use tracing::instrument;
use uuid::Uuid;

use crate::history::{self, VersionRow};
use crate::record::{ChildParts, Rows};
use crate::review::ReviewRow;
use crate::source::SourceRow;
use contactpoint_linkage::Model;

use crate::{
    Candidate, ChildUpdate, ChildVersion, DatabaseUrl, Error, LinkCandidate, Merge, MergeUpdate,
    NameCounts, Result, Review, Store, StoredChild,
};

mod batch;
mod candidates;
#[cfg(test)]
mod earlier;
mod held;
mod insert;
mod merge;
mod reader;
mod source_index;
mod wal;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// SQLite allows 32,766 bound values per statement; stay well inside it.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// The source records' rows among those `?1` names (as
/// [`source_index::SourceIndex::lookup_json`] gives them, each with its
/// tag as `q.value ->> 0`) that are the records, as `s`.
macro_rules! their_rows {
    () => {
        "json_each(?1) q JOIN source_records s ON s.seq = q.value ->> 1 \
         AND s.source = q.value ->> 2 AND s.record_id = q.value ->> 3"
    };
}
pub(super) use their_rows;

#[derive(Clone)]
pub struct Sqlite {
    pub(crate) pool: SqlitePool,
    readers: Arc<reader::Readers>,
    held: Arc<held::Held>,
    source_index: Arc<source_index::SourceIndex>,
    log_file: Arc<std::path::PathBuf>,
}

impl Sqlite {
    /// Opens (creating if needed) the database, refuses one written by a newer
    /// version, and brings an older one up to date.
    #[instrument(skip_all)]
    pub async fn open(url: &DatabaseUrl) -> Result<Self> {
        let base = SqliteConnectOptions::from_str(url.expose())?;
        // sqlx names an in-memory database so; search's own connections
        // could not reach it.
        if base
            .get_filename()
            .to_string_lossy()
            .starts_with("file:sqlx-in-memory")
        {
            return Err(Error::InMemory);
        }
        let readers = Arc::new(reader::Readers::new(base.get_filename()));
        let log_file = Arc::new(wal::log_file(base.get_filename()));
        // Look first through a read-only connection that sets no pragma, so a
        // database we must refuse is left exactly as it was.
        let probe = base.clone().read_only(true).create_if_missing(false);
        match SqliteConnection::connect_with(&probe).await {
            Ok(mut conn) => {
                let verdict = refuse_newer_schema(&mut conn).await;
                conn.close().await?;
                verdict?;
            }
            // No file yet: a new database is made below.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("14") => {}
            Err(other) => return Err(other.into()),
        }
        let options = base
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Pages of 4 KiB, SQLite's own: an import rewrites a page of each
            // of several indexes for every child it updates, wherever that
            // child's rows are, and a larger page is that much more to write.
            // A 256 MiB page cache keeps the indexes' upper levels
            // in memory. The page size applies only to a new database.
            // Reads go through a memory map
            // (up to 1 TiB, far beyond a national database): every
            // connection then shares the operating system's page cache
            // instead of copying pages into its own.
            .page_size(4_096)
            .pragma("cache_size", "-262144")
            .pragma("mmap_size", "1099511627776")
            // An import batch dirties pages all over the file; checkpointing
            // every 65,536 pages (256 MiB of log) instead of SQLite's 1,000
            // copies a page rewritten by several batches back once, not
            // each time (bench linkage at 100,000 children: 4,381 to 4,930
            // records/s, a quarter less written).
            .pragma("wal_autocheckpoint", "65536")
            .pragma("journal_size_limit", wal::LONG_LOG_BYTES.to_string());
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            source_index: Arc::new(source_index::SourceIndex::new(readers.clone())),
            readers,
            held: Arc::default(),
            log_file,
        })
    }

    /// The rows that may be the record's, for [`their_rows`]; none when the
    /// record was never seen.
    fn source_row_json(&self, record: &SourceRecordRef) -> Result<Option<String>> {
        self.source_index.lookup_json(std::iter::once((
            0,
            record.source.as_str(),
            record.record.as_str(),
        )))
    }

    /// The child's versions from `first` on, rebuilt from it as read: the
    /// rows before its version were all written when it was.
    async fn versions_since(&self, current: &StoredChild, first: i32) -> Result<Vec<ChildVersion>> {
        let rows: Vec<VersionRow> = sqlx::query_as(
            "SELECT version, record, recorded_at, superseded_at FROM child_versions \
             WHERE child_id = ? AND version >= ? AND version < ?",
        )
        .bind(current.child.id.as_uuid())
        .bind(first)
        .bind(current.version)
        .fetch_all(&self.pool)
        .await?;
        history::rebuild(&current.child, current.version, rows)
    }

    async fn load(conn: &mut SqliteConnection, id: Uuid) -> Result<StoredChild> {
        let row = sqlx::query(
            "SELECT contactpoint_id, version, identity, updated_at, \
             EXISTS (SELECT 1 FROM merges m WHERE m.survivor_id = children.id \
                     AND m.undone_at IS NULL) AS survives_merge \
             FROM children WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
        let carers =
            sqlx::query_scalar("SELECT detail FROM carers WHERE child_id = ? ORDER BY position")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let involvements = sqlx::query_as(
            "SELECT sensitive, detail FROM involvements WHERE child_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let source_records = sqlx::query_as(
            "SELECT source, record_id FROM source_records WHERE child_id = ? ORDER BY source, record_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let child = ChildParts {
            id,
            contactpoint_id: row.try_get("contactpoint_id")?,
            identity: row.try_get("identity")?,
            carers,
            involvements,
            source_records,
        }
        .assemble()?;
        Ok(StoredChild {
            child,
            version: row.try_get("version")?,
            updated_at: row.try_get("updated_at")?,
            survives_merge: row.try_get("survives_merge")?,
        })
    }
}

/// Refuses a database this version must not touch: one from a newer
/// version, or one holding another application's tables.
async fn refuse_newer_schema(conn: &mut SqliteConnection) -> Result<()> {
    let tracked: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !tracked {
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_one(&mut *conn)
        .await?;
        return if tables == 0 {
            Ok(())
        } else {
            Err(Error::Foreign)
        };
    }
    let found: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
        .fetch_one(&mut *conn)
        .await?;
    let supported = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    if found > supported {
        return Err(Error::NewerSchema { found, supported });
    }
    Ok(())
}

impl Store for Sqlite {
    #[instrument(skip_all, fields(count = children.len()))]
    async fn insert_children(&self, children: &[Child]) -> Result<()> {
        let rows = Rows::from_children(children)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let read_to = self.source_index.catch_up()?;
        Self::insert_rows(&mut tx, &rows, crate::now(), held::NewKeys::Indexed).await?;
        self.source_index.check_added(&mut tx, read_to).await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all, fields(count = children.len()))]
    async fn bulk_insert_children(&self, children: &[Child]) -> Result<()> {
        let rows = Rows::from_children(children)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let read_to = self.source_index.catch_up()?;
        Self::insert_children_rows(&mut tx, &rows, crate::now()).await?;
        Self::hold_search_keys(&mut tx, &rows.search_keys, false).await?;
        Self::insert_parts(&mut tx, &rows).await?;
        self.source_index.check_added(&mut tx, read_to).await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn index_held_keys(&self) -> Result<()> {
        self.index_every_held_key().await
    }

    #[instrument(skip_all)]
    async fn warm_search(&self) -> Result<u64> {
        // dbstat visits every page of each table's b-tree to measure it: one
        // pass both reads them into the operating system's cache and says
        // how much was read.
        let mut bytes = 0;
        for table in ["search_keys", "search_profiles", "name_counts"] {
            let size: i64 =
                sqlx::query_scalar("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?")
                    .bind(table)
                    .fetch_one(&self.pool)
                    .await?;
            bytes += u64::try_from(size).unwrap_or_default();
        }
        Ok(bytes)
    }

    #[instrument(skip_all)]
    async fn child(&self, id: ChildId) -> Result<StoredChild> {
        let mut conn = self.pool.acquire().await?;
        Self::load(&mut conn, id.as_uuid()).await
    }

    #[instrument(skip_all)]
    async fn child_by_contactpoint_id(&self, id: ContactPointId) -> Result<StoredChild> {
        let mut conn = self.pool.acquire().await?;
        let uuid: Uuid = sqlx::query_scalar("SELECT id FROM children WHERE contactpoint_id = ?")
            .bind(id.compact())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(Error::NotFound)?;
        Self::load(&mut conn, uuid).await
    }

    #[instrument(skip_all)]
    async fn child_by_source_record(&self, record: &SourceRecordRef) -> Result<Option<ChildId>> {
        let Some(rows) = self.source_row_json(record)? else {
            return Ok(None);
        };
        let uuid: Option<Uuid> = sqlx::query_scalar(concat!(
            "SELECT s.child_id FROM ",
            their_rows!(),
            " LIMIT 1"
        ))
        .bind(rows)
        .fetch_optional(&self.pool)
        .await?;
        Ok(uuid.map(ChildId::from_uuid))
    }

    #[instrument(skip_all)]
    async fn update_child(&self, child: &Child, expected_version: i32) -> Result<i32> {
        let id = child.id.as_uuid();
        let now = crate::now();
        // IMMEDIATE takes the write lock before reading, so a concurrent
        // writer waits instead of failing on lock upgrade.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let read_to = self.source_index.catch_up()?;
        let current = Self::load(&mut tx, id).await?;
        if current.version != expected_version {
            return Err(Error::Conflict("version".into()));
        }
        let update = crate::ChildUpdate {
            child: child.clone(),
            previous: current,
        };
        batch::write_updates(
            &mut tx,
            std::slice::from_ref(&update),
            now,
            held::NewKeys::Indexed,
        )
        .await?;
        self.source_index.check_added(&mut tx, read_to).await?;
        tx.commit().await?;
        Ok(expected_version + 1)
    }

    #[instrument(skip_all, fields(count = ids.len()))]
    async fn children(&self, ids: &[ChildId]) -> Result<Vec<StoredChild>> {
        batch::children(self, ids)
    }

    #[instrument(skip_all, fields(count = records.len()))]
    async fn source_record_states(
        &self,
        records: &[SourceRecordRef],
    ) -> Result<Vec<crate::SourceRecordState>> {
        batch::source_record_states(self, records).await
    }

    #[instrument(skip_all)]
    async fn apply_import(&self, writes: &crate::ImportWrites) -> Result<()> {
        batch::apply_import(self, writes).await
    }

    #[instrument(skip_all, fields(count = key_sets.len()))]
    async fn candidates_for_each(
        &self,
        key_sets: &[Vec<i64>],
        limit: usize,
    ) -> Result<Vec<Vec<Arc<LinkCandidate>>>> {
        candidates::for_each(self, key_sets, limit)
    }

    #[instrument(skip_all, fields(count = names.len()))]
    async fn name_counts_for_each(&self, names: &[(String, String)]) -> Result<Vec<NameCounts>> {
        batch::name_counts_for_each(self, names).await
    }

    #[instrument(skip_all)]
    async fn child_history(&self, id: ChildId) -> Result<Vec<ChildVersion>> {
        let current = self.child(id).await?;
        self.versions_since(&current, 1).await
    }

    #[instrument(skip_all, fields(keys = keys.len()))]
    async fn candidates(
        &self,
        keys: &[i64],
        min_shared: u32,
        limit: usize,
    ) -> Result<Vec<Candidate>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        candidates::of_keys(self, keys, min_shared, limit)
    }

    #[instrument(skip_all)]
    async fn name_counts(&self, surname: &str, forename: &str) -> Result<NameCounts> {
        // The names go in through json_each, not as parameters compared
        // with an indexed column: SQLite re-plans such a statement whenever
        // a parameter changes, and this one runs with every search.
        let names = serde_json::json!([["surname", surname], ["forename", forename], ["all", ""]]);
        self.readers.name_counts(&names.to_string())
    }

    #[instrument(skip_all)]
    async fn analyze(&self) -> Result<()> {
        // A bounded sample per index: cheap even on a national database.
        let mut conn = self.pool.acquire().await?;
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&mut *conn)
            .await?;
        sqlx::query("ANALYZE").execute(&mut *conn).await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn add_source(&self, source: &Source) -> Result<()> {
        let row = SourceRow::from_source(source);
        sqlx::query(
            "INSERT INTO sources (id, name, coverage, format, mapping, authoritative_for, \
             credential_hash, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.id)
        .bind(row.name)
        .bind(row.coverage)
        .bind(row.format)
        .bind(row.mapping)
        .bind(row.authoritative_for)
        .bind(row.credential_hash)
        .bind(row.registered_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn source(&self, id: &SourceId) -> Result<Source> {
        let row: SourceRow = sqlx::query_as("SELECT * FROM sources WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound)?;
        row.decode()
    }

    #[instrument(skip_all)]
    async fn source_weights(&self, id: &SourceId) -> Result<Option<Model>> {
        let weights: Option<Option<String>> =
            sqlx::query_scalar("SELECT weights FROM sources WHERE id = ?")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        crate::source::decode_weights(weights.ok_or(Error::NotFound)?)
    }

    #[instrument(skip_all)]
    async fn set_source_weights(&self, id: &SourceId, weights: &Model) -> Result<()> {
        let changed = sqlx::query("UPDATE sources SET weights = ? WHERE id = ?")
            .bind(weights.encode())
            .bind(id.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn sources(&self) -> Result<Vec<Source>> {
        let rows: Vec<SourceRow> = sqlx::query_as("SELECT * FROM sources ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(SourceRow::decode).collect()
    }

    #[instrument(skip_all)]
    async fn record_digest(&self, record: &SourceRecordRef) -> Result<Option<String>> {
        let Some(rows) = self.source_row_json(record)? else {
            return Ok(None);
        };
        let digest: Option<Option<String>> =
            sqlx::query_scalar(concat!("SELECT s.digest FROM ", their_rows!(), " LIMIT 1"))
                .bind(rows)
                .fetch_optional(&self.pool)
                .await?;
        Ok(digest.flatten())
    }

    #[instrument(skip_all)]
    async fn set_record_digest(&self, record: &SourceRecordRef, digest: &str) -> Result<()> {
        let Some(rows) = self.source_row_json(record)? else {
            return Err(Error::NotFound);
        };
        let updated = sqlx::query(concat!(
            "UPDATE source_records SET digest = ?2 WHERE seq IN (SELECT s.seq FROM ",
            their_rows!(),
            ")"
        ))
        .bind(rows)
        .bind(digest)
        .execute(&self.pool)
        .await?;
        match updated.rows_affected() {
            0 => Err(Error::NotFound),
            _ => Ok(()),
        }
    }

    #[instrument(skip_all)]
    async fn add_review(&self, review: &Review) -> Result<bool> {
        let added = sqlx::query(
            "INSERT INTO reviews (id, source, record_id, record, candidate_id, probability, \
             evidence, received_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(review.id.as_uuid())
        .bind(review.source_record.source.as_str())
        .bind(review.source_record.record.as_str())
        .bind(&review.record)
        .bind(review.candidate.as_uuid())
        .bind(review.probability)
        .bind(&review.evidence)
        .bind(review.received_at)
        .bind(review.status.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    #[instrument(skip_all)]
    async fn open_review(&self, record: &SourceRecordRef) -> Result<Option<Review>> {
        let row: Option<ReviewRow> = sqlx::query_as(
            "SELECT id, source, record_id, record, candidate_id, probability, evidence, \
             received_at, status FROM reviews \
             WHERE source = ? AND record_id = ? AND status IN ('pending', 'deferred')",
        )
        .bind(record.source.as_str())
        .bind(record.record.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(ReviewRow::decode).transpose()
    }

    #[instrument(skip_all)]
    async fn review(&self, id: ReviewId) -> Result<Review> {
        let row: ReviewRow = sqlx::query_as(
            "SELECT id, source, record_id, record, candidate_id, probability, evidence, \
             received_at, status FROM reviews WHERE id = ?",
        )
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        row.decode()
    }

    #[instrument(skip_all)]
    async fn decide_review(&self, id: ReviewId, status: ReviewStatus) -> Result<()> {
        let changed = sqlx::query(
            "UPDATE reviews SET status = ? WHERE id = ? AND status IN ('pending', 'deferred')",
        )
        .bind(status.as_str())
        .bind(id.as_uuid())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn awaiting_review(&self, children: &[ChildId]) -> Result<Vec<Review>> {
        if children.is_empty() {
            return Ok(Vec::new());
        }
        let json = batch::ids_json(children.iter().map(|c| c.as_uuid()))?;
        let rows: Vec<ReviewRow> = sqlx::query_as(
            "SELECT id, source, record_id, record, candidate_id, probability, evidence, \
             received_at, status FROM reviews WHERE status IN ('pending', 'deferred') \
             AND candidate_id IN (SELECT unhex(value) FROM json_each(?1))",
        )
        .bind(json)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ReviewRow::decode).collect()
    }

    async fn pending_reviews(&self, limit: u32) -> Result<Vec<Review>> {
        let rows: Vec<ReviewRow> = sqlx::query_as(
            "SELECT id, source, record_id, record, candidate_id, probability, evidence, \
             received_at, status FROM reviews WHERE status IN ('pending', 'deferred') \
             ORDER BY received_at, id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ReviewRow::decode).collect()
    }

    #[instrument(skip_all)]
    async fn merge_children(
        &self,
        merge: &Merge,
        survivor: &ChildUpdate,
        absorbed: &ChildUpdate,
    ) -> Result<()> {
        merge::merge_children(self, merge, survivor, absorbed).await
    }

    #[instrument(skip_all)]
    async fn unmerge_children(
        &self,
        id: MergeId,
        survivor: &ChildUpdate,
        absorbed: &ChildUpdate,
        replayed: &[i64],
        at: OffsetDateTime,
    ) -> Result<()> {
        merge::unmerge_children(self, id, survivor, absorbed, replayed, at).await
    }

    #[instrument(skip_all)]
    async fn merge(&self, id: MergeId) -> Result<Merge> {
        merge::merge(self, id).await
    }

    #[instrument(skip_all)]
    async fn merges_of(&self, child: ChildId) -> Result<Vec<Merge>> {
        merge::merges_of(self, child).await
    }

    #[instrument(skip_all)]
    async fn recent_merges(&self, limit: u32) -> Result<Vec<Merge>> {
        merge::recent_merges(self, limit).await
    }

    #[instrument(skip_all)]
    async fn merge_updates(&self, merge: MergeId) -> Result<Vec<(i64, MergeUpdate)>> {
        merge::merge_updates(self, merge).await
    }

    #[instrument(skip_all)]
    async fn child_version(&self, id: ChildId, version: i32) -> Result<Child> {
        let current = self.child(id).await?;
        history::version_of(self.versions_since(&current, version).await?, version)
    }

    async fn count_children(&self) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn size_on_disk(&self) -> Result<u64> {
        let bytes: i64 = sqlx::query_scalar(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(bytes).unwrap_or_default())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
