//! Reading a FHIR R4 NDJSON feed into feed records. A child is a `Patient`
//! line followed by the `RelatedPerson` (carers) and `EpisodeOfCare`
//! (services) lines that point at it; a line pointing at any other patient
//! is rejected, so a record is whole when the next `Patient` begins.
//!
//! The mapping, fixed by FHIR and UK Core rather than by a file:
//! - `Patient.id`: the source record id; `identifier` under
//!   `https://fhir.nhs.uk/Id/nhs-number`: the NHS number;
//! - `name`: `official` (else the first) gives the names, `usual` a
//!   preferred given name, `old` or `maiden` a former family name;
//! - `gender`, `birthDate` (a full date; a partial one is rejected);
//! - `address`: the first that is not `old`; those that are `old` are previous
//!   addresses;
//! - `generalPractitioner`: the GP practice, by its display name;
//! - `deceasedBoolean` or `deceasedDateTime`: action `deceased`;
//!   `active: false`: action `delete`;
//! - `RelatedPerson`: a carer, its relationship from HL7 v3 RoleCode;
//! - `EpisodeOfCare`: a service, its kind from ContactPoint's code list,
//!   `managingOrganization` and `careManager` by display name.

use std::io::BufRead;

use contactpoint_domain::{
    Address, Carer, ContactDetails, Email, Involvement, Label, Name, NhsNumber, Organisation,
    PersonName, PhoneNumber, Postcode, Practitioner, Relationship, Service, ServiceKind, SourceId,
    SourceRecordId, SourceRecordRef,
};
use time::Date;

use crate::csv_feed::RowRejection;
use crate::fhir::{
    self, AddressUse, ContactPointSystem, EpisodeOfCare, HumanName, NHS_NUMBER_SYSTEM, NameUse,
    Patient, ROLE_CODE_SYSTEM, RelatedPerson, Resource, SERVICE_KIND_SYSTEM,
};
use crate::record::{Action, FeedRecord, Rejection};

/// A FHIR NDJSON feed being read, one record per patient.
pub struct FhirFeed<R> {
    lines: std::io::Lines<R>,
    line: u64,
    source: SourceId,
    /// The patient being assembled.
    current: Option<FeedRecord>,
    /// A rejection found while assembling, to hand out before the record.
    waiting: Option<RowRejection>,
    finished: bool,
}

impl<R: BufRead> FhirFeed<R> {
    pub fn new(input: R, source: &SourceId) -> Self {
        Self {
            lines: input.lines(),
            line: 0,
            source: source.clone(),
            current: None,
            waiting: None,
            finished: false,
        }
    }

    fn rejection(line: u64, record_id: Option<String>, reason: Rejection) -> RowRejection {
        RowRejection {
            line,
            record_id,
            reason,
        }
    }

    /// Hands out the patient assembled so far, if any.
    fn finish_current(&mut self) -> Option<Result<FeedRecord, RowRejection>> {
        self.current.take().map(Ok)
    }
}

