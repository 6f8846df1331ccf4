//! Reads and writes of many records at once, for imports: each a fixed
//! statement whose values go in as one JSON array, so a batch of a
//! thousand records is a handful of statements instead of thousands.

use std::collections::HashMap;

use contactpoint_domain::{ChildId, SourceRecordRef};
use sqlx::{QueryBuilder, SqliteConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use super::held::{KeyChanges, NewKeys};
use super::{ROWS_PER_STATEMENT, Sqlite, their_rows};
use crate::record::{Changes, OpenReviewRow, Rows, SourceStateRow};
use crate::{ChildUpdate, ImportWrites, NameCounts, Result, SourceRecordState, StoredChild};

/// Child ids as a JSON array of hex strings, for `unhex(value)`: SQLite's
/// JSON has no blobs.
pub(super) fn ids_json(ids: impl IntoIterator<Item = Uuid>) -> Result<String> {
    let hex: Vec<String> = ids.into_iter().map(|id| id.simple().to_string()).collect();
    Ok(serde_json::to_string(&hex)?)
}

fn records_json(records: &[SourceRecordRef]) -> Result<String> {
    let pairs: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r.source.as_str(), r.record.as_str()))
        .collect();
    Ok(serde_json::to_string(&pairs)?)
}

/// Read inline, as a search is (see `reader`): a batch's children are
/// thousands of rows.
pub(super) fn children(sqlite: &Sqlite, ids: &[ChildId]) -> Result<Vec<StoredChild>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let json = ids_json(ids.iter().map(|id| id.as_uuid()))?;
    sqlite.readers.children(&json)?.assemble(ids)
}

pub(super) async fn source_record_states(
    sqlite: &Sqlite,
    records: &[SourceRecordRef],
) -> Result<Vec<SourceRecordState>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let json = records_json(records)?;
    let rows = sqlite.source_index.lookup_json(
        records
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.source.as_str(), r.record.as_str())),
    )?;
    let mut conn = sqlite.pool.acquire().await?;
    let states: Vec<SourceStateRow> = match rows {
        None => Vec::new(),
        Some(rows) => {
            sqlx::query_as(concat!(
                "SELECT q.value ->> 0 AS idx, s.child_id, c.contactpoint_id, s.digest FROM ",
                their_rows!(),
                " JOIN children c ON c.id = s.child_id"
            ))
            .bind(rows)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let reviews: Vec<OpenReviewRow> = sqlx::query_as(
        "SELECT q.key AS idx, c.contactpoint_id AS candidate_contactpoint_id, r.id, r.source, \
         r.record_id, r.record, r.candidate_id, r.probability, r.evidence, r.received_at, r.status \
         FROM json_each(?1) q \
         JOIN reviews r ON r.source = q.value ->> 0 AND r.record_id = q.value ->> 1 \
           AND r.status IN ('pending', 'deferred') \
         JOIN children c ON c.id = r.candidate_id",
    )
    .bind(&json)
    .fetch_all(&mut *conn)
    .await?;
    crate::record::source_states(records.len(), states, reviews)
}

pub(super) async fn name_counts_for_each(
    sqlite: &Sqlite,
    names: &[(String, String)],
) -> Result<Vec<NameCounts>> {
    let mut wanted: Vec<(&str, &str)> = vec![("all", "")];
    for (surname, forename) in names {
        wanted.push(("surname", surname));
        wanted.push(("forename", forename));
    }
    wanted.sort_unstable();
    wanted.dedup();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT n.kind, n.name, n.children FROM json_each(?1) q \
         JOIN name_counts n ON n.kind = q.value ->> 0 AND n.name = q.value ->> 1",
    )
    .bind(serde_json::to_string(&wanted)?)
    .fetch_all(&sqlite.pool)
    .await?;
    Ok(NameCounts::for_each(names, rows))
}

