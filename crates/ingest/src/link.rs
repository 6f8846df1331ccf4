//! Deciding which child a feed record describes: the record is scored
//! against each candidate the blocking keys found, and the best score,
//! against two thresholds, says link, review or new.

use contactpoint_domain::ChildId;
use contactpoint_linkage::{
    BirthDate, Evidence, Field, Model, Names, Profile, Score, TermFrequencies, known_gender,
};
pub use contactpoint_store::LinkCandidate;

use crate::record::FeedRecord;

/// Where the decisions fall, as match probabilities. Fixed before any
/// measurement, from what each mistake costs: a wrong link shows one
/// child's services on another's record, so linking needs near certainty;
/// a missed link only leaves a duplicate for review to find.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above: linked to the candidate.
    pub link: f64,
    /// At or above (and below `link`): sent to the review queue.
    pub review: f64,
}

impl Thresholds {
    /// The review threshold as a weight (bits of odds).
    pub fn review_weight(&self) -> f64 {
        (self.review / (1.0 - self.review)).log2()
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            link: 0.999,
            review: 0.5,
        }
    }
}

/// What to do with a record that no earlier record of its source placed.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Link {
        child: ChildId,
        score: Score,
    },
    Review {
        child: ChildId,
        score: Score,
    },
    New,
    /// Too little to make a new child from, and no child it surely is.
    TooLittle,
}

/// The record as linkage compares it.
pub fn profile(record: &FeedRecord) -> Profile {
    let forenames = record
        .given_name
        .iter()
        .chain(&record.preferred_given_name)
        .map(|n| n.as_str());
    let surnames = record
        .family_name
        .iter()
        .chain(&record.former_family_name)
        .map(|n| n.as_str());
    Profile {
        forenames: Names::forenames(forenames),
        surnames: Names::surnames(surnames),
        date_of_birth: record
            .date_of_birth
            .map(|d| BirthDate::Full(d.year(), u8::from(d.month()), d.day())),
        postcodes: record
            .address
            .iter()
            .chain(&record.previous_addresses)
            .map(|a| a.postcode().to_string())
            .collect(),
        gender: record.gender.and_then(|g| known_gender(g.as_str())),
    }
}

/// Scores the record against one candidate, identifiers included.
pub fn score(
    model: &Model,
    record: &FeedRecord,
    query: &Profile,
    candidate: &LinkCandidate,
    tf: &dyn TermFrequencies,
) -> Score {
    let mut score = model.compare(query, &candidate.profile, tf);
    let nhs = record.nhs_number.as_ref().map(|n| n.digits());
    model.add_identifier(
        &mut score,
        Field::NhsNumber,
        nhs.as_deref(),
        candidate.nhs_number.as_deref(),
    );
    model.add_identifier(
        &mut score,
        Field::Upn,
        record.upn.as_ref().map(|u| u.as_str()),
        candidate.upn.as_deref(),
    );
    score
}

/// What a link is never made over without a person looking: a wholly
/// different forename (not a typo, not a nickname), which is what tells
/// twins apart when surname, date of birth, address and carers agree; a
/// date of birth that differs beyond a slip (not swapped, not one digit),
/// or a different gender, which is what tells apart siblings given a
/// like-sounding name, since a household shares surname and address and
/// so looks, field by field, like one child; and a different NHS number
/// or UPN, which two records of one child should not have, however much
/// else agrees. Siblings are not given one forename, so beside the same
/// forename a date in the same year is a slip, not a sibling (at a
/// million children, 385 records so sent to review were all the child
/// named). An NHS number or UPN that agrees outweighs all of these but the
/// other identifier differing: siblings never share one.
fn needs_a_person(score: &Score) -> bool {
    let identified = identified(score);
    let forename_exact = level(score, Field::Forename) == Some("exact");
    score.evidence.iter().any(|e| match e.field {
        Field::NhsNumber | Field::Upn => e.level == "different",
        _ if identified => false,
        Field::Forename | Field::Gender => e.level == "different",
        Field::DateOfBirth => match e.level {
            "different" | "different_year" => true,
            "same_year" => !forename_exact,
            _ => false,
        },
        _ => false,
    })
}

