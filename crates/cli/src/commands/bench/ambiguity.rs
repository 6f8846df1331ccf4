//! Which missed queries no search could have answered: more children than
//! a search may show agree exactly with everything the query gives. "Too
//! many matches, add detail" is then the right answer, and recall is also
//! reported without them.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use contactpoint_domain::Child;
use contactpoint_linkage::fold;

use crate::generate::{NoisyQuery, Options, Population};
use crate::load::progress_bar;

/// Which fields a query gives, and whether its date is a full date or a
/// year: the shape under which children are compared with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    forename: bool,
    date: Option<DateForm>,
    postcode: bool,
    gender: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DateForm {
    Full,
    Year,
}

fn postcode_key(postcode: &str) -> String {
    postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

fn shape(query: &NoisyQuery) -> Shape {
    Shape {
        forename: query.forename.is_some(),
        date: query.date_of_birth.as_deref().map(|d| {
            if d.len() == 4 {
                DateForm::Year
            } else {
                DateForm::Full
            }
        }),
        postcode: query.postcode.is_some(),
        gender: query.gender.is_some(),
    }
}

fn query_signature(query: &NoisyQuery) -> String {
    [
        query.forename.as_deref().map(fold).unwrap_or_default(),
        fold(&query.surname),
        query.date_of_birth.clone().unwrap_or_default(),
        query
            .postcode
            .as_deref()
            .map(postcode_key)
            .unwrap_or_default(),
        query.gender.clone().unwrap_or_default(),
    ]
    .join("|")
}

/// The signature a query of `shape` would have if it gave exactly this
/// child's current values.
fn child_signature(child: &Child, shape: Shape) -> String {
    let born = child.date_of_birth.value;
    let date = match shape.date {
        Some(DateForm::Full) => format!(
            "{:04}-{:02}-{:02}",
            born.year(),
            u8::from(born.month()),
            born.day()
        ),
        Some(DateForm::Year) => born.year().to_string(),
        None => String::new(),
    };
    let postcode = match (shape.postcode, child.postcode()) {
        (true, Some(p)) => postcode_key(p.as_str()),
        _ => String::new(),
    };
    let gender = if shape.gender {
        child.gender.value.as_str().to_owned()
    } else {
        String::new()
    };
    let forename = if shape.forename {
        fold(child.name.value.given.as_str())
    } else {
        String::new()
    };
    [
        forename,
        fold(child.name.value.family.as_str()),
        date,
        postcode,
        gender,
    ]
    .join("|")
}

/// For each query, whether more than `cap` of the first `stored` children
/// agree exactly with all it gives. One pass over the population.
pub fn ambiguous(
    options: Options,
    stored: u64,
    queries: &[&NoisyQuery],
    cap: usize,
) -> anyhow::Result<Vec<bool>> {
    if queries.is_empty() {
        return Ok(Vec::new());
    }
    let signatures: Vec<String> = queries.iter().map(|q| query_signature(q)).collect();
    let shapes: HashSet<Shape> = queries.iter().map(|q| shape(q)).collect();
    let mut counts: HashMap<&str, usize> = signatures.iter().map(|s| (s.as_str(), 0)).collect();
    let population = Population::new(options).context("cannot start the generator")?;
    let bar = progress_bar(stored, "checking misses for ambiguity");
    let children = population
        .flat_map(|household| household.children)
        .take(usize::try_from(stored).unwrap_or(usize::MAX));
    for (seen, truth) in children.enumerate() {
        for shape in &shapes {
            if let Some(count) = counts.get_mut(child_signature(&truth.child, *shape).as_str()) {
                *count += 1;
            }
        }
        if seen % 10_000 == 0 {
            bar.set_position(seen as u64);
        }
    }
    bar.finish_and_clear();
    Ok(signatures
        .iter()
        .map(|s| counts.get(s.as_str()).copied().unwrap_or(0) > cap)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::QueryKind;

    fn query(forename: Option<&str>, date: Option<&str>) -> NoisyQuery {
        NoisyQuery {
            kind: QueryKind::BirthYearOnly,
            surname: "Smith".into(),
            forename: forename.map(Into::into),
            date_of_birth: date.map(Into::into),
            postcode: None,
            gender: Some("male".into()),
        }
    }

    #[test]
    fn a_year_only_query_is_compared_by_year_and_a_full_date_by_date() {
        assert_eq!(
            shape(&query(Some("Oliver"), Some("2015"))).date,
            Some(DateForm::Year)
        );
        assert_eq!(
            shape(&query(None, Some("2015-03-01"))).date,
            Some(DateForm::Full)
        );
    }

    #[test]
    fn signatures_ignore_case_accents_and_postcode_spacing() {
        let mut a = query(Some("Zoë"), Some("2015"));
        a.postcode = Some("ls6 2ab".into());
        let mut b = query(Some("ZOE"), Some("2015"));
        b.postcode = Some("LS62AB".into());
        assert_eq!(query_signature(&a), query_signature(&b));
    }
}
