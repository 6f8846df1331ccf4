//! `review list | link | keep-apart | defer`: the review queue from the
//! command line, for a local team on the server itself (the pages come with
//! sign-in).

use anyhow::{Context, bail};
use contactpoint_domain::{ReviewId, ReviewStatus};
use contactpoint_ingest::{ReviewDecision, ReviewDecisionError, decide_review, received_now};
use contactpoint_store::Store;

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
        ReviewCommand::Link { id } => decide(&store, &id, ReviewDecision::Link).await,
        ReviewCommand::KeepApart { id } => decide(&store, &id, ReviewDecision::KeepApart).await,
        ReviewCommand::Defer { id } => decide(&store, &id, ReviewDecision::Defer).await,
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

/// Links, keeps apart or defers one review, as the review pages do.
async fn decide<S: Store>(store: &S, id: &str, decision: ReviewDecision) -> anyhow::Result<()> {
    let uuid = uuid::Uuid::parse_str(id)
        .with_context(|| format!("{id:?} is not a review id: `review list` shows them"))?;
    let review = ReviewId::from_uuid(uuid);
    let outcome = match decide_review(store, review, decision, received_now()).await {
        Ok(outcome) => outcome,
        Err(ReviewDecisionError::NotFound) => {
            bail!("no review {uuid}: `review list` shows those waiting")
        }
        Err(ReviewDecisionError::AlreadyDecided(status)) => bail!(
            "review {uuid} was already decided ({}): nothing was changed",
            status.as_str()
        ),
        Err(ReviewDecisionError::Store(error)) => return Err(error.into()),
    };
    let Some(outcome) = outcome else {
        println!("Review {uuid} deferred: it stays open.");
        return Ok(());
    };
    let child = outcome
        .contactpoint_id()
        .map(|id| id.to_string())
        .unwrap_or_default();
    match decision {
        ReviewDecision::Link => {
            println!("Review {uuid} linked: the record is now part of {child}.")
        }
        _ => println!("Review {uuid} kept apart: the record made the new child {child}."),
    }
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
