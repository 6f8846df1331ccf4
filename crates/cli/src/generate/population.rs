//! The true population: households of children, drawn one at a time.

use std::collections::HashMap;

use contactpoint_domain::{
    Address, Carer, Child, ChildId, ContactDetails, ContactPointId, Gender, Label, Name, NhsNumber,
    PersonName, Provenance, RecordStatus, Relationship, Shield, SourceId, Sourced, age_on,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, Month, OffsetDateTime, Time};

use super::places::{Authority, email, mix, mobile};
use super::reference::{Reference, Sex};
use super::{GenerateError, Options};

/// Which school table a pupil's school is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Primary,
    Secondary,
}

/// A child as they really are, with the places the feeds need to name.
#[derive(Debug, Clone)]
pub struct TruthChild {
    /// `T00000001`: the key the truth file maps feed records to.
    pub key: String,
    pub child: Child,
    /// Index of the local authority the child lives in.
    pub authority: usize,
    pub school: Option<(Phase, usize)>,
    pub gp: Option<usize>,
    /// Whether the authority's own services know the child (social care,
    /// early years, youth services or education).
    pub known_to_authority: bool,
}

/// Children living together.
#[derive(Debug, Clone)]
pub struct Household {
    pub children: Vec<TruthChild>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Couple,
    CoupleDifferentNames,
    SingleParent,
    Blended,
}

/// A deterministic stream of households: same options, same output.
pub struct Population {
    pub(super) reference: Reference,
    pub(super) authorities: Vec<Authority>,
    pub(super) options: Options,
    pub(super) rng: ChaCha8Rng,
    pub(super) produced: u64,
    pub(super) nhs_counter: u64,
    pub(super) households: u64,
    pub(super) upn_serials: HashMap<(usize, u16, u8), u16>,
    pub(super) provenance: Provenance,
    pub(super) recorded_at: OffsetDateTime,
    /// Child ids carry a timestamp from here, one millisecond per child.
    pub(super) id_epoch_millis: u64,
    pub(super) earliest_birth: Date,
    pub(super) birth_days: i64,
}

pub(super) fn sept_first(year: i32) -> Date {
    Date::from_calendar_date(year, Month::September, 1).unwrap_or(Date::MIN)
}

impl Population {
    pub fn new(options: Options) -> Result<Self, GenerateError> {
        let reference = Reference::load()?;
        let total = reference.authorities.total().max(1) as f64;
        let authorities = reference
            .authorities
            .items()
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let expected = options.children as f64 * row.children as f64 / total;
                Authority::build(&reference, i, row, expected, options.seed)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let source = SourceId::parse("synthetic").map_err(|e| GenerateError::Reference {
            file: "source id",
            line: 0,
            reason: e.to_string(),
        })?;
        let recorded_at = options.as_of.with_time(Time::MIDNIGHT).assume_utc();
        // The earliest birthday that is still under 18 on `as_of`.
        // A 29 February falls back to the 28th: a child born on 1 March is
        // still 17 then.
        let year = options.as_of.year() - 18;
        let eighteen_ago = options
            .as_of
            .replace_year(year)
            .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
            .map_err(|_| GenerateError::Date)?;
        let earliest_birth = eighteen_ago + Duration::days(1);
        Ok(Self {
            rng: ChaCha8Rng::seed_from_u64(mix(&[options.seed, 0x5EED])),
            birth_days: (options.as_of - earliest_birth).whole_days() + 1,
            reference,
            authorities,
            options,
            produced: 0,
            nhs_counter: 0,
            households: 0,
            upn_serials: HashMap::new(),
            provenance: Provenance {
                source,
                recorded_at,
            },
            id_epoch_millis: u64::try_from(recorded_at.unix_timestamp())
                .unwrap_or_default()
                .saturating_mul(1000),
            recorded_at,
            earliest_birth,
        })
    }

    pub(crate) fn authority(&self, index: usize) -> &Authority {
        &self.authorities[index]
    }

    pub(crate) fn reference(&self) -> &Reference {
        &self.reference
    }

    pub(super) fn sourced<T>(&self, value: T) -> Sourced<T> {
        Sourced::new(value, self.provenance.clone())
    }

