//! `bench linkage`: the generator's three feeds imported through the real
//! pipeline into an empty database, and the links scored against the
//! generator's truth: pairwise precision, recall and F1, children split and
//! merged, the share sent to review, and the import rate.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use contactpoint_ingest::BATCH;
use contactpoint_store::Store;

use super::PopulationArgs;
use crate::feed_file::Compression;
use crate::generate::write_feeds;
use crate::load::{peak_memory_bytes, progress_bar};

#[derive(clap::Args)]
pub struct LinkageArgs {
    #[command(flatten)]
    pub population: PopulationArgs,
    /// Where to write the feeds (default: a temporary folder, removed after).
    #[arg(long)]
    pub feeds: Option<PathBuf>,
    /// Also list this many true children split in two, each record with its
    /// source, record id and outcome, to look up in the feeds.
    #[arg(long, default_value_t = 0)]
    pub show_splits: usize,
    /// Also list this many children holding two or more true ones
    /// (merged), each true child with its records, source, record id and
    /// outcome.
    #[arg(long, default_value_t = 0)]
    pub show_merges: usize,
    /// Write the feeds compressed with gzip, a fifth of the disk (at
    /// national scale 4 GB instead of 22).
    #[arg(long)]
    pub gzip: bool,
    /// How many records are linked and written at once, as for `import`.
    #[arg(long, default_value_t = BATCH, value_parser = crate::parse_batch)]
    pub batch: usize,
}

/// Pairs among `n` records.
fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

pub async fn run<S: Store>(store: &S, args: LinkageArgs) -> anyhow::Result<()> {
    if store.count_children().await? > 0 {
        bail!("bench linkage needs an empty database: give another --data-dir or --database-url");
    }
    let options = args.population.options();
    let temporary =
        std::env::temp_dir().join(format!("contactpoint-linkage-{}", uuid::Uuid::new_v4()));
    let dir = args.feeds.clone().unwrap_or_else(|| temporary.clone());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let bar = progress_bar(options.children, "generating feeds");
    write_feeds(options, &dir, Compression::when(args.gzip), &mut |n| {
        bar.set_position(n)
    })?;
    bar.finish_and_clear();

    let sources = crate::feeds::register(store, &dir).await?;
    // (source, record id) -> the child it was linked to, if any.
    let mut linked: HashMap<(String, String), String> = HashMap::new();
    // (source, record id) -> what became of it.
    let mut outcomes: HashMap<(String, String), &'static str> = HashMap::new();
    let started = Instant::now();
    let (summary, estimates) =
        crate::feeds::import(store, &sources, &dir, args.batch, |source, line| {
            outcomes.insert(
                (source.id.to_string(), line.source_record_id.clone()),
                line.outcome,
            );
            if matches!(line.outcome, "new" | "linked" | "updated" | "unchanged") {
                linked.insert(
                    (source.id.to_string(), line.source_record_id.clone()),
                    line.contactpoint_id.clone(),
                );
            }
        })
        .await?;
    let seconds = started.elapsed().as_secs_f64();

    // The truth: (source, record id) -> the true child.
    let mut truth =
        csv::Reader::from_path(dir.join("truth.csv")).context("cannot read truth.csv")?;
    let mut cells: HashMap<(String, String), u64> = HashMap::new();
    let mut true_sizes: HashMap<String, u64> = HashMap::new();
    let mut predicted_sizes: HashMap<String, u64> = HashMap::new();
    let mut true_children_of: HashMap<String, std::collections::HashSet<String>> = HashMap::new();
    let mut predicted_of: HashMap<String, std::collections::HashSet<String>> = HashMap::new();
    // The true child -> its records: (source, record id, predicted child).
    let mut records_of: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    for (n, row) in truth.records().enumerate() {
        let row = row?;
        let (source, record, key) = (&row[0], &row[1], &row[2]);
        // A record not linked to any child stands alone.
        let predicted = linked
            .get(&(source.to_owned(), record.to_owned()))
            .cloned()
            .unwrap_or_else(|| format!("unlinked-{n}"));
        *cells
            .entry((key.to_owned(), predicted.clone()))
            .or_default() += 1;
        *true_sizes.entry(key.to_owned()).or_default() += 1;
        *predicted_sizes.entry(predicted.clone()).or_default() += 1;
        true_children_of
            .entry(predicted.clone())
            .or_default()
            .insert(key.to_owned());
        records_of.entry(key.to_owned()).or_default().push((
            source.to_owned(),
            record.to_owned(),
            predicted.clone(),
        ));
        predicted_of
            .entry(key.to_owned())
            .or_default()
            .insert(predicted);
    }
    let together: u64 = cells.values().map(|&n| pairs(n)).sum();
    let predicted: u64 = predicted_sizes.values().map(|&n| pairs(n)).sum();
    let actual: u64 = true_sizes.values().map(|&n| pairs(n)).sum();
    let precision = together as f64 / predicted.max(1) as f64;
    let recall = together as f64 / actual.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(1e-12);
    let split = predicted_of.values().filter(|p| p.len() > 1).count();
    let splits = split_causes(&predicted_of, &records_of, &outcomes, args.show_splits);
    let merged = true_children_of.values().filter(|t| t.len() > 1).count();
    let merges = merge_examples(&true_children_of, &records_of, &outcomes, args.show_merges);
    let total = summary.total();

    println!(
        "population {} children (seed {}, as of {}); {total} records in three feeds",
        options.children, options.seed, options.as_of
    );
    for (outcome, n) in &summary.0 {
        println!(
            "  {outcome:<10} {n:>9} ({:.2} %)",
            100.0 * *n as f64 / total.max(1) as f64
        );
    }
    for estimate in &estimates {
        println!("weights for {estimate}");
    }
    println!("pairwise precision  {precision:.4}");
    println!("pairwise recall     {recall:.4}");
    println!("F1                  {f1:.4}");
    println!(
        "true children split in two or more: {split}; children holding two or more true ones (merged): {merged}"
    );
    println!(
        "  split by what became of the records apart: {}",
        splits.causes
    );
    for example in &splits.examples {
        println!("  split: {example}");
    }
    for example in &merges {
        println!("  merged: {example}");
    }
    println!(
        "import rate         {:.0} records/s ({total} records in {seconds:.1} s)",
        total as f64 / seconds.max(1e-9)
    );
    if let Some(peak) = peak_memory_bytes() {
        println!(
            "peak memory (RSS)   {:.0} MiB (this process)",
            peak as f64 / 1_048_576.0
        );
    }
    if args.feeds.is_none() {
        let _ = std::fs::remove_dir_all(&temporary);
    }
    Ok(())
}

