use serde::{Deserialize, Serialize};

/// The 23 letters the Department for Education uses for UPN check letters
/// (no I, O or S, which read as digits).
const CHECK_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// Why a string is not a Unique Pupil Number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpnError {
    #[error("a Unique Pupil Number has 13 characters")]
    Length,
    #[error("a Unique Pupil Number is a check letter, 11 digits, then a digit or letter")]
    Format,
    #[error("the Unique Pupil Number's check letter does not match")]
    CheckLetter,
}

/// A Unique Pupil Number: a check letter, the 3-digit local authority code,
/// the 4-digit establishment number, a 2-digit year and a 3-character serial.
/// A temporary UPN ends in a letter instead of a digit.
///
/// ```
/// use contactpoint_domain::Upn;
/// let upn = Upn::parse("h801200001001").unwrap();
/// assert_eq!(upn.as_str(), "H801200001001");
/// assert!(Upn::parse("A801200001001").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Upn(String);

crate::checked_string!(Upn, UpnError);

impl Upn {
    pub fn parse(input: &str) -> Result<Self, UpnError> {
        let value = super::compact(input).to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() != 13 {
            return Err(UpnError::Length);
        }
        let last_ok = bytes[12].is_ascii_digit() || CHECK_LETTERS.contains(&bytes[12]);
        if !bytes[1..12].iter().all(u8::is_ascii_digit) || !last_ok {
            return Err(UpnError::Format);
        }
        let body: [u8; 12] = bytes[1..13].try_into().map_err(|_| UpnError::Length)?;
        if Self::check_letter(&body) != bytes[0] {
            return Err(UpnError::CheckLetter);
        }
        Ok(Self(value))
    }

    /// Builds a permanent UPN from its parts. Returns `None` when a part is
    /// out of range.
    pub fn from_parts(la_code: u16, establishment: u16, year: u8, serial: u16) -> Option<Self> {
        if la_code > 999 || establishment > 9999 || year > 99 || serial > 999 {
            return None;
        }
        let body = format!("{la_code:03}{establishment:04}{year:02}{serial:03}");
        let body_bytes: [u8; 12] = body.as_bytes().try_into().ok()?;
        let check = char::from(Self::check_letter(&body_bytes));
        Some(Self(format!("{check}{body}")))
    }

    fn check_letter(body: &[u8; 12]) -> u8 {
        let sum: usize = body
            .iter()
            .zip(2..)
            .map(|(c, weight)| {
                let value = if c.is_ascii_digit() {
                    usize::from(c - b'0')
                } else {
                    CHECK_LETTERS.iter().position(|l| l == c).unwrap_or(0)
                };
                value * weight
            })
            .sum();
        CHECK_LETTERS[sum % 23]
    }

    /// A temporary UPN is issued while the permanent one is unknown.
    pub fn is_temporary(&self) -> bool {
        self.0
            .as_bytes()
            .get(12)
            .is_some_and(u8::is_ascii_alphabetic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_make_a_upn_that_parses_back() {
        let upn = Upn::from_parts(801, 2000, 1, 1).unwrap();
        assert_eq!(upn.as_str(), "H801200001001");
        assert_eq!(Upn::parse(upn.as_str()), Ok(upn));
    }

    #[test]
    fn every_single_digit_change_is_caught() {
        let upn = Upn::from_parts(373, 4123, 19, 456).unwrap();
        for position in 1..13 {
            let mut bytes = upn.as_str().as_bytes().to_vec();
            bytes[position] = if bytes[position] == b'9' {
                b'0'
            } else {
                bytes[position] + 1
            };
            let changed = String::from_utf8(bytes).unwrap();
            assert_eq!(
                Upn::parse(&changed),
                Err(UpnError::CheckLetter),
                "{changed}"
            );
        }
    }

    #[test]
    fn a_temporary_upn_ends_in_a_letter() {
        let body = *b"80120000100A";
        let check = char::from(Upn::check_letter(&body));
        let upn = Upn::parse(&format!("{check}80120000100A")).unwrap();
        assert!(upn.is_temporary());
    }

    #[test]
    fn malformed_upns_are_named() {
        assert_eq!(Upn::parse("H80120000100"), Err(UpnError::Length));
        assert_eq!(Upn::parse("H8012000X1001"), Err(UpnError::Format));
    }
}
