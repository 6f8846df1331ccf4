//! Blocking keys: short codes a store indexes so that a search or a feed
//! record fetches a few hundred candidates, never the whole population. Each
//! kind of key tolerates a different kind of error; a true match needs to
//! share only one key with its query.

use crate::{fold, nicknames, phonetic_codes, surname_key};

/// What a key is made of, and so which errors it survives. Every kind
/// narrows a common surname far enough: even Smith born in one year, with
/// one forename sound, is a few dozen children in England.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// Surname sound, forename sound and birth year: survives misspellings
    /// and a wrong or swapped day or month; serves year-only queries.
    NamesYear,
    /// Surname sound, forename sound, day and month (either order): survives
    /// a wrong year.
    NamesDayMonth,
    /// Date of birth (day and month in either order) and forename sound:
    /// survives a changed or misspelt surname.
    DateForename,
    /// Date of birth (either order) and surname sound: survives a forename
    /// the table does not know as a nickname.
    DateSurname,
    /// Postcode district and surname sound: survives a wrong date.
    DistrictSurname,
}

impl KeyKind {
    fn tag(self) -> u8 {
        match self {
            Self::NamesYear => 1,
            Self::NamesDayMonth => 2,
            Self::DateForename => 3,
            Self::DateSurname => 4,
            Self::DistrictSurname => 5,
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
    /// A birth year alone, when the full date is not known.
    pub birth_year: Option<i32>,
    pub postcodes: Vec<&'a str>,
}

fn metaphone(part: &str) -> Option<String> {
    let code = phonetic_codes(part).metaphone;
    (!code.is_empty()).then_some(code)
}

/// The sounds of a surname: each part of a double-barrelled name on its
/// own, and the whole, so either half finds it.
fn surname_sounds(name: &str) -> Vec<String> {
    let whole = surname_key(name);
    let mut parts: Vec<String> = whole
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if parts.len() > 1 {
        parts.push(whole.replace(' ', ""));
    }
    parts.iter().filter_map(|p| metaphone(p)).collect()
}

/// The sounds of a forename and of the formal names it may stand for, so
/// Bill and William share a key; each part of a double forename counts.
fn forename_sounds(name: &str) -> Vec<String> {
    let folded = fold(name);
    let mut sounds = Vec::new();
    for part in folded.split(' ').filter(|p| !p.is_empty()) {
        sounds.extend(metaphone(part));
        for formal in nicknames().formal_forms(part) {
            sounds.extend(metaphone(formal));
        }
    }
    sounds
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

/// The keys for a child's record or a query. Day and month are put in
/// order, so a date whose day and month were swapped gives the same key.
///
/// ```
/// use contactpoint_linkage::{blocking_keys, KeySource};
/// let record = KeySource { forenames: vec!["William"], surnames: vec!["Okonkwo"],
///     date_of_birth: Some((2019, 4, 3)), postcodes: vec!["LS6 2AB"], ..Default::default() };
/// let query = KeySource { forenames: vec!["Bill"], surnames: vec!["Okonkow"],
///     date_of_birth: Some((2019, 3, 4)), ..Default::default() };
/// let shared = blocking_keys(&record).iter().any(|k| blocking_keys(&query).contains(k));
/// assert!(shared);
/// ```
pub fn blocking_keys(source: &KeySource<'_>) -> Vec<BlockingKey> {
    let surnames = sorted(
        source
            .surnames
            .iter()
            .flat_map(|s| surname_sounds(s))
            .collect(),
    );
    let forenames = sorted(
        source
            .forenames
            .iter()
            .flat_map(|s| forename_sounds(s))
            .collect(),
    );
    let year = source
        .date_of_birth
        .map(|(y, _, _)| y)
        .or(source.birth_year)
        .map(|y| y.to_string());
    let day_month = source.date_of_birth.map(|(_, m, d)| {
        let (low, high) = if m <= d { (m, d) } else { (d, m) };
        format!("{low:02}{high:02}")
    });
    let districts: Vec<&str> = source
        .postcodes
        .iter()
        .filter_map(|p| p.split(' ').next())
        .filter(|d| !d.is_empty())
        .collect();

    let mut keys = Vec::new();
    for surname in &surnames {
        for forename in &forenames {
            if let Some(year) = &year {
                keys.push(BlockingKey::new(
                    KeyKind::NamesYear,
                    &[surname, forename, year],
                ));
            }
            if let Some(day_month) = &day_month {
                keys.push(BlockingKey::new(
                    KeyKind::NamesDayMonth,
                    &[surname, forename, day_month],
                ));
            }
        }
        if let (Some(year), Some(day_month)) = (&year, &day_month) {
            keys.push(BlockingKey::new(
                KeyKind::DateSurname,
                &[year, day_month, surname],
            ));
        }
        for district in &districts {
            keys.push(BlockingKey::new(
                KeyKind::DistrictSurname,
                &[district, surname],
            ));
        }
    }
    if let (Some(year), Some(day_month)) = (&year, &day_month) {
        for forename in &forenames {
            keys.push(BlockingKey::new(
                KeyKind::DateForename,
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
            ..Default::default()
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
            ..Default::default()
        };
        assert!(!shares_a_key(&query));
    }

    #[test]
    fn a_nickname_and_a_birth_year_find_the_child() {
        let query = KeySource {
            forenames: vec!["Bill"],
            surnames: vec!["Jones"],
            birth_year: Some(2014),
            ..Default::default()
        };
        assert!(shares_a_key(&query));
    }

    #[test]
    fn a_wrong_year_is_survived_by_names_with_day_and_month() {
        let query = KeySource {
            forenames: vec!["William"],
            surnames: vec!["Jones"],
            date_of_birth: Some((2015, 11, 2)),
            ..Default::default()
        };
        assert!(shares_a_key(&query));
    }

    #[test]
    fn keys_are_stable_across_releases() {
        // A stored key must keep its value: changing the hash needs a migration.
        let key = BlockingKey::new(KeyKind::NamesYear, &["SM0", "JN", "2014"]);
        assert_eq!(key.hash, 1_239_408_738_807_844_730);
    }
}
