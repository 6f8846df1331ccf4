//! Parents and carers, and how to reach them.

use serde::{Deserialize, Serialize};

use crate::{Email, PersonName, PhoneNumber};

/// How a parent or carer is related to the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Mother,
    Father,
    StepParent,
    Grandparent,
    OtherRelative,
    FosterCarer,
    SpecialGuardian,
    Guardian,
    Other,
}

impl Relationship {
    pub const ALL: [Relationship; 9] = [
        Self::Mother,
        Self::Father,
        Self::StepParent,
        Self::Grandparent,
        Self::OtherRelative,
        Self::FosterCarer,
        Self::SpecialGuardian,
        Self::Guardian,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mother => "mother",
            Self::Father => "father",
            Self::StepParent => "step_parent",
            Self::Grandparent => "grandparent",
            Self::OtherRelative => "other_relative",
            Self::FosterCarer => "foster_carer",
            Self::SpecialGuardian => "special_guardian",
            Self::Guardian => "guardian",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Mother => "Mother",
            Self::Father => "Father",
            Self::StepParent => "Step-parent",
            Self::Grandparent => "Grandparent",
            Self::OtherRelative => "Other relative",
            Self::FosterCarer => "Foster carer",
            Self::SpecialGuardian => "Special guardian",
            Self::Guardian => "Guardian",
            Self::Other => "Other",
        }
    }
}

/// Ways to contact a person; either may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
}

/// A parent or carer of the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carer {
    pub name: PersonName,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub contact: ContactDetails,
}
