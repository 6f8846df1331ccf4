//! Source systems: the national and local systems that feed ContactPoint,
//! what each covers, how its feed is written, which fields it is trusted on,
//! and the credential it pushes with.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::{Label, SourceId};

/// Why a source's registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error(
        "a local authority is given by its nine-character ONS code, such as E08000035 for Leeds"
    )]
    Authority,
    #[error("the feed format is csv or fhir-ndjson")]
    Format,
    #[error("a CSV source needs a mapping file saying which column is which field")]
    MappingMissing,
    #[error("a FHIR NDJSON source has no mapping file: FHIR says which field is which")]
    MappingNotAllowed,
    #[error(
        "unknown field {0:?}: a source may be authoritative for {fields}",
        fields = RecordField::NAMES
    )]
    Field(String),
    #[error("a stored credential hash is 64 hexadecimal digits")]
    CredentialHash,
}

/// An English local authority's ONS code (`E08000035`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalAuthorityCode(String);

crate::checked_string!(LocalAuthorityCode, SourceError);

impl LocalAuthorityCode {
    pub fn parse(input: &str) -> Result<Self, SourceError> {
        let code = input.trim().to_ascii_uppercase();
        let ok = code.len() == 9
            && code.starts_with('E')
            && code[1..].bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(code))
        } else {
            Err(SourceError::Authority)
        }
    }
}

/// Where a source's children live: anywhere in England, or one authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Coverage {
    National,
    LocalAuthority(LocalAuthorityCode),
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::National => f.write_str("national"),
            Self::LocalAuthority(code) => write!(f, "{code}"),
        }
    }
}

/// How a source writes its feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeedFormat {
    /// CSV, with a mapping that names the columns.
    Csv,
    /// FHIR R4 resources, one JSON object per line.
    FhirNdjson,
}

impl FeedFormat {
    pub fn parse(input: &str) -> Result<Self, SourceError> {
        match input {
            "csv" => Ok(Self::Csv),
            "fhir-ndjson" => Ok(Self::FhirNdjson),
            _ => Err(SourceError::Format),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::FhirNdjson => "fhir-ndjson",
        }
    }
}

/// A part of a child's record a source may be authoritative for: when
/// sources disagree, the authoritative one wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordField {
    Name,
    Gender,
    DateOfBirth,
    Address,
    NhsNumber,
    Upn,
    Carers,
    EducationalSetting,
    GpPractice,
    Services,
    Caf,
}

impl RecordField {
    pub const ALL: [Self; 11] = [
        Self::Name,
        Self::Gender,
        Self::DateOfBirth,
        Self::Address,
        Self::NhsNumber,
        Self::Upn,
        Self::Carers,
        Self::EducationalSetting,
        Self::GpPractice,
        Self::Services,
        Self::Caf,
    ];

    const NAMES: &'static str = "name, gender, date_of_birth, address, nhs_number, upn, carers, educational_setting, gp_practice, services, caf";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Gender => "gender",
            Self::DateOfBirth => "date_of_birth",
            Self::Address => "address",
            Self::NhsNumber => "nhs_number",
            Self::Upn => "upn",
            Self::Carers => "carers",
            Self::EducationalSetting => "educational_setting",
            Self::GpPractice => "gp_practice",
            Self::Services => "services",
            Self::Caf => "caf",
        }
    }

    pub fn parse(input: &str) -> Result<Self, SourceError> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == input.trim())
            .ok_or_else(|| SourceError::Field(input.trim().to_owned()))
    }
}

/// The SHA-256 of a source's machine credential. The credential itself is
/// shown once, when made, and never stored: it is long and random, so a
/// fast hash is enough to make a stolen table useless.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialHash([u8; 32]);

impl CredentialHash {
    pub fn of(credential: &str) -> Self {
        Self(Sha256::digest(credential.as_bytes()).into())
    }

    /// Whether `credential` is the one this is the hash of, in time that
    /// does not depend on where they differ.
    pub fn matches(&self, credential: &str) -> bool {
        Self::of(credential).0.ct_eq(&self.0).into()
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(hex: &str) -> Result<Self, SourceError> {
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(SourceError::CredentialHash);
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| SourceError::CredentialHash)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| SourceError::CredentialHash)?;
        }
        Ok(Self(bytes))
    }
}