/// What says two children, not one, however much else agrees: then the
/// candidate is neither linked to nor offered for review, and the record
/// is weighed against the others alone. A household shares surname and
/// address, so siblings look, field by field, like one child; what tells
/// them apart is this:
/// - two valid NHS numbers, or two valid UPNs, that differ: each was
///   checked by its check digit, so they name two children. Only when
///   forename, surname and date of birth all agree exactly might one be
///   wrong, and a person decides;
/// - a forename and a date of birth that both differ (not a typo, not a
///   nickname, not a slip or a swap): a brother or sister at the same
///   address.
fn apart(score: &Score) -> bool {
    let identifiers_differ = [Field::NhsNumber, Field::Upn]
        .into_iter()
        .any(|f| level(score, f) == Some("different"));
    let sibling = level(score, Field::Forename) == Some("different")
        && level(score, Field::DateOfBirth) == Some("different");
    (identifiers_differ && !same_identity(score)) || sibling
}

/// The comparison level a score found for a field, if it compared it.
pub(crate) fn level(score: &Score, field: Field) -> Option<&'static str> {
    score
        .evidence
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.level)
}

/// An NHS number or a UPN agrees.
pub(crate) fn identified(score: &Score) -> bool {
    [Field::NhsNumber, Field::Upn]
        .into_iter()
        .any(|f| level(score, f) == Some("same"))
}

/// A link no NHS number or UPN confirms, over a forename not the child's
/// own: a typo, a nickname, or a twin's like-sounding name.
pub(crate) fn unsure(score: &Score) -> bool {
    !identified(score) && level(score, Field::Forename) != Some("exact")
}

/// Forename, surname and date of birth all agree exactly.
pub(crate) fn same_identity(score: &Score) -> bool {
    [Field::Forename, Field::Surname, Field::DateOfBirth]
        .into_iter()
        .all(|f| level(score, f) == Some("exact"))
}

/// The best candidate's score made a probability among all of them: the
/// record describes a held child with the model's known share, and that
/// child is one candidate or another. Each candidate's weight already
/// carries the population's prior (one child among all held); the shift
/// by the known share's odds, and the sum over the other candidates, are
/// added to the score as the `candidates` evidence.
fn among_candidates(model: &Model, mut best: Score, others: &[f64]) -> Score {
    let share = model.known_share.clamp(1e-9, 1.0 - 1e-9);
    let shift = (share / (1.0 - share)).log2();
    let rest: f64 = others.iter().map(|w| (w + shift).exp2()).sum();
    let posterior = best.weight + shift - (1.0 + rest).log2();
    let adjustment = posterior - best.weight;
    if adjustment.abs() > 1e-12 {
        best.evidence.push(Evidence {
            field: Field::Candidates,
            level: "others_and_known_share",
            weight: adjustment,
        });
        best.weight = posterior;
    }
    best
}

/// The decision for `record` among `candidates`.
pub fn decide(
    model: &Model,
    thresholds: Thresholds,
    record: &FeedRecord,
    candidates: &[LinkCandidate],
    tf: &dyn TermFrequencies,
) -> Decision {
    let query = profile(record);
    let scored = candidates
        .iter()
        .map(|c| (c.child, score(model, record, &query, c, tf)))
        .collect();
    decide_scored(model, thresholds, record, scored)
}

/// The decision for `record` among candidates already scored against it.
pub fn decide_scored(
    model: &Model,
    thresholds: Thresholds,
    record: &FeedRecord,
    mut scored: Vec<(ChildId, Score)>,
) -> Decision {
    scored.retain(|(_, score)| !apart(score));
    scored.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight));
    let others: Vec<f64> = scored.iter().skip(1).map(|(_, s)| s.weight).collect();
    let best = scored
        .into_iter()
        .next()
        .map(|(child, score)| (child, among_candidates(model, score, &others)));
    if let Some((child, score)) = best {
        let p = score.probability();
        if p >= thresholds.link && !needs_a_person(&score) {
            return Decision::Link { child, score };
        }
        if p >= thresholds.review {
            return Decision::Review { child, score };
        }
    }
    if record.identifies_a_new_child() {
        Decision::New
    } else {
        Decision::TooLittle
    }
}

