//! Merges and unmerges in PostgreSQL.

use contactpoint_domain::{ChildId, MergeId};
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::{Postgres, batch};
use crate::merge::{MergeRow, MergeUpdateRow, merge_columns};
use crate::{ChildUpdate, Error, Merge, MergeUpdate, Result};

pub(super) async fn merge_children(
    pg: &Postgres,
    merge: &Merge,
    survivor: &ChildUpdate,
    absorbed: &ChildUpdate,
) -> Result<()> {
    let updates = [survivor.clone(), absorbed.clone()];
    let mut tx = pg.pool.begin().await?;
    batch::check_versions(&mut tx, &updates).await?;
    batch::write_updates(&mut tx, &updates, merge.merged_at).await?;
    sqlx::query(
        "INSERT INTO merges (id, survivor_id, absorbed_id, survivor_version, absorbed_version, \
         merged_at, log_from) \
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(seq), 0) FROM merge_updates))",
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
    pg: &Postgres,
    id: MergeId,
    survivor: &ChildUpdate,
    absorbed: &ChildUpdate,
    replayed: &[i64],
    at: OffsetDateTime,
) -> Result<()> {
    let updates = [survivor.clone(), absorbed.clone()];
    let mut tx = pg.pool.begin().await?;
    let closed =
        sqlx::query("UPDATE merges SET undone_at = $1 WHERE id = $2 AND undone_at IS NULL")
            .bind(at)
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await?;
    if closed.rows_affected() != 1 {
        return Err(Error::Conflict("merge".into()));
    }
    batch::check_versions(&mut tx, &updates).await?;
    batch::write_updates(&mut tx, &updates, at).await?;
    sqlx::query(
        "DELETE FROM merge_updates WHERE survivor_id = $1 AND (seq = ANY($2) OR NOT EXISTS \
         (SELECT 1 FROM merges WHERE survivor_id = $1 AND undone_at IS NULL))",
    )
    .bind(survivor.child.id.as_uuid())
    .bind(replayed)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Logs feed records applied to children holding a merge; few, so one
/// statement each.
pub(super) async fn log_updates(conn: &mut PgConnection, updates: &[MergeUpdate]) -> Result<()> {
    for update in updates {
        sqlx::query(
            "INSERT INTO merge_updates (survivor_id, source, record_id, record, received_at) \
             VALUES ($1, $2, $3, $4, $5)",
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

pub(super) async fn merge(pg: &Postgres, id: MergeId) -> Result<Merge> {
    let row: MergeRow = sqlx::query_as(concat!(
        "SELECT ",
        merge_columns!(),
        " FROM merges WHERE id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(&pg.pool)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(row.into())
}

pub(super) async fn merges_of(pg: &Postgres, child: ChildId) -> Result<Vec<Merge>> {
    let rows: Vec<MergeRow> = sqlx::query_as(concat!(
        "SELECT ",
        merge_columns!(),
        " FROM merges WHERE survivor_id = $1 OR absorbed_id = $1 \
         ORDER BY merged_at DESC, id DESC"
    ))
    .bind(child.as_uuid())
    .fetch_all(&pg.pool)
    .await?;
    Ok(rows.into_iter().map(Merge::from).collect())
}

pub(super) async fn recent_merges(pg: &Postgres, limit: u32) -> Result<Vec<Merge>> {
    let rows: Vec<MergeRow> = sqlx::query_as(concat!(
        "SELECT ",
        merge_columns!(),
        " FROM merges ORDER BY merged_at DESC, id DESC LIMIT $1"
    ))
    .bind(i64::from(limit))
    .fetch_all(&pg.pool)
    .await?;
    Ok(rows.into_iter().map(Merge::from).collect())
}

pub(super) async fn merge_updates(
    pg: &Postgres,
    merge: MergeId,
) -> Result<Vec<(i64, MergeUpdate)>> {
    let rows: Vec<MergeUpdateRow> = sqlx::query_as(
        "SELECT u.seq, u.survivor_id, u.source, u.record_id, u.record, u.received_at \
         FROM merges m JOIN merge_updates u ON u.survivor_id = m.survivor_id AND u.seq > m.log_from \
         WHERE m.id = $1 ORDER BY u.seq",
    )
    .bind(merge.as_uuid())
    .fetch_all(&pg.pool)
    .await?;
    rows.into_iter().map(MergeUpdateRow::decode).collect()
}