impl fmt::Debug for CredentialHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialHash(..)")
    }
}

/// A registered source system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: SourceId,
    pub name: Label,
    pub coverage: Coverage,
    pub format: FeedFormat,
    /// A CSV source's column mapping, as the TOML file it came in (the
    /// ingest crate reads it); none for FHIR.
    pub mapping: Option<String>,
    pub authoritative_for: Vec<RecordField>,
    pub credential: CredentialHash,
    pub registered_at: OffsetDateTime,
}

impl Source {
    /// Checks that the format and the mapping go together, and keeps each
    /// authoritative field once, in a fixed order.
    pub fn checked(mut self) -> Result<Self, SourceError> {
        match (self.format, &self.mapping) {
            (FeedFormat::Csv, None) => return Err(SourceError::MappingMissing),
            (FeedFormat::FhirNdjson, Some(_)) => return Err(SourceError::MappingNotAllowed),
            _ => {}
        }
        self.authoritative_for.sort_unstable();
        self.authoritative_for.dedup();
        Ok(self)
    }

    pub fn is_authoritative_for(&self, field: RecordField) -> bool {
        self.authoritative_for.contains(&field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(format: FeedFormat, mapping: Option<&str>) -> Result<Source, SourceError> {
        Source {
            id: SourceId::parse("school-census").unwrap(),
            name: Label::parse("School census").unwrap(),
            coverage: Coverage::National,
            format,
            mapping: mapping.map(Into::into),
            authoritative_for: vec![
                RecordField::Upn,
                RecordField::EducationalSetting,
                RecordField::Upn,
            ],
            credential: CredentialHash::of("cpk_secret"),
            registered_at: OffsetDateTime::UNIX_EPOCH,
        }
        .checked()
    }

    #[test]
    fn a_csv_source_needs_a_mapping_and_a_fhir_source_refuses_one() {
        assert_eq!(
            source(FeedFormat::Csv, None),
            Err(SourceError::MappingMissing)
        );
        assert_eq!(
            source(FeedFormat::FhirNdjson, Some("source = 'x'")),
            Err(SourceError::MappingNotAllowed)
        );
        let csv = source(FeedFormat::Csv, Some("source = 'x'")).unwrap();
        assert_eq!(
            csv.authoritative_for,
            [RecordField::Upn, RecordField::EducationalSetting]
        );
        assert!(csv.is_authoritative_for(RecordField::Upn));
        assert!(!csv.is_authoritative_for(RecordField::Address));
    }

    #[test]
    fn authority_codes_are_ons_codes() {
        assert_eq!(
            LocalAuthorityCode::parse("e08000035").unwrap().as_str(),
            "E08000035"
        );
        assert!(LocalAuthorityCode::parse("Leeds").is_err());
        assert!(LocalAuthorityCode::parse("E0800003").is_err());
        assert!(LocalAuthorityCode::parse("W06000015").is_err());
    }

    #[test]
    fn a_credential_matches_its_hash_only_and_the_hash_survives_storage() {
        let hash = CredentialHash::of("cpk_right");
        assert!(hash.matches("cpk_right"));
        assert!(!hash.matches("cpk_wrong"));
        let stored = CredentialHash::from_hex(&hash.to_hex()).unwrap();
        assert!(stored.matches("cpk_right"));
        assert!(CredentialHash::from_hex("zz").is_err());
        assert_eq!(format!("{hash:?}"), "CredentialHash(..)");
    }

    #[test]
    fn fields_and_formats_read_as_they_print() {
        for field in RecordField::ALL {
            assert_eq!(RecordField::parse(field.as_str()), Ok(field));
        }
        assert!(matches!(
            RecordField::parse("hair_colour"),
            Err(SourceError::Field(f)) if f == "hair_colour"
        ));
        assert_eq!(FeedFormat::parse("fhir-ndjson"), Ok(FeedFormat::FhirNdjson));
        assert_eq!(FeedFormat::parse("xml"), Err(SourceError::Format));
    }
}
