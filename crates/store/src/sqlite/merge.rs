//! Merges and unmerges in SQLite.

use contactpoint_domain::{ChildId, MergeId};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::held::NewKeys;
use super::{Sqlite, batch};
use crate::merge::{MergeRow, MergeUpdateRow, merge_columns};
use crate::{ChildUpdate, Error, Merge, MergeUpdate, Result};

pub(super) async fn merge_children(
    sqlite: &Sqlite,
    merge: &Merge,
    survivor: &ChildUpdate,
    absorbed: &ChildUpdate,
) -> Result<()> {
    let updates = [survivor.clone(), absorbed.clone()];
    let mut tx = sqlite.pool.begin_with("BEGIN IMMEDIATE").await?;
    let read_to = sqlite.source_index.catch_up()?;
    batch::check_versions(&mut tx, &updates).await?;
    batch::write_updates(&mut tx, &updates, merge.merged_at, NewKeys::Indexed).await?;
    sqlite.source_index.check_added(&mut tx, read_to).await?;
    sqlx::query(
        "INSERT INTO merges (id, survivor_id, absorbed_id, survivor_version, absorbed_version, \
         merged_at, log_from) \
         VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM merge_updates))",
    )
    .bind(merge.id.as_uuid())
    .bind(merge.survivor.as_uuid())
    .bind(merge.absorbed.as_uuid())
    .bind(merge.survivor_version)
    .bind(merge.absorbed_version)
    .bind(merge.merged_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn unmerge_children(
    sqlite: &Sqlite,
    id: MergeId,
    survivor: &ChildUpdate,
    absorbed: &ChildUpdate,
    replayed: &[i64],
    at: OffsetDateTime,
) -> Result<()> {
    let updates = [survivor.clone(), absorbed.clone()];
    let mut tx = sqlite.pool.begin_with("BEGIN IMMEDIATE").await?;
    let read_to = sqlite.source_index.catch_up()?;
    let closed = sqlx::query("UPDATE merges SET undone_at = ? WHERE id = ? AND undone_at IS NULL")
        .bind(at)
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await?;
    if closed.rows_affected() != 1 {
        return Err(Error::Conflict("merge".into()));
    }
    batch::check_versions(&mut tx, &updates).await?;
    batch::write_updates(&mut tx, &updates, at, NewKeys::Indexed).await?;
    sqlite.source_index.check_added(&mut tx, read_to).await?;
    let survivor_id = survivor.child.id.as_uuid();
    sqlx::query(
        "DELETE FROM merge_updates WHERE survivor_id = ?1 AND (seq IN (SELECT value FROM \
         json_each(?2)) OR NOT EXISTS (SELECT 1 FROM merges WHERE survivor_id = ?1 \
         AND undone_at IS NULL))",
    )
    .bind(survivor_id)
    .bind(serde_json::to_string(replayed)?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Logs feed records applied to children holding a merge; few, so one
/// statement each.
pub(super) async fn log_updates(
    conn: &mut SqliteConnection,
    updates: &[MergeUpdate],
) -> Result<()> {
    for update in updates {
        sqlx::query(
            "INSERT INTO merge_updates (survivor_id, source, record_id, record, received_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(update.survivor.as_uuid())
        .bind(update.source_record.source.as_str())
        .bind(update.source_record.record.as_str())
        .bind(&update.record)
        .bind(update.received_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(super) async fn merge(sqlite: &Sqlite, id: MergeId) -> Result<Merge> {
    let row: MergeRow = sqlx::query_as(concat!(
        "SELECT ",
        merge_columns!(),
        " FROM merges WHERE id = ?"
    ))
    .bind(id.as_uuid())
    .fetch_optional(&sqlite.pool)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(row.into())
}

pub(super) async fn merges_of(sqlite: &Sqlite, child: ChildId) -> Result<Vec<Merge>> {
    let rows: Vec<MergeRow> = sqlx::query_as(concat!(
        "SELECT ",
        merge_columns!(),
        " FROM merges WHERE survivor_id = ?1 OR absorbed_id = ?1 \
         ORDER BY merged_at DESC, id DESC"
    ))
    .bind(child.as_uuid())
    .fetch_all(&sqlite.pool)
    .await?;
    Ok(rows.into_iter().map(Merge::from).collect())
}

pub(super) async fn recent_merges(sqlite: &Sqlite, limit: u32) -> Result<Vec<Merge>> {
    let rows: Vec<MergeRow> = sqlx::query_as(concat!(
        "SELECT ",
        merge_columns!(),
        " FROM merges ORDER BY merged_at DESC, id DESC LIMIT ?"
    ))
    .bind(i64::from(limit))
    .fetch_all(&sqlite.pool)
    .await?;
    Ok(rows.into_iter().map(Merge::from).collect())
}

pub(super) async fn merge_updates(
    sqlite: &Sqlite,
    merge: MergeId,
) -> Result<Vec<(i64, MergeUpdate)>> {
    let rows: Vec<MergeUpdateRow> = sqlx::query_as(
        "SELECT u.seq, u.survivor_id, u.source, u.record_id, u.record, u.received_at \
         FROM merges m JOIN merge_updates u ON u.survivor_id = m.survivor_id AND u.seq > m.log_from \
         WHERE m.id = ? ORDER BY u.seq",
    )
    .bind(merge.as_uuid())
    .fetch_all(&sqlite.pool)
    .await?;
    rows.into_iter().map(MergeUpdateRow::decode).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Store;
    use crate::sqlite::earlier;
    use crate::testing::fixtures::child;

    /// The migration rebuilds `children` with foreign keys off: on a
    /// database that holds children, nothing else may go with the old table.
    #[tokio::test]
    async fn the_merges_migration_keeps_every_child_and_its_parts() {
        let dir = tempfile::tempdir().unwrap();
        let children = [child(1), child(2)];
        let (url, pool) = earlier::holding(dir.path(), "20261201000010", &children).await;
        pool.close().await;

        let store = Sqlite::open(&url).await.unwrap();

        for expected in &children {
            assert_eq!(&store.child(expected.id).await.unwrap().child, expected);
        }
        let keys = crate::child_search_keys(&children[0]);
        assert!(!store.candidates(&keys, 1, 10).await.unwrap().is_empty());
        // The other tables still refer to the rebuilt one.
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        sqlx::query("DELETE FROM children WHERE id = ?")
            .bind(children[0].id.as_uuid())
            .execute(&store.pool)
            .await
            .unwrap();
        let carers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM carers WHERE child_id = ?")
            .bind(children[0].id.as_uuid())
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(carers, 0, "deleting a child still deletes its carers");
    }
}
