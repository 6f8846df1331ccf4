//! Short, single-line text values. There is deliberately no long-text type:
//! the model has nowhere to put case notes or assessments.

use serde::{Deserialize, Serialize};

/// Why a name or label was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("it is empty")]
    Empty,
    #[error("it is longer than {max} characters")]
    TooLong { max: usize },
    #[error("it contains the character {0:?}, which is not allowed here")]
    Character(char),
}

fn clean(input: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<String, TextError> {
    let value = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        return Err(TextError::Empty);
    }
    if value.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    match value.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(TextError::Character(c)),
        None => Ok(value),
    }
}

/// Combining diacritical marks: a decomposed "José" spells its accent as
/// `e` followed by U+0301, which `is_alphabetic` does not cover.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}')
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:expr, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            /// Folds runs of white space to one space and checks length and characters.
            pub fn parse(input: &str) -> Result<Self, TextError> {
                clean(input, $max, $allowed).map(Self)
            }
        }

        crate::checked_string!($name, TextError);
    };
}

text_type!(
    /// One part of a person's name (given names or family name), in any
    /// script: letters, marks, spaces, hyphens, apostrophes and full stops.
    ///
    /// ```
    /// use contactpoint_domain::Name;
    /// assert_eq!(Name::parse("  Şerban ").unwrap().as_str(), "Şerban");
    /// assert!(Name::parse("Bob; DROP TABLE").is_err());
    /// ```
    Name,
    70,
    |c: char| c.is_alphabetic()
        || is_combining_mark(c)
        || matches!(c, ' ' | '-' | '\'' | '’' | '.')
);

text_type!(
    /// A short one-line label: an organisation's name, a job title, an
    /// address line or a town.
    Label,
    100,
    |c: char| {
        c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '’' | '.' | ',' | '&' | '/' | '(' | ')')
    }
);

text_type!(
    /// A telephone number as written: digits, spaces, a leading plus,
    /// brackets and hyphens.
    PhoneNumber,
    20,
    |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-')
);

/// An email address: one `@`, something either side, a dot in the domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

crate::checked_string!(Email, EmailError);

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an email address looks like name@example.org")]
    Shape,
    #[error("an email address has at most 254 characters")]
    TooLong,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let value = input.trim();
        if value.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = value.split_once('@').ok_or(EmailError::Shape)?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && value
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\'))
            && !domain.contains('@');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(EmailError::Shape)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_accents_and_lose_extra_spaces() {
        assert_eq!(
            Name::parse(" João   Gonçalves ").unwrap().as_str(),
            "João Gonçalves"
        );
        assert_eq!(
            Name::parse("O'Brien-Łukasz").unwrap().as_str(),
            "O'Brien-Łukasz"
        );
    }

    #[test]
    fn a_decomposed_accent_is_part_of_a_name() {
        assert!(Name::parse("Jose\u{0301}").is_ok());
    }

    #[test]
    fn a_name_cannot_carry_digits_markup_or_a_paragraph() {
        assert_eq!(Name::parse("Child 1"), Err(TextError::Character('1')));
        assert_eq!(Name::parse("<b>"), Err(TextError::Character('<')));
        assert_eq!(
            Name::parse(&"a".repeat(71)),
            Err(TextError::TooLong { max: 70 })
        );
        assert_eq!(Name::parse("   "), Err(TextError::Empty));
    }

    #[test]
    fn a_label_is_one_short_line() {
        assert!(Label::parse("St Mary's C of E Primary School").is_ok());
        assert!(Label::parse(&"word ".repeat(30)).is_err());
        assert_eq!(
            Label::parse("line one\nline two").unwrap().as_str(),
            "line one line two"
        );
    }

    #[test]
    fn emails_need_an_at_and_a_domain() {
        assert!(Email::parse("j.smith@example.org").is_ok());
        assert_eq!(Email::parse("j.smith"), Err(EmailError::Shape));
        assert_eq!(Email::parse("a@b"), Err(EmailError::Shape));
    }
}