    /// The next NHS number in a scrambled walk over bodies starting with 9,
    /// a range never issued to real people.
    pub(super) fn next_nhs_number(&mut self) -> Option<NhsNumber> {
        for _ in 0..100 {
            let n = self.nhs_counter;
            self.nhs_counter += 1;
            let body = 900_000_000 + (n.wrapping_mul(7_368_787) % 100_000_000);
            let mut digits = [0u8; 9];
            for (i, d) in digits.iter_mut().enumerate() {
                *d = ((body / 10u64.pow(8 - i as u32)) % 10) as u8;
            }
            if let Some(nhs) = NhsNumber::from_body(digits) {
                return Some(nhs);
            }
        }
        None
    }

    pub(super) fn random_date(&mut self, from: Date, to: Date) -> Date {
        let days = (to - from).whole_days();
        if days <= 0 {
            return from;
        }
        from + Duration::days(self.rng.random_range(0..=days))
    }

    pub(super) fn address(&mut self, authority: usize, unit: u32) -> Option<Address> {
        let a = &self.authorities[authority];
        let street = a.street(&self.reference, authority, unit);
        let house = self.rng.random_range(1..=180u32);
        let mut lines = Vec::with_capacity(2);
        if self.rng.random_bool(0.12) {
            lines.push(Label::parse(&format!("Flat {}", self.rng.random_range(1..=24u32))).ok()?);
        }
        lines.push(Label::parse(&format!("{house} {street}")).ok()?);
        let postcode = a.postcode(unit);
        Address::new(lines, Some(a.name.clone()), postcode).ok()
    }

    pub(super) fn carer(
        &mut self,
        name: PersonName,
        relationship: Relationship,
        pr: bool,
    ) -> Carer {
        let n = self.rng.random_range(0..1_000_000u64);
        let phone = if self.rng.random_bool(0.9) {
            mobile(n)
        } else {
            None
        };
        let email = if self.rng.random_bool(0.6) {
            email(name.given.as_str(), name.family.as_str(), n)
        } else {
            None
        };
        Carer {
            name,
            relationship,
            parental_responsibility: pr,
            contact: ContactDetails { phone, email },
        }
    }

    pub(super) fn adult(&mut self, sex: Sex, family: &Name) -> PersonName {
        PersonName {
            given: self
                .reference
                .given_names(sex, 2008)
                .pick(&mut self.rng)
                .clone(),
            family: family.clone(),
        }
    }

    pub(super) fn surname(&mut self) -> Name {
        self.reference.surnames.pick(&mut self.rng).clone()
    }

    /// Birth dates of the household's children, eldest first: gaps of one to
    /// six years, twins in about 1.5% of births. The chain of births slides
    /// uniformly across the 18-year window and only the children born inside
    /// it are kept (older siblings have left scope, younger are not yet born),
    /// so every day of birth is equally likely. Gaps are shorter than the
    /// window, so at least one child is always kept.
    fn birth_dates(&mut self, count: usize) -> Vec<Date> {
        let mut offsets = Vec::with_capacity(count);
        let mut span = 0;
        offsets.push(0);
        for _ in 1..count {
            let gap = if self.rng.random_bool(0.015) {
                0
            } else {
                self.rng.random_range(365..=6 * 365)
            };
            span += gap;
            offsets.push(span);
        }
        let shift = self.rng.random_range(0..self.birth_days + span) - span;
        offsets
            .into_iter()
            .map(|o| o + shift)
            .filter(|day| (0..self.birth_days).contains(day))
            .map(|day| self.earliest_birth + Duration::days(day))
            .collect()
    }

