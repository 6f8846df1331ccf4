//! Profiles: what a person is matched on, prepared once. A child's profile
//! holds every name and postcode the child has had, so each history is
//! searchable on its own; a query is a profile with only what the
//! practitioner knows. Stores keep a child's profile as a short line of
//! text ([`Profile::encode`]) next to its blocking keys.

use std::fmt::Write as _;

use crate::phonetic::PhoneticCodes;
use crate::{NameForm, compare::NameLevel, compare_forename_forms, compare_name_forms};

/// One kind of name (given names or surnames) a person has had: whole
/// names, current first, and the words of multi-word names, so that
/// `Smith` finds `Smith-Jones` (at the weaker `part` level).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    whole: Vec<NameForm>,
    parts: Vec<NameForm>,
}

impl Names {
    /// Given names, folded.
    pub fn forenames<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self::build(names.into_iter().map(NameForm::forename))
    }

    /// Surnames, under their surname keys.
    pub fn surnames<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self::build(names.into_iter().map(NameForm::surname))
    }

    fn build(forms: impl Iterator<Item = NameForm>) -> Self {
        let mut names = Self::default();
        for form in forms {
            if form.folded().is_empty() || names.whole.contains(&form) {
                continue;
            }
            for part in form.parts() {
                if !names.parts.contains(&part) {
                    names.parts.push(part);
                }
            }
            names.whole.push(form);
        }
        names
    }

    pub fn is_empty(&self) -> bool {
        self.whole.is_empty()
    }

    /// The current name: the first one given.
    pub fn first(&self) -> Option<&NameForm> {
        self.whole.first()
    }

    /// The best level between any name here and any there, and when it is
    /// exact, the name it was on (for the term-frequency adjustment).
    pub(crate) fn compare(&self, other: &Names, forenames: bool) -> (NameLevel, Option<&str>) {
        let compare = if forenames {
            compare_forename_forms
        } else {
            compare_name_forms
        };
        let mut best = (NameLevel::Null, None);
        for a in &self.whole {
            for b in &other.whole {
                let level = compare(a, b);
                if level < best.0 {
                    best = (level, (level == NameLevel::Exact).then_some(a.folded()));
                    if level == NameLevel::Exact {
                        return best;
                    }
                }
            }
        }
        if best.0 > NameLevel::Part && self.shares_a_word_with(other) {
            best = (NameLevel::Part, None);
        }
        best
    }

    fn shares_a_word_with(&self, other: &Names) -> bool {
        let mine = self.whole.iter().chain(&self.parts);
        mine.into_iter().any(|a| {
            other
                .whole
                .iter()
                .chain(&other.parts)
                .any(|b| a.folded() == b.folded())
        })
    }
}

/// A date of birth, or only the year when that is all a query knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDate {
    /// `(year, month, day)`.
    Full(i32, u8, u8),
    Year(i32),
}

/// What a person is matched on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub forenames: Names,
    pub surnames: Names,
    pub date_of_birth: Option<BirthDate>,
    /// Normal form (`LS6 2AB`), current first.
    pub postcodes: Vec<String>,
    /// `female`, `male` or `other`; `None` when unknown.
    pub gender: Option<&'static str>,
}

/// A stored profile that cannot be read back.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a stored search profile is malformed: {0}")]
pub struct ProfileError(&'static str);

/// The format's version, first in every encoded profile, so that a later
/// release can tell old profiles from new ones.
const FORMAT: &str = "1";

/// Genders a profile knows; anything else counts as unknown.
pub fn known_gender(gender: &str) -> Option<&'static str> {
    ["female", "male", "other"]
        .into_iter()
        .find(|g| *g == gender)
}

