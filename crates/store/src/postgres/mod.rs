//! The production backend: PostgreSQL. Bulk writes send each table's rows as
//! arrays in one statement (`UNNEST`), so a batch is a handful of round trips.

use std::sync::Arc;
use std::time::Duration;

use contactpoint_domain::{
    Child, ChildId, ContactPointId, MergeId, ReviewId, ReviewStatus, Source, SourceId,
    SourceRecordRef,
};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Row};
use time::OffsetDateTime;
use tracing::instrument;
use uuid::Uuid;

use crate::history::{self, VersionRow};
use crate::record::{CandidateRow, ChildParts, Rows};
use crate::review::ReviewRow;
use crate::source::SourceRow;
use contactpoint_linkage::Model;

use crate::{
    Candidate, ChildUpdate, ChildVersion, DatabaseUrl, Error, LinkCandidate, Merge, MergeUpdate,
    NameCounts, Result, Review, Store, StoredChild,
};

mod batch;
mod insert;
mod merge;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
pub struct Postgres {
    pub(crate) pool: PgPool,
}

impl Postgres {
    /// Connects, refuses a database written by a newer version, and brings an
    /// older one up to date.
    #[instrument(skip_all)]
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        let options: PgConnectOptions = url.expose().parse()?;
        // One direct connection first: a pool only says it timed out, while
        // this says why (refused, unknown host, no such database).
        PgConnection::connect_with(&options).await?.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        refuse_newer_schema(&pool).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes every connection; a test that drops its database needs them gone.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The child's versions from `first` on, rebuilt from it as read: the
    /// rows before its version were all written when it was.
    async fn versions_since(&self, current: &StoredChild, first: i32) -> Result<Vec<ChildVersion>> {
        let rows: Vec<VersionRow> = sqlx::query_as(
            "SELECT version, record::text AS record, recorded_at, superseded_at \
             FROM child_versions WHERE child_id = $1 AND version >= $2 AND version < $3",
        )
        .bind(current.child.id.as_uuid())
        .bind(first)
        .bind(current.version)
        .fetch_all(&self.pool)
        .await?;
        history::rebuild(&current.child, current.version, rows)
    }

