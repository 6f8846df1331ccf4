//! The declared column mapping that comes with a CSV feed.
//!
//! Each source system exports its own columns, date style and codes. Rather
//! than one parser per source, a source sends a TOML mapping beside its CSV
//! that says where each of ContactPoint's fields is, so adding a source is a
//! file, not a release. The generator writes its mappings by serialising
//! these types, so the format is defined here once.

use std::collections::BTreeMap;

use contactpoint_domain::{Gender, Relationship, ServiceKind};
use serde::{Deserialize, Serialize};

/// How to read one CSV feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvMapping {
    /// The registered source id (`school-census`), stamped on provenance.
    pub source: String,
    /// The column holding the source's own record id, which makes re-imports
    /// idempotent.
    pub record_id: String,
    /// The column saying what to do with the record (`upsert`, `delete`,
    /// `deceased`); without it, or blank, every record is an upsert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// A `time` format description (`[day]/[month]/[year]`) for every date
    /// in the file; sources differ and guessing swaps days and months.
    pub date_format: String,
    pub child: ChildColumns,
    /// Source gender codes to ours; a code not listed reads as unknown
    /// rather than rejecting the row.
    #[serde(default)]
    pub gender_codes: BTreeMap<String, Gender>,
    /// Source relationship codes to ours, for the carer columns.
    #[serde(default)]
    pub relationship_codes: BTreeMap<String, Relationship>,
    /// Source service kind codes to ours, for service columns that carry
    /// their kind in a column.
    #[serde(default)]
    pub service_kind_codes: BTreeMap<String, ServiceKind>,
    /// Values that mean "yes" in flag columns (parental responsibility).
    #[serde(default)]
    pub true_values: Vec<String>,
    /// Up to a few carers per row, each in its own group of columns.
    #[serde(default)]
    pub carers: Vec<CarerColumns>,
    /// Services per row, each in its own group of columns.
    #[serde(default)]
    pub services: Vec<ServiceColumns>,
}

/// Where the child's own fields are. A missing column means the source does
/// not hold that field, which is different from a blank cell.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChildColumns {
    pub given: String,
    pub family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_family: Option<String>,
    /// A former family name, which linkage compares against current names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_family: Option<String>,
    pub date_of_birth: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Address line columns in order; blank cells are skipped.
    #[serde(default)]
    pub address_lines: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

/// One carer's group of columns; a row whose name cells are blank has no
/// carer in this group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CarerColumns {
    pub given: String,
    pub family: String,
    pub relationship: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parental_responsibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// One service's group of columns. A source that sends one kind of service
/// (a school census: the school) fixes `kind`; others name a `kind_column`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServiceColumns {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ServiceKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_column: Option<String>,
    pub organisation: String,
    /// The organisation's own code (URN, ODS code), when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practitioner_given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practitioner_family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
}

/// Why a mapping file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("the mapping file is not valid: {0}")]
    Read(#[from] toml::de::Error),
    #[error("the mapping could not be written: {0}")]
    Write(#[from] toml::ser::Error),
}

impl CsvMapping {
    pub fn from_toml(text: &str) -> Result<Self, MappingError> {
        Ok(toml::from_str(text)?)
    }

    pub fn to_toml(&self) -> Result<String, MappingError> {
        Ok(toml::to_string_pretty(self)?)
    }

    /// Every column the mapping names, so an importer can check the header
    /// once before reading rows.
    pub fn columns(&self) -> Vec<&str> {
        let c = &self.child;
        let mut out = vec![
            self.record_id.as_str(),
            &c.given,
            &c.family,
            &c.date_of_birth,
        ];
        let optional = [
            &c.preferred_given,
            &c.preferred_family,
            &c.former_family,
            &c.gender,
            &c.nhs_number,
            &c.upn,
            &c.town,
            &c.postcode,
        ];
        out.extend(optional.into_iter().flatten().map(String::as_str));
        out.extend(c.address_lines.iter().map(String::as_str));
        for carer in &self.carers {
            out.extend([&carer.given, &carer.family, &carer.relationship].map(String::as_str));
            let optional = [&carer.parental_responsibility, &carer.phone, &carer.email];
            out.extend(optional.into_iter().flatten().map(String::as_str));
        }
        for service in &self.services {
            out.push(&service.organisation);
            let optional = [
                &service.kind_column,
                &service.organisation_id,
                &service.practitioner_given,
                &service.practitioner_family,
                &service.role,
                &service.phone,
                &service.email,
                &service.start,
            ];
            out.extend(optional.into_iter().flatten().map(String::as_str));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> CsvMapping {
        CsvMapping {
            source: "school-census".into(),
            record_id: "record_id".into(),
            action: None,
            date_format: "[day]/[month]/[year]".into(),
            child: ChildColumns {
                given: "forename".into(),
                family: "legal_surname".into(),
                date_of_birth: "date_of_birth".into(),
                gender: Some("gender".into()),
                address_lines: vec!["address_line_1".into()],
                ..ChildColumns::default()
            },
            gender_codes: BTreeMap::from([
                ("F".into(), Gender::Female),
                ("M".into(), Gender::Male),
            ]),
            relationship_codes: BTreeMap::new(),
            service_kind_codes: BTreeMap::new(),
            true_values: vec![],
            carers: vec![],
            services: vec![ServiceColumns {
                kind: Some(ServiceKind::EducationalSetting),
                organisation: "school_name".into(),
                ..ServiceColumns::default()
            }],
        }
    }

    #[test]
    fn a_mapping_written_as_toml_reads_back_the_same() {
        let text = mapping().to_toml().unwrap();
        assert!(text.contains("educational_setting"));
        assert_eq!(CsvMapping::from_toml(&text).unwrap(), mapping());
    }

    #[test]
    fn the_columns_named_include_every_group() {
        let mapping = mapping();
        let columns = mapping.columns();
        assert!(columns.contains(&"school_name"));
        assert!(columns.contains(&"address_line_1"));
        assert!(columns.contains(&"gender"));
    }
}
