//! Field comparisons, each answering with a comparison level.

use strsim::{damerau_levenshtein, jaro_winkler};

use crate::phonetic::{PhoneticCodes, codes_of_folded};
use crate::{fold, surname_key};

/// How two names compare, best level first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameLevel {
    Exact,
    /// One word of a multi-word name equals the other name or one of its
    /// words: `Smith` for `Smith-Jones`. Only profile scoring finds it.
    Part,
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

/// A name made ready for comparing many times: folded once, with its
/// phonetic codes. Stored search profiles keep names in this form, so a
/// search pays for folding and codes once per query, not per candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameForm {
    folded: String,
    codes: PhoneticCodes,
}

impl NameForm {
    /// A given name, folded.
    pub fn forename(name: &str) -> Self {
        Self::from_folded(fold(name))
    }

    /// A surname under its [`surname_key`]: `MacDonald` and `McDonald`
    /// become one form.
    pub fn surname(name: &str) -> Self {
        Self::from_folded(surname_key(name))
    }

    pub(crate) fn from_folded(folded: String) -> Self {
        let codes = codes_of_folded(&folded);
        Self { folded, codes }
    }

    pub(crate) fn from_parts(folded: String, codes: PhoneticCodes) -> Self {
        Self { folded, codes }
    }

    pub fn folded(&self) -> &str {
        &self.folded
    }

    pub fn codes(&self) -> &PhoneticCodes {
        &self.codes
    }

    /// Each word of a multi-word name on its own (`smith jones` gives
    /// `smith` and `jones`); nothing for a one-word name.
    pub fn parts(&self) -> Vec<NameForm> {
        let words: Vec<&str> = self.folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.len() < 2 {
            return Vec::new();
        }
        words
            .into_iter()
            .map(|w| Self::from_folded(w.to_owned()))
            .collect()
    }
}

/// Compares two prepared names.
///
/// ```
/// use contactpoint_linkage::{compare_name_forms, NameForm, NameLevel};
/// let (a, b) = (NameForm::surname("MacDonald"), NameForm::surname("McDonald"));
/// assert_eq!(compare_name_forms(&a, &b), NameLevel::Exact);
/// ```
pub fn compare_name_forms(a: &NameForm, b: &NameForm) -> NameLevel {
    let (x, y) = (a.folded.as_str(), b.folded.as_str());
    if x.is_empty() || y.is_empty() {
        return NameLevel::Null;
    }
    if x == y {
        return NameLevel::Exact;
    }
    // Lengths that differ by more than one cannot be one edit apart.
    if x.len().abs_diff(y.len()) <= 1 && damerau_levenshtein(x, y) == 1 {
        return NameLevel::OneEdit;
    }
    if jaro_winkler(x, y) >= 0.9 {
        return NameLevel::Close;
    }
    if a.codes.sound_alike(&b.codes) {
        return NameLevel::SoundAlike;
    }
    NameLevel::Different
}

/// Compares two prepared given names: as [`compare_name_forms`], and a
/// nickname or short form of the other where spelling alone finds nothing.
pub fn compare_forename_forms(a: &NameForm, b: &NameForm) -> NameLevel {
    match compare_name_forms(a, b) {
        NameLevel::Different | NameLevel::SoundAlike
            if crate::nicknames::nicknames().related_folded(&a.folded, &b.folded) =>
        {
            NameLevel::Nickname
        }
        level => level,
    }
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
    compare_name_forms(&NameForm::forename(a), &NameForm::forename(b))
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
    compare_forename_forms(&NameForm::forename(a), &NameForm::forename(b))
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
    /// Same postcode area (`LS`, `SW`): a move within the town is usually
    /// a move within its area, while namesakes elsewhere mostly are not.
    Area,
    Different,
    Null,
}

/// Compares two postcodes written in normal form (`SW1A 2AA`).
///
/// ```
/// use contactpoint_linkage::{compare_postcodes, PostcodeLevel};
/// assert_eq!(compare_postcodes("LS6 2AB", "LS6 2AD"), PostcodeLevel::Sector);
/// assert_eq!(compare_postcodes("LS6 2AB", "LS8 2AB"), PostcodeLevel::OneCharacter);
/// assert_eq!(compare_postcodes("LS6 2AB", "LS17 9XY"), PostcodeLevel::Area);
/// assert_eq!(compare_postcodes("LS6 2AB", "L17 9XY"), PostcodeLevel::Different);
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
    let area = |p: &str| {
        p.split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .map(str::to_owned)
    };
    if area(a) == area(b) {
        return PostcodeLevel::Area;
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

    #[test]
    fn a_one_letter_area_is_not_the_start_of_a_two_letter_one() {
        assert_eq!(compare_postcodes("M1 1AE", "M60 7RA"), PostcodeLevel::Area);
        assert_eq!(
            compare_postcodes("M1 1AE", "ME1 7RA"),
            PostcodeLevel::Different
        );
    }
}
