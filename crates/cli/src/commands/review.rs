//! `review list | link | keep-apart | defer`: the review queue from the
//! command line, for a local team on the server itself (the pages come with
//! sign-in).

use anyhow::{Context, bail};
use contactpoint_domain::{ReviewId, ReviewStatus};
use contactpoint_ingest::{Importer, Registry, received_now};

use contactpoint_store::{Error, Store};

use crate::database::{Database, DatabaseArgs, with_store};

#[derive(clap::Subcommand)]
pub enum ReviewCommand {
    /// List the feed records waiting for a decision, oldest first, with the
    /// child each may be and the evidence of its score.
    List {
        /// The most to list.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// The record is the child the review names: apply it to that child.
    Link {
        /// The review's id, as `review list` shows it.
        id: String,
    },
    /// The record is another child: make a new child from it.
    KeepApart { id: String },
    /// Put the review aside, still open, for more information.
    Defer { id: String },
}

pub async fn run(database: &DatabaseArgs, command: ReviewCommand) -> anyhow::Result<()> {
    let database = Database::open(&database.url()?).await?;
    with_store!(database, |store| match command {
        ReviewCommand::List { limit } => list(&store, limit).await,
        ReviewCommand::Link { id } => decide(&store, &id, Some(true)).await,
        ReviewCommand::KeepApart { id } => decide(&store, &id, Some(false)).await,
        ReviewCommand::Defer { id } => decide(&store, &id, None).await,
    })
}

/// The evidence as `field level (weight)`, from its stored JSON.
fn evidence(json: &str) -> String {
    let Ok(serde_json::Value::Array(fields)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return "(unreadable)".into();
    };
    fields
        .iter()
        .map(|f| {
            format!(
                "{} {} ({:+.1})",
                f["field"].as_str().unwrap_or("?"),
                f["level"].as_str().unwrap_or("?"),
                f["weight"].as_f64().unwrap_or(0.0)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn list<S: Store>(store: &S, limit: u32) -> anyhow::Result<()> {
    let reviews = store.pending_reviews(limit).await?;
    if reviews.is_empty() {
        println!("No feed record is waiting for a decision.");
        return Ok(());
    }
    for review in &reviews {
        let candidate = store
            .child(review.candidate)
            .await
            .context("cannot read the child a review names")?;
        let deferred = if review.status == ReviewStatus::Deferred {
            " (deferred)"
        } else {
            ""
        };
        println!(
            "{}{deferred} {} {}/{} may be {} (probability {:.4})",
            review.id.as_uuid(),
            review.received_at.date(),
            review.source_record.source,
            review.source_record.record,
            candidate.child.contactpoint_id,
            review.probability
        );
        println!("  evidence: {}", evidence(&review.evidence));
    }
    println!("{} waiting (at most {limit} listed).", reviews.len());
    Ok(())
}

/// Links, keeps apart (`Some(false)`) or defers (`None`) one review.
async fn decide<S: Store>(store: &S, id: &str, same: Option<bool>) -> anyhow::Result<()> {
    let uuid = uuid::Uuid::parse_str(id)
        .with_context(|| format!("{id:?} is not a review id: `review list` shows them"))?;
    let id = ReviewId::from_uuid(uuid);
    let review = match store.review(id).await {
        Ok(review) => review,
        Err(Error::NotFound) => bail!("no review {uuid}: `review list` shows those waiting"),
        Err(other) => return Err(other.into()),
    };
    if !matches!(
        review.status,
        ReviewStatus::Pending | ReviewStatus::Deferred
    ) {
        bail!(
            "review {uuid} was already decided ({}): nothing was changed",
            review.status.as_str()
        );
    }
    let Some(same) = same else {
        store.decide_review(id, ReviewStatus::Deferred).await?;
        println!("Review {uuid} deferred: it stays open.");
        return Ok(());
    };
    let registry = Registry(store.sources().await?);
    let importer = Importer::new(store, &registry);
    let outcome = importer.decide(&review, same, received_now()).await?;
    let line = contactpoint_ingest::ReportLine::of(review.source_record.record.as_str(), &outcome);
    println!(
        "Review {uuid} {}: record {}/{} {} {}.",
        if same { "linked" } else { "kept apart" },
        review.source_record.source,
        review.source_record.record,
        if same {
            "is now part of"
        } else {
            "made the new child"
        },
        line.contactpoint_id
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_reads_as_fields_levels_and_weights() {
        let json = r#"[{"field":"forename","level":"different","weight":-5.6},{"field":"surname","level":"exact","weight":8.8}]"#;
        assert_eq!(
            evidence(json),
            "forename different (-5.6), surname exact (+8.8)"
        );
        assert_eq!(evidence("not json"), "(unreadable)");
    }
}
