//! Merges: two records found to be one child, folded together by a person,
//! and undone if that was wrong.

use std::fmt;

use uuid::Uuid;

/// A merge's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MergeId(Uuid);

impl MergeId {
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

    /// Reads the form [`MergeId`]'s `Display` writes.
    pub fn parse(input: &str) -> Option<Self> {
        Uuid::parse_str(input.trim()).ok().map(Self)
    }
}

impl fmt::Display for MergeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_id_reads_as_it_prints() {
        let id = MergeId::new();
        assert_eq!(MergeId::parse(&id.to_string()), Some(id));
        assert_eq!(MergeId::parse("not-an-id"), None);
    }
}
