//! `contactpoint demo`: a working service with synthetic children, in one command.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use contactpoint_store::Store;
use serde::{Deserialize, Serialize};

use crate::database::{Database, DatabaseArgs, prepare_data_dir, with_store};
use crate::generate::Options;
use crate::load::{DEFAULT_BATCH, load_population, progress_bar};

/// Left in a data directory the demo made, so a later run knows it may
/// reuse (or finish loading) what is there.
const MARKER: &str = "contactpoint-demo.json";

#[derive(clap::Args)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// How many synthetic children to load.
    #[arg(long, default_value_t = 50_000, value_parser = crate::parse_children)]
    pub children: u64,
    /// The generator's seed.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

#[derive(Serialize, Deserialize)]
struct Marker {
    children: u64,
    seed: u64,
    as_of: time::Date,
}

pub async fn run(database: &DatabaseArgs, args: Args) -> anyhow::Result<()> {
    let options = match &database.database_url {
        Some(_) => Options {
            children: args.children,
            seed: args.seed,
            as_of: super::generate::today(),
        },
        None => claim_data_dir(&database.data_dir, &args)?,
    };
    // A database named by URL has no marker to say the demo made it, so the
    // demo loads only into an empty one: never beside real records.
    let must_be_empty = database.database_url.is_some();
    let database = Database::open(&database.url()?).await?;
    with_store!(database, |store| {
        if must_be_empty {
            let held = store.count_children().await?;
            if held > 0 {
                bail!(
                    "the database already holds {held} children, and the demo loads only into an empty one: \
                     run `contactpoint serve` to serve them, or give the demo an empty database"
                );
            }
        }
        let children = fill(&store, options).await?;
        print_examples(options);
        super::serve::serve(store, args.listen, Some(children)).await
    })
}

/// Makes the data directory the demo's, or recognises it as such.
fn claim_data_dir(dir: &Path, args: &Args) -> anyhow::Result<Options> {
    let marker = dir.join(MARKER);
    if marker.is_file() {
        let text = std::fs::read_to_string(&marker)
            .with_context(|| format!("cannot read {}", marker.display()))?;
        let earlier: Marker = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is damaged: delete {} to start a fresh demo",
                marker.display(),
                dir.display()
            )
        })?;
        if earlier.children != args.children || earlier.seed != args.seed {
            bail!(
                "{} holds a demo of {} children (seed {}): delete it, or pass --data-dir to use another folder",
                dir.display(),
                earlier.children,
                earlier.seed
            );
        }
        return Ok(Options {
            children: earlier.children,
            seed: earlier.seed,
            as_of: earlier.as_of,
        });
    }
    let in_use = dir.is_dir()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some();
    if in_use {
        bail!(
            "{} holds data that the demo did not make: pass --data-dir with a new folder for the demo",
            dir.display()
        );
    }
    prepare_data_dir(dir)?;
    let chosen = Marker {
        children: args.children,
        seed: args.seed,
        as_of: super::generate::today(),
    };
    std::fs::write(&marker, serde_json::to_string_pretty(&chosen)?)
        .with_context(|| format!("cannot write {}", marker.display()))?;
    Ok(Options {
        children: chosen.children,
        seed: chosen.seed,
        as_of: chosen.as_of,
    })
}

/// A few of the demo's synthetic children to search for, so a newcomer
/// has somewhere to start. Synthetic data only: never real children.
fn print_examples(options: Options) {
    let Ok(population) = crate::generate::Population::new(options) else {
        return;
    };
    let examples: Vec<String> = population
        .flat_map(|household| household.children)
        .map(|truth| truth.child)
        .filter(|child| !child.is_shielded() && child.previous_names.is_empty())
        .take(3)
        .map(|child| {
            let born = child.date_of_birth.value;
            format!(
                "  {} {}, born {} {} {}",
                child.name.value.given,
                child.name.value.family,
                born.day(),
                born.month(),
                born.year()
            )
        })
        .collect();
    if !examples.is_empty() {
        println!("Synthetic children to search for (try misspelling them):");
        for example in examples {
            println!("{example}");
        }
    }
}

/// Loads what is missing of the demo population; returns how many are stored.
async fn fill<S: Store>(store: &S, options: Options) -> anyhow::Result<u64> {
    let stored = store.count_children().await?;
    if stored >= options.children {
        println!("Reusing the {stored} children already loaded.");
        return Ok(stored);
    }
    if stored > 0 {
        println!(
            "Resuming an interrupted load: {stored} of {} children are stored.",
            options.children
        );
    }
    let bar = progress_bar(options.children, "loading children");
    let report = load_population(store, options, stored, DEFAULT_BATCH, &bar).await?;
    bar.finish_and_clear();
    println!(
        "Loaded {} children in {:.1} s.",
        report.children,
        report.elapsed.as_secs_f64()
    );
    // Counted again rather than added up: what is served is what is stored.
    Ok(store.count_children().await?)
}
