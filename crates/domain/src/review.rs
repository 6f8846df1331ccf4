//! The review queue's vocabulary: a decision a person must make about a
//! feed record that is close to a known child but not surely the same.

use uuid::Uuid;

/// A review's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReviewId(Uuid);

impl ReviewId {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    Pending,
    /// The record was linked to the candidate.
    Linked,
    /// The record is another child.
    KeptApart,
    /// Put aside for more information; still open.
    Deferred,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Linked => "linked",
            Self::KeptApart => "kept_apart",
            Self::Deferred => "deferred",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Pending, Self::Linked, Self::KeptApart, Self::Deferred]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_they_print() {
        for status in [
            ReviewStatus::Pending,
            ReviewStatus::Linked,
            ReviewStatus::KeptApart,
            ReviewStatus::Deferred,
        ] {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ReviewStatus::parse("merged"), None);
    }
}
