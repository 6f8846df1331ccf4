//! The slice of FHIR R4 that health feeds send, one resource per NDJSON line.
//!
//! Only what ContactPoint may hold is modelled: identity, carers and which
//! services are involved. Anything else in a line is ignored when reading, so
//! a richer feed still parses. Dates stay strings because FHIR allows partial
//! dates (`2014`, `2014-03`) and a bad date must reach the rejects report
//! rather than fail the whole line.

use contactpoint_domain::Gender;
use serde::{Deserialize, Serialize};

/// The NHS number's identifier system in UK Core.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// The Organisation Data Service code system for GP practices and trusts.
pub const ODS_CODE_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// HL7 v3 RoleCode, which codes how a related person relates to the patient.
pub const ROLE_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
/// ContactPoint's own code list for service kinds on an `EpisodeOfCare`.
pub const SERVICE_KIND_SYSTEM: &str = "https://contactpoint.example.org/CodeSystem/service-kind";

/// One line of a health feed. The tag is FHIR's `resourceType`, so a line
/// names what it is and unknown resource types fail clearly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
// Read and written one line at a time, so boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Resource {
    Patient(Patient),
    RelatedPerson(RelatedPerson),
    EpisodeOfCare(EpisodeOfCare),
}

impl Resource {
    /// The resource id, which is the source system's record id.
    pub fn id(&self) -> &str {
        match self {
            Self::Patient(r) => &r.id,
            Self::RelatedPerson(r) => &r.id,
            Self::EpisodeOfCare(r) => &r.id,
        }
    }
}

/// The child as the health system knows them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// `YYYY-MM-DD`, or partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    /// The registered GP practice, by ODS code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub general_practitioner: Vec<Reference>,
    /// `false` when the source no longer holds the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased_date_time: Option<String>,
}

/// A parent or carer, pointing at the patient it belongs to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedPerson {
    pub id: String,
    pub patient: Reference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationship: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
}

/// A service working with the patient (health visitor, school nurse), with
/// the named person who manages the care.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeOfCare {
    pub id: String,
    /// `active`, `finished`...
    pub status: String,
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<CodeableConcept>,
    pub patient: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managing_organization: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_manager: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Identifier {
    pub system: String,
    pub value: String,
}

/// FHIR's `HumanName.use`: `official` is the legal name, `usual` the one the
/// person goes by, `old` a former name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NameUse {
    Usual,
    Official,
    Temp,
    Nickname,
    Anonymous,
    Old,
    Maiden,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HumanName {
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub name_use: Option<NameUse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

/// FHIR's `Address.use`: `old` marks a previous address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressUse {
    Home,
    Work,
    Temp,
    Old,
    Billing,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub address_use: Option<AddressUse>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// A pointer to another resource, by local reference (`Patient/123`), by
/// business identifier (an ODS code), or only by a display name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coding {
    pub system: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactPointSystem {
    Phone,
    Email,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactPointUse {
    Home,
    Work,
    Mobile,
}

/// A phone number or email address (FHIR's `ContactPoint`, not ours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    pub system: ContactPointSystem,
    pub value: String,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub contact_use: Option<ContactPointUse>,
}

/// Dates as FHIR writes them (`YYYY-MM-DD` or a date-time).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Period {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// Why a line is not a resource we read.
#[derive(Debug, thiserror::Error)]
#[error("line {line} is not a FHIR resource ContactPoint reads: {source}")]
pub struct FhirLineError {
    pub line: u64,
    #[source]
    pub source: serde_json::Error,
}

/// Reads one NDJSON line; `line` is its 1-based number, for the report.
pub fn parse_line(line: u64, text: &str) -> Result<Resource, FhirLineError> {
    serde_json::from_str(text).map_err(|source| FhirLineError { line, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uk_core_patient_reads_with_its_nhs_number_and_practice() {
        let line = r#"{"resourceType":"Patient","id":"p1",
            "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],
            "name":[{"use":"official","family":"Smith","given":["Amelia"]}],
            "gender":"female","birthDate":"2015-03-02",
            "address":[{"use":"home","line":["1 High Street"],"postalCode":"M1 1AE"}],
            "generalPractitioner":[{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"Y12345"},"display":"Elm Surgery"}],
            "meta":{"versionId":"1"}}"#;
        let Resource::Patient(patient) = parse_line(1, line).unwrap() else {
            panic!("not a patient");
        };
        assert_eq!(patient.identifier[0].system, NHS_NUMBER_SYSTEM);
        assert_eq!(patient.gender, Some(Gender::Female));
        assert_eq!(patient.name[0].name_use, Some(NameUse::Official));
        assert_eq!(patient.address[0].postal_code.as_deref(), Some("M1 1AE"));
    }

    #[test]
    fn a_resource_written_reads_back_the_same() {
        let resource = Resource::EpisodeOfCare(EpisodeOfCare {
            id: "e1".into(),
            status: "active".into(),
            patient: Reference {
                reference: Some("Patient/p1".into()),
                ..Reference::default()
            },
            period: Some(Period {
                start: Some("2024-01-01".into()),
                end: None,
            }),
            ..EpisodeOfCare::default()
        });
        let text = serde_json::to_string(&resource).unwrap();
        assert!(text.starts_with(r#"{"resourceType":"EpisodeOfCare""#));
        assert_eq!(parse_line(1, &text).unwrap(), resource);
    }

    #[test]
    fn an_unknown_resource_type_is_refused_with_its_line() {
        let err = parse_line(7, r#"{"resourceType":"Observation","id":"o1"}"#).unwrap_err();
        assert_eq!(err.line, 7);
    }
}
