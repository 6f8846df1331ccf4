//! Fellegi-Sunter scoring: each field's comparison level contributes a match
//! weight, log2(m/u), and the sum says how much likelier a match is than
//! not. Every score can explain itself field by field.

use crate::compare::{DateLevel, NameLevel, PostcodeLevel};
use crate::profile::known_gender;
use crate::{BirthDate, Names, Profile, compare_dates, compare_postcodes};

/// The probabilities behind one comparison level: `m`, that two records of
/// the same child fall in this level; `u`, that two records of different
/// children do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probabilities {
    pub m: f64,
    pub u: f64,
}

impl Probabilities {
    pub const fn new(m: f64, u: f64) -> Self {
        Self { m, u }
    }

    /// log2(m/u): positive for evidence of a match, negative against.
    pub fn match_weight(&self) -> f64 {
        (self.m / self.u).log2()
    }
}

/// The fields a score compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Forename,
    Surname,
    DateOfBirth,
    Postcode,
    Gender,
    /// Whether forename and surname were given the other way round.
    NameOrder,
    NhsNumber,
    /// The Unique Pupil Number.
    Upn,
    /// Not a field: what the other candidates and the share of records
    /// whose child is already held say about this one (see
    /// [`Model::known_share`]).
    Candidates,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forename => "forename",
            Self::Surname => "surname",
            Self::DateOfBirth => "date_of_birth",
            Self::Postcode => "postcode",
            Self::Gender => "gender",
            Self::NameOrder => "name_order",
            Self::NhsNumber => "nhs_number",
            Self::Upn => "upn",
            Self::Candidates => "candidates",
        }
    }
}

/// What one field contributed to a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub field: Field,
    /// The comparison level, in words (`exact`, `one_edit`, `null`...).
    pub level: &'static str,
    pub weight: f64,
}

/// A score and its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// The prior's weight plus every field's: log2 of the odds of a match.
    pub weight: f64,
    pub evidence: Vec<Evidence>,
}

impl Score {
    /// The probability of a match the weight stands for.
    pub fn probability(&self) -> f64 {
        let odds = self.weight.exp2();
        odds / (1.0 + odds)
    }
}

/// One side of a comparison: what a query or record says. Any field may be
/// missing; a missing field gives the null level and weighs nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Person<'a> {
    pub forename: Option<&'a str>,
    pub surname: Option<&'a str>,
    pub date_of_birth: Option<(i32, u8, u8)>,
    pub postcode: Option<&'a str>,
    /// `female`, `male`, `other` or `unknown`; `unknown` counts as missing.
    pub gender: Option<&'a str>,
}

/// How common a name is among all children: the share of them that bear
/// it (`0.012` for Smith). Unknown names are rare.
pub trait TermFrequencies {
    fn surname(&self, folded: &str) -> Option<f64>;
    fn forename(&self, folded: &str) -> Option<f64>;
}

/// No frequencies known: every exact match weighs the level's average.
pub struct NoTermFrequencies;

impl TermFrequencies for NoTermFrequencies {
    fn surname(&self, _: &str) -> Option<f64> {
        None
    }
    fn forename(&self, _: &str) -> Option<f64> {
        None
    }
}

/// The m and u of every level of every comparison, and the prior.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// log2 of the prior odds that two records drawn at random match.
    pub prior_weight: f64,
    /// Exact, part, one edit, close, sound alike, nickname, different.
    pub forename: [Probabilities; 7],
    pub surname: [Probabilities; 7],
    /// Exact, day and month swapped, one digit, same year, different.
    pub date_of_birth: [Probabilities; 5],
    /// When only a birth year is known: same year, different.
    pub birth_year: [Probabilities; 2],
    /// Unit, sector, district, one character, area, different.
    pub postcode: [Probabilities; 6],
    /// Same, different.
    pub gender: [Probabilities; 2],
    /// A term frequency below this is raised to it, so that one very rare
    /// name cannot outweigh everything else.
    pub min_term_frequency: f64,
    /// How often a query gives forename and surname the other way round:
    /// the price of reading them swapped.
    pub names_swapped: f64,
    /// Same, different: a checked NHS number is one child's alone, so
    /// agreeing all but settles a match; a different one is strong evidence
    /// against (a typo that kept the check digit, or a reissued number, is
    /// rare).
    pub nhs_number: [Probabilities; 2],
    pub upn: [Probabilities; 2],
    /// For linkage: the share of a feed's records whose child is already
    /// held. A record then describes one of its candidates with this
    /// probability before any field is compared, rather than one child in
    /// the whole population: at national scale the difference is what
    /// lets a record that agrees on names and date of birth but not the
    /// postcode be linked at all. One half, the neutral value, unless
    /// estimated from the feed.
    pub known_share: f64,
}

