//! Blocking keys: short codes a store indexes so that a search or a feed
//! record fetches a few hundred candidates, never the whole population. Each
//! kind of key tolerates a different kind of error; a true match needs to
//! share only one key with its query.

use crate::{fold, phonetic_codes, surname_key};

/// What a key is made of, and so which errors it survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// Surname sound and birth year: survives a misspelt surname or
    /// forename and a wrong day or month.
    SurnameSoundYear,
    /// Date of birth (day and month in either order) and forename sound:
    /// survives a changed or misspelt surname.
    DateForenameSound,
    /// Date of birth (either order) and surname sound: survives a nickname.
    DateSurnameSound,
    /// Postcode district and surname sound: survives a wrong date.
    DistrictSurnameSound,
}

impl KeyKind {
    fn tag(self) -> u8 {
        match self {
            Self::SurnameSoundYear => 1,
            Self::DateForenameSound => 2,
            Self::DateSurnameSound => 3,
            Self::DistrictSurnameSound => 4,
        }
    }
}

/// A blocking key: its kind and a stable 63-bit hash of its parts, the same
/// on every machine and in every release, so stored keys stay valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockingKey {
    pub kind: KeyKind,
    pub hash: i64,
}

impl BlockingKey {
    fn new(kind: KeyKind, parts: &[&str]) -> Self {
        // FNV-1a: simple, stable, and good enough to spread short strings.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in
            std::iter::once(kind.tag()).chain(parts.iter().flat_map(|p| p.bytes().chain([0])))
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Self {
            kind,
            hash: (hash >> 1) as i64,
        }
    }
}

/// What the keys are made from: every name and postcode a child has had
/// (current and previous), or what a query gives.
#[derive(Debug, Clone, Default)]
pub struct KeySource<'a> {
    pub forenames: Vec<&'a str>,
    pub surnames: Vec<&'a str>,
    pub date_of_birth: Option<(i32, u8, u8)>,
    pub postcodes: Vec<&'a str>,
}

/// The sounds of a name: each part of a double-barrelled name on its own,
/// and the whole, so either half finds it.
fn sounds(name: &str, is_surname: bool) -> Vec<String> {
    let whole = if is_surname {
        surname_key(name)
    } else {
        fold(name)
    };
    let mut parts: Vec<String> = whole
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if parts.len() > 1 {
        parts.push(whole.replace(' ', ""));
    }
    let mut codes: Vec<String> = parts
        .iter()
        .filter_map(|p| {
            let code = phonetic_codes(p).metaphone;
            (!code.is_empty()).then_some(code)
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The keys for a child's record or a query. Day and month are put in
/// order, so a date whose day and month were swapped gives the same key.
///
/// ```
/// use contactpoint_linkage::{blocking_keys, KeySource};
/// let record = KeySource { forenames: vec!["Amelia"], surnames: vec!["Okonkwo"],
///     date_of_birth: Some((2019, 4, 3)), postcodes: vec!["LS6 2AB"] };
/// let query = KeySource { forenames: vec!["Amelia"], surnames: vec!["Okonkow"],
///     date_of_birth: Some((2019, 3, 4)), postcodes: vec![] };
/// let shared = blocking_keys(&record).iter().any(|k| blocking_keys(&query).contains(k));
/// assert!(shared);
/// ```
pub fn blocking_keys(source: &KeySource<'_>) -> Vec<BlockingKey> {
    let surname_sounds: Vec<String> = source
        .surnames
        .iter()
        .flat_map(|s| sounds(s, true))
        .collect();
    let forename_sounds: Vec<String> = source
        .forenames
        .iter()
        .flat_map(|s| sounds(s, false))
        .collect();
    let date = source.date_of_birth.map(|(y, m, d)| {
        let (low, high) = if m <= d { (m, d) } else { (d, m) };
        (y.to_string(), format!("{low:02}{high:02}"))
    });
    let mut keys = Vec::new();
    for surname in &surname_sounds {
        if let Some((year, day_month)) = &date {
            keys.push(BlockingKey::new(
                KeyKind::SurnameSoundYear,
                &[surname, year],
            ));
            keys.push(BlockingKey::new(
                KeyKind::DateSurnameSound,
                &[year, day_month, surname],
            ));
        }
        for postcode in &source.postcodes {
            let district = postcode.split(' ').next().unwrap_or_default();
            if !district.is_empty() {
                keys.push(BlockingKey::new(
                    KeyKind::DistrictSurnameSound,
                    &[district, surname],
                ));
            }
        }
    }
    if let Some((year, day_month)) = &date {
        for forename in &forename_sounds {
            keys.push(BlockingKey::new(
                KeyKind::DateForenameSound,
                &[year, day_month, forename],
            ));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> KeySource<'static> {
        KeySource {
            forenames: vec!["William"],
            surnames: vec!["Smith-Jones", "Jones"],
            date_of_birth: Some((2014, 11, 2)),
            postcodes: vec!["M1 1AE", "B33 8TH"],
        }
    }

    fn shares_a_key(query: &KeySource<'_>) -> bool {
        let stored = blocking_keys(&record());
        blocking_keys(query).iter().any(|k| stored.contains(k))
    }

    #[test]
    fn half_of_a_double_barrelled_surname_finds_the_child() {
        let query = KeySource {
            surnames: vec!["Smith"],
            date_of_birth: Some((2014, 11, 2)),
            ..Default::default()
        };
        assert!(shares_a_key(&query));
    }

    #[test]
    fn a_changed_surname_is_found_by_forename_and_date() {
        let query = KeySource {
            forenames: vec!["William"],
            surnames: vec!["Brown"],
            date_of_birth: Some((2014, 11, 2)),
            ..Default::default()
        };
        assert!(shares_a_key(&query));
    }

    #[test]
    fn an_old_postcode_with_the_surname_finds_the_child_despite_a_wrong_date() {
        let query = KeySource {
            surnames: vec!["Jones"],
            date_of_birth: Some((2013, 1, 1)),
            postcodes: vec!["B33 9ZZ"],
            ..Default::default()
        };
        assert!(shares_a_key(&query));
    }

    #[test]
    fn another_child_shares_no_key() {
        let query = KeySource {
            forenames: vec!["Grace"],
            surnames: vec!["Okafor"],
            date_of_birth: Some((2010, 5, 17)),
            postcodes: vec!["LS6 2AB"],
        };
        assert!(!shares_a_key(&query));
    }

    #[test]
    fn keys_are_stable_across_releases() {
        // A stored key must keep its value: changing the hash needs a migration.
        let key = BlockingKey::new(KeyKind::SurnameSoundYear, &["SM0", "2014"]);
        assert_eq!(key.hash, 84_979_704_645_292_546);
    }
}
