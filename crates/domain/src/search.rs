//! What a practitioner may search by. The minimum criteria keep anyone from
//! browsing the country: a surname and at least one more detail that
//! narrows it to a handful of children.

use time::{Date, Month};

use crate::{Gender, Name, Postcode};

/// A date of birth as a query gives it: in full, or only the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDateQuery {
    Full(Date),
    Year(i32),
}

/// A checked search: every value valid and the minimum criteria met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub surname: Name,
    pub forename: Option<Name>,
    pub date_of_birth: Option<BirthDateQuery>,
    pub postcode: Option<Postcode>,
    pub gender: Option<Gender>,
}

/// A search as typed: each field as text, empty or absent when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchInput<'a> {
    pub surname: Option<&'a str>,
    pub forename: Option<&'a str>,
    /// `YYYY-MM-DD`, or `YYYY` for a birth year.
    pub date_of_birth: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub gender: Option<&'a str>,
}

/// The fields of a search, as the API and the form name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchField {
    Surname,
    Forename,
    DateOfBirth,
    Postcode,
    Gender,
}

impl SearchField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Surname => "surname",
            Self::Forename => "forename",
            Self::DateOfBirth => "date_of_birth",
            Self::Postcode => "postcode",
            Self::Gender => "gender",
        }
    }
}

/// One thing wrong with a search, and the field it is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}", field = self.field.as_str())]
pub struct SearchError {
    pub field: SearchField,
    /// Written for the person who typed the query.
    pub message: String,
}

