use serde::{Deserialize, Serialize};

/// Why a string is not a UK postcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("a postcode has 5 to 7 letters and digits")]
    Length,
    #[error("the first half of the postcode is not in a UK format (such as SW1A, M1 or B33)")]
    Outward,
    #[error("the second half of the postcode must be a digit and two letters (such as 1AA)")]
    Inward,
}

/// Letters never used in the inward code's last two places.
const INWARD_LETTERS: &str = "ABDEFGHJLNPQRSTUWXYZ";

/// A UK postcode in normal form: capitals, one space before the inward code.
///
/// ```
/// use contactpoint_domain::Postcode;
/// let p = Postcode::parse(" sw1a2aa ").unwrap();
/// assert_eq!(p.as_str(), "SW1A 2AA");
/// assert_eq!(p.district(), "SW1A");
/// assert_eq!(p.sector(), "SW1A 2");
/// assert_eq!(p.area(), "SW");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

crate::checked_string!(Postcode, PostcodeError);

impl Postcode {
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(PostcodeError::Length);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if compact == "GIR0AA" {
            return Ok(Self("GIR 0AA".to_owned()));
        }
        if !valid_outward(outward) {
            return Err(PostcodeError::Outward);
        }
        if !valid_inward(inward) {
            return Err(PostcodeError::Inward);
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    /// The outward code, which names the postcode district (`SW1A`).
    pub fn district(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }

    /// The sector: the district and the inward code's digit (`SW1A 2`).
    pub fn sector(&self) -> &str {
        &self.0[..self.0.len() - 2]
    }

    /// The postcode area: the leading letters (`SW`).
    pub fn area(&self) -> &str {
        let end = self
            .0
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(self.0.len());
        &self.0[..end]
    }
}

/// Outward codes take six shapes: A9, A99, A9A, AA9, AA99, AA9A, where each
/// place admits only some letters.
fn valid_outward(outward: &str) -> bool {
    let b = outward.as_bytes();
    let letter = |c: u8, not: &str| c.is_ascii_uppercase() && !not.as_bytes().contains(&c);
    let digit = |c: u8| c.is_ascii_digit();
    let first = |c: u8| letter(c, "QVX");
    match b {
        [a, d] => first(*a) && digit(*d),
        [a, b, c] => {
            first(*a)
                && ((digit(*b) && (digit(*c) || b"ABCDEFGHJKPSTUW".contains(c)))
                    || (letter(*b, "IJZ") && digit(*c)))
        }
        [a, l, d, x] => {
            first(*a)
                && letter(*l, "IJZ")
                && digit(*d)
                && (digit(*x) || b"ABEHMNPRVWXY".contains(x))
        }
        _ => false,
    }
}

fn valid_inward(inward: &str) -> bool {
    let b = inward.as_bytes();
    b.len() == 3
        && b[0].is_ascii_digit()
        && INWARD_LETTERS.as_bytes().contains(&b[1])
        && INWARD_LETTERS.as_bytes().contains(&b[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outward_shape_is_accepted() {
        for p in [
            "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB",
        ] {
            assert!(Postcode::parse(p).is_ok(), "{p}");
        }
    }

    #[test]
    fn spacing_and_case_are_normalised() {
        assert_eq!(Postcode::parse("ec1a1bb").unwrap().as_str(), "EC1A 1BB");
        assert_eq!(Postcode::parse("DN55  1PT").unwrap().as_str(), "DN55 1PT");
    }

    #[test]
    fn letters_that_are_never_used_are_rejected() {
        assert_eq!(Postcode::parse("QA1 1AA"), Err(PostcodeError::Outward));
        assert_eq!(Postcode::parse("M1 1AC"), Err(PostcodeError::Inward));
        assert_eq!(Postcode::parse("M1 AAA"), Err(PostcodeError::Inward));
    }

    #[test]
    fn too_short_or_too_long_is_a_length_error() {
        assert_eq!(Postcode::parse("M1 1A"), Err(PostcodeError::Length));
        assert_eq!(Postcode::parse("SW1AA 1AAA"), Err(PostcodeError::Length));
    }

    #[test]
    fn district_sector_and_area_are_parts_of_the_postcode() {
        let p = Postcode::parse("B33 8TH").unwrap();
        assert_eq!((p.area(), p.district(), p.sector()), ("B", "B33", "B33 8"));
    }
}