    async fn load(conn: &mut PgConnection, id: Uuid) -> Result<StoredChild> {
        let row = sqlx::query(
            "SELECT contactpoint_id, version, identity::text AS identity, updated_at, \
             EXISTS (SELECT 1 FROM merges m WHERE m.survivor_id = children.id \
                     AND m.undone_at IS NULL) AS survives_merge \
             FROM children WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound)?;
        let carers = sqlx::query_scalar(
            "SELECT detail::text FROM carers WHERE child_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let involvements = sqlx::query_as(
            "SELECT sensitive, detail::text FROM involvements WHERE child_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let source_records = sqlx::query_as(
            "SELECT source, record_id FROM source_records WHERE child_id = $1 \
             ORDER BY source COLLATE \"C\", record_id COLLATE \"C\"",
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
async fn refuse_newer_schema(pool: &PgPool) -> Result<()> {
    let tracked: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !tracked {
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_one(pool)
        .await?;
        return if tables == 0 {
            Ok(())
        } else {
            Err(Error::Foreign)
        };
    }
    let found: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await?;
    let supported = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    if found > supported {
        return Err(Error::NewerSchema { found, supported });
    }
    Ok(())
}

impl Store for Postgres {
    #[instrument(skip_all, fields(count = children.len()))]
    async fn insert_children(&self, children: &[Child]) -> Result<()> {
        let rows = Rows::from_children(children)?;
        let mut tx = self.pool.begin().await?;
        Self::insert_rows(&mut tx, &rows, crate::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn child(&self, id: ChildId) -> Result<StoredChild> {
        let mut conn = self.pool.acquire().await?;
        Self::load(&mut conn, id.as_uuid()).await
    }

    #[instrument(skip_all)]
    async fn child_by_contactpoint_id(&self, id: ContactPointId) -> Result<StoredChild> {
        let mut conn = self.pool.acquire().await?;
        let uuid: Uuid = sqlx::query_scalar("SELECT id FROM children WHERE contactpoint_id = $1")
            .bind(id.compact())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(Error::NotFound)?;
        Self::load(&mut conn, uuid).await
    }

    #[instrument(skip_all)]
    async fn child_by_source_record(&self, record: &SourceRecordRef) -> Result<Option<ChildId>> {
        let uuid: Option<Uuid> = sqlx::query_scalar(
            "SELECT child_id FROM source_records WHERE source = $1 AND record_id = $2",
        )
        .bind(record.source.as_str())
        .bind(record.record.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(uuid.map(ChildId::from_uuid))
    }

    #[instrument(skip_all)]
    async fn update_child(&self, child: &Child, expected_version: i32) -> Result<i32> {
        let id = child.id.as_uuid();
        let now = crate::now();
        let mut tx = self.pool.begin().await?;
        // Lock the row so a concurrent writer waits, then sees the new version.
        sqlx::query("SELECT 1 FROM children WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
        let current = Self::load(&mut tx, id).await?;
        if current.version != expected_version {
            return Err(Error::Conflict("version".into()));
        }
        let update = crate::ChildUpdate {
            child: child.clone(),
            previous: current,
        };
        batch::write_updates(&mut tx, std::slice::from_ref(&update), now).await?;
        tx.commit().await?;
        Ok(expected_version + 1)
    }

    #[instrument(skip_all, fields(count = ids.len()))]
    async fn children(&self, ids: &[ChildId]) -> Result<Vec<StoredChild>> {
        let mut conn = self.pool.acquire().await?;
        batch::children(&mut conn, ids).await
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
        batch::candidates_for_each(self, key_sets, limit).await
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
        let rows: Vec<CandidateRow> = sqlx::query_as(
            "SELECT p.child_id, p.contactpoint_id, p.given_name, p.family_name, p.date_of_birth, \
             p.gender, p.district, p.shielded, p.profile, p.nhs_number, p.upn \
             FROM (SELECT child_id, COUNT(*) AS shared FROM search_keys WHERE key = ANY($1) \
             GROUP BY child_id HAVING COUNT(*) >= $2 ORDER BY shared DESC, child_id LIMIT $3) k \
             JOIN search_profiles p ON p.child_id = k.child_id ORDER BY k.shared DESC, k.child_id",
        )
        .bind(keys)
        .bind(i64::from(min_shared))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(CandidateRow::decode).collect()
    }

    #[instrument(skip_all)]
    async fn name_counts(&self, surname: &str, forename: &str) -> Result<NameCounts> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, children FROM name_counts \
             WHERE (kind = 'surname' AND name = $1) OR (kind = 'forename' AND name = $2) \
             OR (kind = 'all' AND name = '')",
        )
        .bind(surname)
        .bind(forename)
        .fetch_all(&self.pool)
        .await?;
        Ok(NameCounts::from_rows(rows))
    }

    #[instrument(skip_all)]
    async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn add_source(&self, source: &Source) -> Result<()> {
        let row = SourceRow::from_source(source);
        sqlx::query(
            "INSERT INTO sources (id, name, coverage, format, mapping, authoritative_for, \
             credential_hash, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
        let row: SourceRow = sqlx::query_as("SELECT * FROM sources WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound)?;
        row.decode()
    }

    #[instrument(skip_all)]
    async fn source_weights(&self, id: &SourceId) -> Result<Option<Model>> {
        let weights: Option<Option<String>> =
            sqlx::query_scalar("SELECT weights FROM sources WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        crate::source::decode_weights(weights.ok_or(Error::NotFound)?)
    }

    #[instrument(skip_all)]
    async fn set_source_weights(&self, id: &SourceId, weights: &Model) -> Result<()> {
        let changed = sqlx::query("UPDATE sources SET weights = $1 WHERE id = $2")
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
        let digest: Option<Option<String>> = sqlx::query_scalar(
            "SELECT digest FROM source_records WHERE source = $1 AND record_id = $2",
        )
        .bind(record.source.as_str())
        .bind(record.record.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(digest.flatten())
    }

    #[instrument(skip_all)]
    async fn set_record_digest(&self, record: &SourceRecordRef, digest: &str) -> Result<()> {
        let updated = sqlx::query(
            "UPDATE source_records SET digest = $3 WHERE source = $1 AND record_id = $2",
        )
        .bind(record.source.as_str())
        .bind(record.record.as_str())
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
             evidence, received_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
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
             WHERE source = $1 AND record_id = $2 AND status IN ('pending', 'deferred')",
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
             received_at, status FROM reviews WHERE id = $1",
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
            "UPDATE reviews SET status = $1 WHERE id = $2 AND status IN ('pending', 'deferred')",
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
        let wanted: Vec<Uuid> = children.iter().map(|c| c.as_uuid()).collect();
        let rows: Vec<ReviewRow> = sqlx::query_as(
            "SELECT id, source, record_id, record, candidate_id, probability, evidence, \
             received_at, status FROM reviews WHERE status IN ('pending', 'deferred') \
             AND candidate_id = ANY($1)",
        )
        .bind(&wanted)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ReviewRow::decode).collect()
    }

    async fn pending_reviews(&self, limit: u32) -> Result<Vec<Review>> {
        let rows: Vec<ReviewRow> = sqlx::query_as(
            "SELECT id, source, record_id, record, candidate_id, probability, evidence, \
             received_at, status FROM reviews WHERE status IN ('pending', 'deferred') \
             ORDER BY received_at, id LIMIT $1",
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
        let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(bytes).unwrap_or_default())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
