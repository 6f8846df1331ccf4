//! `/search`: the search form, and its results on the same page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use contactpoint_domain::{SearchField, SearchInput, SearchQuery};
use contactpoint_store::{SearchOutcome, Store};
use serde::Deserialize;

use crate::AppState;
use crate::HttpError;
use crate::views::ResultView;

/// The form as posted. Every field is text, so nothing a person types can
/// make the form unreadable; checking happens after.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    surname: String,
    #[serde(default)]
    forename: String,
    #[serde(default, rename = "dob-day")]
    day: String,
    #[serde(default, rename = "dob-month")]
    month: String,
    #[serde(default, rename = "dob-year")]
    year: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    gender: String,
}

/// What the results part of the page shows.
pub enum Answer {
    Matches(Vec<ResultView>),
    TooMany,
    None,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    form: SearchForm,
    /// (field id, message), in the order of the fields.
    errors: Vec<(&'static str, String)>,
    answer: Option<Answer>,
}

impl SearchPage {
    /// The message for a field, if it has one.
    fn error(&self, id: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(field, _)| *field == id)
            .map(|(_, message)| message.as_str())
    }

    fn gender_is(&self, value: &str) -> bool {
        self.form.gender == value
    }
}

/// The element a field's error message links to.
fn field_id(field: SearchField) -> &'static str {
    match field {
        SearchField::Surname => "surname",
        SearchField::Forename => "forename",
        SearchField::DateOfBirth => "dob-day",
        SearchField::Postcode => "postcode",
        SearchField::Gender => "gender",
    }
}

pub async fn form() -> SearchPage {
    SearchPage {
        form: SearchForm::default(),
        errors: Vec::new(),
        answer: None,
    }
}

/// The date fields as one value: `YYYY-MM-DD`, `YYYY`, or nothing; or the
/// message for a date given in part.
fn date_of_birth(form: &SearchForm) -> Result<Option<String>, String> {
    let (day, month, year) = (form.day.trim(), form.month.trim(), form.year.trim());
    let two = |s: &str| match s.parse::<u8>() {
        Ok(n) if s.len() <= 2 => Ok(format!("{n:02}")),
        _ => Err("Date of birth must be a real date, such as 27 3 2016".to_owned()),
    };
    match (day.is_empty(), month.is_empty(), year.is_empty()) {
        (true, true, true) => Ok(None),
        (true, true, false) => Ok(Some(year.to_owned())),
        (false, false, false) => Ok(Some(format!("{year}-{}-{}", two(month)?, two(day)?))),
        _ => Err("Date of birth must include a day, month and year, or only the year".to_owned()),
    }
}

pub async fn submit<S: Store>(
    State(state): State<AppState<S>>,
    Form(form): Form<SearchForm>,
) -> Result<SearchPage, HttpError> {
    let date = date_of_birth(&form);
    let date_text = date.as_ref().ok().cloned().flatten();
    let input = SearchInput {
        surname: Some(form.surname.as_str()),
        forename: Some(form.forename.as_str()),
        date_of_birth: date_text.as_deref(),
        postcode: Some(form.postcode.as_str()),
        gender: Some(form.gender.as_str()),
    };
    let parsed = SearchQuery::parse(&input, crate::today());
    let mut errors: Vec<(&'static str, String)> = match &parsed {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            // A date given in part is reported once, as itself.
            .filter(|e| date.is_ok() || e.field != SearchField::DateOfBirth)
            .map(|e| (field_id(e.field), e.message.clone()))
            .collect(),
    };
    if let Err(message) = &date {
        errors.push(("dob-day", message.clone()));
    }
    // The error summary lists problems in the order of the fields.
    let order = ["surname", "forename", "dob-day", "postcode", "gender"];
    errors.sort_by_key(|(field, _)| order.iter().position(|f| f == field));
    let query = match parsed {
        Ok(query) if errors.is_empty() => query,
        _ => {
            return Ok(SearchPage {
                form,
                errors,
                answer: None,
            });
        }
    };
    let answer = match state.engine.search(&state.store, &query).await? {
        SearchOutcome::Matches(results) => {
            Answer::Matches(results.iter().map(|r| ResultView::new(r, false)).collect())
        }
        SearchOutcome::TooMany => Answer::TooMany,
        SearchOutcome::None => Answer::None,
    };
    Ok(SearchPage {
        form,
        errors,
        answer: Some(answer),
    })
}
