//! The rows of `search_profiles` as both backends read them: whole, for a
//! search's candidates, or only what linkage weighs, for an import's.

use std::collections::HashMap;
use std::sync::Arc;

use contactpoint_domain::{ChildId, ContactPointId, Gender, Name};
use contactpoint_linkage::Profile;
use time::Date;
use uuid::Uuid;

use crate::{Candidate, ChildSummary, LinkCandidate, Result};

/// A row of `search_profiles`, as both backends read it.
#[derive(sqlx::FromRow)]
pub(crate) struct CandidateRow {
    pub(crate) child_id: Uuid,
    pub(crate) contactpoint_id: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) date_of_birth: Date,
    pub(crate) gender: String,
    pub(crate) district: Option<String>,
    pub(crate) shielded: bool,
    pub(crate) profile: String,
    pub(crate) nhs_number: Option<String>,
    pub(crate) upn: Option<String>,
}

impl CandidateRow {
    pub fn decode(self) -> Result<Candidate> {
        let decode = |e: &dyn std::fmt::Display| crate::Error::Decode(e.to_string());
        Ok(Candidate {
            summary: ChildSummary {
                child_id: ChildId::from_uuid(self.child_id),
                contactpoint_id: ContactPointId::parse(&self.contactpoint_id)
                    .map_err(|e| decode(&e))?,
                given_name: Name::parse(&self.given_name).map_err(|e| decode(&e))?,
                family_name: Name::parse(&self.family_name).map_err(|e| decode(&e))?,
                date_of_birth: self.date_of_birth,
                gender: Gender::parse(&self.gender).ok_or_else(|| decode(&"unknown gender"))?,
                district: self.district,
                shielded: self.shielded,
            },
            profile: Profile::decode(&self.profile).map_err(|e| decode(&e))?,
            nhs_number: self.nhs_number,
            upn: self.upn,
        })
    }
}

/// The columns of a `search_profiles` row that linkage weighs.
#[derive(sqlx::FromRow)]
pub(crate) struct LinkCandidateRow {
    pub(crate) child_id: Uuid,
    pub(crate) profile: String,
    pub(crate) nhs_number: Option<String>,
    pub(crate) upn: Option<String>,
}

impl LinkCandidateRow {
    pub fn decode(self) -> Result<LinkCandidate> {
        Ok(LinkCandidate {
            child: ChildId::from_uuid(self.child_id),
            profile: Profile::decode(&self.profile)
                .map_err(|e| crate::Error::Decode(e.to_string()))?,
            nhs_number: self.nhs_number,
            upn: self.upn,
        })
    }
}

/// A candidate's row with the index of the key set it answers.
#[derive(sqlx::FromRow)]
pub(crate) struct IndexedCandidateRow {
    pub idx: i64,
    #[sqlx(flatten)]
    pub row: LinkCandidateRow,
}

pub(crate) fn candidates_for_each(
    count: usize,
    rows: Vec<IndexedCandidateRow>,
) -> Result<Vec<Vec<Arc<LinkCandidate>>>> {
    let mut out = vec![Vec::new(); count];
    let mut decoded: HashMap<Uuid, Arc<LinkCandidate>> = HashMap::new();
    for IndexedCandidateRow { idx, row } in rows {
        let Some(set) = usize::try_from(idx).ok().and_then(|i| out.get_mut(i)) else {
            continue;
        };
        let candidate = match decoded.get(&row.child_id) {
            Some(candidate) => Arc::clone(candidate),
            None => {
                let id = row.child_id;
                let candidate = Arc::new(row.decode()?);
                decoded.insert(id, Arc::clone(&candidate));
                candidate
            }
        };
        set.push(candidate);
    }
    Ok(out)
}