impl Profile {
    /// A short line of text: fields split by `|`, names by `;`, a name's
    /// folded form and phonetic codes by `,`. Folded names hold only `a-z`
    /// and spaces and postcodes only `A-Z`, digits and a space, so the
    /// separators can never clash with the values.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(160);
        out.push_str(FORMAT);
        for names in [
            &self.forenames.whole,
            &self.forenames.parts,
            &self.surnames.whole,
            &self.surnames.parts,
        ] {
            out.push('|');
            for (i, form) in names.iter().enumerate() {
                if i > 0 {
                    out.push(';');
                }
                let codes = form.codes();
                let _ = write!(
                    out,
                    "{},{},{},{}",
                    form.folded(),
                    codes.metaphone,
                    codes.metaphone_alternate,
                    codes.nysiis
                );
            }
        }
        out.push('|');
        match self.date_of_birth {
            Some(BirthDate::Full(y, m, d)) => {
                let _ = write!(out, "{y:04}{m:02}{d:02}");
            }
            Some(BirthDate::Year(y)) => {
                let _ = write!(out, "{y:04}");
            }
            None => {}
        }
        out.push('|');
        out.push_str(self.gender.unwrap_or_default());
        out.push('|');
        out.push_str(&self.postcodes.join(";"));
        out
    }

    /// Reads back what [`Profile::encode`] wrote.
    ///
    /// ```
    /// use contactpoint_linkage::{BirthDate, Names, Profile};
    /// let profile = Profile {
    ///     forenames: Names::forenames(["Mary-Jane"]),
    ///     surnames: Names::surnames(["O'Neill", "Smith"]),
    ///     date_of_birth: Some(BirthDate::Full(2015, 3, 4)),
    ///     postcodes: vec!["LS6 2AB".into()],
    ///     gender: Some("female"),
    /// };
    /// assert_eq!(Profile::decode(&profile.encode()), Ok(profile));
    /// ```
    pub fn decode(text: &str) -> Result<Self, ProfileError> {
        let fields: Vec<&str> = text.split('|').collect();
        let [
            format,
            forenames,
            forename_parts,
            surnames,
            surname_parts,
            date,
            gender,
            postcodes,
        ] = fields[..]
        else {
            return Err(ProfileError("wrong number of fields"));
        };
        if format != FORMAT {
            return Err(ProfileError("unknown format version"));
        }
        Ok(Self {
            forenames: Names {
                whole: decode_forms(forenames)?,
                parts: decode_forms(forename_parts)?,
            },
            surnames: Names {
                whole: decode_forms(surnames)?,
                parts: decode_forms(surname_parts)?,
            },
            date_of_birth: decode_date(date)?,
            gender: if gender.is_empty() {
                None
            } else {
                Some(known_gender(gender).ok_or(ProfileError("unknown gender"))?)
            },
            postcodes: postcodes
                .split(';')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

fn decode_forms(text: &str) -> Result<Vec<NameForm>, ProfileError> {
    text.split(';')
        .filter(|f| !f.is_empty())
        .map(|form| {
            let mut parts = form.split(',');
            let (Some(folded), Some(metaphone), Some(alternate), Some(nysiis), None) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Err(ProfileError("a name is not four parts"));
            };
            Ok(NameForm::from_parts(
                folded.to_owned(),
                PhoneticCodes {
                    metaphone: metaphone.to_owned(),
                    metaphone_alternate: alternate.to_owned(),
                    nysiis: nysiis.to_owned(),
                },
            ))
        })
        .collect()
}

fn decode_date(text: &str) -> Result<Option<BirthDate>, ProfileError> {
    let number = |s: Option<&str>| s.and_then(|s| s.parse::<i32>().ok());
    match text.len() {
        0 => Ok(None),
        4 => number(Some(text))
            .map(|y| Some(BirthDate::Year(y)))
            .ok_or(ProfileError("bad birth year")),
        8 => {
            let (y, m, d) = (
                number(text.get(..4)),
                number(text.get(4..6)),
                number(text.get(6..)),
            );
            match (
                y,
                m.and_then(|m| u8::try_from(m).ok()),
                d.and_then(|d| u8::try_from(d).ok()),
            ) {
                (Some(y), Some(m), Some(d)) => Ok(Some(BirthDate::Full(y, m, d))),
                _ => Err(ProfileError("bad date of birth")),
            }
        }
        _ => Err(ProfileError("bad date of birth")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_of_a_double_barrelled_surname_is_a_part_match() {
        let stored = Names::surnames(["Smith-Jones"]);
        let query = Names::surnames(["Jones"]);

        let (level, _) = query.compare(&stored, false);

        assert_eq!(level, NameLevel::Part);
    }

    #[test]
    fn a_previous_surname_matches_exactly() {
        let stored = Names::surnames(["Okafor", "Brown"]);
        let query = Names::surnames(["Brown"]);

        assert_eq!(
            query.compare(&stored, false),
            (NameLevel::Exact, Some("brown"))
        );
    }

    #[test]
    fn a_profile_without_optional_fields_round_trips() {
        let profile = Profile {
            surnames: Names::surnames(["Ng"]),
            date_of_birth: Some(BirthDate::Year(2012)),
            ..Profile::default()
        };

        assert_eq!(Profile::decode(&profile.encode()), Ok(profile));
    }

    #[test]
    fn a_damaged_profile_is_refused() {
        assert!(Profile::decode("1|a,b,c|").is_err());
        assert!(Profile::decode("9||||||||").is_err());
        assert!(Profile::decode("1|||||20150230x|female|").is_err());
    }
}