impl<R: BufRead> Iterator for FhirFeed<R> {
    type Item = Result<FeedRecord, RowRejection>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(rejection) = self.waiting.take() {
            return Some(Err(rejection));
        }
        while !self.finished {
            let Some(text) = self.lines.next() else {
                self.finished = true;
                break;
            };
            self.line += 1;
            let line = self.line;
            let text = match text {
                Ok(text) => text,
                Err(e) => {
                    self.finished = true;
                    return Some(Err(Self::rejection(
                        line,
                        None,
                        Rejection::field("line", e),
                    )));
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            let resource = match fhir::parse_line(line, &text) {
                Ok(resource) => resource,
                Err(e) => {
                    let reason = Rejection::field("line", e.source);
                    return Some(Err(Self::rejection(line, None, reason)));
                }
            };
            match resource {
                Resource::Patient(patient) => {
                    let done = self.finish_current();
                    match patient_record(&patient, &self.source) {
                        Ok(record) => self.current = Some(record),
                        Err(reason) => {
                            let rejection = Self::rejection(line, Some(patient.id), reason);
                            if done.is_none() {
                                return Some(Err(rejection));
                            }
                            self.waiting = Some(rejection);
                        }
                    }
                    if done.is_some() {
                        return done;
                    }
                }
                other => {
                    let id = other.id().to_owned();
                    if let Err(reason) = self.attach(&other) {
                        return Some(Err(Self::rejection(line, Some(id), reason)));
                    }
                }
            }
        }
        self.finish_current()
    }
}

impl<R> FhirFeed<R> {
    /// Adds a carer or a service line to the patient it follows.
    fn attach(&mut self, resource: &Resource) -> Result<(), Rejection> {
        let Some(record) = &mut self.current else {
            return Err(Rejection::field(
                "patient",
                "this line follows no readable Patient line",
            ));
        };
        let expected = format!("Patient/{}", record.source_record.record);
        let patient = match resource {
            Resource::RelatedPerson(r) => &r.patient,
            Resource::EpisodeOfCare(e) => &e.patient,
            Resource::Patient(_) => return Ok(()),
        };
        if patient.reference.as_deref() != Some(expected.as_str()) {
            return Err(Rejection::field(
                "patient",
                format!(
                    "refers to {:?}, but the Patient line before it is {expected:?}",
                    patient.reference.as_deref().unwrap_or("")
                ),
            ));
        }
        match resource {
            Resource::RelatedPerson(person) => record.carers.push(carer(person)?),
            Resource::EpisodeOfCare(episode) => record.involvements.extend(involvement(episode)?),
            Resource::Patient(_) => {}
        }
        Ok(())
    }
}

fn name(field: &'static str, value: Option<&str>) -> Result<Option<Name>, Rejection> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| Name::parse(v).map_err(|e| Rejection::field(field, e)))
        .transpose()
}

fn given(name: &HumanName) -> Option<String> {
    (!name.given.is_empty()).then(|| name.given.join(" "))
}

fn full_date(field: &'static str, value: &str) -> Result<Date, Rejection> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    // A date-time keeps its date part.
    let date = value.get(..10).unwrap_or(value);
    Date::parse(date, &format)
        .map_err(|_| Rejection::field(field, format!("{value:?} is not a full date (YYYY-MM-DD)")))
}

fn patient_record(patient: &Patient, source: &SourceId) -> Result<FeedRecord, Rejection> {
    let record =
        SourceRecordId::parse(&patient.id).map_err(|e| Rejection::field("source record id", e))?;
    let mut out = FeedRecord::new(SourceRecordRef {
        source: source.clone(),
        record,
    });
    if patient.deceased_boolean == Some(true) || patient.deceased_date_time.is_some() {
        out.action = Action::Deceased;
    } else if patient.active == Some(false) {
        out.action = Action::Delete;
    }
    let official = patient
        .name
        .iter()
        .find(|n| n.name_use == Some(NameUse::Official))
        .or_else(|| patient.name.first());
    if let Some(official) = official {
        out.given_name = name("given name", given(official).as_deref())?;
        out.family_name = name("family name", official.family.as_deref())?;
    }
    let usual = patient
        .name
        .iter()
        .find(|n| n.name_use == Some(NameUse::Usual));
    out.preferred_given_name = name("preferred given name", usual.and_then(given).as_deref())?
        .filter(|p| Some(p) != out.given_name.as_ref());
    let former = patient
        .name
        .iter()
        .find(|n| matches!(n.name_use, Some(NameUse::Old | NameUse::Maiden)));
    out.former_family_name = name(
        "former family name",
        former.and_then(|n| n.family.as_deref()),
    )?;
    out.gender = patient.gender;
    out.date_of_birth = patient
        .birth_date
        .as_deref()
        .map(|d| full_date("date of birth", d))
        .transpose()?;
    out.nhs_number = patient
        .identifier
        .iter()
        .find(|i| i.system == NHS_NUMBER_SYSTEM)
        .map(|i| NhsNumber::parse(&i.value).map_err(|e| Rejection::field("NHS number", e)))
        .transpose()?;
    out.address = patient
        .address
        .iter()
        .find(|a| a.address_use != Some(AddressUse::Old))
        .map(address)
        .transpose()?
        .flatten();
    for old in patient
        .address
        .iter()
        .filter(|a| a.address_use == Some(AddressUse::Old))
    {
        if let Some(old) = address(old)?
            && Some(&old) != out.address.as_ref()
            && !out.previous_addresses.contains(&old)
        {
            out.previous_addresses.push(old);
        }
    }
    for practice in &patient.general_practitioner {
        if let Some(display) = practice.display.as_deref() {
            out.involvements
                .push(service(ServiceKind::GpPractice, display, None, None)?);
        }
    }
    Ok(out)
}

fn address(a: &fhir::Address) -> Result<Option<Address>, Rejection> {
    let Some(postcode) = a.postal_code.as_deref().filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    let postcode = Postcode::parse(postcode).map_err(|e| Rejection::field("postcode", e))?;
    let lines = a
        .line
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Label::parse(l).map_err(|e| Rejection::field("address", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let town = a
        .city
        .as_deref()
        .map(|t| Label::parse(t).map_err(|e| Rejection::field("town", e)))
        .transpose()?;
    Address::new(lines, town, postcode)
        .map(Some)
        .map_err(|e| Rejection::field("address", e))
}

fn relationship(person: &RelatedPerson) -> Relationship {
    let code = person
        .relationship
        .iter()
        .flat_map(|c| &c.coding)
        .find(|c| c.system == ROLE_CODE_SYSTEM)
        .map(|c| c.code.as_str());
    match code {
        Some("MTH" | "NMTH") => Relationship::Mother,
        Some("FTH" | "NFTH") => Relationship::Father,
        Some("STPPRN" | "STPMTH" | "STPFTH") => Relationship::StepParent,
        Some("GRPRN" | "GRMTH" | "GRFTH") => Relationship::Grandparent,
        Some("EXT") => Relationship::OtherRelative,
        Some("PRNFOST") => Relationship::FosterCarer,
        Some("GUARD") => Relationship::Guardian,
        _ => Relationship::Other,
    }
}

fn carer(person: &RelatedPerson) -> Result<Carer, Rejection> {
    let official = person
        .name
        .iter()
        .find(|n| n.name_use == Some(NameUse::Official))
        .or_else(|| person.name.first());
    let given = name("carer", official.and_then(given).as_deref())?;
    let family = name("carer", official.and_then(|n| n.family.as_deref()))?;
    let (Some(given), Some(family)) = (given, family) else {
        return Err(Rejection::field(
            "carer",
            "a carer needs a given and a family name",
        ));
    };
    let mut contact = ContactDetails::default();
    for telecom in &person.telecom {
        match telecom.system {
            ContactPointSystem::Phone if contact.phone.is_none() => {
                contact.phone = Some(
                    PhoneNumber::parse(&telecom.value).map_err(|e| Rejection::field("phone", e))?,
                );
            }
            ContactPointSystem::Email if contact.email.is_none() => {
                contact.email =
                    Some(Email::parse(&telecom.value).map_err(|e| Rejection::field("email", e))?);
            }
            _ => {}
        }
    }
    Ok(Carer {
        name: PersonName { given, family },
        relationship: relationship(person),
        // FHIR's RelatedPerson does not say; a health feed is not the
        // authority on parental responsibility.
        parental_responsibility: false,
        contact,
    })
}

fn service(
    kind: ServiceKind,
    organisation: &str,
    practitioner: Option<&str>,
    start: Option<Date>,
) -> Result<Involvement, Rejection> {
    let practitioner = practitioner
        .map(|display| -> Result<Practitioner, Rejection> {
            let mut words = display.split_whitespace();
            let given = words.next().unwrap_or_default();
            let family = words.collect::<Vec<_>>().join(" ");
            Ok(Practitioner {
                name: PersonName {
                    given: Name::parse(given).map_err(|e| Rejection::field("care manager", e))?,
                    family: Name::parse(&family)
                        .map_err(|e| Rejection::field("care manager", e))?,
                },
                role: Label::parse(kind.label()).map_err(|e| Rejection::field("role", e))?,
                contact: ContactDetails::default(),
            })
        })
        .transpose()?;
    let service = Service {
        organisation: Organisation {
            name: Label::parse(organisation).map_err(|e| Rejection::field("organisation", e))?,
            contact: ContactDetails::default(),
        },
        practitioner,
        start,
        end: None,
    };
    Involvement::new(kind, service, false).map_err(|e| Rejection::field("service", e))
}

fn involvement(episode: &EpisodeOfCare) -> Result<Option<Involvement>, Rejection> {
    // A finished episode is no current involvement.
    if episode.status != "active" {
        return Ok(None);
    }
    let Some(organisation) = episode
        .managing_organization
        .as_ref()
        .and_then(|o| o.display.as_deref())
    else {
        return Err(Rejection::field(
            "service",
            "an EpisodeOfCare needs its managingOrganization's display name",
        ));
    };
    let kind = episode
        .kind
        .iter()
        .flat_map(|c| &c.coding)
        .find(|c| c.system == SERVICE_KIND_SYSTEM)
        .and_then(|c| ServiceKind::parse(&c.code))
        .unwrap_or(ServiceKind::Other);
    let start = episode
        .period
        .as_ref()
        .and_then(|p| p.start.as_deref())
        .map(|d| full_date("service start", d))
        .transpose()?;
    let practitioner = episode
        .care_manager
        .as_ref()
        .and_then(|c| c.display.as_deref());
    service(kind, organisation, practitioner, start).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATIENT: &str = r#"{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"name":[{"use":"official","family":"Okonkwo","given":["Amelia"]},{"use":"usual","given":["Millie"]}],"gender":"female","birthDate":"2019-03-04","address":[{"use":"old","line":["3 Mill Road"],"postalCode":"LS7 1QD"},{"use":"home","line":["12 Church Lane"],"city":"Leeds","postalCode":"LS6 2AB"}],"generalPractitioner":[{"display":"Elm Surgery"}]}"#;
    const MOTHER: &str = r#"{"resourceType":"RelatedPerson","id":"p1-rp1","patient":{"reference":"Patient/p1"},"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"MTH"}]}],"name":[{"family":"Okonkwo","given":["Grace"]}],"telecom":[{"system":"phone","value":"07700 900456"}]}"#;
    const VISITOR: &str = r#"{"resourceType":"EpisodeOfCare","id":"p1-eoc1","status":"active","type":[{"coding":[{"system":"https://contactpoint.example.org/CodeSystem/service-kind","code":"health_visitor"}]}],"patient":{"reference":"Patient/p1"},"managingOrganization":{"display":"Leeds Community Health"},"careManager":{"display":"Ruth Ellis"},"period":{"start":"2019-04-01"}}"#;

    fn read(lines: &[&str]) -> Vec<Result<FeedRecord, RowRejection>> {
        let text = lines.join("\n");
        FhirFeed::new(text.as_bytes(), &SourceId::parse("nhs-pds").unwrap()).collect()
    }

    #[test]
    fn a_patient_with_its_carer_and_service_lines_is_one_record() {
        let records = read(&[PATIENT, MOTHER, VISITOR]);

        assert_eq!(records.len(), 1);
        let record = records[0].as_ref().unwrap();
        assert_eq!(record.source_record.record.as_str(), "p1");
        assert_eq!(
            record.preferred_given_name.as_ref().unwrap().as_str(),
            "Millie"
        );
        assert_eq!(record.nhs_number.as_ref().unwrap().digits(), "9434765919");
        assert_eq!(
            record.address.as_ref().unwrap().postcode().as_str(),
            "LS6 2AB"
        );
        let previous: Vec<_> = record
            .previous_addresses
            .iter()
            .map(|a| a.postcode().as_str())
            .collect();
        assert_eq!(previous, ["LS7 1QD"]);
        assert_eq!(record.carers[0].relationship, Relationship::Mother);
        let kinds: Vec<_> = record.involvements.iter().map(|i| i.kind()).collect();
        assert_eq!(kinds, [ServiceKind::GpPractice, ServiceKind::HealthVisitor]);
    }

    #[test]
    fn a_line_for_another_patient_or_after_a_rejected_one_is_rejected_alone() {
        let stray = MOTHER.replace("Patient/p1", "Patient/p9");
        let partial = PATIENT
            .replace("\"id\":\"p1\"", "\"id\":\"p2\"")
            .replace("2019-03-04", "2019");
        let orphan = MOTHER.replace("Patient/p1", "Patient/p2");

        let records = read(&[PATIENT, &stray, &partial, &orphan, "not json", PATIENT]);

        let outcomes: Vec<_> = records
            .iter()
            .map(|r| match r {
                Ok(record) => format!("ok {}", record.source_record.record),
                Err(e) => format!("line {} {}", e.line, e.reason),
            })
            .collect();
        assert_eq!(outcomes.len(), 6, "{outcomes:#?}");
        assert!(outcomes[0].starts_with("line 2 patient: refers to \"Patient/p9\""));
        assert_eq!(outcomes[1], "ok p1");
        assert!(
            outcomes[2].starts_with("line 3 date of birth"),
            "{outcomes:#?}"
        );
        assert!(outcomes[3].starts_with("line 4 patient: this line follows no readable Patient"));
        assert!(outcomes[4].starts_with("line 5 line:"));
        assert_eq!(outcomes[5], "ok p1");
    }

    #[test]
    fn deceased_and_inactive_patients_carry_their_action() {
        let deceased = PATIENT.replace(
            "\"gender\"",
            "\"deceasedDateTime\":\"2026-11-01T10:00:00Z\",\"gender\"",
        );
        let inactive = PATIENT.replace("\"gender\"", "\"active\":false,\"gender\"");

        let records = read(&[&deceased, &inactive]);

        assert_eq!(records[0].as_ref().unwrap().action, Action::Deceased);
        assert_eq!(records[1].as_ref().unwrap().action, Action::Delete);
    }
}
