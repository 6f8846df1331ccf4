//! `review list`: the decisions waiting in the review queue, oldest first.
//! (Deciding them, and the pages for local teams, come with sign-in.)

use anyhow::Context;
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
}

pub async fn run(database: &DatabaseArgs, command: ReviewCommand) -> anyhow::Result<()> {
    let database = Database::open(&database.url()?).await?;
    with_store!(database, |store| match command {
        ReviewCommand::List { limit } => list(&store, limit).await,
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
        println!(
            "{} {}/{} may be {} (probability {:.4})",
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
