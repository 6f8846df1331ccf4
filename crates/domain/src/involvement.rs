//! The services working with a child, and who to contact at each.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::{ContactDetails, Label, PersonName};

/// The services ContactPoint records. Sensitive services are a separate
/// type, [`SensitiveServiceKind`], because they need consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    EducationalSetting,
    GpPractice,
    HealthVisitor,
    SchoolNurse,
    SocialCare,
    YouthOffendingTeam,
    YouthSupport,
    EarlyYears,
    Other,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 9] = [
        Self::EducationalSetting,
        Self::GpPractice,
        Self::HealthVisitor,
        Self::SchoolNurse,
        Self::SocialCare,
        Self::YouthOffendingTeam,
        Self::YouthSupport,
        Self::EarlyYears,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EducationalSetting => "educational_setting",
            Self::GpPractice => "gp_practice",
            Self::HealthVisitor => "health_visitor",
            Self::SchoolNurse => "school_nurse",
            Self::SocialCare => "social_care",
            Self::YouthOffendingTeam => "youth_offending_team",
            Self::YouthSupport => "youth_support",
            Self::EarlyYears => "early_years",
            Self::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::EducationalSetting => "Educational setting",
            Self::GpPractice => "GP practice",
            Self::HealthVisitor => "Health visitor",
            Self::SchoolNurse => "School nurse",
            Self::SocialCare => "Social care",
            Self::YouthOffendingTeam => "Youth offending team",
            Self::YouthSupport => "Youth support (Connexions)",
            Self::EarlyYears => "Early years",
            Self::Other => "Other service",
        }
    }
}

/// An organisation that delivers a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: Label,
    pub contact: ContactDetails,
}

/// The named person to contact within a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Practitioner {
    pub name: PersonName,
    pub role: Label,
    pub contact: ContactDetails,
}

/// What every involvement has, ordinary or sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub organisation: Organisation,
    pub practitioner: Option<Practitioner>,
    pub start: Option<Date>,
    pub end: Option<Date>,
}

/// Why an involvement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvolvementError {
    #[error("an involvement cannot end before it starts")]
    EndsBeforeStart,
}

fn check_dates(service: &Service) -> Result<(), InvolvementError> {
    match (service.start, service.end) {
        (Some(start), Some(end)) if end < start => Err(InvolvementError::EndsBeforeStart),
        _ => Ok(()),
    }
}

/// A service working with the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "InvolvementParts")]
pub struct Involvement {
    kind: ServiceKind,
    service: Service,
    lead_professional: bool,
}

/// An involvement as stored or received, before its rules are checked.
#[derive(Deserialize)]
struct InvolvementParts {
    kind: ServiceKind,
    service: Service,
    lead_professional: bool,
}

impl TryFrom<InvolvementParts> for Involvement {
    type Error = InvolvementError;
    fn try_from(parts: InvolvementParts) -> Result<Self, Self::Error> {
        Self::new(parts.kind, parts.service, parts.lead_professional)
    }
}

impl Involvement {
    pub fn new(
        kind: ServiceKind,
        service: Service,
        lead_professional: bool,
    ) -> Result<Self, InvolvementError> {
        check_dates(&service)?;
        Ok(Self {
            kind,
            service,
            lead_professional,
        })
    }

    pub fn kind(&self) -> ServiceKind {
        self.kind
    }

    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The one practitioner who coordinates the services around the child.
    pub fn is_lead_professional(&self) -> bool {
        self.lead_professional
    }

    pub fn is_current(&self, today: Date) -> bool {
        self.service.end.is_none_or(|end| end >= today)
    }
}

/// Services recorded only with explicit consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveServiceKind {
    SexualHealth,
    MentalHealth,
    SubstanceMisuse,
}

impl SensitiveServiceKind {
    pub const ALL: [SensitiveServiceKind; 3] = [
        Self::SexualHealth,
        Self::MentalHealth,
        Self::SubstanceMisuse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SexualHealth => "sexual_health",
            Self::MentalHealth => "mental_health",
            Self::SubstanceMisuse => "substance_misuse",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SexualHealth => "Sexual health",
            Self::MentalHealth => "Mental health",
            Self::SubstanceMisuse => "Substance misuse",
        }
    }
}

