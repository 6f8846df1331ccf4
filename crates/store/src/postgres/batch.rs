//! Reads and writes of many records at once, for imports: each table's
//! values go in as arrays (`UNNEST`, `= ANY`), so a batch of a thousand
//! records is a handful of round trips.

use std::collections::HashMap;
use std::sync::Arc;

use contactpoint_domain::{ChildId, SourceRecordRef};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Postgres;
use crate::record::{
    Changes, HeadRow, IndexedCandidateRow, ManyChildren, OpenReviewRow, Rows, SourceStateRow,
};
use crate::{
    ChildUpdate, ImportWrites, LinkCandidate, NameCounts, Result, SourceRecordState, StoredChild,
};

pub(super) async fn children(conn: &mut PgConnection, ids: &[ChildId]) -> Result<Vec<StoredChild>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    let heads: Vec<HeadRow> = sqlx::query_as(
        "SELECT id, contactpoint_id, version, identity::text AS identity, updated_at, \
         EXISTS (SELECT 1 FROM merges m WHERE m.survivor_id = children.id \
                 AND m.undone_at IS NULL) AS survives_merge \
         FROM children WHERE id = ANY($1)",
    )
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await?;
    let carers = sqlx::query_as(
        "SELECT child_id, detail::text FROM carers WHERE child_id = ANY($1) \
         ORDER BY child_id, position",
    )
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await?;
    let involvements = sqlx::query_as(
        "SELECT child_id, sensitive, detail::text FROM involvements WHERE child_id = ANY($1) \
         ORDER BY child_id, position",
    )
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await?;
    let source_records = sqlx::query_as(
        "SELECT child_id, source, record_id FROM source_records WHERE child_id = ANY($1) \
         ORDER BY child_id, source COLLATE \"C\", record_id COLLATE \"C\"",
    )
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await?;
    ManyChildren {
        heads,
        carers,
        involvements,
        source_records,
    }
    .assemble(ids)
}

pub(super) async fn source_record_states(
    pg: &Postgres,
    records: &[SourceRecordRef],
) -> Result<Vec<SourceRecordState>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let sources: Vec<&str> = records.iter().map(|r| r.source.as_str()).collect();
    let ids: Vec<&str> = records.iter().map(|r| r.record.as_str()).collect();
    let mut conn = pg.pool.acquire().await?;
    let states: Vec<SourceStateRow> = sqlx::query_as(
        "SELECT (q.n - 1)::int8 AS idx, s.child_id, c.contactpoint_id, s.digest \
         FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS q(source, record_id, n) \
         LEFT JOIN source_records s ON s.source = q.source AND s.record_id = q.record_id \
         LEFT JOIN children c ON c.id = s.child_id",
    )
    .bind(&sources)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let reviews: Vec<OpenReviewRow> = sqlx::query_as(
        "SELECT (q.n - 1)::int8 AS idx, c.contactpoint_id AS candidate_contactpoint_id, r.id, \
         r.source, r.record_id, r.record, r.candidate_id, r.probability, r.evidence, \
         r.received_at, r.status \
         FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS q(source, record_id, n) \
         JOIN reviews r ON r.source = q.source AND r.record_id = q.record_id \
           AND r.status IN ('pending', 'deferred') \
         JOIN children c ON c.id = r.candidate_id",
    )
    .bind(&sources)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    crate::record::source_states(records.len(), states, reviews)
}

pub(super) async fn candidates_for_each(
    pg: &Postgres,
    key_sets: &[Vec<i64>],
    limit: usize,
) -> Result<Vec<Vec<Arc<LinkCandidate>>>> {
    let mut idx = Vec::new();
    let mut keys = Vec::new();
    for (i, set) in key_sets.iter().enumerate() {
        for key in set {
            idx.push(i64::try_from(i).unwrap_or(i64::MAX));
            keys.push(*key);
        }
    }
    if keys.is_empty() {
        return Ok(vec![Vec::new(); key_sets.len()]);
    }
    let rows: Vec<IndexedCandidateRow> = sqlx::query_as(
        "WITH q AS (SELECT * FROM UNNEST($1::int8[], $2::int8[]) AS q(idx, key)), \
         shared AS (SELECT q.idx, k.child_id, COUNT(*) AS n FROM q \
                    JOIN search_keys k ON k.key = q.key GROUP BY q.idx, k.child_id), \
         ranked AS (SELECT idx, child_id, n, \
                    ROW_NUMBER() OVER (PARTITION BY idx ORDER BY n DESC, child_id) AS r FROM shared) \
         SELECT r.idx, p.child_id, p.profile, p.nhs_number, p.upn \
         FROM ranked r JOIN search_profiles p ON p.child_id = r.child_id \
         WHERE r.r <= $3 ORDER BY r.idx, r.n DESC, r.child_id",
    )
    .bind(&idx)
    .bind(&keys)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&pg.pool)
    .await?;
    crate::record::candidates_for_each(key_sets.len(), rows)
}