impl Default for Model {
    /// Starting values from the error rates of the synthetic feeds and the
    /// shape of England's population; estimation from data replaces them.
    fn default() -> Self {
        let p = Probabilities::new;
        Self {
            prior_weight: -20.0,
            forename: [
                p(0.86, 0.003),
                p(0.02, 0.0003),
                p(0.03, 0.0005),
                p(0.02, 0.002),
                p(0.02, 0.01),
                p(0.05, 0.002),
                p(0.02, 0.98),
            ],
            // Surnames have no nicknames: that level never occurs.
            surname: [
                p(0.90, 0.002),
                p(0.02, 0.0002),
                p(0.03, 0.0005),
                p(0.02, 0.002),
                p(0.02, 0.008),
                p(1e-9, 1e-9),
                p(0.03, 0.99),
            ],
            date_of_birth: [
                p(0.97, 0.0002),
                p(0.006, 0.000_02),
                p(0.01, 0.0006),
                p(0.009, 0.055),
                p(0.005, 0.94),
            ],
            postcode: [
                p(0.85, 0.000_05),
                p(0.04, 0.0004),
                p(0.04, 0.003),
                p(0.01, 0.000_05),
                p(0.045, 0.02),
                p(0.015, 0.976),
            ],
            birth_year: [p(0.97, 0.056), p(0.03, 0.944)],
            gender: [p(0.99, 0.5), p(0.01, 0.5)],
            min_term_frequency: 1e-7,
            names_swapped: 0.01,
            nhs_number: [p(0.995, 1e-8), p(0.005, 1.0)],
            upn: [p(0.98, 1e-7), p(0.02, 1.0)],
            known_share: 0.5,
        }
    }
}

/// A stored model that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Written by an earlier version whose comparisons had other levels:
    /// not wrong, only to be estimated again.
    #[error("stored weights are of an earlier version")]
    Outdated,
    #[error("stored weights cannot be read: {0}")]
    Malformed(&'static str),
}

/// The version of [`Model::encode`]'s text.
const MODEL_VERSION: &str = "w2";
/// Earlier versions: `w1` had no postcode area level.
const OUTDATED_VERSIONS: [&str; 1] = ["w1"];

impl Model {
    fn tables(&self) -> [&[Probabilities]; 8] {
        [
            &self.forename,
            &self.surname,
            &self.date_of_birth,
            &self.birth_year,
            &self.postcode,
            &self.gender,
            &self.nhs_number,
            &self.upn,
        ]
    }

    /// The model as one line of text, to be kept with a source: the
    /// version, the prior, the known share, then every level's m and u.
    pub fn encode(&self) -> String {
        let mut out = format!(
            "{MODEL_VERSION} {} {} {} {}",
            self.prior_weight, self.known_share, self.min_term_frequency, self.names_swapped
        );
        for table in self.tables() {
            for p in table {
                out.push_str(&format!(" {} {}", p.m, p.u));
            }
        }
        out
    }

