//! Ranking a search's candidates: score each against the query, keep those
//! worth showing, give each a band, and refuse to list more than a handful.

use crate::{Model, Profile, Score, TermFrequencies};

/// How sure a result is, in words a practitioner can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// Every detail the query gives agrees exactly (the date in full).
    Exact,
    /// Not exact, but a match is very likely.
    Strong,
    /// Worth a look; the practitioner decides.
    Possible,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Strong => "strong",
            Self::Possible => "possible",
        }
    }
}

/// A candidate with its score and band.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked<T> {
    pub candidate: T,
    pub score: Score,
    pub band: Band,
}

/// What a search answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    /// At most [`Rules::max_results`], best first.
    Matches(Vec<Ranked<T>>),
    /// More results above the lowest band than may be shown, or more
    /// equally good results than may be shown: the query must say more.
    TooMany,
    None,
}

/// Where the bands start and how many results may be shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub max_results: usize,
    /// The least match probability for the strong band.
    pub strong_probability: f64,
    /// The least match probability for a result to be shown at all.
    pub possible_probability: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            max_results: 10,
            strong_probability: 0.9,
            possible_probability: 0.005,
        }
    }
}

/// Levels at which a field agrees exactly.
fn exact_level(level: &str) -> bool {
    matches!(level, "exact" | "unit" | "same" | "null")
}

impl Rules {
    fn band(&self, score: &Score) -> Option<Band> {
        let probability = score.probability();
        if probability < self.possible_probability {
            return None;
        }
        // The surname and a full date must be there and exact; any other
        // field the query gave must be exact too.
        let exact = score.evidence.iter().all(|e| exact_level(e.level))
            && score
                .evidence
                .iter()
                .filter(|e| matches!(e.field, crate::Field::Surname | crate::Field::DateOfBirth))
                .all(|e| e.level == "exact");
        // A child whose surname is nothing like the one asked for is never
        // more than possible, however well the rest agrees.
        let surname_differs = score
            .evidence
            .iter()
            .any(|e| e.field == crate::Field::Surname && e.level == "different");
        Some(if surname_differs {
            Band::Possible
        } else if exact && probability >= self.strong_probability {
            Band::Exact
        } else if probability >= self.strong_probability {
            Band::Strong
        } else {
            Band::Possible
        })
    }
}

/// Scores every candidate against the query and applies the rules.
///
/// ```
/// use contactpoint_linkage::{rank, BirthDate, Model, Names, NoTermFrequencies, Outcome, Profile, Rules};
/// let child = Profile {
///     forenames: Names::forenames(["William"]),
///     surnames: Names::surnames(["Okonkwo"]),
///     date_of_birth: Some(BirthDate::Full(2016, 4, 3)),
///     ..Profile::default()
/// };
/// let query = Profile {
///     forenames: Names::forenames(["Bill"]),
///     surnames: Names::surnames(["Okonkow"]),
///     date_of_birth: Some(BirthDate::Full(2016, 3, 4)),
///     ..Profile::default()
/// };
/// let outcome = rank(&Model::default(), &Rules::default(), &query, vec![("C1", child)], &NoTermFrequencies);
/// let Outcome::Matches(results) = outcome else { panic!() };
/// assert_eq!(results[0].candidate, "C1");
/// ```
pub fn rank<T>(
    model: &Model,
    rules: &Rules,
    query: &Profile,
    candidates: Vec<(T, Profile)>,
    tf: &dyn TermFrequencies,
) -> Outcome<T> {
    let mut ranked: Vec<Ranked<T>> = candidates
        .into_iter()
        .filter_map(|(candidate, profile)| {
            let score = model.compare(query, &profile, tf);
            let band = rules.band(&score)?;
            Some(Ranked {
                candidate,
                score,
                band,
            })
        })
        .collect();
    if ranked.is_empty() {
        return Outcome::None;
    }
    let above_lowest = ranked.iter().filter(|r| r.band < Band::Possible).count();
    if above_lowest > rules.max_results {
        return Outcome::TooMany;
    }
    ranked.sort_by(|a, b| {
        a.band
            .cmp(&b.band)
            .then(b.score.weight.total_cmp(&a.score.weight))
    });
    // Never cut between equals: which of them were shown would be chance.
    // Show only those above the tie, or none if the tie starts at the top.
    let mut cut = rules.max_results.min(ranked.len());
    if let Some(next) = ranked.get(cut) {
        let tied = |r: &Ranked<T>| r.band == next.band && r.score.weight == next.score.weight;
        while cut > 0 && ranked.get(cut - 1).is_some_and(tied) {
            cut -= 1;
        }
        if cut == 0 {
            return Outcome::TooMany;
        }
    }
    ranked.truncate(cut);
    Outcome::Matches(ranked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BirthDate, Names, NoTermFrequencies};

    fn child(forename: &str, surname: &str, date: (i32, u8, u8)) -> Profile {
        Profile {
            forenames: Names::forenames([forename]),
            surnames: Names::surnames([surname]),
            date_of_birth: Some(BirthDate::Full(date.0, date.1, date.2)),
            postcodes: vec!["LS6 2AB".into()],
            gender: Some("female"),
        }
    }

    fn outcome(query: &Profile, children: Vec<Profile>) -> Outcome<usize> {
        let candidates = children.into_iter().enumerate().collect();
        rank(
            &Model::default(),
            &Rules::default(),
            query,
            candidates,
            &NoTermFrequencies,
        )
    }

    #[test]
    fn an_exact_query_ranks_its_child_first_in_the_exact_band() {
        let query = child("Amelia", "Okafor", (2015, 6, 1));
        let children = vec![
            child("Amelie", "Okafor", (2015, 6, 1)),
            child("Amelia", "Okafor", (2015, 6, 1)),
        ];

        let Outcome::Matches(results) = outcome(&query, children) else {
            panic!("expected matches");
        };

        assert_eq!(results[0].candidate, 1);
        assert_eq!(results[0].band, Band::Exact);
        assert_eq!(results[1].band, Band::Strong);
    }

    #[test]
    fn a_birth_year_query_is_never_exact() {
        let mut query = child("Amelia", "Okafor", (2015, 6, 1));
        query.date_of_birth = Some(BirthDate::Year(2015));

        let Outcome::Matches(results) =
            outcome(&query, vec![child("Amelia", "Okafor", (2015, 6, 1))])
        else {
            panic!("expected matches");
        };

        assert_ne!(results[0].band, Band::Exact);
    }

    #[test]
    fn more_strong_matches_than_may_be_shown_is_too_many() {
        let query = Profile {
            date_of_birth: Some(BirthDate::Year(2015)),
            ..child("Amelia", "Okafor", (2015, 6, 1))
        };
        let children = (1..=11)
            .map(|day| child("Amelia", "Okafor", (2015, 6, day)))
            .collect();

        assert_eq!(outcome(&query, children), Outcome::TooMany);
    }

    #[test]
    fn someone_else_entirely_is_not_a_result() {
        let query = child("Amelia", "Okafor", (2015, 6, 1));

        let found = outcome(&query, vec![child("George", "Brown", (2009, 1, 30))]);

        assert_eq!(found, Outcome::None);
    }
}
