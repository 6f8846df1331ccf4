//! Loading a synthetic population into a store in batches. Generation runs
//! on its own thread, so it overlaps with the database's work.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use contactpoint_domain::Child;
use contactpoint_store::Store;
use indicatif::{ProgressBar, ProgressStyle};

use crate::generate::{Options, Population};

/// Children per transaction: large enough that a round trip is cheap per
/// child, small enough that a crash loses one batch at most.
pub const DEFAULT_BATCH: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoadReport {
    pub children: u64,
    pub carers: u64,
    pub involvements: u64,
    pub elapsed: Duration,
    /// Time spent inside the store's insert calls.
    pub storing: Duration,
}

pub fn progress_bar(total: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// A progress bar over the bytes of a file being read.
pub fn bytes_progress_bar(total: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:40}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// Loads the population `options` describes, skipping its first `skip`
/// children: they were stored by an earlier, interrupted load (each batch
/// is one transaction, so what is stored is a whole prefix).
pub async fn load_population<S: Store>(
    store: &S,
    options: Options,
    skip: u64,
    batch: usize,
    bar: &ProgressBar,
) -> anyhow::Result<LoadReport> {
    let started = Instant::now();
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Child>>(4);
    let generator = std::thread::spawn(move || -> anyhow::Result<()> {
        let population = Population::new(options).context("cannot start the generator")?;
        let children = population
            .flat_map(|household| household.children)
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .map(|truth| truth.child);
        let mut pending = Vec::with_capacity(batch);
        for child in children {
            pending.push(child);
            if pending.len() == batch {
                let full = std::mem::replace(&mut pending, Vec::with_capacity(batch));
                if sender.blocking_send(full).is_err() {
                    return Ok(()); // the loader stopped; its error is reported
                }
            }
        }
        if !pending.is_empty() {
            let _ = sender.blocking_send(pending);
        }
        Ok(())
    });

    let mut report = LoadReport::default();
    bar.set_position(skip);
    while let Some(children) = receiver.recv().await {
        let insert_started = Instant::now();
        store
            .bulk_insert_children(&children)
            .await
            .context("storing a batch of children failed; run again to resume")?;
        report.storing += insert_started.elapsed();
        report.children += children.len() as u64;
        report.carers += children.iter().map(|c| c.carers.len() as u64).sum::<u64>();
        report.involvements += children
            .iter()
            .map(|c| (c.involvements.len() + c.sensitive_involvements.len()) as u64)
            .sum::<u64>();
        bar.inc(children.len() as u64);
    }
    generator
        .join()
        .map_err(|_| anyhow!("the generator thread panicked"))??;
    bar.set_message("indexing");
    store
        .index_held_keys()
        .await
        .context("indexing the loaded children for search failed; run again to finish")?;
    store
        .analyze()
        .await
        .context("refreshing the database's statistics after the load failed")?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The process's peak resident memory, from the kernel, when it tells.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