pub(super) async fn apply_import(sqlite: &Sqlite, writes: &ImportWrites) -> Result<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let now = writes.written_at.unwrap_or_else(crate::now);
    let new_keys = match writes.more_follow {
        true => NewKeys::Held,
        false => NewKeys::Indexed,
    };
    let _writing = sqlite.held.writing.lock().await;
    // IMMEDIATE takes the write lock before reading the versions, so they
    // cannot change before the batch is written.
    let mut tx = sqlite.pool.begin_with("BEGIN IMMEDIATE").await?;
    let read_to = sqlite.source_index.catch_up()?;
    check_versions(&mut tx, &writes.updates).await?;
    // Updates first: a record one of them takes from its child may be
    // given to a new child in the same batch.
    let changed = write_updates(&mut tx, &writes.updates, now, new_keys).await?;
    let mut added = Vec::new();
    if !writes.new_children.is_empty() {
        let rows = Rows::from_children(&writes.new_children)?;
        Sqlite::insert_rows(&mut tx, &rows, now, new_keys).await?;
        added = rows.search_keys;
    }
    let added_records = sqlite.source_index.check_added(&mut tx, read_to).await?;
    // After the records' rows are written: a digest is kept in its record's.
    write_digests(sqlite, &mut tx, &writes.digests, &added_records).await?;
    for chunk in writes.reviews.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::new(
            "INSERT INTO reviews (id, source, record_id, record, candidate_id, probability, \
             evidence, received_at, status) ",
        );
        q.push_values(chunk, |mut b, review| {
            b.push_bind(review.id.as_uuid())
                .push_bind(review.source_record.source.as_str())
                .push_bind(review.source_record.record.as_str())
                .push_bind(&review.record)
                .push_bind(review.candidate.as_uuid())
                .push_bind(review.probability)
                .push_bind(&review.evidence)
                .push_bind(review.received_at)
                .push_bind(review.status.as_str());
        });
        q.push(" ON CONFLICT DO NOTHING");
        q.build().execute(&mut *tx).await?;
    }
    super::merge::log_updates(&mut tx, &writes.merge_updates).await?;
    tx.commit().await?;
    let held = match new_keys {
        NewKeys::Held => {
            added.extend(changed.added);
            added
        }
        NewKeys::Indexed => Vec::new(),
    };
    sqlite.held.remember(&held, &changed.removed);
    if sqlite.held.count() >= sqlite.held.limit() {
        sqlite.merge_held_keys().await?;
    }
    sqlite.keep_log_short().await;
    Ok(())
}

/// Each record's digest into its row: one this write added, or one before.
async fn write_digests(
    sqlite: &Sqlite,
    conn: &mut SqliteConnection,
    digests: &[(SourceRecordRef, String)],
    added: &HashMap<(String, String), i64>,
) -> Result<()> {
    if digests.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(&str, i64, &str, &str)> = Vec::with_capacity(digests.len());
    let mut before = Vec::new();
    for (r, digest) in digests {
        let (source, record) = (r.source.as_str(), r.record.as_str());
        match added.get(&(source.to_owned(), record.to_owned())) {
            Some(&seq) => rows.push((digest, seq, source, record)),
            None => before.push((digest.as_str(), source, record)),
        }
    }
    let earlier = sqlite
        .source_index
        .rows_of(before.iter().map(|&(_, source, record)| (source, record)))?;
    for ((digest, source, record), seqs) in before.into_iter().zip(earlier) {
        rows.extend(seqs.into_iter().map(|seq| (digest, seq, source, record)));
    }
    sqlx::query(concat!(
        "UPDATE source_records SET digest = q.value ->> 0 FROM (SELECT s.seq, q.value FROM ",
        their_rows!(),
        ") q WHERE source_records.seq = q.seq"
    ))
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Fails unless every child to update is still at the version it was read at.
pub(super) async fn check_versions(
    conn: &mut SqliteConnection,
    updates: &[ChildUpdate],
) -> Result<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let json = ids_json(updates.iter().map(|u| u.child.id.as_uuid()))?;
    let current: HashMap<Uuid, i32> = sqlx::query_as::<_, (Uuid, i32)>(
        "SELECT id, version FROM children WHERE id IN (SELECT unhex(value) FROM json_each(?1))",
    )
    .bind(json)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    crate::record::versions_current(updates, &current)
}

