//! Estimating a model's m and u probabilities from the data: u from pairs
//! drawn at random (almost all of them two different children), as splink
//! does; then m from the pairs blocking finds, by an expectation-
//! maximisation in which each field is left out of its own expectation
//! step: a field's m counts its levels among the pairs that other fields,
//! against the prior, already show to be one child.
//!
//! Plain EM over blocked pairs fails here: blocking keeps pairs that agree
//! on names or a date, so siblings and near-namesakes look alike on every
//! field at once, and EM took nearly every pair for a match. Leaving the
//! field out keeps its own agreement from deciding which pairs it is
//! counted over; leaving the postcode out keeps a household's children
//! apart. A level the data shows too rarely keeps its starting value.

use crate::score::{Field, Probabilities};
use crate::{Model, NoTermFrequencies, Profile};

/// The fields whose levels are estimated, in the order a [`Comparison`]
/// holds them. Identifiers keep the model's values: a checked NHS number
/// or UPN is one child's alone by construction, whatever a sample shows.
const FIELDS: [Field; 5] = [
    Field::Forename,
    Field::Surname,
    Field::DateOfBirth,
    Field::Postcode,
    Field::Gender,
];

/// The comparison level each field of one pair fell in; `None` for the
/// null level (missing on either side), which says nothing either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison([Option<u8>; 5]);

impl Comparison {
    /// The levels of `query` against `record`, names in the order given.
    pub fn of(model: &Model, query: &Profile, record: &Profile) -> Self {
        let score = model.compare_in_order(query, record, &NoTermFrequencies);
        let mut levels = [None; 5];
        for evidence in &score.evidence {
            if let Some(slot) = FIELDS.iter().position(|f| *f == evidence.field) {
                levels[slot] = level_index(evidence.field, evidence.level);
            }
        }
        Self(levels)
    }
}

/// Where a level's label sits in the model's table for its field.
fn level_index(field: Field, label: &str) -> Option<u8> {
    let labels: &[&str] = match field {
        Field::Forename | Field::Surname => &[
            "exact",
            "part",
            "one_edit",
            "close",
            "sound_alike",
            "nickname",
            "different",
        ],
        Field::DateOfBirth => &[
            "exact",
            "day_month_swapped",
            "one_digit",
            "same_year",
            "different",
        ],
        Field::Postcode => &[
            "unit",
            "sector",
            "district",
            "one_character",
            "area",
            "different",
        ],
        Field::Gender => &["same", "different"],
        _ => &[],
    };
    labels
        .iter()
        .position(|l| *l == label)
        .and_then(|i| u8::try_from(i).ok())
}

/// What an estimation found, to report beside the model it made.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub model: Model,
    /// Pairs behind u (random) and behind m (blocked).
    pub random_pairs: usize,
    pub blocked_pairs: usize,
    /// The share of records whose child is among their candidates.
    pub match_share: f64,
    pub iterations: usize,
}

/// How many pairs must show a level before the data set its probability.
const MIN_OBSERVED: f64 = 10.0;
/// No level's probability falls below this: a level the sample never
/// showed is rare, not impossible.
const FLOOR: f64 = 1e-6;
const MAX_ITERATIONS: usize = 50;

fn levels_mut(model: &mut Model, field: Field) -> &mut [Probabilities] {
    match field {
        Field::Forename => &mut model.forename,
        Field::Surname => &mut model.surname,
        Field::DateOfBirth => &mut model.date_of_birth,
        Field::Postcode => &mut model.postcode,
        _ => &mut model.gender,
    }
}

fn levels(model: &Model, field: Field) -> &[Probabilities] {
    match field {
        Field::Forename => &model.forename,
        Field::Surname => &model.surname,
        Field::DateOfBirth => &model.date_of_birth,
        Field::Postcode => &model.postcode,
        _ => &model.gender,
    }
}