/// Who gave consent: the child where they have sufficient understanding
/// (Gillick competence), otherwise a parent or carer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ConsentGiver {
    Child,
    ParentOrCarer { name: PersonName },
}

/// The consent that lets a sensitive service be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub given_by: ConsentGiver,
    pub recorded_by: PersonName,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A sensitive service. It cannot be built without its consent; withdrawing
/// consent removes the whole involvement rather than leaving it unconsented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SensitiveInvolvementParts")]
pub struct SensitiveInvolvement {
    kind: SensitiveServiceKind,
    service: Service,
    consent: Consent,
}

/// A sensitive involvement as stored or received, before its rules are checked.
#[derive(Deserialize)]
struct SensitiveInvolvementParts {
    kind: SensitiveServiceKind,
    service: Service,
    consent: Consent,
}

impl TryFrom<SensitiveInvolvementParts> for SensitiveInvolvement {
    type Error = InvolvementError;
    fn try_from(parts: SensitiveInvolvementParts) -> Result<Self, Self::Error> {
        Self::new(parts.kind, parts.service, parts.consent)
    }
}

impl SensitiveInvolvement {
    pub fn new(
        kind: SensitiveServiceKind,
        service: Service,
        consent: Consent,
    ) -> Result<Self, InvolvementError> {
        check_dates(&service)?;
        Ok(Self {
            kind,
            service,
            consent,
        })
    }

    pub fn kind(&self) -> SensitiveServiceKind {
        self.kind
    }

    pub fn service(&self) -> &Service {
        &self.service
    }

    pub fn consent(&self) -> &Consent {
        &self.consent
    }
}

/// That a Common Assessment Framework assessment exists, and who holds it.
/// The assessment itself is never held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CafIndicator {
    pub holder: Practitioner,
    pub organisation: Label,
    pub completed_on: Date,
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::Name;

    fn service(start: Date, end: Option<Date>) -> Service {
        Service {
            organisation: Organisation {
                name: Label::parse("Elm Road Surgery").unwrap(),
                contact: ContactDetails::default(),
            },
            practitioner: None,
            start: Some(start),
            end,
        }
    }

    #[test]
    fn an_involvement_cannot_end_before_it_starts() {
        let s = service(date!(2024 - 05 - 01), Some(date!(2024 - 04 - 01)));
        assert_eq!(
            Involvement::new(ServiceKind::GpPractice, s, false),
            Err(InvolvementError::EndsBeforeStart)
        );
    }

    #[test]
    fn a_stored_involvement_that_ends_before_it_starts_is_refused() {
        let s = service(date!(2024 - 05 - 01), Some(date!(2024 - 04 - 01)));
        let json =
            serde_json::json!({"kind": "gp_practice", "service": s, "lead_professional": false});
        assert!(serde_json::from_value::<Involvement>(json).is_err());
    }

    #[test]
    fn an_ended_involvement_is_not_current() {
        let s = service(date!(2020 - 01 - 01), Some(date!(2024 - 04 - 01)));
        let involvement = Involvement::new(ServiceKind::GpPractice, s, false).unwrap();
        assert!(involvement.is_current(date!(2024 - 04 - 01)));
        assert!(!involvement.is_current(date!(2024 - 04 - 02)));
    }

    #[test]
    fn a_sensitive_service_carries_who_consented() {
        let consent = Consent {
            given_by: ConsentGiver::Child,
            recorded_by: crate::PersonName {
                given: Name::parse("Ada").unwrap(),
                family: Name::parse("Okafor").unwrap(),
            },
            recorded_at: OffsetDateTime::UNIX_EPOCH,
        };
        let s = service(date!(2025 - 01 - 01), None);
        let sensitive =
            SensitiveInvolvement::new(SensitiveServiceKind::SexualHealth, s, consent).unwrap();
        assert_eq!(sensitive.consent().given_by, ConsentGiver::Child);
    }
}
