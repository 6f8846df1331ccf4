//! Writing new rows, table by table, each table's rows as arrays in one
//! statement (`UNNEST`).

use sqlx::PgConnection;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::Postgres;
use crate::Result;
use crate::record::Rows;

impl Postgres {
    pub(super) async fn insert_rows(
        conn: &mut PgConnection,
        rows: &Rows,
        now: OffsetDateTime,
    ) -> Result<()> {
        let c = &rows.children;
        sqlx::query(
            "INSERT INTO children (id, contactpoint_id, version, status, shielded, family_name, \
             given_name, date_of_birth, gender, postcode, nhs_number, upn, identity, updated_at) \
             SELECT id, cp, 1, status, shielded, family, given, dob, gender, postcode, nhs, upn, \
             identity::jsonb, $13 \
             FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::text[], \
             $7::date[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) \
             AS t(id, cp, status, shielded, family, given, dob, gender, postcode, nhs, upn, identity)",
        )
        .bind(c.iter().map(|r| r.id).collect::<Vec<Uuid>>())
        .bind(c.iter().map(|r| r.contactpoint_id.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.status).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.shielded).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.family_name.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.given_name.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.date_of_birth).collect::<Vec<Date>>())
        .bind(c.iter().map(|r| r.gender).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.postcode.as_deref()).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.nhs_number.as_deref()).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.upn.as_deref()).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.identity.as_str()).collect::<Vec<_>>())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Self::insert_parts(conn, rows).await
    }

    /// Carers, services and source records: everything but the child row.
    pub(super) async fn insert_parts(conn: &mut PgConnection, rows: &Rows) -> Result<()> {
        let c = &rows.carers;
        sqlx::query(
            "INSERT INTO carers (child_id, position, relationship, detail) \
             SELECT child_id, position, relationship, detail::jsonb \
             FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::text[]) \
             AS t(child_id, position, relationship, detail)",
        )
        .bind(c.iter().map(|r| r.child_id).collect::<Vec<Uuid>>())
        .bind(c.iter().map(|r| r.position).collect::<Vec<i32>>())
        .bind(c.iter().map(|r| r.relationship).collect::<Vec<_>>())
        .bind(c.iter().map(|r| r.detail.as_str()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
        let i = &rows.involvements;
        sqlx::query(
            "INSERT INTO involvements (child_id, position, kind, sensitive, organisation, detail) \
             SELECT child_id, position, kind, sensitive, organisation, detail::jsonb \
             FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::bool[], $5::text[], $6::text[]) \
             AS t(child_id, position, kind, sensitive, organisation, detail)",
        )
        .bind(i.iter().map(|r| r.child_id).collect::<Vec<Uuid>>())
        .bind(i.iter().map(|r| r.position).collect::<Vec<i32>>())
        .bind(i.iter().map(|r| r.kind).collect::<Vec<_>>())
        .bind(i.iter().map(|r| r.sensitive).collect::<Vec<_>>())
        .bind(
            i.iter()
                .map(|r| r.organisation.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(i.iter().map(|r| r.detail.as_str()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
        let k = &rows.search_keys;
        sqlx::query(
            "INSERT INTO search_keys (key, child_id) SELECT * FROM UNNEST($1::int8[], $2::uuid[])",
        )
        .bind(k.iter().map(|r| r.key).collect::<Vec<i64>>())
        .bind(k.iter().map(|r| r.child_id).collect::<Vec<Uuid>>())
        .execute(&mut *conn)
        .await?;
        let p = &rows.profiles;
        sqlx::query(
            "INSERT INTO search_profiles (child_id, contactpoint_id, given_name, family_name, \
             date_of_birth, gender, district, shielded, profile, nhs_number, upn) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::date[], \
             $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[], $11::text[])",
        )
        .bind(p.iter().map(|r| r.child_id).collect::<Vec<Uuid>>())
        .bind(
            p.iter()
                .map(|r| r.contactpoint_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(p.iter().map(|r| r.given_name.as_str()).collect::<Vec<_>>())
        .bind(p.iter().map(|r| r.family_name.as_str()).collect::<Vec<_>>())
        .bind(p.iter().map(|r| r.date_of_birth).collect::<Vec<Date>>())
        .bind(p.iter().map(|r| r.gender).collect::<Vec<_>>())
        .bind(p.iter().map(|r| r.district.as_deref()).collect::<Vec<_>>())
        .bind(p.iter().map(|r| r.shielded).collect::<Vec<_>>())
        .bind(p.iter().map(|r| r.profile.as_str()).collect::<Vec<_>>())
        .bind(
            p.iter()
                .map(|r| r.nhs_number.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(p.iter().map(|r| r.upn.as_deref()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
        let n = &rows.name_counts;
        sqlx::query(
            "INSERT INTO name_counts (kind, name, children) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[]) \
             ON CONFLICT (kind, name) DO UPDATE SET children = name_counts.children + EXCLUDED.children",
        )
        .bind(n.iter().map(|r| r.kind).collect::<Vec<_>>())
        .bind(n.iter().map(|r| r.name.as_str()).collect::<Vec<_>>())
        .bind(n.iter().map(|r| r.delta).collect::<Vec<i64>>())
        .execute(&mut *conn)
        .await?;
        let s = &rows.source_records;
        sqlx::query(
            "INSERT INTO source_records (source, record_id, child_id) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::uuid[])",
        )
        .bind(s.iter().map(|r| r.source.as_str()).collect::<Vec<_>>())
        .bind(s.iter().map(|r| r.record_id.as_str()).collect::<Vec<_>>())
        .bind(s.iter().map(|r| r.child_id).collect::<Vec<Uuid>>())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
