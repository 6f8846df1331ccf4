//! The health feed: FHIR R4 resources in the UK Core style, one per line.

use std::io::Write;

use contactpoint_domain::{Address as DomainAddress, Relationship, ServiceKind};
use contactpoint_ingest::fhir::{
    Address, AddressUse, CodeableConcept, Coding, ContactPoint, ContactPointSystem,
    ContactPointUse, EpisodeOfCare, HumanName, Identifier, NHS_NUMBER_SYSTEM, NameUse,
    ODS_CODE_SYSTEM, Patient, Period, ROLE_CODE_SYSTEM, Reference, RelatedPerson, Resource,
    SERVICE_KIND_SYSTEM,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::places::Authority;
use super::population::TruthChild;
use super::view::View;

/// HL7 v3 RoleCode for each relationship; `None` where only text fits.
fn role_code(relationship: Relationship) -> Option<&'static str> {
    match relationship {
        Relationship::Mother => Some("MTH"),
        Relationship::Father => Some("FTH"),
        Relationship::StepParent => Some("STPPRN"),
        Relationship::Grandparent => Some("GRPRN"),
        Relationship::OtherRelative => Some("EXT"),
        Relationship::FosterCarer => Some("PRNFOST"),
        Relationship::SpecialGuardian | Relationship::Guardian => Some("GUARD"),
        Relationship::Other => None,
    }
}

fn address(a: &DomainAddress, address_use: AddressUse, postcode: bool) -> Address {
    Address {
        address_use: Some(address_use),
        line: a.lines().iter().map(|l| l.as_str().to_owned()).collect(),
        city: a.town().map(|t| t.as_str().to_owned()),
        postal_code: postcode.then(|| a.postcode().as_str().to_owned()),
        period: None,
    }
}

/// Writes the child's Patient, RelatedPersons and EpisodeOfCares as
/// `patient_id`.
pub(crate) fn write_child(
    out: &mut impl Write,
    patient_id: &str,
    truth: &TruthChild,
    view: &View<'_>,
    authority: &Authority,
    rng: &mut ChaCha8Rng,
) -> Result<(), serde_json::Error> {
    let child = &truth.child;
    let mut identifier = Vec::new();
    if let (Some(nhs), true) = (&child.nhs_number, view.identifier) {
        identifier.push(Identifier {
            system: NHS_NUMBER_SYSTEM.to_owned(),
            value: nhs.value.digits(),
        });
    }
    let mut name = vec![HumanName {
        name_use: Some(NameUse::Official),
        family: Some(view.family.clone()),
        given: vec![view.given.clone()],
    }];
    if let Some(preferred) = &child.preferred_given_name
        && rng.random_bool(0.6)
    {
        name.push(HumanName {
            name_use: Some(NameUse::Usual),
            family: Some(view.family.clone()),
            given: vec![preferred.value.as_str().to_owned()],
        });
    }
    let mut addresses = Vec::with_capacity(2);
    if let Some(a) = view.address {
        addresses.push(address(a, AddressUse::Home, view.postcode));
    }
    if let (Some(old), false, true) = (view.other_address, view.stale, rng.random_bool(0.5)) {
        addresses.push(address(old, AddressUse::Old, true));
    }
    let general_practitioner = truth
        .gp
        .map(|i| {
            let practice = &authority.gps[i];
            Reference {
                reference: None,
                identifier: Some(Identifier {
                    system: ODS_CODE_SYSTEM.to_owned(),
                    value: practice.code.clone(),
                }),
                display: Some(practice.organisation.name.as_str().to_owned()),
            }
        })
        .into_iter()
        .collect();
    let patient = Resource::Patient(Patient {
        id: patient_id.to_owned(),
        identifier,
        name,
        gender: view.gender,
        birth_date: Some(view.date_of_birth.to_string()),
        address: addresses,
        general_practitioner,
        ..Patient::default()
    });
    line(out, &patient)?;

    let patient_ref = || Reference {
        reference: Some(format!("Patient/{patient_id}")),
        ..Reference::default()
    };
    for (n, carer) in child.carers.iter().take(2).enumerate() {
        let carer = &carer.value;
        let relationship = CodeableConcept {
            coding: role_code(carer.relationship)
                .map(|code| Coding {
                    system: ROLE_CODE_SYSTEM.to_owned(),
                    code: code.to_owned(),
                    display: Some(carer.relationship.label().to_owned()),
                })
                .into_iter()
                .collect(),
            text: Some(carer.relationship.label().to_owned()),
        };
        let mut telecom = Vec::with_capacity(2);
        if let Some(phone) = &carer.contact.phone {
            telecom.push(ContactPoint {
                system: ContactPointSystem::Phone,
                value: phone.as_str().to_owned(),
                contact_use: Some(ContactPointUse::Mobile),
            });
        }
        if let Some(email) = &carer.contact.email {
            telecom.push(ContactPoint {
                system: ContactPointSystem::Email,
                value: email.as_str().to_owned(),
                contact_use: Some(ContactPointUse::Home),
            });
        }
        let person = Resource::RelatedPerson(RelatedPerson {
            id: format!("{patient_id}-rp{}", n + 1),
            patient: patient_ref(),
            relationship: vec![relationship],
            name: vec![HumanName {
                name_use: Some(NameUse::Official),
                family: Some(carer.name.family.as_str().to_owned()),
                given: vec![carer.name.given.as_str().to_owned()],
            }],
            telecom,
        });
        line(out, &person)?;
    }

    let episodes = child.involvements.iter().map(|i| &i.value).filter(|i| {
        matches!(
            i.kind(),
            ServiceKind::HealthVisitor | ServiceKind::SchoolNurse
        )
    });
    for (n, involvement) in episodes.enumerate() {
        let service = involvement.service();
        let kind = involvement.kind();
        let episode = Resource::EpisodeOfCare(EpisodeOfCare {
            id: format!("{patient_id}-eoc{}", n + 1),
            status: "active".to_owned(),
            kind: vec![CodeableConcept {
                coding: vec![Coding {
                    system: SERVICE_KIND_SYSTEM.to_owned(),
                    code: kind.as_str().to_owned(),
                    display: Some(kind.label().to_owned()),
                }],
                text: None,
            }],
            patient: patient_ref(),
            managing_organization: Some(Reference {
                display: Some(service.organisation.name.as_str().to_owned()),
                ..Reference::default()
            }),
            care_manager: service.practitioner.as_ref().map(|p| Reference {
                display: Some(p.name.to_string()),
                ..Reference::default()
            }),
            period: Some(Period {
                start: service.start.map(|d| d.to_string()),
                end: None,
            }),
        });
        line(out, &episode)?;
    }
    Ok(())
}

/// Serialises straight into the buffered output, one resource a line.
fn line(out: &mut impl Write, resource: &Resource) -> Result<(), serde_json::Error> {
    serde_json::to_writer(&mut *out, resource)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}
