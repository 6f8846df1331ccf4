//! `merge add | undo | list`: merging two records of one child and undoing
//! it, for a local team on the server itself (the pages come with sign-in).

use anyhow::Context;
use contactpoint_domain::{ContactPointId, MergeId};
use contactpoint_ingest::{MergeError, merge_children, received_now, unmerge};
use contactpoint_store::Store;

use crate::database::{Database, DatabaseArgs, with_store};

#[derive(clap::Subcommand)]
pub enum MergeCommand {
    /// Fold the record OTHER into KEEP: one child, two records found.
    /// KEEP takes OTHER's source records and values (by source authority,
    /// then recency); OTHER's ContactPoint ID leads to KEEP from then on.
    Add {
        /// The ContactPoint ID of the record to keep.
        keep: String,
        /// The ContactPoint ID of the record to fold into it.
        other: String,
    },
    /// Undo a merge: both records as they were, with what their feeds said
    /// since on the record each belongs to.
    Undo {
        /// The merge's id, as `merge add` and `merge list` show it.
        id: String,
    },
    /// The most recent merges, newest first.
    List {
        /// The most to list.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

pub async fn run(database: &DatabaseArgs, command: MergeCommand) -> anyhow::Result<()> {
    let database = Database::open(&database.url()?).await?;
    with_store!(database, |store| match command {
        MergeCommand::Add { keep, other } => add(&store, &keep, &other).await,
        MergeCommand::Undo { id } => undo(&store, &id).await,
        MergeCommand::List { limit } => list(&store, limit).await,
    })
}

fn contactpoint_id(input: &str) -> anyhow::Result<ContactPointId> {
    ContactPointId::parse(input).with_context(|| format!("{input:?} is not a ContactPoint ID"))
}

async fn add<S: Store>(store: &S, keep: &str, other: &str) -> anyhow::Result<()> {
    let (keep, other) = (contactpoint_id(keep)?, contactpoint_id(other)?);
    let merged = merge_children(store, keep, other, received_now())
        .await
        .map_err(refusal)?;
    println!(
        "Merged {} into {}: merge {} (undo with `contactpoint merge undo {}`).",
        merged.absorbed, merged.survivor, merged.id, merged.id
    );
    Ok(())
}

async fn undo<S: Store>(store: &S, id: &str) -> anyhow::Result<()> {
    let merge = MergeId::parse(id)
        .with_context(|| format!("{id:?} is not a merge id: `merge list` shows them"))?;
    let undone = unmerge(store, merge, received_now())
        .await
        .map_err(refusal)?;
    println!(
        "Merge {merge} undone: {} is back beside {}; {} feed record(s) since the merge went back \
         to it, {} stayed with {}.",
        undone.restored,
        undone.survivor,
        undone.replayed_on_restored,
        undone.replayed_on_survivor,
        undone.survivor
    );
    Ok(())
}

async fn list<S: Store>(store: &S, limit: u32) -> anyhow::Result<()> {
    let merges = store.recent_merges(limit).await?;
    if merges.is_empty() {
        println!("No records have been merged.");
        return Ok(());
    }
    for merge in &merges {
        let ids = store.children(&[merge.survivor, merge.absorbed]).await?;
        let [kept, folded] = [&ids[0], &ids[1]].map(|c| c.child.contactpoint_id);
        let state = match merge.undone_at {
            Some(at) => format!("undone {}", at.date()),
            None => "standing".to_owned(),
        };
        println!(
            "{} {} {folded} into {kept} ({state})",
            merge.id,
            merge.merged_at.date()
        );
    }
    Ok(())
}

/// A refusal as one line saying what to do; a store failure as it is.
fn refusal(error: MergeError) -> anyhow::Error {
    match error {
        MergeError::Store(error) => anyhow::Error::new(error),
        refused => anyhow::anyhow!("{refused}: nothing was changed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contactpoint_id_that_fails_its_check_is_refused_by_name() {
        let error = contactpoint_id("not-an-id").unwrap_err();
        assert!(
            error.to_string().contains("not a ContactPoint ID"),
            "{error}"
        );
    }

    #[test]
    fn a_refusal_says_nothing_was_changed() {
        let error = refusal(MergeError::SameChild);
        assert_eq!(
            error.to_string(),
            "a record cannot be merged into itself: nothing was changed"
        );
    }
}
