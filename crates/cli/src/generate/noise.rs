//! The mistakes real source systems make, applied to one record at a time.
//!
//! Rates are per field per record and independent between feeds, so the same
//! child can be spelt correctly in one feed and wrongly in another, which is
//! what record linkage has to cope with.

use std::borrow::Cow;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};

/// A typo in a name: a substituted, deleted, transposed or doubled letter.
/// Keeps the first letter's case and never empties the name.
pub(crate) fn typo(name: &str, rng: &mut ChaCha8Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let n = chars.len();
    if n < 3 {
        return name.to_owned();
    }
    // Never touch the first letter: typists rarely get it wrong.
    let i = rng.random_range(1..n);
    match rng.random_range(0..4u8) {
        0 => {
            const LETTERS: &[u8] = b"aeioulnrstmdhc";
            let c = char::from(LETTERS[rng.random_range(0..LETTERS.len())]);
            if chars[i].is_alphabetic() && chars[i] != c {
                chars[i] = c;
            } else {
                chars.insert(i, c);
            }
        }
        1 => {
            chars.remove(i);
        }
        2 if i + 1 < n => chars.swap(i, i + 1),
        2 => chars.swap(i - 1, i),
        _ => chars.insert(i, chars[i]),
    }
    let out: String = chars.into_iter().collect();
    // A slip next to a hyphen or space can leave a stray separator.
    let trimmed = out.trim_matches(|c: char| !c.is_alphabetic());
    if trimmed.is_empty() {
        name.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The date with day and month swapped, when both are 12 or less and differ.
pub(crate) fn swap_day_month(date: Date) -> Option<Date> {
    let (day, month) = (date.day(), u8::from(date.month()));
    if day > 12 || day == month {
        return None;
    }
    let month = Month::try_from(day).ok()?;
    Date::from_calendar_date(date.year(), month, u8::from(date.month())).ok()
}

/// One digit of the date mistyped: the day, the month or the year's last digit
/// off by one, keeping a real calendar date.
pub(crate) fn slip_digit(date: Date, rng: &mut ChaCha8Rng) -> Date {
    let up = rng.random_bool(0.5);
    let step = |v: i32| if up { v + 1 } else { v - 1 };
    let (year, month, day) = (date.year(), u8::from(date.month()), date.day());
    let candidate = match rng.random_range(0..3u8) {
        0 => u8::try_from(step(i32::from(day)))
            .ok()
            .and_then(|d| Date::from_calendar_date(year, date.month(), d).ok()),
        1 => u8::try_from(step(i32::from(month)))
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .and_then(|m| Date::from_calendar_date(year, m, day).ok()),
        _ => Date::from_calendar_date(step(year), date.month(), day).ok(),
    };
    candidate.unwrap_or(date)
}

/// Drops accents the way older systems do (`Zoë` → `Zoe`, `Łukasz` →
/// `Lukasz`); letters with no plain form are kept.
pub(crate) fn fold_ascii(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter_map(fold_char).collect())
}

fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => 'A',
        'ç' | 'ć' | 'č' | 'ĉ' => 'c',
        'Ç' | 'Ć' | 'Č' => 'C',
        'ď' | 'đ' => 'd',
        'Ď' | 'Đ' => 'D',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => 'E',
        'ğ' => 'g',
        'Ğ' => 'G',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => 'I',
        'ł' | 'ľ' => 'l',
        'Ł' | 'Ľ' => 'L',
        'ñ' | 'ń' | 'ň' => 'n',
        'Ñ' | 'Ń' | 'Ň' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => 'O',
        'ř' => 'r',
        'Ř' => 'R',
        'ś' | 'š' | 'ş' | 'ș' => 's',
        'Ś' | 'Š' | 'Ş' | 'Ș' => 'S',
        'ť' | 'ţ' | 'ț' => 't',
        'Ť' | 'Ţ' | 'Ț' => 'T',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => 'U',
        'ý' | 'ÿ' => 'y',
        'Ý' | 'Ÿ' => 'Y',
        'ź' | 'ż' | 'ž' => 'z',
        'Ź' | 'Ż' | 'Ž' => 'Z',
        '’' => '\'',
        other if other.is_alphabetic() => other,
        _ => return None,
    };
    Some(plain)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use time::macros::date;

    use super::*;

    #[test]
    fn a_typo_changes_a_name_but_keeps_its_first_letter() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let typed = typo("Charlotte", &mut rng);
            assert!(typed.starts_with('C'));
            assert!(!typed.is_empty());
        }
    }

    #[test]
    fn day_and_month_swap_only_when_both_could_be_months() {
        assert_eq!(
            swap_day_month(date!(2015 - 03 - 07)),
            Some(date!(2015 - 07 - 03))
        );
        assert_eq!(swap_day_month(date!(2015 - 03 - 17)), None);
    }

    #[test]
    fn a_slipped_digit_is_still_a_date_near_the_true_one() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let born = date!(2016 - 12 - 31);
        for _ in 0..100 {
            let slipped = slip_digit(born, &mut rng);
            assert!((slipped - born).whole_days().abs() <= 366);
        }
    }

    #[test]
    fn folding_drops_accents_and_keeps_plain_text() {
        assert_eq!(fold_ascii("Zoë Łukasz-Şahin"), "Zoe Lukasz-Sahin");
        assert!(matches!(fold_ascii("Smith"), Cow::Borrowed(_)));
    }
}
