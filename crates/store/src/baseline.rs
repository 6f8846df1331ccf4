//! The search a competent DBA would write in PostgreSQL without our
//! engine: trigram similarity (`pg_trgm`) or Double Metaphone
//! (`fuzzystrmatch`) on the surname, narrowed by the date of birth, the
//! postcode or the birth year, ranked by name similarity. The service never
//! uses it: `contactpoint bench search --baseline` runs the same queries
//! through it, so both can be compared on the same data.

use contactpoint_domain::{BirthDateQuery, ContactPointId, SearchQuery};
use tracing::instrument;

use crate::{Error, Postgres, Result};

impl Postgres {
    /// Installs the two extensions and the indexes the baseline needs.
    /// Idempotent; slow on a large table the first time.
    #[instrument(skip_all)]
    pub async fn prepare_baseline(&self) -> Result<()> {
        for statement in [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
            "CREATE INDEX IF NOT EXISTS baseline_family_trgm ON children USING gin (family_name gin_trgm_ops)",
            "CREATE INDEX IF NOT EXISTS baseline_family_dmetaphone ON children (dmetaphone(family_name))",
            "CREATE INDEX IF NOT EXISTS baseline_date_of_birth ON children (date_of_birth)",
            "CREATE INDEX IF NOT EXISTS baseline_postcode ON children (postcode)",
            "ANALYZE children",
        ] {
            sqlx::query(statement).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// The baseline's answer: at most `limit` ContactPoint ids, best first.
    #[instrument(skip_all)]
    pub async fn baseline_search(
        &self,
        query: &SearchQuery,
        limit: i64,
    ) -> Result<Vec<ContactPointId>> {
        let (date, year) = match query.date_of_birth {
            Some(BirthDateQuery::Full(date)) => (Some(date), None),
            Some(BirthDateQuery::Year(year)) => (None, Some(year)),
            None => (None, None),
        };
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT contactpoint_id FROM children \
             WHERE status <> 'archived' \
               AND (family_name % $1 OR dmetaphone(family_name) = dmetaphone($1)) \
               AND (date_of_birth = $2 OR postcode = $3 \
                    OR (date_of_birth >= make_date($4, 1, 1) AND date_of_birth < make_date($4 + 1, 1, 1))) \
             ORDER BY similarity(family_name, $1) + similarity(given_name, COALESCE($5, '')) DESC, \
                      contactpoint_id \
             LIMIT $6",
        )
        .bind(query.surname.as_str())
        .bind(date)
        .bind(query.postcode.as_ref().map(|p| p.as_str()))
        .bind(year)
        .bind(query.forename.as_ref().map(|n| n.as_str()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        ids.iter()
            .map(|id| ContactPointId::parse(id).map_err(|e| Error::Decode(e.to_string())))
            .collect()
    }
}
