//! A child's superseded versions. Each is stored as what it held that the
//! version after it changed (its top-level fields that differ), not whole:
//! most updates touch a few fields of a record several times their size,
//! and a national load updates most children twice. A version is rebuilt
//! from the child as it stands, going back through the versions after it.
//! A version stored whole, as before, is read the same way.

use contactpoint_domain::Child;
use serde_json::{Map, Value};

use crate::{ChildVersion, Result};

/// What `previous` held that `next` changed, as a JSON object. The fields
/// are compared as they are, and only the changed ones turned into JSON:
/// turning both children into JSON to compare them cost more than the rest
/// of the update. Every field is named, so a field added to a child
/// cannot be left out of its history.
pub(crate) fn superseded(previous: &Child, next: &Child) -> Result<String> {
    let mut changed = Map::new();
    macro_rules! keep_if_changed {
        ($($field:ident),* $(,)?) => {
            // No `..`: a field added to a child fails to compile here.
            let Child { $($field),* } = previous;
            $(
                if *$field != next.$field {
                    changed.insert(stringify!($field).to_owned(), serde_json::to_value($field)?);
                }
            )*
        };
    }
    keep_if_changed!(
        id,
        contactpoint_id,
        status,
        name,
        previous_names,
        preferred_given_name,
        gender,
        date_of_birth,
        address,
        previous_addresses,
        nhs_number,
        upn,
        source_records,
        carers,
        involvements,
        sensitive_involvements,
        caf,
        shield,
        extended_to_25,
    );
    Ok(serde_json::to_string(&changed)?)
}

/// The child at `version`, among versions rebuilt.
pub(crate) fn version_of(versions: Vec<ChildVersion>, version: i32) -> Result<Child> {
    versions
        .into_iter()
        .find(|v| v.version == version)
        .map(|v| v.child)
        .ok_or(crate::Error::NotFound)
}

/// A row of `child_versions`, as both backends read it.
#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    pub(crate) version: i32,
    pub(crate) record: String,
    pub(crate) recorded_at: time::OffsetDateTime,
    pub(crate) superseded_at: time::OffsetDateTime,
}

/// The versions the rows store, oldest first, rebuilt from `current`: the
/// child at the version after the newest row. Rows of versions at or after
/// the current one (written since it was read) are left out.
pub(crate) fn rebuild(
    current: &Child,
    current_version: i32,
    mut rows: Vec<VersionRow>,
) -> Result<Vec<ChildVersion>> {
    rows.retain(|row| row.version < current_version);
    rows.sort_unstable_by_key(|row| std::cmp::Reverse(row.version));
    let Value::Object(mut fields) = serde_json::to_value(current)? else {
        return Err(crate::Error::Decode(
            "a child that is not a JSON object".into(),
        ));
    };
    let mut versions = Vec::with_capacity(rows.len());
    for row in rows {
        let Value::Object(held) = serde_json::from_str(&row.record)? else {
            return Err(crate::Error::Decode(format!(
                "version {} of a child is not a JSON object",
                row.version
            )));
        };
        fields.extend(held);
        versions.push(ChildVersion {
            child: serde_json::from_value(Value::Object(fields.clone()))?,
            version: row.version,
            recorded_at: row.recorded_at,
            superseded_at: row.superseded_at,
        });
    }
    versions.reverse();
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use contactpoint_domain::Sourced;
    use time::macros::datetime;

    use super::*;
    use crate::testing::fixtures::{child, person, provenance};

    fn row(version: i32, record: String) -> VersionRow {
        VersionRow {
            version,
            record,
            recorded_at: datetime!(2026-11-01 09:00 UTC),
            superseded_at: datetime!(2026-11-02 09:00 UTC),
        }
    }

    #[test]
    fn a_version_keeps_only_the_fields_the_next_one_changed() {
        let first = child(1);
        let mut second = first.clone();
        second.upn = None;

        let stored = superseded(&first, &second).unwrap();

        let fields: Map<String, Value> = serde_json::from_str(&stored).unwrap();
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["upn"]);
    }

    #[test]
    fn a_version_names_its_fields_as_a_whole_child_does() {
        let first = child(1);
        let mut other = child(2);
        other.previous_names.clear();
        other.carers.clear();
        other.involvements.clear();
        other.preferred_given_name = None;
        other.extended_to_25 = !first.extended_to_25;

        let stored = superseded(&first, &other).unwrap();

        let whole = serde_json::to_value(&first).unwrap();
        let fields: Map<String, Value> = serde_json::from_str(&stored).unwrap();
        assert!(fields.len() >= 8, "{fields:?}");
        for (field, value) in &fields {
            assert_eq!(whole.get(field), Some(value), "{field}");
        }
        let versions = rebuild(&other, 2, vec![row(1, stored)]).unwrap();
        assert_eq!(versions[0].child, first);
    }

    #[test]
    fn every_version_is_rebuilt_from_the_child_as_it_stands() {
        let first = child(1);
        let mut second = first.clone();
        second.upn = None;
        let mut third = second.clone();
        third.name = Sourced {
            value: person("Amara", "Okafor"),
            provenance: provenance(),
        };
        third.previous_names.push(second.name.clone());
        let rows = vec![
            row(2, superseded(&second, &third).unwrap()),
            row(1, superseded(&first, &second).unwrap()),
        ];

        let versions = rebuild(&third, 3, rows).unwrap();

        let children: Vec<(i32, &Child)> = versions.iter().map(|v| (v.version, &v.child)).collect();
        assert_eq!(children, [(1, &first), (2, &second)]);
    }

    #[test]
    fn a_version_stored_whole_reads_as_it_was() {
        let first = child(1);
        let mut second = first.clone();
        second.upn = None;
        let whole = serde_json::to_string(&first).unwrap();

        let versions = rebuild(&second, 2, vec![row(1, whole)]).unwrap();

        assert_eq!(versions[0].child, first);
    }

    #[test]
    fn versions_written_after_the_child_was_read_are_left_out() {
        let first = child(1);
        let mut second = first.clone();
        second.upn = None;
        let rows = vec![
            row(1, superseded(&first, &second).unwrap()),
            row(2, superseded(&second, &first).unwrap()),
        ];

        let versions = rebuild(&second, 2, rows).unwrap();

        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].child, first);
    }
}