    fn household(&mut self) -> Household {
        let rng = &mut self.rng;
        let authority = self.reference.authorities.pick_index(rng);
        let unit = rng.random_range(0..self.authorities[authority].units);
        let shape = match rng.random_range(0..100u8) {
            0..55 => Shape::Couple,
            55..67 => Shape::CoupleDifferentNames,
            67..92 => Shape::SingleParent,
            _ => Shape::Blended,
        };
        let mut count = match rng.random_range(0..100u8) {
            0..42 => 1,
            42..80 => 2,
            80..94 => 3,
            _ => 4,
        };
        if shape == Shape::Blended {
            count = count.max(2);
        }
        let dates = self.birth_dates(count);
        let count = dates.len();
        let address = self.address(authority, unit);
        let moved = self.rng.random_bool(0.10);
        let previous = if moved {
            let other = self.rng.random_range(0..self.authorities[authority].units);
            self.address(authority, other)
        } else {
            None
        };

        // Surnames and carers per child.
        let mother_family = self.surname();
        let mut carers: Vec<Vec<Carer>> = Vec::with_capacity(count);
        let mut families: Vec<Name> = Vec::with_capacity(count);
        match shape {
            Shape::Couple => {
                let mother = self.adult(Sex::Female, &mother_family);
                let father = self.adult(Sex::Male, &mother_family);
                let pair = vec![
                    self.carer(mother, Relationship::Mother, true),
                    self.carer(father, Relationship::Father, true),
                ];
                carers.resize(count, pair);
                families.resize(count, mother_family);
            }
            Shape::CoupleDifferentNames => {
                let father_family = self.surname();
                let child_family = match self.rng.random_range(0..10u8) {
                    0..5 => father_family.clone(),
                    5..8 => mother_family.clone(),
                    _ => Name::parse(&format!("{mother_family}-{father_family}"))
                        .unwrap_or_else(|_| father_family.clone()),
                };
                let mother = self.adult(Sex::Female, &mother_family);
                let father = self.adult(Sex::Male, &father_family);
                let pair = vec![
                    self.carer(mother, Relationship::Mother, true),
                    self.carer(father, Relationship::Father, true),
                ];
                carers.resize(count, pair);
                families.resize(count, child_family);
            }
            Shape::SingleParent => {
                let (relationship, sex, pr) = match self.rng.random_range(0..100u8) {
                    0..80 => (Relationship::Mother, Sex::Female, true),
                    80..92 => (Relationship::Father, Sex::Male, true),
                    92..96 => (Relationship::Grandparent, Sex::Female, false),
                    96..98 => (Relationship::FosterCarer, Sex::Female, false),
                    _ => (Relationship::SpecialGuardian, Sex::Female, true),
                };
                let parent_family = mother_family.clone();
                let child_family = match relationship {
                    Relationship::FosterCarer => self.surname(),
                    _ => parent_family.clone(),
                };
                let carer_name = self.adult(sex, &parent_family);
                let one = vec![self.carer(carer_name, relationship, pr)];
                carers.resize(count, one);
                families.resize(count, child_family);
            }
            Shape::Blended => {
                // The mother's children from an earlier relationship keep
                // their father's name; the later ones take her partner's.
                let earlier = self.surname();
                let partner_family = self.surname();
                // Trimming to the window may leave a single child.
                let older = if count > 1 {
                    self.rng.random_range(1..count)
                } else {
                    1
                };
                let mother = self.adult(Sex::Female, &partner_family);
                let partner = self.adult(Sex::Male, &partner_family);
                let mother = self.carer(mother, Relationship::Mother, true);
                let step = self.carer(partner.clone(), Relationship::StepParent, false);
                let father = Carer {
                    relationship: Relationship::Father,
                    parental_responsibility: true,
                    ..step.clone()
                };
                for i in 0..count {
                    if i < older {
                        carers.push(vec![mother.clone(), step.clone()]);
                        families.push(earlier.clone());
                    } else {
                        carers.push(vec![mother.clone(), father.clone()]);
                        families.push(partner_family.clone());
                    }
                }
            }
        }

        self.households += 1;
        let mut children = Vec::with_capacity(count);
        let mut previous_given: Option<(Date, Name)> = None;
        for ((dob, family), carers) in dates.into_iter().zip(families).zip(carers) {
            if self.produced >= self.options.children {
                break;
            }
            let twin_of = previous_given
                .as_ref()
                .filter(|(d, _)| *d == dob)
                .map(|(_, n)| n.clone());
            let child = self.child(
                authority,
                unit,
                dob,
                family,
                carers,
                address.clone(),
                previous.clone(),
                twin_of,
            );
            previous_given = Some((dob, child.child.name.value.given.clone()));
            children.push(child);
        }
        Household { children }
    }

