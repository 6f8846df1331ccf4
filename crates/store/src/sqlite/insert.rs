//! Writing new rows, table by table, in statements of many rows each.

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, SqliteConnection};
use time::OffsetDateTime;

use super::held::NewKeys;
use super::{ROWS_PER_STATEMENT, Sqlite};
use crate::Result;
use crate::record::{ChildRow, Rows, SearchKeyRow};

/// Binds a child's columns from `status` to `identity`, in the table's
/// order: what an insert and an update of the row both set.
pub(super) fn bind_child_columns(b: &mut Separated<'_, sqlx::Sqlite, &'static str>, r: &ChildRow) {
    b.push_bind(r.status)
        .push_bind(r.shielded)
        .push_bind(&r.family_name)
        .push_bind(&r.given_name)
        .push_bind(r.date_of_birth)
        .push_bind(r.gender)
        .push_bind(&r.postcode)
        .push_bind(&r.nhs_number)
        .push_bind(&r.upn)
        .push_bind(&r.identity);
}

impl Sqlite {
    pub(super) async fn insert_rows(
        conn: &mut SqliteConnection,
        rows: &Rows,
        now: OffsetDateTime,
        new_keys: NewKeys,
    ) -> Result<()> {
        Self::insert_children_rows(conn, rows, now).await?;
        Self::add_search_keys(conn, &rows.search_keys, new_keys).await?;
        Self::insert_parts(conn, rows).await
    }

    pub(super) async fn insert_children_rows(
        conn: &mut SqliteConnection,
        rows: &Rows,
        now: OffsetDateTime,
    ) -> Result<()> {
        for chunk in rows.children.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::new(
                "INSERT INTO children (id, contactpoint_id, version, status, shielded, family_name, \
                 given_name, date_of_birth, gender, postcode, nhs_number, upn, identity, updated_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id).push_bind(&r.contactpoint_id).push_bind(1);
                bind_child_columns(&mut b, r);
                b.push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    pub(super) async fn add_search_keys(
        conn: &mut SqliteConnection,
        keys: &[SearchKeyRow],
        new_keys: NewKeys,
    ) -> Result<()> {
        if new_keys == NewKeys::Held {
            return Self::hold_search_keys(conn, keys, false).await;
        }
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::new("INSERT INTO search_keys (key, child_id) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.key).push_bind(r.child_id);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Carers, services, profiles and source records: everything but the
    /// child row and its search keys.
    pub(super) async fn insert_parts(conn: &mut SqliteConnection, rows: &Rows) -> Result<()> {
        for chunk in rows.carers.chunks(ROWS_PER_STATEMENT) {
            let mut q =
                QueryBuilder::new("INSERT INTO carers (child_id, position, relationship, detail) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.child_id)
                    .push_bind(r.position)
                    .push_bind(r.relationship)
                    .push_bind(&r.detail);
            });
            q.build().execute(&mut *conn).await?;
        }
        for chunk in rows.involvements.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::new(
                "INSERT INTO involvements (child_id, position, kind, sensitive, organisation, detail) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.child_id)
                    .push_bind(r.position)
                    .push_bind(r.kind)
                    .push_bind(r.sensitive)
                    .push_bind(&r.organisation)
                    .push_bind(&r.detail);
            });
            q.build().execute(&mut *conn).await?;
        }
        for chunk in rows.profiles.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::new(
                "INSERT INTO search_profiles (child_id, contactpoint_id, given_name, family_name, \
                 date_of_birth, gender, district, shielded, profile, nhs_number, upn) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.child_id)
                    .push_bind(&r.contactpoint_id)
                    .push_bind(&r.given_name)
                    .push_bind(&r.family_name)
                    .push_bind(r.date_of_birth)
                    .push_bind(r.gender)
                    .push_bind(&r.district)
                    .push_bind(r.shielded)
                    .push_bind(&r.profile)
                    .push_bind(&r.nhs_number)
                    .push_bind(&r.upn);
            });
            q.build().execute(&mut *conn).await?;
        }
        for chunk in rows.name_counts.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::new("INSERT INTO name_counts (kind, name, children) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.kind).push_bind(&r.name).push_bind(r.delta);
            });
            q.push(
                " ON CONFLICT (kind, name) DO UPDATE SET children = children + excluded.children",
            );
            q.build().execute(&mut *conn).await?;
        }
        for chunk in rows.source_records.chunks(ROWS_PER_STATEMENT) {
            let mut q =
                QueryBuilder::new("INSERT INTO source_records (source, record_id, child_id) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.source)
                    .push_bind(&r.record_id)
                    .push_bind(r.child_id);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }
}
