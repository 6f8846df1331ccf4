//! Searches as practitioners type them, made from a child's true record
//! with one kind of mistake or gap each: the accuracy harness's queries.

use contactpoint_domain::Child;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};

use super::noise::{fold_ascii, swap_day_month, typo};
use super::reference::Reference;

/// One kind of imperfect query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueryKind {
    /// Everything right: forename, surname, date of birth, gender.
    Exact,
    ForenameTypo,
    SurnameTypo,
    /// The name the family uses (Alfie for Alfred).
    Nickname,
    /// One half of a double-barrelled surname.
    HalfSurname,
    /// The surname the child had before.
    PreviousSurname,
    /// Forename typed as surname and the other way round.
    SwappedNames,
    /// Accents left out (Zoe for Zoë).
    AccentsDropped,
    DayMonthSwapped,
    /// One digit of the date mistyped.
    DateDigitSlip,
    /// Forename, surname and only the year of birth.
    BirthYearOnly,
    /// Forename, surname, birth year and a previous address's postcode.
    OldPostcode,
    /// Forename, surname, birth year and the postcode one character off.
    PostcodeTypo,
    /// Surname and date of birth only.
    ForenameLeftOut,
}

impl QueryKind {
    pub const ALL: [QueryKind; 14] = [
        Self::Exact,
        Self::ForenameTypo,
        Self::SurnameTypo,
        Self::Nickname,
        Self::HalfSurname,
        Self::PreviousSurname,
        Self::SwappedNames,
        Self::AccentsDropped,
        Self::DayMonthSwapped,
        Self::DateDigitSlip,
        Self::BirthYearOnly,
        Self::OldPostcode,
        Self::PostcodeTypo,
        Self::ForenameLeftOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::ForenameTypo => "forename_typo",
            Self::SurnameTypo => "surname_typo",
            Self::Nickname => "nickname",
            Self::HalfSurname => "half_surname",
            Self::PreviousSurname => "previous_surname",
            Self::SwappedNames => "swapped_names",
            Self::AccentsDropped => "accents_dropped",
            Self::DayMonthSwapped => "day_month_swapped",
            Self::DateDigitSlip => "date_digit_slip",
            Self::BirthYearOnly => "birth_year_only",
            Self::OldPostcode => "old_postcode",
            Self::PostcodeTypo => "postcode_typo",
            Self::ForenameLeftOut => "forename_left_out",
        }
    }
}

/// A query as text, as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoisyQuery {
    pub kind: QueryKind,
    pub surname: String,
    pub forename: Option<String>,
    /// `YYYY-MM-DD` or `YYYY`.
    pub date_of_birth: Option<String>,
    pub postcode: Option<String>,
    pub gender: Option<String>,
}

fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// One of the eight digits of `YYYYMMDD` changed, keeping a real date that
/// is not after `latest`.
fn slip_one_digit(date: Date, latest: Date, rng: &mut ChaCha8Rng) -> Option<Date> {
    let digits: Vec<u8> = iso(date).bytes().filter(u8::is_ascii_digit).collect();
    for _ in 0..20 {
        let mut slipped = digits.clone();
        let position = rng.random_range(0..slipped.len());
        let digit = b'0' + rng.random_range(0..10u8);
        if slipped[position] == digit {
            continue;
        }
        slipped[position] = digit;
        let number = |range: std::ops::Range<usize>| {
            std::str::from_utf8(&slipped[range])
                .ok()
                .and_then(|s| s.parse::<i32>().ok())
        };
        let (Some(year), Some(month), Some(day)) = (number(0..4), number(4..6), number(6..8))
        else {
            continue;
        };
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| Month::try_from(m).ok());
        let day = u8::try_from(day).ok();
        if let (Some(month), Some(day)) = (month, day)
            && let Ok(candidate) = Date::from_calendar_date(year, month, day)
            && candidate <= latest
            && latest.year() - candidate.year() <= 25
        {
            return Some(candidate);
        }
    }
    None
}

/// A postcode with one character of its outward or inward code changed to
/// another that keeps the postcode's shape.
fn postcode_typo(postcode: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let chars: Vec<char> = postcode.chars().collect();
    for _ in 0..20 {
        let i = rng.random_range(0..chars.len());
        let c = chars[i];
        let replacement = if c.is_ascii_digit() {
            char::from(b'0' + rng.random_range(0..10u8))
        } else if c.is_ascii_uppercase() {
            char::from(b"ABDEFGHJLNPQRSTUWXYZ"[rng.random_range(0..20usize)])
        } else {
            continue;
        };
        if replacement == c {
            continue;
        }
        let mut changed = chars.clone();
        changed[i] = replacement;
        let changed: String = changed.into_iter().collect();
        if contactpoint_domain::Postcode::parse(&changed).is_ok() {
            return Some(changed);
        }
    }
    None
}

