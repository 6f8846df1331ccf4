//! Per-authority tables: postcode units, schools, GP practices and the teams
//! whose practitioners children are known to.
//!
//! These are the only things held in memory while generating: they scale
//! with the number of organisations, not of children.

use contactpoint_domain::{
    ContactDetails, Email, Label, Organisation, PersonName, PhoneNumber, Postcode, Practitioner,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::GenerateError;
use super::noise::fold_ascii;
use super::reference::{AuthorityRow, OrgKind, Reference, Sex};

/// Letters allowed in the inward code's last two places.
const INWARD_LETTERS: &[u8; 20] = b"ABDEFGHJLNPQRSTUWXYZ";
/// Children per postcode unit: about 14 households a unit, a third with
/// children, 1.8 children each.
pub(crate) const CHILDREN_PER_UNIT: f64 = 8.5;
const EMAIL_DOMAINS: [&str; 3] = ["example.com", "example.org", "example.net"];

/// An organisation and the named people a child may be known to there.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    /// The source's code for it: a URN for schools and nurseries, an ODS code
    /// for GP practices.
    pub code: String,
    /// The DfE establishment number, used in UPNs (schools only).
    pub establishment: u16,
    pub organisation: Organisation,
    pub staff: Vec<Practitioner>,
}

/// The authority's own services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TeamKind {
    HealthVisiting,
    SchoolNursing,
    SocialCare,
    YouthOffending,
    YouthSupport,
    SexualHealth,
    MentalHealth,
    SubstanceMisuse,
}

const TEAMS: [(TeamKind, &str, &str, f64); 8] = [
    (
        TeamKind::HealthVisiting,
        "Health Visiting Service",
        "Health visitor",
        1500.0,
    ),
    (
        TeamKind::SchoolNursing,
        "School Nursing Service",
        "School nurse",
        4000.0,
    ),
    (
        TeamKind::SocialCare,
        "Children's Social Care",
        "Social worker",
        600.0,
    ),
    (
        TeamKind::YouthOffending,
        "Youth Justice Service",
        "YOT case manager",
        8000.0,
    ),
    (
        TeamKind::YouthSupport,
        "Youth Support Service",
        "Personal adviser",
        3000.0,
    ),
    (
        TeamKind::SexualHealth,
        "Young People's Sexual Health Service",
        "Sexual health nurse",
        20000.0,
    ),
    (
        TeamKind::MentalHealth,
        "Children and Young People's Mental Health Service",
        "CAMHS practitioner",
        20000.0,
    ),
    (
        TeamKind::SubstanceMisuse,
        "Young People's Substance Misuse Service",
        "Substance misuse worker",
        20000.0,
    ),
];

/// Which of an authority's settings a service is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SettingRef {
    Primary(usize),
    Secondary(usize),
    EarlyYears(usize),
    Gp(usize),
    Team(TeamKind),
}

#[derive(Debug)]
pub(crate) struct Authority {
    pub code: String,
    pub name: Label,
    /// A DfE-style three-digit authority code for UPNs.
    pub la_code: u16,
    districts: Vec<String>,
    /// Used when a made-up postcode somehow fails to parse.
    fallback_postcode: Postcode,
    pub units: u32,
    pub primaries: Vec<Setting>,
    pub secondaries: Vec<Setting>,
    pub early_years: Vec<Setting>,
    pub gps: Vec<Setting>,
    pub teams: Vec<Setting>,
    /// Who sets shields here.
    pub shield_team: Label,
}

fn label(text: &str) -> Result<Label, GenerateError> {
    Label::parse(text).map_err(|e| GenerateError::Reference {
        file: "organisations.tsv",
        line: 0,
        reason: format!("{text:?}: {e}"),
    })
}

