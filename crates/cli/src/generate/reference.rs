//! The reference tables the generator draws from, compiled into the binary
//! and parsed once at start.

use std::collections::HashMap;

use contactpoint_domain::{Label, Name, Postcode};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::GenerateError;

const GIVEN_NAMES: &str = include_str!("../../data/given_names.tsv");
const SURNAMES: &str = include_str!("../../data/surnames.tsv");
const LOCAL_AUTHORITIES: &str = include_str!("../../data/local_authorities.tsv");
const NICKNAMES: &str = contactpoint_linkage::NICKNAMES_TSV;
const STREETS: &str = include_str!("../../data/streets.tsv");
const ORGANISATIONS: &str = include_str!("../../data/organisations.tsv");
const SAINTS: &str = include_str!("../../data/saints.tsv");

/// Items drawn in proportion to their weights by a binary search over the
/// running total, so a draw costs one random number.
#[derive(Debug, Clone)]
pub(crate) struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T> Weighted<T> {
    fn new() -> Self {
        Self {
            items: Vec::new(),
            cumulative: Vec::new(),
        }
    }

    fn push(&mut self, item: T, weight: u64) {
        let total = self.total() + weight;
        self.items.push(item);
        self.cumulative.push(total);
    }

    pub(crate) fn total(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    pub(crate) fn items(&self) -> &[T] {
        &self.items
    }

    /// The index of a weighted draw. Only called on non-empty tables, which
    /// loading guarantees.
    pub(crate) fn pick_index(&self, rng: &mut ChaCha8Rng) -> usize {
        let x = rng.random_range(0..self.total().max(1));
        self.cumulative
            .partition_point(|c| *c <= x)
            .min(self.items.len().saturating_sub(1))
    }

    pub(crate) fn pick(&self, rng: &mut ChaCha8Rng) -> &T {
        &self.items[self.pick_index(rng)]
    }
}

/// Sex as the name lists record it; gender is drawn separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sex {
    Female,
    Male,
}

/// One upper-tier local authority.
#[derive(Debug, Clone)]
pub(crate) struct AuthorityRow {
    pub code: String,
    pub name: Label,
    pub children: u64,
    pub districts: Vec<String>,
}

/// Organisation kinds that have name patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrgKind {
    Primary,
    Secondary,
    EarlyYears,
    GpPractice,
}

#[derive(Debug)]
pub(crate) struct Reference {
    /// Indexed by `[sex][era]`, eras being 2008-2013, 2014-2019, 2020-2026.
    given: [[Weighted<Name>; 3]; 2],
    pub surnames: Weighted<Name>,
    pub authorities: Weighted<AuthorityRow>,
    nicknames: HashMap<String, Vec<Name>>,
    pub stems: Vec<String>,
    pub suffixes: Vec<String>,
    patterns: [Vec<String>; 4],
    pub saints: Vec<String>,
}

fn invalid(file: &'static str, line: usize, reason: impl Into<String>) -> GenerateError {
    GenerateError::Reference {
        file,
        line,
        reason: reason.into(),
    }
}

/// The data rows of a TSV file with their 1-based line numbers, each checked
/// to have `columns` fields.
fn rows(
    file: &'static str,
    text: &'static str,
    columns: usize,
) -> impl Iterator<Item = Result<(usize, Vec<&'static str>), GenerateError>> {
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, line)| !line.trim().is_empty())
        .map(move |(i, line)| {
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            if fields.len() == columns {
                Ok((i + 1, fields))
            } else {
                Err(invalid(file, i + 1, format!("expected {columns} columns")))
            }
        })
}

fn weight(file: &'static str, line: usize, text: &str) -> Result<u64, GenerateError> {
    text.parse()
        .map_err(|_| invalid(file, line, format!("{text:?} is not a whole number")))
}

fn name(file: &'static str, line: usize, text: &str) -> Result<Name, GenerateError> {
    Name::parse(text).map_err(|e| invalid(file, line, format!("{text:?}: {e}")))
}

/// Which era table a birth year draws its given name from.
pub(crate) fn era_of(year: i32) -> usize {
    match year {
        ..=2013 => 0,
        2014..=2019 => 1,
        _ => 2,
    }
}

