//! The two CSV feeds, school census and local authority, with the mappings
//! that declare their columns. Headers and mappings are built from the same
//! column names so they cannot drift apart.

use std::collections::BTreeMap;
use std::io::Write;

use contactpoint_domain::{Gender, Relationship, ServiceKind};
use contactpoint_ingest::{CarerColumns, ChildColumns, CsvMapping, ServiceColumns};
use time::Date;

use super::places::Authority;
use super::population::{Phase, TruthChild};
use super::view::View;

pub(crate) const SCHOOL_HEADER: [&str; 15] = [
    "record_id",
    "upn",
    "legal_surname",
    "forename",
    "preferred_forename",
    "former_surname",
    "preferred_surname",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "school_urn",
    "school_name",
];

fn column(name: &str) -> String {
    name.to_owned()
}

fn some(name: &str) -> Option<String> {
    Some(name.to_owned())
}

pub(crate) fn school_mapping() -> CsvMapping {
    CsvMapping {
        source: "school-census".into(),
        record_id: column("record_id"),
        action: None,
        date_format: "[day]/[month]/[year]".into(),
        child: ChildColumns {
            given: column("forename"),
            family: column("legal_surname"),
            preferred_given: some("preferred_forename"),
            preferred_family: some("preferred_surname"),
            former_family: some("former_surname"),
            date_of_birth: column("date_of_birth"),
            gender: some("gender"),
            nhs_number: None,
            upn: some("upn"),
            address_lines: vec![column("address_line_1"), column("address_line_2")],
            town: some("town"),
            postcode: some("postcode"),
        },
        gender_codes: BTreeMap::from([("F".into(), Gender::Female), ("M".into(), Gender::Male)]),
        relationship_codes: BTreeMap::new(),
        service_kind_codes: BTreeMap::new(),
        true_values: Vec::new(),
        carers: Vec::new(),
        services: vec![ServiceColumns {
            kind: Some(ServiceKind::EducationalSetting),
            organisation: column("school_name"),
            organisation_id: some("school_urn"),
            ..ServiceColumns::default()
        }],
    }
}

fn school_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// One school census row. Schools record a changed surname either as the
/// legal surname with the old one as former, or still under the old legal
/// surname with the new one as preferred.
pub(crate) fn write_school<W: Write>(
    out: &mut csv::Writer<W>,
    record_id: &str,
    truth: &TruthChild,
    view: &View<'_>,
    authority: &Authority,
) -> csv::Result<()> {
    let child = &truth.child;
    let (former, preferred) = match view.former_family {
        Some(_) if view.family_is_former => ("", child.name.value.family.as_str()),
        Some(old) => (old, ""),
        None => ("", ""),
    };
    let upn = match (&child.upn, view.identifier) {
        (Some(upn), true) => upn.value.as_str(),
        _ => "",
    };
    let gender = match view.gender {
        Some(Gender::Female) => "F",
        Some(Gender::Male) => "M",
        _ => "",
    };
    let preferred_given = child
        .preferred_given_name
        .as_ref()
        .map_or("", |n| n.value.as_str());
    let school = truth.school.map(|(phase, i)| match phase {
        Phase::Primary => &authority.primaries[i],
        Phase::Secondary => &authority.secondaries[i],
    });
    let [line1, line2] = view.lines();
    out.write_record([
        record_id,
        upn,
        &view.family,
        &view.given,
        preferred_given,
        former,
        preferred,
        &school_date(view.date_of_birth),
        gender,
        line1,
        line2,
        view.town(),
        view.postcode(),
        school.map_or("", |s| s.code.as_str()),
        school.map_or("", |s| s.organisation.name.as_str()),
    ])
}

const CARER_FIELDS: [&str; 5] = [
    "forename",
    "surname",
    "relationship",
    "phone",
    "parental_responsibility",
];
const SERVICE_FIELDS: [&str; 8] = [
    "kind",
    "organisation",
    "practitioner_forename",
    "practitioner_surname",
    "role",
    "phone",
    "email",
    "start_date",
];
/// Carer and service groups per row.
const GROUPS: usize = 2;

pub(crate) fn local_authority_header() -> Vec<String> {
    let mut header: Vec<String> = [
        "la_child_id",
        "forename",
        "surname",
        "date_of_birth",
        "gender",
        "nhs_number",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
    ]
    .map(str::to_owned)
    .to_vec();
    for n in 1..=GROUPS {
        header.extend(CARER_FIELDS.map(|f| format!("carer{n}_{f}")));
    }
    for n in 1..=GROUPS {
        header.extend(SERVICE_FIELDS.map(|f| format!("service{n}_{f}")));
    }
    header
}

fn gender_code(gender: Gender) -> &'static str {
    match gender {
        Gender::Female => "Female",
        Gender::Male => "Male",
        Gender::Other => "Other",
        Gender::Unknown => "Not known",
    }
}

fn service_code(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::SocialCare => "CSC",
        ServiceKind::YouthOffendingTeam => "YJS",
        ServiceKind::YouthSupport => "YSS",
        ServiceKind::EarlyYears => "EY",
        ServiceKind::EducationalSetting => "EDU",
        ServiceKind::GpPractice => "GP",
        ServiceKind::HealthVisitor => "HV",
        ServiceKind::SchoolNurse => "SN",
        ServiceKind::Other => "OTH",
    }
}

