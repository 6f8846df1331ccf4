//! What replacing children changes in their rows.

use std::collections::{HashMap, HashSet};

use contactpoint_domain::Child;
use uuid::Uuid;

use super::{
    MatchFields, Rows, SearchKeyRow, SourceRecordRow, child_search_keys, count_names, profile_row,
    searchable, summary_row,
};
use crate::Result;

/// What replacing children changes, part by part: the child rows in full,
/// and of the other tables only what differs from the records replaced.
/// An update from a feed mostly adds a source record and a few keys; a
/// row deleted and written back unchanged costs as much as a real change,
/// in index pages all over the file.
pub(crate) struct Changes {
    /// The children's rows; the carers, services and profiles of those
    /// whose carers, services or profile changed (all of them, replaced);
    /// only the search keys and source records added; the name counts'
    /// differences.
    pub rows: Rows,
    pub replaced_carers: Vec<Uuid>,
    pub replaced_involvements: Vec<Uuid>,
    pub replaced_profiles: Vec<Uuid>,
    pub removed_keys: Vec<SearchKeyRow>,
    pub removed_source_records: Vec<SourceRecordRow>,
    /// Records that one child lost and another gained (a merge, an undone
    /// merge), with the child gaining them: their rows are moved, not
    /// deleted and written again, so they keep their digests.
    pub moved_source_records: Vec<SourceRecordRow>,
}

impl Changes {
    /// What the updates change. A part is worked out only for the children
    /// whose inputs to it changed: an update from a feed mostly leaves the
    /// names, date of birth and postcodes as they were, and so the keys
    /// and the profile (the phonetic codes of every name) too.
    pub fn of(updates: &[crate::ChildUpdate]) -> Result<Self> {
        let mut rows = Rows::default();
        let mut counts: HashMap<(&'static str, String), i64> = HashMap::new();
        let (mut carers, mut involvements, mut profiles) = (Vec::new(), Vec::new(), Vec::new());
        let mut removed_keys = Vec::new();
        let mut removed_source_records = Vec::new();
        for update in updates {
            let (old, new) = (&update.previous.child, &update.child);
            let id = new.id.as_uuid();
            rows.push_child(new)?;
            count_names(new, 1, &mut counts);
            count_names(old, -1, &mut counts);
            if old.carers != new.carers {
                carers.push(id);
                rows.push_carers(new)?;
            }
            if old.involvements != new.involvements
                || old.sensitive_involvements != new.sensitive_involvements
            {
                involvements.push(id);
                rows.push_involvements(new)?;
            }
            let matched_alike = searchable(old) == searchable(new)
                && old.date_of_birth.value == new.date_of_birth.value
                && MatchFields::of(old) == MatchFields::of(new);
            if !matched_alike {
                let keys_of = |child: &Child| -> HashSet<i64> {
                    if searchable(child) {
                        child_search_keys(child).into_iter().collect()
                    } else {
                        HashSet::new()
                    }
                };
                let (before, after) = (keys_of(old), keys_of(new));
                removed_keys.extend(
                    before
                        .difference(&after)
                        .map(|&key| SearchKeyRow { key, child_id: id }),
                );
                rows.push_keys(id, after.difference(&before).copied());
            }
            if profile_changed(old, new, matched_alike) {
                profiles.push(id);
                rows.profiles.extend(profile_row(new));
            }
            for record in &old.source_records {
                if !new.source_records.contains(record) {
                    removed_source_records.push(SourceRecordRow::of(id, record));
                }
            }
            for record in &new.source_records {
                if !old.source_records.contains(record) {
                    rows.push_source_record(id, record);
                }
            }
        }
        let moved_source_records = moved(&mut removed_source_records, &mut rows.source_records);
        rows.finish(counts);
        removed_keys.sort_unstable_by_key(|k| (k.key, k.child_id));
        let sorted = |mut ids: Vec<Uuid>| {
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        Ok(Self {
            rows,
            replaced_carers: sorted(carers),
            replaced_involvements: sorted(involvements),
            replaced_profiles: sorted(profiles),
            removed_keys,
            removed_source_records,
            moved_source_records,
        })
    }
}

/// Takes out of `removed` and `added` the records in both, and gives them
/// back as added: to the child that gains them.
fn moved(
    removed: &mut Vec<SourceRecordRow>,
    added: &mut Vec<SourceRecordRow>,
) -> Vec<SourceRecordRow> {
    let key = |r: &SourceRecordRow| (r.source.clone(), r.record_id.clone());
    let lost: HashSet<(String, String)> = removed.iter().map(key).collect();
    let (moved, kept): (Vec<_>, Vec<_>) = std::mem::take(added)
        .into_iter()
        .partition(|r| lost.contains(&key(r)));
    *added = kept;
    let gained: HashSet<(String, String)> = moved.iter().map(key).collect();
    removed.retain(|r| !gained.contains(&key(r)));
    moved
}

/// Whether the child's search profile row differs. With the names, date of
/// birth, postcodes and gender alike, the encoded profile is alike too and
/// need not be worked out: only the summary beside it is compared.
fn profile_changed(old: &Child, new: &Child, matched_alike: bool) -> bool {
    if matched_alike && old.gender.value == new.gender.value {
        summary_row(old, String::new()) != summary_row(new, String::new())
    } else {
        profile_row(old) != profile_row(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(record: &str, child: u128) -> SourceRecordRow {
        SourceRecordRow {
            source: "school-census".into(),
            record_id: record.into(),
            child_id: Uuid::from_u128(child),
        }
    }

    #[test]
    fn a_record_one_child_loses_and_another_gains_is_moved() {
        let mut removed = vec![row("S-1", 2), row("S-2", 2)];
        let mut added = vec![row("S-1", 1), row("S-3", 1)];

        let moved = moved(&mut removed, &mut added);

        assert_eq!(moved.len(), 1);
        assert_eq!(
            (moved[0].record_id.as_str(), moved[0].child_id),
            ("S-1", Uuid::from_u128(1))
        );
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].record_id, "S-2");
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].record_id, "S-3");
    }
}
