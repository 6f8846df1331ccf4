//! Children for tests, built from the domain types: one with every part
//! filled in, varied by a sequence number.
// Fixed, valid values: a failure here is a bug in the fixture itself.
#![allow(clippy::unwrap_used)]

use contactpoint_domain::*;
use time::macros::{date, datetime};

pub fn provenance() -> Provenance {
    Provenance {
        source: SourceId::parse("nhs-pds").unwrap(),
        recorded_at: datetime!(2026-11-01 09:00 UTC),
    }
}

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced::new(value, provenance())
}

pub fn person(given: &str, family: &str) -> PersonName {
    PersonName {
        given: Name::parse(given).unwrap(),
        family: Name::parse(family).unwrap(),
    }
}

fn address(line: &str, postcode: &str) -> Address {
    Address::new(
        vec![Label::parse(line).unwrap()],
        Some(Label::parse("Leeds").unwrap()),
        Postcode::parse(postcode).unwrap(),
    )
    .unwrap()
}

fn service(organisation: &str, practitioner: Option<PersonName>) -> Service {
    Service {
        organisation: Organisation {
            name: Label::parse(organisation).unwrap(),
            contact: ContactDetails {
                phone: Some(PhoneNumber::parse("01632 960123").unwrap()),
                email: None,
            },
        },
        practitioner: practitioner.map(|name| Practitioner {
            name,
            role: Label::parse("Health visitor").unwrap(),
            contact: ContactDetails {
                phone: Some(PhoneNumber::parse("07700 900123").unwrap()),
                email: Some(Email::parse("hv@example.org").unwrap()),
            },
        }),
        start: Some(date!(2024 - 01 - 10)),
        end: None,
    }
}

/// A child with every part filled in: names, addresses, identifiers,
/// carers, services, a sensitive service with consent, a CAF and sources.
pub fn child(sequence: u64) -> Child {
    let nhs_body = [
        4,
        0,
        1,
        0,
        2,
        3,
        2,
        (sequence % 10) as u8,
        ((sequence / 10) % 10) as u8,
    ];
    let nhs = NhsNumber::from_body(nhs_body)
        .or_else(|| NhsNumber::from_body([4, 0, 1, 0, 2, 3, 3, 0, 0]))
        .unwrap();
    Child {
        id: ChildId::new(),
        contactpoint_id: ContactPointId::from_sequence(sequence),
        status: RecordStatus::Active,
        name: sourced(person("Amelia", "Okonkwo")),
        previous_names: vec![sourced(person("Amelia", "Smith"))],
        preferred_given_name: Some(sourced(Name::parse("Millie").unwrap())),
        gender: sourced(Gender::Female),
        date_of_birth: sourced(date!(2019 - 04 - 03)),
        address: Some(sourced(address("12 Church Lane", "LS6 2AB"))),
        previous_addresses: vec![sourced(address("3 Mill Road", "LS7 1QD"))],
        nhs_number: Some(sourced(nhs)),
        upn: Some(sourced(
            Upn::from_parts(383, 2001, 23, (sequence % 1000) as u16).unwrap(),
        )),
        source_records: vec![
            SourceRecordRef {
                source: SourceId::parse("nhs-pds").unwrap(),
                record: SourceRecordId::parse(&format!("P{sequence:06}")).unwrap(),
            },
            SourceRecordRef {
                source: SourceId::parse("school-census").unwrap(),
                record: SourceRecordId::parse(&format!("S{sequence:06}")).unwrap(),
            },
        ],
        carers: vec![sourced(Carer {
            name: person("Grace", "Okonkwo"),
            relationship: Relationship::Mother,
            parental_responsibility: true,
            contact: ContactDetails {
                phone: Some(PhoneNumber::parse("07700 900456").unwrap()),
                email: Some(Email::parse("grace@example.com").unwrap()),
            },
        })],
        involvements: vec![
            sourced(
                Involvement::new(
                    ServiceKind::HealthVisitor,
                    service("Leeds Community Healthcare", Some(person("Priya", "Shah"))),
                    true,
                )
                .unwrap(),
            ),
            sourced(
                Involvement::new(
                    ServiceKind::GpPractice,
                    service("Elm Road Surgery", None),
                    false,
                )
                .unwrap(),
            ),
        ],
        sensitive_involvements: vec![sourced(
            SensitiveInvolvement::new(
                SensitiveServiceKind::MentalHealth,
                service("Leeds CAMHS", Some(person("Tom", "Reid"))),
                Consent {
                    given_by: ConsentGiver::ParentOrCarer {
                        name: person("Grace", "Okonkwo"),
                    },
                    recorded_by: person("Tom", "Reid"),
                    recorded_at: datetime!(2026-10-01 14:30 UTC),
                },
            )
            .unwrap(),
        )],
        caf: Some(sourced(CafIndicator {
            holder: Practitioner {
                name: person("Priya", "Shah"),
                role: Label::parse("Lead professional").unwrap(),
                contact: ContactDetails::default(),
            },
            organisation: Label::parse("Leeds City Council").unwrap(),
            completed_on: date!(2025 - 06 - 30),
        })),
        shield: None,
        extended_to_25: false,
    }
}