#[cfg(test)]
mod tests {
    use contactpoint_domain::{
        Address, Gender, Label, Name, NhsNumber, Postcode, SourceId, SourceRecordId,
        SourceRecordRef,
    };
    use contactpoint_linkage::NoTermFrequencies;
    use time::macros::date;

    use super::*;

    #[test]
    fn the_review_threshold_as_a_weight_is_its_log_odds() {
        let at = |review| {
            Thresholds {
                link: 0.999,
                review,
            }
            .review_weight()
        };
        assert_eq!(at(0.5), 0.0);
        assert!((at(0.8) - 2.0).abs() < 1e-12);
    }

    fn record(given: &str, family: &str) -> FeedRecord {
        let mut record = FeedRecord::new(SourceRecordRef {
            source: SourceId::parse("school-census").unwrap(),
            record: SourceRecordId::parse("S1").unwrap(),
        });
        record.given_name = Some(Name::parse(given).unwrap());
        record.family_name = Some(Name::parse(family).unwrap());
        record.date_of_birth = Some(date!(2019 - 04 - 03));
        record.gender = Some(Gender::Female);
        record.address = Some(
            Address::new(
                vec![Label::parse("12 Church Lane").unwrap()],
                None,
                Postcode::parse("LS6 2AB").unwrap(),
            )
            .unwrap(),
        );
        record
    }

    fn candidate(of: &FeedRecord, nhs: Option<&str>) -> LinkCandidate {
        LinkCandidate {
            child: ChildId::new(),
            profile: profile(of),
            nhs_number: nhs.map(Into::into),
            upn: None,
        }
    }

    fn decide_default(record: &FeedRecord, candidates: &[LinkCandidate]) -> Decision {
        decide(
            &Model::default(),
            Thresholds::default(),
            record,
            candidates,
            &NoTermFrequencies,
        )
    }

    /// As for a feed whose records mostly describe children already held,
    /// as a second source's do.
    fn decide_for_second_source(record: &FeedRecord, candidates: &[LinkCandidate]) -> Decision {
        let model = Model {
            known_share: 0.97,
            ..Model::default()
        };
        decide(
            &model,
            Thresholds::default(),
            record,
            candidates,
            &NoTermFrequencies,
        )
    }

    #[test]
    fn the_same_child_with_the_same_nhs_number_links() {
        let mut incoming = record("Amelia", "Okonkwo");
        incoming.nhs_number = Some(NhsNumber::parse("9434765919").unwrap());
        let known = candidate(&record("Amelia", "Okonkwo"), Some("9434765919"));

        let decision = decide_default(&incoming, std::slice::from_ref(&known));

        assert!(matches!(decision, Decision::Link { child, .. } if child == known.child));
    }

    #[test]
    fn a_twin_is_never_linked_to_the_other_twin() {
        let twin = candidate(&record("Amelia", "Okonkwo"), None);
        let other = record("Zara", "Okonkwo");

        let decision = decide_default(&other, std::slice::from_ref(&twin));

        // Everything else agrees: without the twins rule this would link.
        let Decision::Review { score, .. } = decision else {
            panic!("{decision:?}");
        };
        assert!(score.probability() >= Thresholds::default().link);
        let same = decide_default(&record("Amelia", "Okonkwo"), &[twin]);
        assert!(matches!(same, Decision::Link { .. }), "{same:?}");
    }