/// Mixes numbers into one well-spread value (splitmix64), for choices that
/// must depend only on a place, never on the order of generation.
pub(crate) fn mix(values: &[u64]) -> u64 {
    let mut z = 0x9E37_79B9_7F4A_7C15u64;
    for v in values {
        z = (z ^ v).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    z
}

/// A landline in Ofcom's drama range (01632 960000-960999).
pub(crate) fn landline(n: u64) -> Option<PhoneNumber> {
    PhoneNumber::parse(&format!("01632 960{:03}", n % 1000)).ok()
}

/// A mobile in Ofcom's drama range (07700 900000-900999).
pub(crate) fn mobile(n: u64) -> Option<PhoneNumber> {
    PhoneNumber::parse(&format!("07700 900{:03}", n % 1000)).ok()
}

/// `first.last12@example.org`, folded to plain lower-case letters.
pub(crate) fn email(given: &str, family: &str, n: u64) -> Option<Email> {
    let plain = |s: &str| -> String {
        fold_ascii(s)
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let domain = EMAIL_DOMAINS[(n % 3) as usize];
    let number = if n.is_multiple_of(5) {
        String::new()
    } else {
        (n % 97).to_string()
    };
    Email::parse(&format!(
        "{}.{}{number}@{domain}",
        plain(given),
        plain(family)
    ))
    .ok()
}

pub(crate) fn person(reference: &Reference, rng: &mut ChaCha8Rng, birth_year: i32) -> PersonName {
    let sex = if rng.random_bool(0.5) {
        Sex::Female
    } else {
        Sex::Male
    };
    PersonName {
        given: reference.given_names(sex, birth_year).pick(rng).clone(),
        family: reference.surnames.pick(rng).clone(),
    }
}

fn practitioner(reference: &Reference, rng: &mut ChaCha8Rng, role: &Label) -> Practitioner {
    let name = person(reference, rng, 2008);
    let n = rng.random_range(0..100_000u64);
    let email = email(name.given.as_str(), name.family.as_str(), n);
    Practitioner {
        name,
        role: role.clone(),
        contact: ContactDetails {
            phone: landline(n),
            email,
        },
    }
}

fn organisation(name: Label, n: u64) -> Organisation {
    let slug: String = fold_ascii(name.as_str())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let domain = EMAIL_DOMAINS[(n % 3) as usize];
    Organisation {
        contact: ContactDetails {
            phone: landline(n),
            email: Email::parse(&format!("{slug}{}@{domain}", n % 1000)).ok(),
        },
        name,
    }
}

fn org_name(
    reference: &Reference,
    rng: &mut ChaCha8Rng,
    kind: OrgKind,
) -> Result<Label, GenerateError> {
    let patterns = reference.patterns(kind);
    let pattern = &patterns[rng.random_range(0..patterns.len())];
    let place = &reference.stems[rng.random_range(0..reference.stems.len())];
    let saint = &reference.saints[rng.random_range(0..reference.saints.len())];
    label(&pattern.replace("{place}", place).replace("{saint}", saint))
}

impl Authority {
    /// Builds the tables for authority `index`, sized for the children it is
    /// expected to receive. Seeded by the index so each authority's tables do
    /// not depend on the others.
    pub(crate) fn build(
        reference: &Reference,
        index: usize,
        row: &AuthorityRow,
        expected_children: f64,
        seed: u64,
    ) -> Result<Self, GenerateError> {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(&[seed, 0xA11C, index as u64]));
        let count =
            |per: f64, share: f64| ((expected_children * share / per).ceil() as usize).max(1);
        let idx = index as u64;
        let mut settings = |kind: OrgKind,
                            n: usize,
                            roles: &[&str],
                            first: u16|
         -> Result<Vec<Setting>, GenerateError> {
            let roles: Vec<Label> = roles.iter().map(|r| label(r)).collect::<Result<_, _>>()?;
            (0..n)
                .map(|i| {
                    let name = org_name(reference, &mut rng, kind)?;
                    let establishment = first
                        .saturating_add(u16::try_from(i).unwrap_or(u16::MAX))
                        .min(9999);
                    let code = match kind {
                        OrgKind::Primary | OrgKind::Secondary => {
                            format!("{}", 100_000 + idx * 5_000 + u64::from(establishment))
                        }
                        OrgKind::EarlyYears => format!("EY{}", 100_000 + idx * 5_000 + i as u64),
                        OrgKind::GpPractice => format!(
                            "{}{:05}",
                            char::from(b"ABCDEFGHJKLMNPQRSTUW"[index % 20]),
                            (index / 20) * 10_000 + i
                        ),
                    };
                    let staff_count = if kind == OrgKind::GpPractice {
                        rng.random_range(2..=6)
                    } else {
                        roles.len()
                    };
                    let staff = (0..staff_count)
                        .map(|s| practitioner(reference, &mut rng, &roles[s % roles.len()]))
                        .collect();
                    let n = rng.random_range(0..100_000);
                    Ok(Setting {
                        code,
                        establishment,
                        organisation: organisation(name, n),
                        staff,
                    })
                })
                .collect()
        };
        let primaries = settings(
            OrgKind::Primary,
            count(250.0, 7.0 / 18.0),
            &[
                "Class teacher",
                "Designated safeguarding lead",
                "SENCo",
                "Headteacher",
            ],
            2000,
        )?;
        let secondaries = settings(
            OrgKind::Secondary,
            count(1000.0, 7.0 / 18.0),
            &[
                "Head of year",
                "Designated safeguarding lead",
                "SENCo",
                "Form tutor",
            ],
            4000,
        )?;
        let early_years = settings(
            OrgKind::EarlyYears,
            count(60.0, 3.0 / 18.0 * 0.6),
            &["Key person", "Nursery manager"],
            0,
        )?;
        let gps = settings(OrgKind::GpPractice, count(1500.0, 1.0), &["GP"], 0)?;

        let mut teams = Vec::with_capacity(TEAMS.len());
        for (i, (_, service, role, per)) in TEAMS.iter().enumerate() {
            let role = label(role)?;
            let staff = (0..count(*per, 1.0).min(400))
                .map(|_| practitioner(reference, &mut rng, &role))
                .collect();
            let name = label(&format!("{} {service}", row.name))?;
            teams.push(Setting {
                code: format!("{}-{i}", row.code),
                establishment: 0,
                organisation: organisation(name, rng.random_range(0..100_000)),
                staff,
            });
        }
        let fallback_postcode =
            Postcode::parse(&format!("{} 1AB", row.districts[0])).map_err(|e| {
                GenerateError::Reference {
                    file: "local_authorities.tsv",
                    line: 0,
                    reason: e.to_string(),
                }
            })?;
        Ok(Self {
            code: row.code.clone(),
            name: row.name.clone(),
            la_code: 201 + u16::try_from(index).unwrap_or(0) % 700,
            districts: row.districts.clone(),
            fallback_postcode,
            units: ((expected_children / CHILDREN_PER_UNIT).round() as u32).max(1),
            primaries,
            secondaries,
            early_years,
            gps,
            teams,
            shield_team: label(&format!("{} ContactPoint team", row.name))?,
        })
    }

    pub(crate) fn team(&self, kind: TeamKind) -> &Setting {
        &self.teams[kind as usize]
    }

    pub(crate) fn setting(&self, at: SettingRef) -> &Setting {
        match at {
            SettingRef::Primary(i) => &self.primaries[i],
            SettingRef::Secondary(i) => &self.secondaries[i],
            SettingRef::EarlyYears(i) => &self.early_years[i],
            SettingRef::Gp(i) => &self.gps[i],
            SettingRef::Team(kind) => self.team(kind),
        }
    }

    /// Unit `u` lies in district `u mod d`; its inward code counts up through
    /// the sector digit and the two letters, starting at `1AA`.
    pub(crate) fn postcode(&self, unit: u32) -> Postcode {
        let d = self.districts.len() as u32;
        let district = &self.districts[(unit % d) as usize];
        let k = unit / d;
        let digit = (k / 400 + 1) % 10;
        let pair = (k % 400) as usize;
        let text = format!(
            "{district} {digit}{}{}",
            char::from(INWARD_LETTERS[pair / 20]),
            char::from(INWARD_LETTERS[pair % 20])
        );
        Postcode::parse(&text).unwrap_or_else(|_| self.fallback_postcode.clone())
    }

    /// The street of unit `u`: fixed per unit, so neighbours share it.
    pub(crate) fn street(&self, reference: &Reference, index: usize, unit: u32) -> String {
        let h = mix(&[index as u64, u64::from(unit)]);
        let stem = &reference.stems[(h % reference.stems.len() as u64) as usize];
        let suffix = &reference.suffixes[((h >> 32) % reference.suffixes.len() as u64) as usize];
        format!("{stem} {suffix}")
    }
}
