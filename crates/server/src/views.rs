//! What a practitioner is shown of a child, built once from the stored
//! record and rendered by both the JSON API and the pages. The shield is
//! applied here: a shielded record carries only its visible fields and whom
//! to contact, so no template or serializer can leak the rest.

use contactpoint_domain::{
    Address, Carer, Child, ContactDetails, Involvement, PersonName, Practitioner,
    SensitiveInvolvement, Service, age_on,
};
use contactpoint_linkage::Score;
use contactpoint_store::{ChildSummary, SearchResult};
use serde::Serialize;
use time::Date;

fn full_name(name: &PersonName) -> String {
    format!("{} {}", name.given, name.family)
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactView {
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl From<&ContactDetails> for ContactView {
    fn from(contact: &ContactDetails) -> Self {
        Self {
            phone: contact.phone.as_ref().map(ToString::to_string),
            email: contact.email.as_ref().map(ToString::to_string),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AddressView {
    pub lines: Vec<String>,
    pub town: Option<String>,
    pub postcode: String,
}

impl From<&Address> for AddressView {
    fn from(address: &Address) -> Self {
        Self {
            lines: address.lines().iter().map(ToString::to_string).collect(),
            town: address.town().map(ToString::to_string),
            postcode: address.postcode().to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CarerView {
    pub name: String,
    pub relationship: &'static str,
    pub parental_responsibility: bool,
    pub contact: ContactView,
}

impl From<&Carer> for CarerView {
    fn from(carer: &Carer) -> Self {
        Self {
            name: full_name(&carer.name),
            relationship: carer.relationship.label(),
            parental_responsibility: carer.parental_responsibility,
            contact: (&carer.contact).into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PractitionerView {
    pub name: String,
    pub role: String,
    pub contact: ContactView,
}

impl From<&Practitioner> for PractitionerView {
    fn from(practitioner: &Practitioner) -> Self {
        Self {
            name: full_name(&practitioner.name),
            role: practitioner.role.to_string(),
            contact: (&practitioner.contact).into(),
        }
    }
}

/// A service working with the child, and whom to contact there.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub kind: &'static str,
    /// The kind in words (`Health visitor`).
    pub label: &'static str,
    pub organisation: String,
    pub organisation_contact: ContactView,
    pub practitioner: Option<PractitionerView>,
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub lead_professional: bool,
    /// Recorded with the consent of the child or a parent. Who consented is
    /// restricted and never shown here.
    pub sensitive: bool,
}

impl ServiceView {
    fn new(kind: &'static str, label: &'static str, service: &Service) -> Self {
        Self {
            kind,
            label,
            organisation: service.organisation.name.to_string(),
            organisation_contact: (&service.organisation.contact).into(),
            practitioner: service.practitioner.as_ref().map(Into::into),
            start: service.start,
            end: service.end,
            lead_professional: false,
            sensitive: false,
        }
    }

    fn ordinary(involvement: &Involvement) -> Self {
        let kind = involvement.kind();
        Self {
            lead_professional: involvement.is_lead_professional(),
            ..Self::new(kind.as_str(), kind.label(), involvement.service())
        }
    }

    fn sensitive(involvement: &SensitiveInvolvement) -> Self {
        let kind = involvement.kind();
        Self {
            sensitive: true,
            ..Self::new(kind.as_str(), kind.label(), involvement.service())
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CafView {
    pub holder: PractitionerView,
    pub organisation: String,
    pub completed_on: Date,
}

/// The hidden part of a record: everything but the visible fields.
#[derive(Debug, Clone, Serialize)]
pub struct RecordDetails {
    pub preferred_given_name: Option<String>,
    pub previous_names: Vec<String>,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub address: Option<AddressView>,
    pub carers: Vec<CarerView>,
    pub services: Vec<ServiceView>,
    pub caf: Option<CafView>,
}

/// A child's record as a practitioner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ChildRecord {
    pub contactpoint_id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub age: i32,
    pub gender: &'static str,
    pub status: &'static str,
    pub shielded: bool,
    /// For a shielded child: the team to contact, who brokers contact with
    /// the practitioners working with the child.
    pub shield_contact: Option<String>,
    /// Absent for a shielded child.
    pub details: Option<RecordDetails>,
}

impl ChildRecord {
    pub fn new(child: &Child, today: Date) -> Self {
        let details = (!child.is_shielded()).then(|| {
            let mut services: Vec<ServiceView> = child
                .involvements
                .iter()
                .map(|i| ServiceView::ordinary(&i.value))
                .chain(
                    child
                        .sensitive_involvements
                        .iter()
                        .map(|i| ServiceView::sensitive(&i.value)),
                )
                .collect();
            // Current services first, each group in the order recorded.
            services.sort_by_key(|s| s.end.is_some_and(|end| end < today));
            RecordDetails {
                preferred_given_name: child
                    .preferred_given_name
                    .as_ref()
                    .map(|n| n.value.to_string()),
                previous_names: child
                    .previous_names
                    .iter()
                    .map(|n| full_name(&n.value))
                    .collect(),
                nhs_number: child.nhs_number.as_ref().map(|n| n.value.to_string()),
                upn: child.upn.as_ref().map(|u| u.value.to_string()),
                address: child.address.as_ref().map(|a| (&a.value).into()),
                carers: child.carers.iter().map(|c| (&c.value).into()).collect(),
                services,
                caf: child.caf.as_ref().map(|c| CafView {
                    holder: (&c.value.holder).into(),
                    organisation: c.value.organisation.to_string(),
                    completed_on: c.value.completed_on,
                }),
            }
        });
        Self {
            contactpoint_id: child.contactpoint_id.to_string(),
            given_name: child.name.value.given.to_string(),
            family_name: child.name.value.family.to_string(),
            date_of_birth: child.date_of_birth.value,
            age: age_on(child.date_of_birth.value, today),
            gender: child.gender.value.as_str(),
            status: child.status.as_str(),
            shielded: child.is_shielded(),
            shield_contact: child.shield.as_ref().map(|s| s.set_by.to_string()),
            details,
        }
    }

    /// The lead professional, if one of the services is.
    pub fn lead_professional(&self) -> Option<&ServiceView> {
        self.details
            .as_ref()
            .and_then(|d| d.services.iter().find(|s| s.lead_professional))
    }
}

/// One field's part in a score.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    pub field: &'static str,
    pub level: &'static str,
    pub weight: f64,
}

/// A search result: what identifies the child, nothing more.
#[derive(Debug, Clone, Serialize)]
pub struct ResultView {
    pub contactpoint_id: String,
    /// The compact form, for links.
    #[serde(skip)]
    pub link_id: String,
    pub band: &'static str,
    /// The probability of a match, 0 to 1.
    pub score: f64,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub gender: &'static str,
    /// Withheld for a shielded child.
    pub postcode_district: Option<String>,
    pub shielded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<EvidenceView>>,
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

impl ResultView {
    pub fn new(result: &SearchResult, explain: bool) -> Self {
        let child: &ChildSummary = &result.child;
        Self {
            contactpoint_id: child.contactpoint_id.to_string(),
            link_id: child.contactpoint_id.compact(),
            band: result.band.as_str(),
            score: round(result.score.probability(), 4),
            given_name: child.given_name.to_string(),
            family_name: child.family_name.to_string(),
            date_of_birth: child.date_of_birth,
            gender: child.gender.as_str(),
            postcode_district: child.district.clone().filter(|_| !child.shielded),
            shielded: child.shielded,
            explanation: explain.then(|| explanation(&result.score)),
        }
    }
}

fn explanation(score: &Score) -> Vec<EvidenceView> {
    score
        .evidence
        .iter()
        .map(|e| EvidenceView {
            field: e.field.as_str(),
            level: e.level,
            weight: round(e.weight, 2),
        })
        .collect()
}

/// A date as people in England write it: `3 April 2019`.
pub fn long_date(date: &Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

/// A gender as shown on a page.
pub fn gender_label(gender: &str) -> &'static str {
    match gender {
        "female" => "Female",
        "male" => "Male",
        "other" => "Other",
        _ => "Not known",
    }
}

pub fn yes_no(value: &bool) -> &'static str {
    if *value { "Yes" } else { "No" }
}