impl SearchError {
    fn new(field: SearchField, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The oldest record ContactPoint holds is a young person's up to 25.
const OLDEST_AGE: i32 = 26;

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn parse_date(text: &str, today: Date) -> Result<BirthDateQuery, String> {
    const FORMAT: &str = "Enter the date of birth as a real date (YYYY-MM-DD) or a year (YYYY)";
    let number = |s: &str| {
        (s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty())
            .then(|| s.parse::<i32>().ok())
            .flatten()
    };
    let query = match text.split('-').collect::<Vec<_>>()[..] {
        [year] if year.len() == 4 => BirthDateQuery::Year(number(year).ok_or(FORMAT)?),
        [year, month, day] if year.len() == 4 && month.len() == 2 && day.len() == 2 => {
            let (year, month, day) = (
                number(year).ok_or(FORMAT)?,
                number(month).ok_or(FORMAT)?,
                number(day).ok_or(FORMAT)?,
            );
            let month = u8::try_from(month)
                .ok()
                .and_then(|m| Month::try_from(m).ok())
                .ok_or(FORMAT)?;
            let day = u8::try_from(day).map_err(|_| FORMAT)?;
            BirthDateQuery::Full(Date::from_calendar_date(year, month, day).map_err(|_| FORMAT)?)
        }
        _ => return Err(FORMAT.into()),
    };
    let (year, future) = match query {
        BirthDateQuery::Full(date) => (date.year(), date > today),
        BirthDateQuery::Year(year) => (year, year > today.year()),
    };
    if future {
        return Err("Date of birth must be today or in the past".into());
    }
    if year < today.year() - OLDEST_AGE {
        return Err(format!(
            "Date of birth must be after {}: ContactPoint holds children and young people up to 25",
            today.year() - OLDEST_AGE
        ));
    }
    Ok(query)
}

impl SearchQuery {
    /// Checks every field, and then the minimum criteria: a surname and at
    /// least one of a full date of birth, a postcode, or a forename with a
    /// birth year. Every problem is reported, each with its field.
    ///
    /// ```
    /// use contactpoint_domain::{SearchInput, SearchQuery};
    /// let today = time::macros::date!(2026 - 11 - 25);
    /// let ok = SearchInput { surname: Some("Okafor"), date_of_birth: Some("2015-06-01"), ..Default::default() };
    /// assert!(SearchQuery::parse(&ok, today).is_ok());
    /// let vague = SearchInput { surname: Some("Smith"), date_of_birth: Some("2015"), ..Default::default() };
    /// assert_eq!(SearchQuery::parse(&vague, today).unwrap_err()[0].field.as_str(), "date_of_birth");
    /// ```
    pub fn parse(input: &SearchInput<'_>, today: Date) -> Result<Self, Vec<SearchError>> {
        let mut errors = Vec::new();
        let name = |field, value: Option<&str>, label: &str, errors: &mut Vec<SearchError>| {
            let value = given(value)?;
            Name::parse(value)
                .map_err(|e| {
                    errors.push(SearchError::new(
                        field,
                        format!("{label} is not valid: {e}"),
                    ))
                })
                .ok()
        };
        let surname = name(SearchField::Surname, input.surname, "Surname", &mut errors);
        if given(input.surname).is_none() {
            errors.push(SearchError::new(
                SearchField::Surname,
                "Enter the child's surname",
            ));
        }
        let forename = name(
            SearchField::Forename,
            input.forename,
            "Forename",
            &mut errors,
        );
        let date_of_birth = given(input.date_of_birth).and_then(|d| {
            parse_date(d, today)
                .map_err(|m| errors.push(SearchError::new(SearchField::DateOfBirth, m)))
                .ok()
        });
        let postcode = given(input.postcode).and_then(|p| {
            Postcode::parse(p)
                .map_err(|e| {
                    errors.push(SearchError::new(
                        SearchField::Postcode,
                        format!("Enter a real postcode: {e}"),
                    ))
                })
                .ok()
        });
        let gender = given(input.gender).and_then(|g| {
            Gender::parse(g)
                .or_else(|| {
                    errors.push(SearchError::new(
                        SearchField::Gender,
                        "Gender must be female, male, other or unknown",
                    ));
                    None
                })
                .filter(|g| *g != Gender::Unknown)
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        let enough = matches!(date_of_birth, Some(BirthDateQuery::Full(_)))
            || postcode.is_some()
            || (forename.is_some() && matches!(date_of_birth, Some(BirthDateQuery::Year(_))));
        let Some(surname) = surname.filter(|_| enough) else {
            return Err(vec![SearchError::new(
                SearchField::DateOfBirth,
                "Add the date of birth, a postcode, or a forename with the year of birth: \
                 a surname alone is not enough to search",
            )]);
        };
        Ok(Self {
            surname,
            forename,
            date_of_birth,
            postcode,
            gender,
        })
    }

    /// Whether the query uses a field a shield hides: such a search must
    /// never return a shielded child, or it would confirm where they live.
    pub fn uses_hidden_fields(&self) -> bool {
        self.postcode.is_some()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn errors(input: SearchInput<'_>) -> Vec<(&'static str, String)> {
        SearchQuery::parse(&input, TODAY)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field.as_str(), e.message))
            .collect()
    }

    #[test]
    fn a_surname_and_a_postcode_are_enough() {
        let input = SearchInput {
            surname: Some("Smith"),
            postcode: Some("ls6 2ab"),
            ..Default::default()
        };

        let query = SearchQuery::parse(&input, TODAY).unwrap();

        assert_eq!(query.postcode.unwrap().as_str(), "LS6 2AB");
        assert!(query.date_of_birth.is_none());
    }

    #[test]
    fn a_forename_with_a_birth_year_is_enough() {
        let input = SearchInput {
            surname: Some("Smith"),
            forename: Some("Jack"),
            date_of_birth: Some("2016"),
            ..Default::default()
        };

        let query = SearchQuery::parse(&input, TODAY).unwrap();

        assert_eq!(query.date_of_birth, Some(BirthDateQuery::Year(2016)));
    }

    #[test]
    fn a_missing_surname_and_a_bad_date_are_both_reported() {
        let found = errors(SearchInput {
            date_of_birth: Some("2015-02-30"),
            ..Default::default()
        });

        let fields: Vec<_> = found.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["surname", "date_of_birth"]);
    }

    #[test]
    fn dates_in_the_future_or_before_anyone_held_are_refused() {
        for date in ["2027-01-01", "2027", "1990-05-05", "15/06/2015", "2015-6-1"] {
            let found = errors(SearchInput {
                surname: Some("Smith"),
                date_of_birth: Some(date),
                ..Default::default()
            });
            assert_eq!(found.len(), 1, "{date}");
            assert_eq!(found[0].0, "date_of_birth", "{date}");
        }
    }

    #[test]
    fn a_bad_postcode_names_its_field() {
        let found = errors(SearchInput {
            surname: Some("Smith"),
            postcode: Some("QQ1 1ZZ"),
            ..Default::default()
        });

        assert_eq!(found[0].0, "postcode");
    }

    #[test]
    fn unknown_gender_is_not_a_filter() {
        let input = SearchInput {
            surname: Some("Smith"),
            date_of_birth: Some("2015-06-01"),
            gender: Some("unknown"),
            ..Default::default()
        };

        assert_eq!(SearchQuery::parse(&input, TODAY).unwrap().gender, None);
    }
}