    /// Reads back what [`Model::encode`] wrote.
    ///
    /// ```
    /// use contactpoint_linkage::{Model, ModelError};
    /// let model = Model { known_share: 0.97, ..Model::default() };
    /// assert_eq!(Model::decode(&model.encode()), Ok(model));
    /// assert!(Model::decode("w2 1 2").is_err());
    /// assert_eq!(Model::decode("w1 1 2"), Err(ModelError::Outdated));
    /// ```
    pub fn decode(text: &str) -> Result<Self, ModelError> {
        let mut parts = text.split(' ');
        match parts.next() {
            Some(MODEL_VERSION) => {}
            Some(v) if OUTDATED_VERSIONS.contains(&v) => return Err(ModelError::Outdated),
            _ => return Err(ModelError::Malformed("unknown version")),
        }
        let numbers = parts
            .map(|p| p.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<f64>>>()
            .ok_or(ModelError::Malformed("not a number"))?;
        let mut model = Self::default();
        let levels: usize = model.tables().iter().map(|t| t.len()).sum();
        if numbers.len() != 4 + 2 * levels {
            return Err(ModelError::Malformed("wrong number of values"));
        }
        let (head, rest) = numbers.split_at(4);
        model.prior_weight = head[0];
        model.known_share = head[1];
        model.min_term_frequency = head[2];
        model.names_swapped = head[3];
        let mut values = rest.chunks(2);
        for table in [
            &mut model.forename[..],
            &mut model.surname[..],
            &mut model.date_of_birth[..],
            &mut model.birth_year[..],
            &mut model.postcode[..],
            &mut model.gender[..],
            &mut model.nhs_number[..],
            &mut model.upn[..],
        ] {
            for p in table.iter_mut() {
                let Some([m, u]) = values.next() else {
                    return Err(ModelError::Malformed("wrong number of values"));
                };
                if !(*m > 0.0 && *u > 0.0) {
                    return Err(ModelError::Malformed("a probability is not positive"));
                }
                *p = Probabilities::new(*m, *u);
            }
        }
        if !(model.known_share > 0.0 && model.known_share < 1.0) {
            return Err(ModelError::Malformed(
                "the known share is not a probability",
            ));
        }
        Ok(model)
    }
}

pub(crate) fn date_index(level: DateLevel) -> (Option<usize>, &'static str) {
    match level {
        DateLevel::Exact => (Some(0), "exact"),
        DateLevel::DayMonthSwapped => (Some(1), "day_month_swapped"),
        DateLevel::OneDigit => (Some(2), "one_digit"),
        DateLevel::SameYear => (Some(3), "same_year"),
        DateLevel::Different => (Some(4), "different"),
        DateLevel::Null => (None, "null"),
    }
}

pub(crate) fn postcode_index(level: PostcodeLevel) -> (Option<usize>, &'static str) {
    match level {
        PostcodeLevel::Unit => (Some(0), "unit"),
        PostcodeLevel::Sector => (Some(1), "sector"),
        PostcodeLevel::District => (Some(2), "district"),
        PostcodeLevel::OneCharacter => (Some(3), "one_character"),
        PostcodeLevel::Area => (Some(4), "area"),
        PostcodeLevel::Different => (Some(5), "different"),
        PostcodeLevel::Null => (None, "null"),
    }
}

pub(crate) fn name_index(level: NameLevel) -> Option<(usize, &'static str)> {
    match level {
        NameLevel::Exact => Some((0, "exact")),
        NameLevel::Part => Some((1, "part")),
        NameLevel::OneEdit => Some((2, "one_edit")),
        NameLevel::Close => Some((3, "close")),
        NameLevel::SoundAlike => Some((4, "sound_alike")),
        NameLevel::Nickname => Some((5, "nickname")),
        NameLevel::Different => Some((6, "different")),
        NameLevel::Null => None,
    }
}

impl Model {
    /// Scores two people against each other, explaining each field.
    ///
    /// ```
    /// use contactpoint_linkage::{Model, NoTermFrequencies, Person};
    /// let record = Person { forename: Some("Amelia"), surname: Some("Okonkwo"),
    ///     date_of_birth: Some((2019, 4, 3)), postcode: Some("LS6 2AB"), gender: Some("female") };
    /// let typo = Person { surname: Some("Okonkow"), ..record };
    /// let other = Person { forename: Some("Grace"), date_of_birth: Some((2012, 1, 9)), ..record };
    /// let model = Model::default();
    /// assert!(model.score(&typo, &record, &NoTermFrequencies).probability() > 0.99);
    /// assert!(model.score(&other, &record, &NoTermFrequencies).probability() < 0.01);
    /// ```
    pub fn score(&self, a: &Person<'_>, b: &Person<'_>, tf: &dyn TermFrequencies) -> Score {
        self.compare(&a.profile(), &b.profile(), tf)
    }

    /// Adds what an identifier both records may hold says: agreeing or not.
    /// Missing on either side, it weighs nothing and is not shown.
    ///
    /// ```
    /// use contactpoint_linkage::{Field, Model, Score};
    /// let model = Model::default();
    /// let mut score = Score { weight: 0.0, evidence: vec![] };
    /// model.add_identifier(&mut score, Field::NhsNumber, Some("9434765919"), Some("9434765919"));
    /// assert!(score.weight > 20.0);
    /// model.add_identifier(&mut score, Field::Upn, Some("X"), None);
    /// assert_eq!(score.evidence.len(), 1);
    /// ```
    pub fn add_identifier(
        &self,
        score: &mut Score,
        field: Field,
        a: Option<&str>,
        b: Option<&str>,
    ) {
        let levels = match field {
            Field::Upn => &self.upn,
            _ => &self.nhs_number,
        };
        let (Some(a), Some(b)) = (a, b) else {
            return;
        };
        let (index, level) = if a == b {
            (0, "same")
        } else {
            (1, "different")
        };
        let weight = levels[index].match_weight();
        score.weight += weight;
        score.evidence.push(Evidence {
            field,
            level,
            weight,
        });
    }

