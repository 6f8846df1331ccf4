use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::feed_file::Compression;
use crate::generate::{self, Options};
use crate::load::progress_bar;

#[derive(clap::Args)]
pub struct Args {
    /// How many children (at least 1).
    #[arg(long, value_parser = crate::parse_children)]
    pub children: u64,
    /// The same seed gives the same files, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The folder to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The day the population describes (YYYY-MM-DD); default today.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<time::Date>,
    /// Compress the three feeds with gzip (`health.ndjson.gz`...), a fifth
    /// of the size; `import` reads them as they are.
    #[arg(long)]
    pub gzip: bool,
}

pub fn parse_date(value: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format).map_err(|_| format!("{value:?} is not a date as YYYY-MM-DD"))
}

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "{} is a file: give a folder to write the feeds into with --out",
            args.out.display()
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the folder {}", args.out.display()))?;
    let options = Options {
        children: args.children,
        seed: args.seed,
        as_of: args.as_of.unwrap_or_else(today),
    };
    let bar = progress_bar(args.children, "generating");
    let started = Instant::now();
    let summary = generate::write_feeds(
        options,
        &args.out,
        Compression::when(args.gzip),
        &mut |done| bar.set_position(done),
    )
    .context("generating the feeds failed")?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "Generated {} children (seed {}, as of {}) in {seconds:.1} s, {:.0} children/s, into {}:",
        summary.children,
        args.seed,
        options.as_of,
        summary.children as f64 / seconds.max(1e-9),
        args.out.display()
    );
    println!(
        "  health.ndjson            {} patients",
        summary.health_records
    );
    println!(
        "  school_census.csv        {} pupils",
        summary.school_records
    );
    println!(
        "  local_authority.csv      {} children",
        summary.local_authority_records
    );
    println!("  truth.csv                which child each record describes");
    Ok(())
}