impl Reference {
    pub(crate) fn load() -> Result<Self, GenerateError> {
        let mut given = [
            [Weighted::new(), Weighted::new(), Weighted::new()],
            [Weighted::new(), Weighted::new(), Weighted::new()],
        ];
        const F: &str = "given_names.tsv";
        for row in rows(F, GIVEN_NAMES, 4) {
            let (line, f) = row?;
            let sex = match f[1] {
                "F" => 0,
                "M" => 1,
                other => return Err(invalid(F, line, format!("unknown sex {other:?}"))),
            };
            let era = match f[2] {
                "2008-2013" => 0,
                "2014-2019" => 1,
                "2020-2026" => 2,
                other => return Err(invalid(F, line, format!("unknown era {other:?}"))),
            };
            given[sex][era].push(name(F, line, f[0])?, weight(F, line, f[3])?);
        }
        if given.iter().flatten().any(|w| w.total() == 0) {
            return Err(invalid(F, 0, "every sex and era needs names"));
        }

        const S: &str = "surnames.tsv";
        let mut surnames = Weighted::new();
        for row in rows(S, SURNAMES, 2) {
            let (line, f) = row?;
            surnames.push(name(S, line, f[0])?, weight(S, line, f[1])?);
        }

        const A: &str = "local_authorities.tsv";
        let mut authorities = Weighted::new();
        for row in rows(A, LOCAL_AUTHORITIES, 5) {
            let (line, f) = row?;
            let districts: Vec<String> = f[4].split_whitespace().map(str::to_owned).collect();
            for d in &districts {
                Postcode::parse(&format!("{d} 1AB"))
                    .map_err(|e| invalid(A, line, format!("district {d:?}: {e}")))?;
            }
            if districts.is_empty() {
                return Err(invalid(A, line, "no postcode districts"));
            }
            let children = weight(A, line, f[3])?;
            let row = AuthorityRow {
                code: f[0].to_owned(),
                name: Label::parse(f[1]).map_err(|e| invalid(A, line, e.to_string()))?,
                children,
                districts,
            };
            authorities.push(row, children);
        }

        const N: &str = "nicknames.tsv";
        let mut nicknames: HashMap<String, Vec<Name>> = HashMap::new();
        for row in rows(N, NICKNAMES, 2) {
            let (line, f) = row?;
            nicknames
                .entry(f[0].to_owned())
                .or_default()
                .push(name(N, line, f[1])?);
        }

        const T: &str = "streets.tsv";
        let (mut stems, mut suffixes) = (Vec::new(), Vec::new());
        for row in rows(T, STREETS, 2) {
            let (line, f) = row?;
            match f[1] {
                "stem" => stems.push(f[0].to_owned()),
                "suffix" => suffixes.push(f[0].to_owned()),
                other => return Err(invalid(T, line, format!("unknown kind {other:?}"))),
            }
        }

        const O: &str = "organisations.tsv";
        let mut patterns: [Vec<String>; 4] = Default::default();
        for row in rows(O, ORGANISATIONS, 2) {
            let (line, f) = row?;
            let kind = match f[0] {
                "primary_school" => OrgKind::Primary,
                "secondary_school" => OrgKind::Secondary,
                "early_years" => OrgKind::EarlyYears,
                "gp_practice" => OrgKind::GpPractice,
                other => return Err(invalid(O, line, format!("unknown kind {other:?}"))),
            };
            patterns[kind as usize].push(f[1].to_owned());
        }

        let saints: Vec<String> = rows("saints.tsv", SAINTS, 1)
            .map(|r| r.map(|(_, f)| f[0].to_owned()))
            .collect::<Result<_, _>>()?;

        let empty = [
            (S, surnames.total() == 0),
            (A, authorities.total() == 0),
            (T, stems.is_empty() || suffixes.is_empty()),
            (O, patterns.iter().any(Vec::is_empty)),
            ("saints.tsv", saints.is_empty()),
        ];
        if let Some((file, _)) = empty.iter().find(|(_, empty)| *empty) {
            return Err(invalid(file, 0, "the table has no usable rows"));
        }
        Ok(Self {
            given,
            surnames,
            authorities,
            nicknames,
            stems,
            suffixes,
            patterns,
            saints,
        })
    }

    pub(crate) fn given_names(&self, sex: Sex, birth_year: i32) -> &Weighted<Name> {
        &self.given[sex as usize][era_of(birth_year)]
    }

    pub(crate) fn nicknames(&self, formal: &str) -> &[Name] {
        self.nicknames.get(formal).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn patterns(&self, kind: OrgKind) -> &[String] {
        &self.patterns[kind as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_tables_load() {
        let reference = Reference::load().unwrap();
        assert!(reference.authorities.items().len() > 100);
        assert!(!reference.nicknames("William").is_empty());
        assert!(!reference.patterns(OrgKind::GpPractice).is_empty());
    }
}