/// Replaces children whose versions were checked, keeping in the history
/// what each replaced record held that its update changed; says which search keys it added and
/// removed.
pub(super) async fn write_updates(
    conn: &mut SqliteConnection,
    updates: &[ChildUpdate],
    now: OffsetDateTime,
    new_keys: NewKeys,
) -> Result<KeyChanges> {
    if updates.is_empty() {
        return Ok(KeyChanges::default());
    }
    let changes = Changes::of(updates)?;
    let rows = &changes.rows;
    let history = updates
        .iter()
        .map(|u| Ok((u, crate::history::superseded(&u.previous.child, &u.child)?)))
        .collect::<Result<Vec<_>>>()?;
    for chunk in history.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::new(
            "INSERT INTO child_versions (child_id, version, record, recorded_at, superseded_at) ",
        );
        q.push_values(chunk, |mut b, (u, record)| {
            b.push_bind(u.child.id.as_uuid())
                .push_bind(u.previous.version)
                .push_bind(record)
                .push_bind(u.previous.updated_at)
                .push_bind(now);
        });
        q.build().execute(&mut *conn).await?;
    }
    // A statement per few hundred children, their values bound as rows of
    // a VALUES list: a statement per child cost more in handing it to
    // SQLite than in running it, and one JSON array of every row, parsed
    // again for each column it yields, cost 40 us a child (bench linkage,
    // 30,000 children). The ContactPoint identifier never changes, and is
    // left out: SQLite rewrites an index entry whenever its column is
    // assigned, even to the value it had.
    for chunk in rows.children.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::new(
            "UPDATE children SET version = version + 1, status = t.column2, \
             shielded = t.column3, family_name = t.column4, given_name = t.column5, \
             date_of_birth = t.column6, gender = t.column7, postcode = t.column8, \
             nhs_number = t.column9, upn = t.column10, identity = t.column11, updated_at = ",
        );
        q.push_bind(now).push(" FROM (");
        q.push_values(chunk, |mut b, r| {
            b.push_bind(r.id);
            super::insert::bind_child_columns(&mut b, r);
        });
        q.push(") AS t WHERE children.id = t.column1");
        q.build().execute(&mut *conn).await?;
    }
    for (delete, ids) in [
        (
            "DELETE FROM carers WHERE child_id IN (SELECT unhex(value) FROM json_each(?1))",
            &changes.replaced_carers,
        ),
        (
            "DELETE FROM involvements WHERE child_id IN (SELECT unhex(value) FROM json_each(?1))",
            &changes.replaced_involvements,
        ),
        (
            "DELETE FROM search_profiles WHERE child_id IN (SELECT unhex(value) FROM json_each(?1))",
            &changes.replaced_profiles,
        ),
    ] {
        if !ids.is_empty() {
            let json = ids_json(ids.iter().copied())?;
            sqlx::query(delete).bind(json).execute(&mut *conn).await?;
        }
    }
    if !changes.removed_source_records.is_empty() {
        let pairs: Vec<(&str, &str, String)> = changes
            .removed_source_records
            .iter()
            .map(|r| {
                (
                    r.source.as_str(),
                    r.record_id.as_str(),
                    r.child_id.simple().to_string(),
                )
            })
            .collect();
        // Found through their children: the table has no index by record.
        sqlx::query(
            "DELETE FROM source_records WHERE seq IN (SELECT s.seq FROM json_each(?1) t \
             JOIN source_records s ON s.child_id = unhex(t.value ->> 2) \
             AND s.source = t.value ->> 0 AND s.record_id = t.value ->> 1)",
        )
        .bind(serde_json::to_string(&pairs)?)
        .execute(&mut *conn)
        .await?;
    }
    if !changes.moved_source_records.is_empty() {
        let moved: Vec<(&str, &str, String)> = changes
            .moved_source_records
            .iter()
            .map(|r| {
                (
                    r.source.as_str(),
                    r.record_id.as_str(),
                    r.child_id.simple().to_string(),
                )
            })
            .collect();
        // A record moves between two of the children updated: found
        // through them, as the table has no index by record.
        sqlx::query(
            "UPDATE source_records SET child_id = unhex(t.value ->> 2) FROM json_each(?1) AS t \
             WHERE source_records.seq IN (SELECT seq FROM source_records \
             WHERE child_id IN (SELECT unhex(value) FROM json_each(?2))) \
             AND source_records.source = t.value ->> 0 AND source_records.record_id = t.value ->> 1",
        )
        .bind(serde_json::to_string(&moved)?)
        .bind(ids_json(updates.iter().map(|u| u.child.id.as_uuid()))?)
        .execute(&mut *conn)
        .await?;
    }
    if !changes.removed_keys.is_empty() {
        let pairs: Vec<(i64, String)> = changes
            .removed_keys
            .iter()
            .map(|k| (k.key, k.child_id.simple().to_string()))
            .collect();
        sqlx::query(
            "DELETE FROM search_keys WHERE (key, child_id) IN \
             (SELECT value ->> 0, unhex(value ->> 1) FROM json_each(?1))",
        )
        .bind(serde_json::to_string(&pairs)?)
        .execute(&mut *conn)
        .await?;
        // A key still held back is outdone by its removal, held after it.
        Sqlite::hold_search_keys(conn, &changes.removed_keys, true).await?;
    }
    Sqlite::add_search_keys(conn, &rows.search_keys, new_keys).await?;
    Sqlite::insert_parts(conn, rows).await?;
    Ok(KeyChanges {
        added: changes.rows.search_keys,
        removed: changes.removed_keys,
    })
}
