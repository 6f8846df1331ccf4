//! Merges as the local management team is shown them, built once from the
//! store and rendered by both the pages and the JSON API: recent merges,
//! one merge with both records side by side, and making or undoing one.
//! Served with the review queue, whose decisions they complete: a review
//! links a feed record to a child, a merge joins two children already
//! made.

use contactpoint_domain::{Child, ContactPointId, MergeId};
use contactpoint_ingest::{MergeError, Side, merge_children, received_now, unmerge};
use contactpoint_store::{Merge, Store};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::HttpError;
use crate::queue::Particulars;

/// The most the list shows, newest first.
pub const LIST_LIMIT: u32 = 100;

/// A merge in the list.
#[derive(Debug, Clone, Serialize)]
pub struct MergeEntry {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub merged_at: OffsetDateTime,
    /// The ContactPoint ID of the record kept.
    pub kept: String,
    #[serde(skip)]
    pub kept_link: String,
    /// The ContactPoint ID of the record folded into it.
    pub merged: String,
    #[serde(skip)]
    pub merged_link: String,
    /// `standing`, or `undone` once undone.
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    pub undone_at: Option<OffsetDateTime>,
}

impl MergeEntry {
    fn new(merge: &Merge, kept: &Child, merged: &Child) -> Self {
        Self {
            id: merge.id.as_uuid(),
            merged_at: merge.merged_at,
            kept: kept.contactpoint_id.to_string(),
            kept_link: kept.contactpoint_id.compact(),
            merged: merged.contactpoint_id.to_string(),
            merged_link: merged.contactpoint_id.compact(),
            status: if merge.undone_at.is_some() {
                "undone"
            } else {
                "standing"
            },
            undone_at: merge.undone_at,
        }
    }

    /// `1 December 2026 at 10:00` (UTC).
    pub fn merged_on(&self) -> String {
        format!(
            "{} at {:02}:{:02}",
            crate::views::long_date(&self.merged_at.date()),
            self.merged_at.hour(),
            self.merged_at.minute()
        )
    }

    pub fn is_standing(&self) -> bool {
        self.status == "standing"
    }
}

/// A merge with both records as they were just before it.
#[derive(Debug, Clone, Serialize)]
pub struct MergeDetail {
    #[serde(flatten)]
    pub entry: MergeEntry,
    pub kept_before: Particulars,
    pub merged_before: Particulars,
    /// Either record is shielded: the team must not pass on hidden details.
    pub shielded: bool,
}

/// A merge undone.
#[derive(Debug, Clone, Serialize)]
pub struct Undone {
    pub id: Uuid,
    pub kept: String,
    pub restored: String,
    /// Feed records received since the merge that went back to the
    /// restored record, and those that stayed with the record kept.
    pub replayed_on_restored: usize,
    pub replayed_on_kept: usize,
}

/// Why a merge was not made or undone; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A field of the request at fault: `keep` or `other`.
    #[error("{1}")]
    Field(&'static str, String),
    /// What is stored forbids it, in words.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Http(#[from] HttpError),
}

impl From<MergeError> for Refusal {
    fn from(error: MergeError) -> Self {
        match error {
            MergeError::NoSuchChild(Side::Survivor) => {
                Self::Field("keep", "No child has this ContactPoint ID".into())
            }
            MergeError::NoSuchChild(Side::Absorbed) => {
                Self::Field("other", "No child has this ContactPoint ID".into())
            }
            MergeError::SameChild => Self::Field(
                "other",
                "Enter the ContactPoint ID of a different record from the one to keep".into(),
            ),
            MergeError::NoSuchMerge => Self::Http(HttpError::NotFound),
            MergeError::Store(error) => Self::Http(error.into()),
            MergeError::Log(message) => Self::Http(HttpError::Internal(Box::new(
                contactpoint_store::Error::Decode(message),
            ))),
            refused => Self::Conflict(format!("{refused}: nothing was changed")),
        }
    }
}

/// A ContactPoint ID from a form field or a body, or what is wrong with it.
pub fn contactpoint_id(field: &'static str, value: &str) -> Result<ContactPointId, Refusal> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Refusal::Field(field, "Enter a ContactPoint ID".into()));
    }
    ContactPointId::parse(value).map_err(|_| {
        Refusal::Field(
            field,
            "Enter a ContactPoint ID as it is shown on the record, such as 26JZ-H8R7-2KWZ".into(),
        )
    })
}

/// A merge id from a path: a UUID, or no merge at all.
pub fn merge_id(text: &str) -> Option<MergeId> {
    MergeId::parse(text)
}

async fn entry<S: Store>(store: &S, merge: &Merge) -> Result<MergeEntry, HttpError> {
    let both = store.children(&[merge.survivor, merge.absorbed]).await?;
    Ok(MergeEntry::new(merge, &both[0].child, &both[1].child))
}

/// The most recent merges, newest first.
pub async fn recent<S: Store>(store: &S, limit: u32) -> Result<Vec<MergeEntry>, HttpError> {
    let mut entries = Vec::new();
    for merge in store.recent_merges(limit).await? {
        entries.push(entry(store, &merge).await?);
    }
    Ok(entries)
}

pub async fn detail<S: Store>(store: &S, id: MergeId) -> Result<MergeDetail, HttpError> {
    let merge = store.merge(id).await?;
    let kept = store
        .child_version(merge.survivor, merge.survivor_version)
        .await?;
    let merged = store
        .child_version(merge.absorbed, merge.absorbed_version)
        .await?;
    let now = store.children(&[merge.survivor, merge.absorbed]).await?;
    Ok(MergeDetail {
        entry: MergeEntry::new(&merge, &now[0].child, &now[1].child),
        shielded: [&kept, &merged, &now[0].child, &now[1].child]
            .iter()
            .any(|c| c.is_shielded()),
        kept_before: (&kept).into(),
        merged_before: (&merged).into(),
    })
}

/// Folds the record `other` into `keep`, both given as typed.
pub async fn make<S: Store>(store: &S, keep: &str, other: &str) -> Result<MergeEntry, Refusal> {
    let keep = contactpoint_id("keep", keep)?;
    let other = contactpoint_id("other", other)?;
    let merged = merge_children(store, keep, other, received_now()).await?;
    let merge = store.merge(merged.id).await.map_err(HttpError::from)?;
    Ok(entry(store, &merge).await?)
}

pub async fn undo<S: Store>(store: &S, id: MergeId) -> Result<Undone, Refusal> {
    let undone = unmerge(store, id, received_now()).await?;
    Ok(Undone {
        id: id.as_uuid(),
        kept: undone.survivor.to_string(),
        restored: undone.restored.to_string(),
        replayed_on_restored: undone.replayed_on_restored,
        replayed_on_kept: undone.replayed_on_survivor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_id_the_form_shows_is_a_real_one() {
        assert!(ContactPointId::parse("26JZ-H8R7-2KWZ").is_ok());
        assert!(matches!(
            contactpoint_id("keep", "26JZ-H8R7-2KWX"),
            Err(Refusal::Field("keep", _))
        ));
    }
}