/// The query of `kind` for this child, if the child's record allows it
/// (a half surname needs a double-barrelled one, and so on).
pub fn make_query(
    kind: QueryKind,
    child: &Child,
    reference: &Reference,
    today: Date,
    rng: &mut ChaCha8Rng,
) -> Option<NoisyQuery> {
    let forename = child.name.value.given.to_string();
    let surname = child.name.value.family.to_string();
    let born = child.date_of_birth.value;
    let year = born.year().to_string();
    let mut query = NoisyQuery {
        kind,
        surname: surname.clone(),
        forename: Some(forename.clone()),
        date_of_birth: Some(iso(born)),
        postcode: None,
        gender: Some(child.gender.value.as_str().to_owned()).filter(|g| g != "unknown"),
    };
    match kind {
        QueryKind::Exact => {}
        QueryKind::ForenameTypo => {
            query.forename = Some(typo(&forename, rng)).filter(|t| *t != forename);
            query.forename.as_ref()?;
        }
        QueryKind::SurnameTypo => {
            query.surname = typo(&surname, rng);
            if query.surname == surname {
                return None;
            }
        }
        QueryKind::Nickname => {
            let nicknames = reference.nicknames(&forename);
            if nicknames.is_empty() {
                return None;
            }
            query.forename = Some(nicknames[rng.random_range(0..nicknames.len())].to_string());
        }
        QueryKind::HalfSurname => {
            let parts: Vec<&str> = surname.split(['-', ' ']).filter(|p| p.len() > 1).collect();
            if parts.len() < 2 {
                return None;
            }
            query.surname = parts[rng.random_range(0..parts.len())].to_owned();
        }
        QueryKind::PreviousSurname => {
            let previous = child
                .previous_names
                .iter()
                .map(|n| n.value.family.to_string())
                .find(|f| *f != surname)?;
            query.surname = previous;
        }
        QueryKind::SwappedNames => {
            query.surname = forename.clone();
            query.forename = Some(surname.clone());
        }
        QueryKind::AccentsDropped => {
            let plain_forename = fold_ascii(&forename).into_owned();
            let plain_surname = fold_ascii(&surname).into_owned();
            if plain_forename == forename && plain_surname == surname {
                return None;
            }
            query.forename = Some(plain_forename);
            query.surname = plain_surname;
        }
        QueryKind::DayMonthSwapped => {
            let swapped = swap_day_month(born).filter(|d| *d <= today)?;
            query.date_of_birth = Some(iso(swapped));
        }
        QueryKind::DateDigitSlip => {
            query.date_of_birth = Some(iso(slip_one_digit(born, today, rng)?));
        }
        QueryKind::BirthYearOnly => {
            query.date_of_birth = Some(year);
        }
        QueryKind::OldPostcode => {
            let current = child.postcode()?.to_string();
            let old = child
                .previous_addresses
                .iter()
                .map(|a| a.value.postcode().to_string())
                .find(|p| *p != current)?;
            query.date_of_birth = Some(year);
            query.postcode = Some(old);
        }
        QueryKind::PostcodeTypo => {
            let current = child.postcode()?.to_string();
            query.date_of_birth = Some(year);
            query.postcode = Some(postcode_typo(&current, rng)?);
        }
        QueryKind::ForenameLeftOut => {
            query.forename = None;
        }
    }
    Some(query)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use time::macros::date;

    use super::*;

    #[test]
    fn a_slipped_date_differs_in_exactly_one_digit_and_is_not_in_the_future() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let born = date!(2016 - 08 - 19);
        for _ in 0..200 {
            let slipped = slip_one_digit(born, date!(2026 - 11 - 25), &mut rng).unwrap();
            let differing = iso(born)
                .bytes()
                .zip(iso(slipped).bytes())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(differing, 1, "{slipped}");
            assert!(slipped <= date!(2026 - 11 - 25));
        }
    }

    #[test]
    fn a_postcode_typo_is_still_a_postcode_one_character_off() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let typo = postcode_typo("LS6 2AB", &mut rng).unwrap();
            let differing = typo
                .chars()
                .zip("LS6 2AB".chars())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(differing, 1, "{typo}");
        }
    }
}
