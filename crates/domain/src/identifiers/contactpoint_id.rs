use std::fmt;

use serde::{Deserialize, Serialize};

/// Crockford's base 32: no I, L, O or U, so it survives being read aloud.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PAYLOAD_LEN: usize = 11;
const PAYLOAD_BITS: u32 = 5 * PAYLOAD_LEN as u32;
const PAYLOAD_MASK: u64 = (1 << PAYLOAD_BITS) - 1;
/// An odd multiplier is a bijection modulo 2^55: consecutive sequence numbers
/// give identifiers that look unrelated and never collide.
const SPREAD: u64 = 0x5DEE_CE66_D1A4_F87D & PAYLOAD_MASK | 1;
const OFFSET: u64 = 0x2545_F491_4F6C_DD1D & PAYLOAD_MASK;

/// Why a string is not a ContactPoint identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactPointIdError {
    #[error("a ContactPoint ID has 12 letters and digits, such as 4K7P-2MXD-9QBR")]
    Length,
    #[error("a ContactPoint ID uses only digits and the letters A-Z except I, L, O and U")]
    Character,
    #[error("the ContactPoint ID's check character does not match: check for a mistyped character")]
    Check,
}

/// ContactPoint's own identifier for a child: 11 base-32 characters and a
/// Luhn mod 32 check character, which catches any single wrong character and
/// every swap of two neighbours except `0` with `Z`. Shown in groups of four.
///
/// ```
/// use contactpoint_domain::ContactPointId;
/// let id = ContactPointId::from_sequence(1);
/// let typed = id.to_string().to_lowercase();
/// assert_eq!(ContactPointId::parse(&typed), Ok(id));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContactPointId(u64);

impl ContactPointId {
    pub fn parse(input: &str) -> Result<Self, ContactPointIdError> {
        let compact = super::compact(input).to_ascii_uppercase();
        if compact.len() != PAYLOAD_LEN + 1 {
            return Err(ContactPointIdError::Length);
        }
        let values = compact
            .bytes()
            .map(value_of)
            .collect::<Option<Vec<u8>>>()
            .ok_or(ContactPointIdError::Character)?;
        let (payload, check) = values.split_at(PAYLOAD_LEN);
        if check_value(payload) != check[0] {
            return Err(ContactPointIdError::Check);
        }
        let number = payload
            .iter()
            .fold(0u64, |acc, v| (acc << 5) | u64::from(*v));
        Ok(Self(number))
    }

    /// The identifier for the `n`th child registered.
    pub fn from_sequence(n: u64) -> Self {
        Self(n.wrapping_mul(SPREAD).wrapping_add(OFFSET) & PAYLOAD_MASK)
    }

    fn payload(&self) -> [u8; PAYLOAD_LEN] {
        let mut out = [0u8; PAYLOAD_LEN];
        for (i, slot) in out.iter_mut().enumerate() {
            let shift = 5 * (PAYLOAD_LEN - 1 - i);
            *slot = ((self.0 >> shift) & 31) as u8;
        }
        out
    }

    /// The twelve characters without separators, as stored and exchanged.
    pub fn compact(&self) -> String {
        let payload = self.payload();
        payload
            .iter()
            .chain(std::iter::once(&check_value(&payload)))
            .map(|v| char::from(ALPHABET[usize::from(*v)]))
            .collect()
    }
}

/// Reads a character as Crockford does: O as 0, I and L as 1.
fn value_of(c: u8) -> Option<u8> {
    let c = match c {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|a| *a == c)
        .and_then(|p| u8::try_from(p).ok())
}

/// Luhn mod N with N = 32, over the payload's values.
fn check_value(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| {
            let addend = u32::from(*v) * if i % 2 == 0 { 2 } else { 1 };
            addend / 32 + addend % 32
        })
        .sum();
    ((32 - sum % 32) % 32) as u8
}

impl fmt::Display for ContactPointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.compact();
        write!(f, "{}-{}-{}", &c[0..4], &c[4..8], &c[8..12])
    }
}

impl TryFrom<String> for ContactPointId {
    type Error = ContactPointIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ContactPointId> for String {
    fn from(value: ContactPointId) -> Self {
        value.compact()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_sequence_numbers_give_distinct_unrelated_ids() {
        let a = ContactPointId::from_sequence(1).to_string();
        let b = ContactPointId::from_sequence(2).to_string();
        assert_ne!(a[..4], b[..4]);
        let ids: std::collections::HashSet<_> =
            (0..100_000).map(ContactPointId::from_sequence).collect();
        assert_eq!(ids.len(), 100_000);
    }

    #[test]
    fn any_single_wrong_character_is_caught() {
        let id = ContactPointId::from_sequence(42).compact();
        for position in 0..12 {
            for replacement in ALPHABET.iter().copied() {
                let mut bytes = id.as_bytes().to_vec();
                if bytes[position] == replacement {
                    continue;
                }
                bytes[position] = replacement;
                let typo = String::from_utf8(bytes).unwrap();
                assert!(ContactPointId::parse(&typo).is_err(), "{typo} passed");
            }
        }
    }

    #[test]
    fn a_swap_of_neighbours_is_caught() {
        let id = ContactPointId::from_sequence(7).compact();
        for position in 0..11 {
            let mut bytes = id.as_bytes().to_vec();
            if bytes[position] == bytes[position + 1] {
                continue;
            }
            bytes.swap(position, position + 1);
            let swapped = String::from_utf8(bytes).unwrap();
            assert_eq!(
                ContactPointId::parse(&swapped),
                Err(ContactPointIdError::Check)
            );
        }
    }

    #[test]
    fn misread_letters_are_read_as_crockford_does() {
        let id = ContactPointId::from_sequence(3);
        let typed = id.compact().replace('0', "o").replace('1', "l");
        assert_eq!(ContactPointId::parse(&typed), Ok(id));
    }

    #[test]
    fn bad_lengths_and_characters_are_named() {
        assert_eq!(
            ContactPointId::parse("ABC"),
            Err(ContactPointIdError::Length)
        );
        assert_eq!(
            ContactPointId::parse("UUUU-UUUU-UUUU"),
            Err(ContactPointIdError::Character)
        );
    }
}