    #[test]
    fn a_record_naming_one_twin_links_to_that_twin_beside_the_other() {
        let mia = candidate(&record("Mia", "O'Reilly"), None);
        let maeve = candidate(&record("Maeve", "O'Reilly"), None);

        let decision = decide_for_second_source(&record("Mia", "O'Reilly"), &[maeve, mia.clone()]);

        assert!(
            matches!(&decision, Decision::Link { child, .. } if *child == mia.child),
            "{decision:?}"
        );
    }

    #[test]
    fn a_date_of_birth_in_the_same_year_needs_a_person_only_beside_another_forename() {
        let known = candidate(&record("Amelia", "Okonkwo"), None);
        let mut herself = record("Amelia", "Okonkwo");
        herself.date_of_birth = Some(date!(2019 - 09 - 23));
        let mut sister = record("Amelie", "Okonkwo");
        sister.date_of_birth = Some(date!(2019 - 09 - 23));

        let linked = decide_for_second_source(&herself, std::slice::from_ref(&known));
        let reviewed = decide_for_second_source(&sister, std::slice::from_ref(&known));

        assert!(matches!(linked, Decision::Link { .. }), "{linked:?}");
        assert!(matches!(reviewed, Decision::Review { .. }), "{reviewed:?}");
    }

    #[test]
    fn a_conflicting_nhs_number_sends_even_a_close_match_to_review() {
        let mut incoming = record("Amelia", "Okonkwo");
        incoming.nhs_number = Some(NhsNumber::parse("9434765919").unwrap());
        let known = candidate(&record("Amelia", "Okonkwo"), Some("4010232137"));

        let decision = decide_default(&incoming, &[known]);

        assert!(matches!(decision, Decision::Review { .. }), "{decision:?}");
    }

    #[test]
    fn a_conflicting_nhs_number_with_any_other_difference_is_another_child() {
        let mut incoming = record("Amelia", "Okonkwo");
        incoming.nhs_number = Some(NhsNumber::parse("9434765919").unwrap());
        incoming.date_of_birth = Some(date!(2019 - 05 - 13));
        let sister = candidate(&record("Amelia", "Okonkwo"), Some("4010232137"));
        let mut twin = record("Zara", "Okonkwo");
        twin.nhs_number = Some(NhsNumber::parse("9434765919").unwrap());

        assert_eq!(
            decide_default(&incoming, std::slice::from_ref(&sister)),
            Decision::New
        );
        assert_eq!(decide_default(&twin, &[sister]), Decision::New);
    }

    #[test]
    fn an_agreeing_nhs_number_links_despite_a_date_of_birth_a_person_would_check() {
        let mut incoming = record("Amelia", "Okonkwo");
        incoming.nhs_number = Some(NhsNumber::parse("9434765919").unwrap());
        incoming.date_of_birth = Some(date!(2019 - 09 - 23));
        let known = candidate(&record("Amelia", "Okonkwo"), Some("9434765919"));

        let decision = decide_default(&incoming, &[known]);

        assert!(matches!(decision, Decision::Link { .. }), "{decision:?}");
    }

    #[test]
    fn a_sibling_at_the_same_address_is_another_child_and_leaves_the_right_one() {
        let mut incoming = record("Zara", "Okonkwo");
        incoming.date_of_birth = Some(date!(2016 - 09 - 21));
        let sister = candidate(&record("Amelia", "Okonkwo"), None);
        let herself = candidate(&incoming, None);

        let alone = decide_default(&incoming, std::slice::from_ref(&sister));
        let beside = decide_default(&incoming, &[sister, herself.clone()]);

        assert_eq!(alone, Decision::New);
        assert!(
            matches!(beside, Decision::Link { child, .. } if child == herself.child),
            "{beside:?}"
        );
    }

    #[test]
    fn no_candidate_makes_a_new_child_unless_the_record_says_too_little() {
        let full = record("Amelia", "Okonkwo");
        let mut bare = record("Amelia", "Okonkwo");
        bare.date_of_birth = None;

        assert_eq!(decide_default(&full, &[]), Decision::New);
        assert_eq!(decide_default(&bare, &[]), Decision::TooLittle);
    }
}
