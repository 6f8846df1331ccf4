//! `import --source ID FILE`: a source's feed through the linking pipeline,
//! one report line per record.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::feed_file::decompressed;
use crate::load::bytes_progress_bar;
use anyhow::{Context, bail};
use contactpoint_domain::SourceId;
use contactpoint_ingest::{
    Importer, REPORT_HEADER, Registry, Thresholds, open_feed, read_ahead, received_now,
};
use contactpoint_store::{Error, Store};

use crate::database::{Database, DatabaseArgs, with_store};

#[derive(clap::Args)]
pub struct Args {
    /// The registered source the feed comes from (see `source list`).
    #[arg(long)]
    source: String,
    /// The feed: CSV for a csv source, NDJSON for a fhir-ndjson one; either
    /// may be compressed with gzip.
    file: PathBuf,
    /// Link every record and write the report, but change nothing: a new
    /// source can be previewed before it goes live.
    #[arg(long)]
    dry_run: bool,
    /// Where to write the report (default: the feed's name with
    /// `.report.csv`).
    #[arg(long)]
    report: Option<PathBuf>,
    /// The match probability at or above which a record is linked to a
    /// known child.
    #[arg(long, default_value_t = Thresholds::default().link, value_parser = probability)]
    link_at: f64,
    /// The match probability at or above which (and below --link-at) a
    /// record goes to the review queue.
    #[arg(long, default_value_t = Thresholds::default().review, value_parser = probability)]
    review_at: f64,
    /// Estimate the source's linkage weights again from this feed, instead
    /// of using those kept from its first import.
    #[arg(long)]
    estimate: bool,
    /// How many records are linked and written at once: each batch is one
    /// transaction, and memory grows with it.
    #[arg(long, default_value_t = contactpoint_ingest::BATCH, value_parser = crate::parse_batch)]
    batch: usize,
}

/// A probability strictly between 0 and 1.
fn probability(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err("give a probability between 0 and 1, such as 0.999".into()),
    }
}

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub async fn run(database: &DatabaseArgs, args: Args) -> anyhow::Result<()> {
    let database = Database::open(&database.url()?).await?;
    with_store!(database, |store| import(&store, args).await)
}

async fn import<S: Store>(store: &S, args: Args) -> anyhow::Result<()> {
    if args.review_at >= args.link_at {
        bail!(
            "--review-at ({}) must be below --link-at ({}): between them records go to review",
            args.review_at,
            args.link_at
        );
    }
    let id =
        SourceId::parse(&args.source).with_context(|| format!("bad --source {:?}", args.source))?;
    let source = match store.source(&id).await {
        Ok(source) => source,
        Err(Error::NotFound) => {
            bail!("no source {id} is registered: register it with `contactpoint source add` first")
        }
        Err(other) => return Err(other.into()),
    };
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read the feed {}", args.file.display()))?
        .len();
    let read = Arc::new(AtomicU64::new(0));
    let input = decompressed(Counting {
        inner: File::open(&args.file)
            .with_context(|| format!("cannot open the feed {}", args.file.display()))?,
        read: read.clone(),
    })
    .with_context(|| format!("cannot read the feed {}", args.file.display()))?;
    let records = open_feed(&source, input)
        .with_context(|| format!("{} cannot be imported as source {id}", args.file.display()))?;
    let records = read_ahead(records).context("cannot start a thread to read the feed")?;
    let report_path = args
        .report
        .clone()
        .unwrap_or_else(|| args.file.with_extension("report.csv"));
    let mut report = csv::Writer::from_path(&report_path)
        .with_context(|| format!("cannot write the report {}", report_path.display()))?;
    report.write_record(REPORT_HEADER)?;

    let registry = Registry(store.sources().await?);
    let mut importer = Importer::new(store, &registry);
    importer.dry_run = args.dry_run;
    importer.batch = args.batch;
    importer.thresholds = Thresholds {
        link: args.link_at,
        review: args.review_at,
    };
    let (model, line) =
        crate::feeds::weights(&importer, &source, &args.file, args.estimate).await?;
    println!("Weights for {line}");
    importer.model = model;
    let bar = bytes_progress_bar(
        size,
        if args.dry_run {
            "previewing"
        } else {
            "importing"
        },
    );
    let started = std::time::Instant::now();
    let mut written = Ok(());
    let summary = importer
        .import_all(records, received_now(), |line| {
            if written.is_ok() {
                written = report.write_record(line.fields());
            }
            bar.set_position(read.load(Ordering::Relaxed));
        })
        .await
        .context("the store failed; run the import again to resume")?;
    written.with_context(|| format!("cannot write the report {}", report_path.display()))?;
    report.flush()?;
    bar.finish_and_clear();
    let total = summary.total();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} {total} records of {} from source {id} in {seconds:.1} s ({:.0} records/s){}",
        if args.dry_run {
            "Previewed"
        } else {
            "Imported"
        },
        args.file.display(),
        total as f64 / seconds.max(1e-9),
        if args.dry_run {
            "; nothing was changed"
        } else {
            ""
        }
    );
    for (outcome, count) in &summary.0 {
        println!("  {outcome:<10} {count}");
    }
    println!("Report: {}", report_path.display());
    Ok(())
}
