use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a string is not an NHS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("an NHS number has 10 digits")]
    Length,
    #[error("an NHS number has digits only")]
    NotDigits,
    #[error("the NHS number's check digit does not match")]
    CheckDigit,
}

/// A 10-digit NHS number whose last digit is its modulus 11 check digit.
///
/// ```
/// use contactpoint_domain::NhsNumber;
/// assert_eq!(NhsNumber::parse("943 476 5919").unwrap().to_string(), "943 476 5919");
/// assert!(NhsNumber::parse("943 476 5918").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber([u8; 10]);

impl NhsNumber {
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let compact = super::compact(input);
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(NhsNumberError::NotDigits);
        }
        let digits: Vec<u8> = compact.bytes().map(|b| b - b'0').collect();
        let digits: [u8; 10] = digits.try_into().map_err(|_| NhsNumberError::Length)?;
        let body: [u8; 9] = [
            digits[0], digits[1], digits[2], digits[3], digits[4], digits[5], digits[6], digits[7],
            digits[8],
        ];
        match Self::check_digit(&body) {
            Some(check) if check == digits[9] => Ok(Self(digits)),
            _ => Err(NhsNumberError::CheckDigit),
        }
    }

    /// Completes nine digits into an NHS number, or `None` when the modulus 11
    /// rule gives 10: such a prefix is never issued.
    pub fn from_body(body: [u8; 9]) -> Option<Self> {
        if body.iter().any(|d| *d > 9) {
            return None;
        }
        let check = Self::check_digit(&body)?;
        let mut digits = [0u8; 10];
        digits[..9].copy_from_slice(&body);
        digits[9] = check;
        Some(Self(digits))
    }

    fn check_digit(body: &[u8; 9]) -> Option<u8> {
        let sum: u32 = body
            .iter()
            .zip((2..=10).rev())
            .map(|(d, w)| u32::from(*d) * w)
            .sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            c => u8::try_from(c).ok(),
        }
    }

    /// The ten digits without spaces, as stored and exchanged.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[0..3], &d[3..6], &d[6..10])
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.digits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_number_is_accepted_with_or_without_spaces() {
        assert!(NhsNumber::parse("9434765919").is_ok());
        assert!(NhsNumber::parse("943-476-5919").is_ok());
    }

    #[test]
    fn a_wrong_check_digit_is_rejected() {
        assert_eq!(
            NhsNumber::parse("9434765910"),
            Err(NhsNumberError::CheckDigit)
        );
    }

    #[test]
    fn a_prefix_whose_check_would_be_ten_is_never_valid() {
        // 1234567890: the weighted sum of the first nine digits leaves 1, check 10.
        assert_eq!(NhsNumber::from_body([1, 2, 3, 4, 5, 6, 7, 8, 9]), None);
    }

    #[test]
    fn wrong_length_and_letters_are_named() {
        assert_eq!(NhsNumber::parse("943476591"), Err(NhsNumberError::Length));
        assert_eq!(
            NhsNumber::parse("94347659A9"),
            Err(NhsNumberError::NotDigits)
        );
    }

    #[test]
    fn from_body_round_trips_through_parse() {
        let n = NhsNumber::from_body([4, 0, 1, 0, 2, 3, 2, 1, 3]).unwrap();
        assert_eq!(NhsNumber::parse(&n.digits()), Ok(n));
    }
}