    /// A given name for the sex and birth year; a twin gets a different name,
    /// often sharing the co-twin's first letter.
    pub(super) fn given_name(&mut self, sex: Sex, year: i32, twin_of: Option<&Name>) -> Name {
        let table = self.reference.given_names(sex, year);
        let Some(twin) = twin_of else {
            return table.pick(&mut self.rng).clone();
        };
        let initial = twin.as_str().chars().next();
        let alike = self.rng.random_bool(0.5);
        let mut name = table.pick(&mut self.rng).clone();
        for _ in 0..40 {
            let distinct = name != *twin;
            if distinct && (!alike || name.as_str().chars().next() == initial) {
                return name;
            }
            name = table.pick(&mut self.rng).clone();
        }
        // No other name of that initial came up: any other name will do,
        // for parents do not give twins one name.
        for _ in 0..1_000 {
            if name != *twin {
                break;
            }
            name = table.pick(&mut self.rng).clone();
        }
        name
    }

    #[allow(clippy::too_many_arguments)]
    fn child(
        &mut self,
        authority: usize,
        unit: u32,
        dob: Date,
        family: Name,
        carers: Vec<Carer>,
        address: Option<Address>,
        previous_address: Option<Address>,
        twin_of: Option<Name>,
    ) -> TruthChild {
        self.produced += 1;
        let sequence = self.produced;
        let sex = if self.rng.random_bool(0.488) {
            Sex::Female
        } else {
            Sex::Male
        };
        let gender = if self.rng.random_ratio(1, 5000) {
            Gender::Unknown
        } else if sex == Sex::Female {
            Gender::Female
        } else {
            Gender::Male
        };
        let given = self.given_name(sex, dob.year(), twin_of.as_ref());
        // Time-ordered like the ids the service makes (UUID v7), so a bulk
        // load appends to the indexes instead of splitting pages at random.
        let mut bytes = [0u8; 10];
        self.rng.fill(&mut bytes);
        let millis = self.id_epoch_millis + self.produced;
        let id = ChildId::from_uuid(
            uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid(),
        );
        let age = age_on(dob, self.options.as_of);

        let previous_names = if self.rng.random_bool(0.02) {
            let old = self.surname();
            vec![self.sourced(PersonName {
                given: given.clone(),
                family: old,
            })]
        } else {
            Vec::new()
        };
        let preferred_given_name = if self.rng.random_bool(0.04) {
            let options = self.reference.nicknames(given.as_str());
            (!options.is_empty()).then(|| options[self.rng.random_range(0..options.len())].clone())
        } else {
            None
        };

        let (involvements, school, gp, known, upn) = self.services(authority, unit, dob, age);
        let caf = self.caf(&involvements, dob);
        let sensitive = self.sensitive(authority, age);
        let shield = self.rng.random_ratio(1, 2000).then(|| Shield {
            since: self.recorded_at,
            set_by: self.authorities[authority].shield_team.clone(),
        });

        let nhs_number = self.next_nhs_number();
        let child = Child {
            id,
            contactpoint_id: ContactPointId::from_sequence(sequence),
            status: RecordStatus::Active,
            name: self.sourced(PersonName { given, family }),
            previous_names,
            preferred_given_name: preferred_given_name.map(|n| self.sourced(n)),
            gender: self.sourced(gender),
            date_of_birth: self.sourced(dob),
            address: address.map(|a| self.sourced(a)),
            previous_addresses: previous_address
                .map(|a| self.sourced(a))
                .into_iter()
                .collect(),
            nhs_number: nhs_number.map(|n| self.sourced(n)),
            upn: upn.map(|u| self.sourced(u)),
            source_records: Vec::new(),
            carers: carers.into_iter().map(|c| self.sourced(c)).collect(),
            involvements: involvements.into_iter().map(|i| self.sourced(i)).collect(),
            sensitive_involvements: sensitive.into_iter().map(|s| self.sourced(s)).collect(),
            caf: caf.map(|c| self.sourced(c)),
            shield,
            extended_to_25: false,
        };
        TruthChild {
            key: format!("T{sequence:08}"),
            child,
            authority,
            school,
            gp,
            known_to_authority: known,
        }
    }
}

impl Iterator for Population {
    type Item = Household;

    fn next(&mut self) -> Option<Household> {
        if self.produced >= self.options.children {
            return None;
        }
        Some(self.household())
    }
}