/// Sets each field's distribution (m or u, by `set` and `get`) from
/// weighted counts of its levels. A level seen in fewer than
/// [`MIN_OBSERVED`] pairs keeps its starting value: the sample cannot tell
/// a level's one in ten thousand from its one in a million, and a postcode
/// unit that random pairs never share is still shared by a household's
/// children, who are exactly the pairs blocking finds. The levels seen
/// often enough share what the others leave.
fn fit(
    model: &mut Model,
    start: &Model,
    pairs: &[Comparison],
    weights: &[f64],
    set: fn(&mut Probabilities, f64),
    get: fn(&Probabilities) -> f64,
) {
    for (slot, field) in FIELDS.iter().enumerate() {
        let prior = levels(start, *field);
        let mut counts = vec![0.0; prior.len()];
        for (pair, w) in pairs.iter().zip(weights) {
            if let Some(c) = pair.0[slot].and_then(|level| counts.get_mut(usize::from(level))) {
                *c += w;
            }
        }
        let seen = |c: f64| c >= MIN_OBSERVED;
        let kept: f64 = prior
            .iter()
            .zip(&counts)
            .filter(|(_, c)| !seen(**c))
            .map(|(p, _)| get(p))
            .sum();
        let observed: f64 = counts.iter().copied().filter(|c| seen(*c)).sum();
        if observed <= 0.0 {
            continue;
        }
        // The starting values may not sum to one (a level that never
        // occurs); the estimated ones share the same total.
        let free = (prior.iter().map(get).sum::<f64>() - kept).max(FLOOR);
        for ((p, start), c) in levels_mut(model, *field).iter_mut().zip(prior).zip(&counts) {
            let value = if seen(*c) {
                free * c / observed
            } else {
                get(start)
            };
            set(p, value.max(FLOOR));
        }
    }
}

/// log-odds (natural) that a pair is one child, from `prior` (log2 odds)
/// and the levels of the fields in `using` (slots of [`FIELDS`]).
fn log_odds(model: &Model, pair: &Comparison, prior: f64, using: &[usize]) -> f64 {
    let mut log_odds = prior * std::f64::consts::LN_2;
    for (slot, field) in FIELDS.iter().enumerate() {
        if !using.contains(&slot) {
            continue;
        }
        if let Some(level) = pair.0[slot]
            && let Some(p) = levels(model, *field).get(usize::from(level))
        {
            log_odds += (p.m / p.u).ln();
        }
    }
    log_odds
}

/// How sure the other fields must be that a pair is one child before it
/// counts towards a field's m.
const SETTLED: f64 = 0.99;

const ALL: [usize; 5] = [0, 1, 2, 3, 4];

/// The fields that decide whether a pair counts towards each field's m
/// (slots of [`FIELDS`]): never the field itself, and never the postcode
/// or the gender, which a household's children share with the surname,
/// so that siblings are not taken for one child. Twins share the date of
/// birth too, so the forename's m would count a record's twin as its
/// child; [`settled_pairs`] keeps one child a record.
const SETTLED_BY: [&[usize]; 5] = [&[1, 2], &[0, 2], &[0, 1], &[0, 1, 2], &[0, 1, 2]];