    /// Compares a query (or feed record) with a stored profile, explaining
    /// each field. Each field takes its best level over every name and
    /// postcode the profile holds, so an old surname or an old address
    /// counts as much as the current one.
    ///
    /// A query giving both names is also read with them swapped (a
    /// surname typed as the forename), at the price of
    /// [`Model::names_swapped`]; the better reading counts.
    pub fn compare(&self, query: &Profile, record: &Profile, tf: &dyn TermFrequencies) -> Score {
        let straight = self.compare_in_order(query, record, tf);
        // Reading the names swapped can only help where they disagree.
        let names_disagree = straight
            .evidence
            .iter()
            .any(|e| matches!(e.field, Field::Forename | Field::Surname) && e.level == "different");
        if !names_disagree || query.forenames.is_empty() || query.surnames.is_empty() {
            return straight;
        }
        // Read in place, not from a swapped copy: a household's other
        // children are candidates too, and for each of them the names
        // disagree.
        let swapped_names = (&query.surnames, &query.forenames);
        let mut swapped = self.compare_reading(swapped_names, query, record, &NoTermFrequencies);
        let price = self.names_swapped.log2();
        if swapped.weight + price <= straight.weight {
            return straight;
        }
        swapped.weight += price;
        swapped.evidence.push(Evidence {
            field: Field::NameOrder,
            level: "swapped",
            weight: price,
        });
        swapped
    }

    pub(crate) fn compare_in_order(
        &self,
        query: &Profile,
        record: &Profile,
        tf: &dyn TermFrequencies,
    ) -> Score {
        self.compare_reading((&query.forenames, &query.surnames), query, record, tf)
    }

    /// [`Model::compare_in_order`] with the query's forenames and surnames
    /// read as `names` says.
    fn compare_reading(
        &self,
        (forenames, surnames): (&Names, &Names),
        query: &Profile,
        record: &Profile,
        tf: &dyn TermFrequencies,
    ) -> Score {
        let mut evidence = Vec::with_capacity(6);
        let names = [
            (
                Field::Forename,
                forenames,
                &record.forenames,
                &self.forename,
            ),
            (Field::Surname, surnames, &record.surnames, &self.surname),
        ];
        for (field, x, y, levels) in names {
            let (level, exact_on) = x.compare(y, field == Field::Forename);
            let Some((index, label)) = name_index(level) else {
                evidence.push(Evidence::null(field));
                continue;
            };
            let mut weight = levels[index].match_weight();
            if let Some(folded) = exact_on {
                let frequency = match field {
                    Field::Surname => tf.surname(folded),
                    _ => tf.forename(folded),
                };
                // Term-frequency adjustment: a match on a common name is
                // worth less than one on a rare name.
                if let Some(frequency) = frequency {
                    weight = (levels[index].m / frequency.max(self.min_term_frequency)).log2();
                }
            }
            evidence.push(Evidence {
                field,
                level: label,
                weight,
            });
        }

        evidence.push(self.date_evidence(query.date_of_birth, record.date_of_birth));

        let best_postcode = query
            .postcodes
            .iter()
            .flat_map(|a| record.postcodes.iter().map(|b| compare_postcodes(a, b)))
            .min()
            .unwrap_or(PostcodeLevel::Null);
        let (index, label) = postcode_index(best_postcode);
        evidence.push(Evidence {
            field: Field::Postcode,
            level: label,
            weight: index.map_or(0.0, |i| self.postcode[i].match_weight()),
        });

        let (index, label) = match (query.gender, record.gender) {
            (Some(x), Some(y)) if x == y => (Some(0), "same"),
            (Some(_), Some(_)) => (Some(1), "different"),
            _ => (None, "null"),
        };
        evidence.push(Evidence {
            field: Field::Gender,
            level: label,
            weight: index.map_or(0.0, |i| self.gender[i].match_weight()),
        });

        let weight = self.prior_weight + evidence.iter().map(|e| e.weight).sum::<f64>();
        Score { weight, evidence }
    }

