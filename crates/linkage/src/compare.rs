//! Field comparisons, each answering with a comparison level.

use strsim::{damerau_levenshtein, jaro_winkler};

use crate::{fold, phonetic_codes};

/// How two names compare, best level first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameLevel {
    Exact,
    /// One typo: an insertion, deletion, substitution or swap of neighbours.
    OneEdit,
    /// Jaro-Winkler similarity of at least 0.9.
    Close,
    SoundAlike,
    /// A nickname or short form (Bill and William): forenames only.
    Nickname,
    Different,
    /// Either side is missing: no evidence either way.
    Null,
}

/// Compares two names after folding.
///
/// ```
/// use contactpoint_linkage::{compare_names, NameLevel};
/// assert_eq!(compare_names("Zoë", "Zoe"), NameLevel::Exact);
/// assert_eq!(compare_names("Jonathon", "Jonathan"), NameLevel::OneEdit);
/// assert_eq!(compare_names("Smith", ""), NameLevel::Null);
/// ```
pub fn compare_names(a: &str, b: &str) -> NameLevel {
    let (a, b) = (fold(a), fold(b));
    if a.is_empty() || b.is_empty() {
        return NameLevel::Null;
    }
    if a == b {
        return NameLevel::Exact;
    }
    if damerau_levenshtein(&a, &b) == 1 {
        return NameLevel::OneEdit;
    }
    if jaro_winkler(&a, &b) >= 0.9 {
        return NameLevel::Close;
    }
    if phonetic_codes(&a).sound_alike(&phonetic_codes(&b)) {
        return NameLevel::SoundAlike;
    }
    NameLevel::Different
}

/// Compares two forenames: as [`compare_names`], and a nickname or short
/// form of the other where spelling alone finds nothing.
///
/// ```
/// use contactpoint_linkage::{compare_forenames, NameLevel};
/// assert_eq!(compare_forenames("Bill", "William"), NameLevel::Nickname);
/// assert_eq!(compare_forenames("Wiliam", "William"), NameLevel::OneEdit);
/// ```
pub fn compare_forenames(a: &str, b: &str) -> NameLevel {
    match compare_names(a, b) {
        NameLevel::Different | NameLevel::SoundAlike if crate::nicknames().related(a, b) => {
            NameLevel::Nickname
        }
        level => level,
    }
}

/// How two dates of birth compare, best level first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateLevel {
    Exact,
    /// Day and month swapped: 03/04 read as 04/03.
    DayMonthSwapped,
    /// One digit wrong in the eight digits of YYYYMMDD.
    OneDigit,
    SameYear,
    Different,
    Null,
}

/// Compares two dates given as `(year, month, day)`; `None` is missing.
///
/// ```
/// use contactpoint_linkage::{compare_dates, DateLevel};
/// assert_eq!(compare_dates(Some((2015, 3, 4)), Some((2015, 4, 3))), DateLevel::DayMonthSwapped);
/// assert_eq!(compare_dates(Some((2015, 3, 4)), Some((2016, 3, 4))), DateLevel::OneDigit);
/// ```
pub fn compare_dates(a: Option<(i32, u8, u8)>, b: Option<(i32, u8, u8)>) -> DateLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return DateLevel::Null;
    };
    if a == b {
        return DateLevel::Exact;
    }
    if a.0 == b.0 && a.1 == b.2 && a.2 == b.1 {
        return DateLevel::DayMonthSwapped;
    }
    let digits = |(y, m, d): (i32, u8, u8)| format!("{y:04}{m:02}{d:02}");
    let differing = digits(a)
        .bytes()
        .zip(digits(b).bytes())
        .filter(|(x, y)| x != y)
        .count();
    if differing == 1 {
        return DateLevel::OneDigit;
    }
    if a.0 == b.0 {
        return DateLevel::SameYear;
    }
    DateLevel::Different
}

/// How two postcodes compare, best level first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PostcodeLevel {
    Unit,
    /// Same sector (`SW1A 2`): a few streets.
    Sector,
    /// Same district (`SW1A`).
    District,
    /// One character different: a typo in the unit.
    OneCharacter,
    Different,
    Null,
}

/// Compares two postcodes written in normal form (`SW1A 2AA`).
///
/// ```
/// use contactpoint_linkage::{compare_postcodes, PostcodeLevel};
/// assert_eq!(compare_postcodes("LS6 2AB", "LS6 2AD"), PostcodeLevel::Sector);
/// assert_eq!(compare_postcodes("LS6 2AB", "LS8 2AB"), PostcodeLevel::OneCharacter);
/// ```
pub fn compare_postcodes(a: &str, b: &str) -> PostcodeLevel {
    if a.is_empty() || b.is_empty() {
        return PostcodeLevel::Null;
    }
    if a == b {
        return PostcodeLevel::Unit;
    }
    let sector = |p: &str| p.get(..p.len().saturating_sub(2)).map(str::to_owned);
    let district = |p: &str| p.split(' ').next().map(str::to_owned);
    if sector(a) == sector(b) {
        return PostcodeLevel::Sector;
    }
    if district(a) == district(b) {
        return PostcodeLevel::District;
    }
    if a.len() == b.len() && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() == 1 {
        return PostcodeLevel::OneCharacter;
    }
    PostcodeLevel::Different
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transposition_is_one_edit() {
        assert_eq!(compare_names("Jnoes", "Jones"), NameLevel::OneEdit);
    }

    #[test]
    fn names_that_only_sound_alike_are_weaker_than_close_spellings() {
        assert_eq!(compare_names("Catherine", "Kathryn"), NameLevel::SoundAlike);
        assert!(NameLevel::Close < NameLevel::SoundAlike);
        assert_eq!(compare_names("Smith", "Okonkwo"), NameLevel::Different);
    }

    #[test]
    fn a_swap_on_a_date_whose_day_and_month_agree_is_exact() {
        assert_eq!(
            compare_dates(Some((2015, 5, 5)), Some((2015, 5, 5))),
            DateLevel::Exact
        );
    }

    #[test]
    fn dates_in_the_same_year_but_far_apart_share_only_the_year() {
        assert_eq!(
            compare_dates(Some((2015, 1, 9)), Some((2015, 11, 30))),
            DateLevel::SameYear
        );
        assert_eq!(compare_dates(Some((2015, 1, 9)), None), DateLevel::Null);
    }

    #[test]
    fn postcodes_in_the_same_district_but_another_sector() {
        assert_eq!(
            compare_postcodes("M1 1AE", "M1 7ED"),
            PostcodeLevel::District
        );
        assert_eq!(
            compare_postcodes("M1 1AE", "B33 8TH"),
            PostcodeLevel::Different
        );
    }
}