/// Why true children were split: how many had a record apart waiting in
/// review, rejected, or made a child of its own; and a few examples.
struct Splits {
    causes: String,
    examples: Vec<String>,
}

fn split_causes(
    predicted_of: &HashMap<String, std::collections::HashSet<String>>,
    records_of: &HashMap<String, Vec<(String, String, String)>>,
    outcomes: &HashMap<(String, String), &'static str>,
    show: usize,
) -> Splits {
    let mut causes: std::collections::BTreeMap<&'static str, u64> = Default::default();
    let mut examples = Vec::new();
    let mut keys: Vec<&String> = predicted_of
        .iter()
        .filter(|(_, p)| p.len() > 1)
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    for key in keys {
        let Some(records) = records_of.get(key) else {
            continue;
        };
        let outcome = |r: &(String, String, String)| outcome_of(outcomes, r);
        // The cause is the worst outcome among the records: a review or a
        // rejection leaves a record unlinked; otherwise one made a new child.
        let seen: Vec<&str> = records.iter().map(outcome).collect();
        let cause = ["review", "rejected"]
            .into_iter()
            .find(|c| seen.contains(c))
            .unwrap_or("new");
        *causes.entry(cause).or_default() += 1;
        if examples.len() < show {
            let parts: Vec<String> = records
                .iter()
                .map(|r| format!("{}/{} {}", r.0, r.1, outcome(r)))
                .collect();
            examples.push(format!("{key}: {}", parts.join(", ")));
        }
    }
    Splits {
        causes: causes
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        examples,
    }
}

/// What became of one record: (source, record id, predicted child).
fn outcome_of(
    outcomes: &HashMap<(String, String), &'static str>,
    record: &(String, String, String),
) -> &'static str {
    outcomes
        .get(&(record.0.clone(), record.1.clone()))
        .copied()
        .unwrap_or("unread")
}

/// Up to `show` children holding two or more true ones, each true child
/// with its records, for a person to look up in the feeds and the
/// population table.
fn merge_examples(
    true_children_of: &HashMap<String, std::collections::HashSet<String>>,
    records_of: &HashMap<String, Vec<(String, String, String)>>,
    outcomes: &HashMap<(String, String), &'static str>,
    show: usize,
) -> Vec<String> {
    let mut merged: Vec<(&String, Vec<&String>)> = true_children_of
        .iter()
        .filter(|(_, t)| t.len() > 1)
        .map(|(child, t)| {
            let mut keys: Vec<&String> = t.iter().collect();
            keys.sort();
            (child, keys)
        })
        .collect();
    merged.sort();
    merged
        .into_iter()
        .take(show)
        .map(|(child, keys)| {
            let parts: Vec<String> = keys
                .iter()
                .map(|key| {
                    let records: Vec<String> = records_of
                        .get(*key)
                        .into_iter()
                        .flatten()
                        .filter(|r| r.2 == *child)
                        .map(|r| format!("{}/{} {}", r.0, r.1, outcome_of(outcomes, r)))
                        .collect();
                    format!("{key} ({})", records.join(", "))
                })
                .collect();
            format!("{child}: {}", parts.join("; "))
        })
        .collect()
}
