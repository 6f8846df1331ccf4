//! End-to-end measurements that print figures. Timing never fails a test.

mod ambiguity;
mod linkage;
mod load;
mod search;

use anyhow::bail;

use crate::database::{Database, DatabaseArgs, with_store};
use crate::load::DEFAULT_BATCH;

#[derive(clap::Subcommand)]
pub enum Bench {
    /// Bulk-load a synthetic population into an empty database and report
    /// the rate, the size on disk and the peak memory.
    Load(LoadArgs),
    /// Search a synthetic population with noisy queries made from its
    /// truth, and report recall, "too many" answers, wrong results and
    /// latency, by kind of query. Loads the population first into an empty
    /// database; a database already holding it is reused.
    Search(search::SearchArgs),
    /// Generate the three feeds of a synthetic population, import them
    /// through the linking pipeline into an empty database, and score the
    /// links against the generator's truth: pairwise precision, recall and
    /// F1, children split and merged, the share sent to review, the rate.
    Linkage(linkage::LinkageArgs),
}

/// Which synthetic population: the same options give the same children,
/// so `bench search` can reuse what `bench load` stored.
#[derive(clap::Args, Clone, Copy)]
pub struct PopulationArgs {
    /// How many children.
    #[arg(long, value_parser = crate::parse_children)]
    pub children: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the population describes (default: today): give the same
    /// day to every command that works on one database.
    #[arg(long, value_parser = crate::commands::generate::parse_date)]
    pub as_of: Option<time::Date>,
}

impl PopulationArgs {
    pub fn options(self) -> crate::generate::Options {
        crate::generate::Options {
            children: self.children,
            seed: self.seed,
            as_of: self.as_of.unwrap_or_else(crate::commands::generate::today),
        }
    }
}

#[derive(clap::Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub population: PopulationArgs,
    /// Children per transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub batch: usize,
}

pub async fn run(database: &DatabaseArgs, bench: Bench) -> anyhow::Result<()> {
    match bench {
        Bench::Load(args) => {
            let url = database.url()?;
            let database = Database::open(&url).await?;
            println!("Database: {url}");
            with_store!(database, |store| load::run(&store, args).await)
        }
        Bench::Linkage(args) => {
            let url = database.url()?;
            let database = Database::open(&url).await?;
            println!("Database: {url}");
            with_store!(database, |store| linkage::run(&store, args).await)
        }
        Bench::Search(args) => {
            let url = database.url()?;
            let database = Database::open(&url).await?;
            println!("Database: {url}");
            match database {
                Database::Sqlite(_) if args.baseline => {
                    bail!(
                        "--baseline runs the pg_trgm search and needs PostgreSQL: give --database-url postgres://..."
                    )
                }
                Database::Sqlite(store) => search::run(&store, args, None).await,
                Database::Postgres(store) => {
                    let baseline = args.baseline.then(|| store.clone());
                    search::run(&store, args, baseline.as_ref()).await
                }
            }
        }
    }
}