    fn date_evidence(&self, a: Option<BirthDate>, b: Option<BirthDate>) -> Evidence {
        let full = |d: Option<BirthDate>| match d {
            Some(BirthDate::Full(y, m, d)) => Some((y, m, d)),
            _ => None,
        };
        let year = |d: BirthDate| match d {
            BirthDate::Full(y, _, _) | BirthDate::Year(y) => y,
        };
        let (probabilities, label) = match (a, b) {
            (Some(BirthDate::Year(_)), Some(other)) | (Some(other), Some(BirthDate::Year(_))) => {
                let same = a.map(year) == Some(year(other)) && b.map(year) == Some(year(other));
                if same {
                    (Some(self.birth_year[0]), "same_year")
                } else {
                    (Some(self.birth_year[1]), "different_year")
                }
            }
            _ => {
                let (index, label) = date_index(compare_dates(full(a), full(b)));
                (index.map(|i| self.date_of_birth[i]), label)
            }
        };
        Evidence {
            field: Field::DateOfBirth,
            level: label,
            weight: probabilities.map_or(0.0, |p| p.match_weight()),
        }
    }
}

impl Evidence {
    fn null(field: Field) -> Self {
        Self {
            field,
            level: "null",
            weight: 0.0,
        }
    }
}

impl Person<'_> {
    fn profile(&self) -> Profile {
        Profile {
            forenames: Names::forenames(self.forename),
            surnames: Names::surnames(self.surname),
            date_of_birth: self.date_of_birth.map(|(y, m, d)| BirthDate::Full(y, m, d)),
            postcodes: self
                .postcode
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .into_iter()
                .collect(),
            gender: self.gender.and_then(known_gender),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Frequencies;

    impl TermFrequencies for Frequencies {
        fn surname(&self, folded: &str) -> Option<f64> {
            match folded {
                "smith" => Some(0.012),
                "okonkwo" => Some(0.000_002),
                _ => None,
            }
        }
        fn forename(&self, _: &str) -> Option<f64> {
            None
        }
    }

    fn person<'a>(surname: &'a str) -> Person<'a> {
        Person {
            forename: Some("Amelia"),
            surname: Some(surname),
            date_of_birth: Some((2019, 4, 3)),
            postcode: None,
            gender: None,
        }
    }

    #[test]
    fn a_match_on_a_rare_surname_weighs_more_than_on_a_common_one() {
        let model = Model::default();

        let smith = model.score(&person("Smith"), &person("Smith"), &Frequencies);
        let okonkwo = model.score(&person("Okonkwo"), &person("Okonkwo"), &Frequencies);

        assert!(
            okonkwo.weight > smith.weight + 5.0,
            "{} vs {}",
            okonkwo.weight,
            smith.weight
        );
    }

    #[test]
    fn every_field_is_explained_and_the_parts_add_up() {
        let model = Model::default();

        let score = model.score(&person("Smith"), &person("Smyth"), &NoTermFrequencies);

        let fields: Vec<_> = score.evidence.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["forename", "surname", "date_of_birth", "postcode", "gender"]
        );
        let sum: f64 = score.evidence.iter().map(|e| e.weight).sum();
        assert!((score.weight - model.prior_weight - sum).abs() < 1e-9);
        assert_eq!(score.evidence[1].level, "one_edit");
        assert_eq!(score.evidence[3].level, "null");
        assert_eq!(score.evidence[3].weight, 0.0);
    }

    #[test]
    fn a_nickname_counts_for_the_forename() {
        let model = Model::default();
        let a = Person {
            forename: Some("Bill"),
            ..person("Smith")
        };
        let b = Person {
            forename: Some("William"),
            ..person("Smith")
        };

        let score = model.score(&a, &b, &NoTermFrequencies);

        assert_eq!(score.evidence[0].level, "nickname");
        assert!(score.evidence[0].weight > 0.0);
    }

    #[test]
    fn disagreement_weighs_against_a_match() {
        let model = Model::default();
        let a = person("Smith");
        let b = Person {
            date_of_birth: Some((2011, 9, 30)),
            ..person("Smith")
        };

        let score = model.score(&a, &b, &NoTermFrequencies);

        assert!(score.evidence[2].weight < 0.0);
        assert!(score.probability() < 0.5);
    }
}