pub(super) async fn name_counts_for_each(
    pg: &Postgres,
    names: &[(String, String)],
) -> Result<Vec<NameCounts>> {
    let mut kinds = vec!["all"];
    let mut wanted = vec![""];
    for (surname, forename) in names {
        kinds.extend(["surname", "forename"]);
        wanted.extend([surname.as_str(), forename.as_str()]);
    }
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT DISTINCT n.kind, n.name, n.children \
         FROM UNNEST($1::text[], $2::text[]) AS q(kind, name) \
         JOIN name_counts n ON n.kind = q.kind AND n.name = q.name",
    )
    .bind(&kinds)
    .bind(&wanted)
    .fetch_all(&pg.pool)
    .await?;
    Ok(NameCounts::for_each(names, rows))
}

pub(super) async fn apply_import(pg: &Postgres, writes: &ImportWrites) -> Result<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let now = writes.written_at.unwrap_or_else(crate::now);
    let mut tx = pg.pool.begin().await?;
    check_versions(&mut tx, &writes.updates).await?;
    // Updates first: a record one of them takes from its child may be
    // given to a new child in the same batch.
    write_updates(&mut tx, &writes.updates, now).await?;
    if !writes.new_children.is_empty() {
        let rows = Rows::from_children(&writes.new_children)?;
        Postgres::insert_rows(&mut tx, &rows, now).await?;
    }
    // After the records' rows are written: a digest is kept in its record's.
    if !writes.digests.is_empty() {
        let d = &writes.digests;
        sqlx::query(
            "UPDATE source_records s SET digest = t.digest \
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS t(source, record_id, digest) \
             WHERE s.source = t.source AND s.record_id = t.record_id",
        )
        .bind(d.iter().map(|(r, _)| r.source.as_str()).collect::<Vec<_>>())
        .bind(d.iter().map(|(r, _)| r.record.as_str()).collect::<Vec<_>>())
        .bind(
            d.iter()
                .map(|(_, digest)| digest.as_str())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *tx)
        .await?;
    }
    if !writes.reviews.is_empty() {
        let r = &writes.reviews;
        sqlx::query(
            "INSERT INTO reviews (id, source, record_id, record, candidate_id, probability, \
             evidence, received_at, status) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], \
             $6::float8[], $7::text[], $8::timestamptz[], $9::text[]) ON CONFLICT DO NOTHING",
        )
        .bind(r.iter().map(|v| v.id.as_uuid()).collect::<Vec<_>>())
        .bind(
            r.iter()
                .map(|v| v.source_record.source.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            r.iter()
                .map(|v| v.source_record.record.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(r.iter().map(|v| v.record.as_str()).collect::<Vec<_>>())
        .bind(r.iter().map(|v| v.candidate.as_uuid()).collect::<Vec<_>>())
        .bind(r.iter().map(|v| v.probability).collect::<Vec<_>>())
        .bind(r.iter().map(|v| v.evidence.as_str()).collect::<Vec<_>>())
        .bind(r.iter().map(|v| v.received_at).collect::<Vec<_>>())
        .bind(r.iter().map(|v| v.status.as_str()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    super::merge::log_updates(&mut tx, &writes.merge_updates).await?;
    tx.commit().await?;
    Ok(())
}

/// Locks the children to update (in one order, so two writers cannot
/// deadlock) and fails unless each is still at the version it was read at.
pub(super) async fn check_versions(conn: &mut PgConnection, updates: &[ChildUpdate]) -> Result<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = updates.iter().map(|u| u.child.id.as_uuid()).collect();
    let current: HashMap<Uuid, i32> = sqlx::query_as::<_, (Uuid, i32)>(
        "SELECT id, version FROM children WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    crate::record::versions_current(updates, &current)
}

/// Replaces children whose versions were checked, keeping in the history
/// what each replaced record held that its update changed.
pub(super) async fn write_updates(
    conn: &mut PgConnection,
    updates: &[ChildUpdate],
    now: OffsetDateTime,
) -> Result<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let changes = Changes::of(updates)?;
    let rows = &changes.rows;
    let history = updates
        .iter()
        .map(|u| crate::history::superseded(&u.previous.child, &u.child))
        .collect::<Result<Vec<_>>>()?;
    sqlx::query(
        "INSERT INTO child_versions (child_id, version, record, recorded_at, superseded_at) \
         SELECT child_id, version, record::jsonb, recorded_at, $5 \
         FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::timestamptz[]) \
         AS t(child_id, version, record, recorded_at)",
    )
    .bind(
        updates
            .iter()
            .map(|u| u.child.id.as_uuid())
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| u.previous.version)
            .collect::<Vec<_>>(),
    )
    .bind(&history)
    .bind(
        updates
            .iter()
            .map(|u| u.previous.updated_at)
            .collect::<Vec<_>>(),
    )
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let c = &rows.children;
    sqlx::query(
        "UPDATE children SET contactpoint_id = t.cp, version = children.version + 1, \
         status = t.status, shielded = t.shielded, family_name = t.family, given_name = t.given, \
         date_of_birth = t.dob, gender = t.gender, postcode = t.postcode, nhs_number = t.nhs, \
         upn = t.upn, identity = t.identity::jsonb, updated_at = $13 \
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::text[], \
         $7::date[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) \
         AS t(id, cp, status, shielded, family, given, dob, gender, postcode, nhs, upn, identity) \
         WHERE children.id = t.id",
    )
    .bind(c.iter().map(|r| r.id).collect::<Vec<Uuid>>())
    .bind(
        c.iter()
            .map(|r| r.contactpoint_id.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(c.iter().map(|r| r.status).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.shielded).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.family_name.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.given_name.as_str()).collect::<Vec<_>>())
    .bind(
        c.iter()
            .map(|r| r.date_of_birth)
            .collect::<Vec<time::Date>>(),
    )
    .bind(c.iter().map(|r| r.gender).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.postcode.as_deref()).collect::<Vec<_>>())
    .bind(
        c.iter()
            .map(|r| r.nhs_number.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(c.iter().map(|r| r.upn.as_deref()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.identity.as_str()).collect::<Vec<_>>())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for (delete, ids) in [
        (
            "DELETE FROM carers WHERE child_id = ANY($1)",
            &changes.replaced_carers,
        ),
        (
            "DELETE FROM involvements WHERE child_id = ANY($1)",
            &changes.replaced_involvements,
        ),
        (
            "DELETE FROM search_profiles WHERE child_id = ANY($1)",
            &changes.replaced_profiles,
        ),
    ] {
        if !ids.is_empty() {
            sqlx::query(delete).bind(ids).execute(&mut *conn).await?;
        }
    }
    let removed = &changes.removed_source_records;
    if !removed.is_empty() {
        sqlx::query(
            "DELETE FROM source_records s USING UNNEST($1::text[], $2::text[]) AS t(source, record_id) \
             WHERE s.source = t.source AND s.record_id = t.record_id",
        )
        .bind(removed.iter().map(|r| r.source.as_str()).collect::<Vec<_>>())
        .bind(removed.iter().map(|r| r.record_id.as_str()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    let moved = &changes.moved_source_records;
    if !moved.is_empty() {
        sqlx::query(
            "UPDATE source_records s SET child_id = t.child_id \
             FROM UNNEST($1::text[], $2::text[], $3::uuid[]) AS t(source, record_id, child_id) \
             WHERE s.source = t.source AND s.record_id = t.record_id",
        )
        .bind(moved.iter().map(|r| r.source.as_str()).collect::<Vec<_>>())
        .bind(
            moved
                .iter()
                .map(|r| r.record_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(moved.iter().map(|r| r.child_id).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    let keys = &changes.removed_keys;
    if !keys.is_empty() {
        sqlx::query(
            "DELETE FROM search_keys s USING UNNEST($1::int8[], $2::uuid[]) AS t(key, child_id) \
             WHERE s.key = t.key AND s.child_id = t.child_id",
        )
        .bind(keys.iter().map(|k| k.key).collect::<Vec<_>>())
        .bind(keys.iter().map(|k| k.child_id).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    Postgres::insert_parts(conn, rows).await
}