/// The services an authority's systems hold, most specialised first.
const LA_SERVICES: [ServiceKind; 5] = [
    ServiceKind::SocialCare,
    ServiceKind::YouthOffendingTeam,
    ServiceKind::YouthSupport,
    ServiceKind::EarlyYears,
    ServiceKind::EducationalSetting,
];

pub(crate) fn local_authority_mapping() -> CsvMapping {
    let carers = (1..=GROUPS)
        .map(|n| CarerColumns {
            given: format!("carer{n}_forename"),
            family: format!("carer{n}_surname"),
            relationship: format!("carer{n}_relationship"),
            parental_responsibility: Some(format!("carer{n}_parental_responsibility")),
            phone: Some(format!("carer{n}_phone")),
            email: None,
        })
        .collect();
    let services = (1..=GROUPS)
        .map(|n| ServiceColumns {
            kind: None,
            kind_column: Some(format!("service{n}_kind")),
            organisation: format!("service{n}_organisation"),
            organisation_id: None,
            practitioner_given: Some(format!("service{n}_practitioner_forename")),
            practitioner_family: Some(format!("service{n}_practitioner_surname")),
            role: Some(format!("service{n}_role")),
            phone: Some(format!("service{n}_phone")),
            email: Some(format!("service{n}_email")),
            start: Some(format!("service{n}_start_date")),
        })
        .collect();
    CsvMapping {
        source: "local-authority".into(),
        record_id: column("la_child_id"),
        action: None,
        date_format: "[year]-[month]-[day]".into(),
        child: ChildColumns {
            given: column("forename"),
            family: column("surname"),
            preferred_given: None,
            preferred_family: None,
            former_family: None,
            date_of_birth: column("date_of_birth"),
            gender: some("gender"),
            nhs_number: some("nhs_number"),
            upn: None,
            address_lines: vec![column("address_line_1"), column("address_line_2")],
            town: some("town"),
            postcode: some("postcode"),
        },
        gender_codes: [Gender::Female, Gender::Male, Gender::Other, Gender::Unknown]
            .into_iter()
            .map(|g| (gender_code(g).to_owned(), g))
            .collect(),
        relationship_codes: Relationship::ALL
            .into_iter()
            .map(|r| (r.label().to_owned(), r))
            .collect(),
        service_kind_codes: ServiceKind::ALL
            .into_iter()
            .map(|k| (service_code(k).to_owned(), k))
            .collect(),
        true_values: vec!["Y".into()],
        carers,
        services,
    }
}

/// One local authority row: the child, up to two carers and up to two of
/// the authority's services.
pub(crate) fn write_local_authority<W: Write>(
    out: &mut csv::Writer<W>,
    record: &mut Vec<String>,
    record_id: &str,
    truth: &TruthChild,
    view: &View<'_>,
) -> csv::Result<()> {
    let child = &truth.child;
    record.clear();
    let [line1, line2] = view.lines();
    let nhs = match (&child.nhs_number, view.identifier) {
        (Some(n), true) => n.value.digits(),
        _ => String::new(),
    };
    record.extend([
        record_id.to_owned(),
        view.given.clone(),
        view.family.clone(),
        view.date_of_birth.to_string(),
        view.gender.map_or("", gender_code).to_owned(),
        nhs,
        line1.to_owned(),
        line2.to_owned(),
        view.town().to_owned(),
        view.postcode().to_owned(),
    ]);
    for n in 0..GROUPS {
        match child.carers.get(n) {
            Some(carer) => {
                let c = &carer.value;
                record.extend([
                    c.name.given.as_str().to_owned(),
                    c.name.family.as_str().to_owned(),
                    c.relationship.label().to_owned(),
                    c.contact
                        .phone
                        .as_ref()
                        .map_or("", |p| p.as_str())
                        .to_owned(),
                    if c.parental_responsibility { "Y" } else { "N" }.to_owned(),
                ]);
            }
            None => record.extend(std::iter::repeat_n(String::new(), CARER_FIELDS.len())),
        }
    }
    let mut services = LA_SERVICES.iter().flat_map(|kind| {
        child
            .involvements
            .iter()
            .map(|i| &i.value)
            .filter(move |i| i.kind() == *kind)
    });
    for _ in 0..GROUPS {
        match services.next() {
            Some(involvement) => {
                let s = involvement.service();
                let p = s.practitioner.as_ref();
                record.extend([
                    service_code(involvement.kind()).to_owned(),
                    s.organisation.name.as_str().to_owned(),
                    p.map_or("", |p| p.name.given.as_str()).to_owned(),
                    p.map_or("", |p| p.name.family.as_str()).to_owned(),
                    p.map_or("", |p| p.role.as_str()).to_owned(),
                    p.and_then(|p| p.contact.phone.as_ref())
                        .map_or("", |x| x.as_str())
                        .to_owned(),
                    p.and_then(|p| p.contact.email.as_ref())
                        .map_or("", |x| x.as_str())
                        .to_owned(),
                    s.start.map(|d| d.to_string()).unwrap_or_default(),
                ]);
            }
            None => record.extend(std::iter::repeat_n(String::new(), SERVICE_FIELDS.len())),
        }
    }
    out.write_record(record.iter())
}
