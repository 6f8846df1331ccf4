//! Candidates by blocking keys, for a search and for an import's batch:
//! the children holding the keys are read inline (see `reader`) and ranked
//! here by keys shared; only the ranked children's profiles are read.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use super::Sqlite;
use super::batch::ids_json;
use crate::{Candidate, LinkCandidate, Result};

/// The best `limit` children sharing at least `min_shared` of a search's
/// `keys`, with their profiles.
pub(super) fn of_keys(
    sqlite: &Sqlite,
    keys: &[i64],
    min_shared: u32,
    limit: usize,
) -> Result<Vec<Candidate>> {
    // Read before the index, so a key merged into it meanwhile is in
    // one or the other.
    let held = sqlite.held.children_of(keys.iter().map(|&key| ((), key)));
    // The keys go in as one JSON array, so the statement's text never
    // changes and stays prepared in the connection's cache. Ranked
    // here, as an import's are: in SQL, grouping and ordering the
    // holders in a temporary b-tree cost more than finding them.
    let mut pairs = sqlite.readers.key_holders(&serde_json::to_string(keys)?)?;
    pairs.extend(held.into_iter().map(|((), key, child)| (child, key)));
    let ranked = ranked_by_keys_shared(pairs, min_shared, limit);
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let mut profiles = sqlite
        .readers
        .profiles(&ids_json(ranked.iter().copied())?)?;
    Ok(ranked.iter().filter_map(|id| profiles.remove(id)).collect())
}

/// Each key set's candidates, the sets shared out among the machine's
/// cores, each share on a reader of its own: at a million children reading
/// a batch's candidates was half the deciding thread's time, while the
/// writing thread left the other core half idle.
pub(super) fn for_each(
    sqlite: &Sqlite,
    key_sets: &[Vec<i64>],
    limit: usize,
) -> Result<Vec<Vec<Arc<LinkCandidate>>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS));
    let share = key_sets.len().div_ceil(threads).max(MIN_SHARE);
    let mut shares = key_sets.chunks(share);
    let Some(first) = shares.next() else {
        return Ok(Vec::new());
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = shares
            .map(|part| scope.spawn(move || for_each_alone(sqlite, part, limit)))
            .collect();
        let mut found = for_each_alone(sqlite, first, limit)?;
        for other in others {
            match other.join() {
                Ok(part) => found.extend(part?),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(found)
    })
}

/// At most this many threads read a batch's candidates.
const MAX_THREADS: usize = 4;
/// Fewer key sets than this are read on one thread: a thread costs more
/// than it saves.
const MIN_SHARE: usize = 256;

fn for_each_alone(
    sqlite: &Sqlite,
    key_sets: &[Vec<i64>],
    limit: usize,
) -> Result<Vec<Vec<Arc<LinkCandidate>>>> {
    let pairs: Vec<(usize, i64)> = key_sets
        .iter()
        .enumerate()
        .flat_map(|(i, keys)| keys.iter().map(move |k| (i, *k)))
        .collect();
    if pairs.is_empty() {
        return Ok(vec![Vec::new(); key_sets.len()]);
    }
    // Read before the index, so a key merged into it meanwhile is in one
    // or the other.
    let held = sqlite.held.children_of(pairs.iter().copied());
    let mut keys: Vec<i64> = pairs.iter().map(|&(_, key)| key).collect();
    keys.sort_unstable();
    keys.dedup();
    // Read inline, as a search is (see `reader`), and ranked here: in SQL,
    // grouping, ranking and joining a batch's rows took twice as long as
    // finding them (a million children: 350 ms a batch).
    let mut holders: HashMap<i64, Vec<Uuid>> = HashMap::new();
    for (child, key) in sqlite.readers.key_holders(&serde_json::to_string(&keys)?)? {
        holders.entry(key).or_default().push(child);
    }
    let mut shared: Vec<Vec<(Uuid, i64)>> = vec![Vec::new(); key_sets.len()];
    for &(i, key) in &pairs {
        if let Some(children) = holders.get(&key) {
            shared[i].extend(children.iter().map(|&child| (child, key)));
        }
    }
    for (i, key, child) in held {
        shared[i].push((child, key));
    }
    let ranked: Vec<Vec<Uuid>> = shared
        .into_iter()
        .map(|pairs| ranked_by_keys_shared(pairs, 1, limit))
        .collect();
    let mut wanted: Vec<Uuid> = ranked.iter().flatten().copied().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let profiles: HashMap<Uuid, Arc<LinkCandidate>> = sqlite
        .readers
        .link_candidates(&ids_json(wanted)?)?
        .into_iter()
        .map(|candidate| (candidate.child.as_uuid(), Arc::new(candidate)))
        .collect();
    Ok(ranked
        .into_iter()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| profiles.get(id).map(Arc::clone))
                .collect()
        })
        .collect())
}

/// The best `limit` children of one key set's (child, key) pairs that
/// share at least `min_shared` keys, as `Store::candidates` ranks them: by
/// keys shared, then by id; each (key, child) counted once, though both
/// the index and the keys held back name it.
fn ranked_by_keys_shared(mut pairs: Vec<(Uuid, i64)>, min_shared: u32, limit: usize) -> Vec<Uuid> {
    pairs.sort_unstable();
    pairs.dedup();
    let mut shared: Vec<(u32, Uuid)> = Vec::new();
    for (child, _) in pairs {
        match shared.last_mut() {
            Some((n, last)) if *last == child => *n += 1,
            _ => shared.push((1, child)),
        }
    }
    shared.retain(|&(n, _)| n >= min_shared);
    let by_rank = |a: &(u32, Uuid), b: &(u32, Uuid)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if limit < shared.len() {
        // Only the best need ordering: at national scale a common
        // surname's keys hold thousands of children.
        shared.select_nth_unstable_by(limit, by_rank);
        shared.truncate(limit);
    }
    shared.sort_unstable_by(by_rank);
    shared.into_iter().map(|(_, child)| child).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_rank_by_keys_shared_then_by_id_each_key_counted_once() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        // c shares two keys, one of them named twice (held back and
        // merged into the index meanwhile); a and b one each.
        let pairs = vec![(b, 7), (c, 7), (a, 8), (c, 9), (c, 9)];

        assert_eq!(ranked_by_keys_shared(pairs.clone(), 1, 10), [c, a, b]);
        assert_eq!(ranked_by_keys_shared(pairs.clone(), 1, 2), [c, a]);
        assert_eq!(ranked_by_keys_shared(pairs, 2, 10), [c]);
        assert!(ranked_by_keys_shared(Vec::new(), 1, 2).is_empty());
    }
}