/// Which of the blocked pairs count towards the m of the field in `slot`
/// (1.0 or 0.0, in the order of the pairs flattened): those the other
/// fields settle as one child, and of a record's candidates so settled
/// only the likeliest by every field, since a record describes one child.
/// Without that, a record of one twin found beside both counted the other
/// as the same child under another forename: at a million children the
/// school census's m for a different forename came out at 0.19, a weight
/// of -2.4 against, and a twin beside the child a record names exactly
/// left nearly a thousand records to review that were plainly that child.
fn settled_pairs(
    model: &Model,
    blocked: &[Vec<Comparison>],
    prior: f64,
    slot: usize,
    threshold: f64,
) -> Vec<f64> {
    let mut settled = Vec::with_capacity(blocked.iter().map(Vec::len).sum());
    for candidates in blocked {
        let likeliest = candidates
            .iter()
            .enumerate()
            .filter(|(_, pair)| log_odds(model, pair, prior, SETTLED_BY[slot]) >= threshold)
            .map(|(i, pair)| (i, log_odds(model, pair, prior, &ALL)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        settled.extend((0..candidates.len()).map(|i| f64::from(u8::from(likeliest == Some(i)))));
    }
    settled
}

/// The share of records whose child is among their candidates, by EM:
/// each record's chance of being one of its candidates' (the prior of one
/// child in the population, and each candidate's likelihood ratio) given
/// the share, averaged into the next share.
fn known_share(model: &Model, blocked: &[Vec<Comparison>], prior: f64) -> f64 {
    let sums: Vec<f64> = blocked
        .iter()
        .map(|pairs| {
            pairs
                .iter()
                .map(|pair| log_odds(model, pair, prior, &ALL).exp())
                .sum()
        })
        .collect();
    let mut share: f64 = 0.5;
    for _ in 0..MAX_ITERATIONS {
        let odds = share / (1.0 - share);
        let next = sums
            .iter()
            .map(|s| odds * s / (1.0 + odds * s))
            .sum::<f64>()
            / sums.len().max(1) as f64;
        let next = next.clamp(FLOOR, 1.0 - FLOOR);
        let settled = (next - share).abs() < 1e-6;
        share = next;
        if settled {
            break;
        }
    }
    share
}

/// Estimates u from `random` pairs; then m from the `blocked` pairs (each
/// record's candidates, one vector per record), each field's from the
/// pairs the other fields settle; and the share of records whose child is
/// among their candidates ([`Model::known_share`]). `prior` is log2 of the
/// prior odds that a pair is one child: one in the population held. The
/// m and the share depend on each other: two rounds settle them.
///
/// ```
/// use contactpoint_linkage::{estimate, BirthDate, Comparison, Model, Names, Profile};
/// let child = |given: &str, family: &str, day: u8| Profile {
///     forenames: Names::forenames([given]), surnames: Names::surnames([family]),
///     date_of_birth: Some(BirthDate::Full(2019, 4, day)), postcodes: vec![], gender: None };
/// let model = Model::default();
/// let same = Comparison::of(&model, &child("Amelia", "Okonkwo", 3), &child("Amelia", "Okonkwo", 3));
/// let other = Comparison::of(&model, &child("Amelia", "Okonkwo", 3), &child("Grace", "Smith", 9));
/// let estimate = estimate(&model, &[other; 50], &[vec![same], vec![same], vec![other]], -10.0);
/// assert!(estimate.model.forename[0].u < 0.05);
/// assert!(estimate.model.known_share > 0.5 && estimate.model.known_share < 0.8);
/// ```
pub fn estimate(
    start: &Model,
    random: &[Comparison],
    blocked: &[Vec<Comparison>],
    prior: f64,
) -> Estimate {
    let mut model = start.clone();
    let ones = vec![1.0; random.len()];
    fit(&mut model, start, random, &ones, |p, u| p.u = u, |p| p.u);
    let pairs: Vec<Comparison> = blocked.iter().flatten().copied().collect();
    let threshold = (SETTLED / (1.0 - SETTLED)).ln();
    let mut iterations = 0;
    for _round in 0..2 {
        if pairs.is_empty() {
            break;
        }
        let share = model.known_share.clamp(FLOOR, 1.0 - FLOOR);
        let selection_prior = prior + (share / (1.0 - share)).log2();
        for _ in 0..MAX_ITERATIONS {
            iterations += 1;
            let before = model.clone();
            for (slot, &field) in FIELDS.iter().enumerate() {
                let settled = settled_pairs(&before, blocked, selection_prior, slot, threshold);
                let mut fitted = model.clone();
                fit(
                    &mut fitted,
                    start,
                    &pairs,
                    &settled,
                    |p, m| p.m = m,
                    |p| p.m,
                );
                let fitted_levels = levels(&fitted, field).to_vec();
                for (p, f) in levels_mut(&mut model, field).iter_mut().zip(fitted_levels) {
                    p.m = f.m;
                }
            }
            let moved = FIELDS
                .iter()
                .flat_map(|f| levels(&model, *f).iter().zip(levels(&before, *f)))
                .map(|(a, b)| (a.m - b.m).abs())
                .fold(0.0, f64::max);
            if moved < 1e-5 {
                break;
            }
        }
        model.known_share = known_share(&model, blocked, prior);
    }
    Estimate {
        random_pairs: random.len(),
        blocked_pairs: pairs.len(),
        match_share: model.known_share,
        iterations,
        model,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BirthDate, Names};

    fn child(given: &str, family: &str, day: u8, postcode: &str) -> Profile {
        Profile {
            forenames: Names::forenames([given]),
            surnames: Names::surnames([family]),
            date_of_birth: Some(BirthDate::Full(2019, 4, day)),
            postcodes: vec![postcode.to_owned()],
            gender: Some("female"),
        }
    }

    #[test]
    fn a_postcode_that_often_differs_between_records_of_one_child_weighs_less_against() {
        let model = Model::default();
        let amelia = child("Amelia", "Okonkwo", 3, "LS6 2AB");
        let moved = child("Amelia", "Okonkwo", 3, "M1 1AA");
        let stranger = child("Grace", "Smith", 9, "BS1 4DJ");
        let random = vec![Comparison::of(&model, &amelia, &stranger); 200];
        // Half of the true pairs disagree on the postcode.
        let mut blocked = vec![vec![Comparison::of(&model, &amelia, &amelia)]; 100];
        blocked.extend(vec![vec![Comparison::of(&model, &amelia, &moved)]; 100]);
        blocked.extend(vec![vec![Comparison::of(&model, &amelia, &stranger)]; 100]);

        let estimate = estimate(&model, &random, &blocked, -10.0);

        let different = estimate.model.postcode[5];
        assert!(
            different.match_weight() > model.postcode[5].match_weight() + 2.0,
            "{different:?}"
        );
        assert!(
            (estimate.match_share - 2.0 / 3.0).abs() < 0.05,
            "{estimate:?}"
        );
        // What the random pairs never showed keeps a small u, not zero.
        assert!(estimate.model.forename[0].u > 0.0);
    }

    #[test]
    fn a_twin_found_beside_the_child_a_record_names_is_not_counted_as_that_child() {
        let model = Model::default();
        let mia = child("Mia", "Okonkwo", 3, "LS6 2AB");
        let maeve = child("Maeve", "Okonkwo", 3, "LS6 2AB");
        let stranger = child("Grace", "Smith", 9, "BS1 4DJ");
        let random = vec![Comparison::of(&model, &mia, &stranger); 200];
        // Each record finds the child it names and that child's twin.
        let blocked = vec![
            vec![
                Comparison::of(&model, &mia, &mia),
                Comparison::of(&model, &mia, &maeve),
            ];
            100
        ];

        let estimate = estimate(&model, &random, &blocked, -10.0);

        let different = estimate.model.forename[6];
        assert!(different.m < 0.05, "{different:?}");
        assert!(
            different.match_weight() < model.forename[6].match_weight() + 1.0,
            "{different:?}"
        );
    }

    #[test]
    fn without_pairs_the_model_stays_as_it_was() {
        let model = Model::default();

        let estimate = estimate(&model, &[], &[], -10.0);

        for (a, b) in estimate.model.postcode.iter().zip(&model.postcode) {
            assert!((a.m - b.m).abs() < 1e-12 && (a.u - b.u).abs() < 1e-12);
        }
        assert_eq!(estimate.iterations, 0);
    }

    #[test]
    fn levels_are_read_back_from_their_labels() {
        let model = Model::default();
        let a = child("Amelia", "Okonkwo", 3, "LS6 2AB");
        let b = child("Amelia", "Okonkow", 4, "LS6 2AD");

        let comparison = Comparison::of(&model, &a, &b);

        assert_eq!(comparison.0, [Some(0), Some(2), Some(2), Some(1), Some(0)]);
    }
}
