//! `contactpoint demo`: a working service with synthetic children, in one command.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use contactpoint_domain::ContactPointId;
use contactpoint_ingest::BATCH;
use contactpoint_store::{ChildUpdate, ImportWrites, Store};
use serde::{Deserialize, Serialize};

use crate::database::{Database, DatabaseArgs, prepare_data_dir, with_store};
use crate::feed_file::Compression;
use crate::generate::{Options, write_feeds};
use crate::load::progress_bar;

/// Left in a data directory the demo made, so a later run knows it may
/// reuse (or finish loading) what is there.
const MARKER: &str = "contactpoint-demo.json";
/// Where in its data directory the demo writes its synthetic feeds: kept,
/// as examples of feeds and mapping files to import.
const FEEDS_DIR: &str = "feeds";

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
    /// How many feed records are linked and written at once.
    #[arg(long, default_value_t = BATCH, value_parser = crate::parse_batch)]
    pub batch: usize,
}

#[derive(Serialize, Deserialize)]
struct Marker {
    children: u64,
    seed: u64,
    as_of: time::Date,
    /// Set once every feed is imported: a later run only serves.
    #[serde(default)]
    loaded: bool,
    /// Children to search for, as the demo prints them.
    #[serde(default)]
    examples: Vec<String>,
}

/// Where the demo writes its feeds, and whether it has loaded them.
struct Plan {
    options: Options,
    feeds: PathBuf,
    /// The marker to set once loaded; `None` for a database named by URL.
    marker: Option<PathBuf>,
    loaded: bool,
    examples: Vec<String>,
}

pub async fn run(database: &DatabaseArgs, args: Args) -> anyhow::Result<()> {
    let plan = match &database.database_url {
        Some(_) => Plan {
            options: Options {
                children: args.children,
                seed: args.seed,
                as_of: super::generate::today(),
            },
            feeds: std::env::temp_dir()
                .join(format!("contactpoint-demo-feeds-{}", uuid::Uuid::new_v4())),
            marker: None,
            loaded: false,
            examples: Vec::new(),
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
        let (children, examples) = fill(&store, &plan, args.batch).await?;
        print_examples(&examples);
        super::serve::serve(
            store,
            args.listen,
            Some(children),
            // Synthetic children only: the review queue may be open here
            // before sign-in exists.
            contactpoint_server::Settings { review_queue: true },
        )
        .await
    })
}

/// Makes the data directory the demo's, or recognises it as such.
fn claim_data_dir(dir: &Path, args: &Args) -> anyhow::Result<Plan> {
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
        return Ok(Plan {
            options: Options {
                children: earlier.children,
                seed: earlier.seed,
                as_of: earlier.as_of,
            },
            feeds: dir.join(FEEDS_DIR),
            marker: Some(marker),
            loaded: earlier.loaded,
            examples: earlier.examples,
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
        loaded: false,
        examples: Vec::new(),
    };
    write_marker(&marker, &chosen)?;
    Ok(Plan {
        options: Options {
            children: chosen.children,
            seed: chosen.seed,
            as_of: chosen.as_of,
        },
        feeds: dir.join(FEEDS_DIR),
        marker: Some(marker),
        loaded: false,
        examples: Vec::new(),
    })
}

fn write_marker(path: &Path, marker: &Marker) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(marker)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A few of the demo's synthetic children to search for, as stored (the
/// feeds' own mistakes included), so a newcomer has somewhere to start.
/// Synthetic data only: never real children.
async fn examples<S: Store>(
    store: &S,
    options: Options,
    children_of: &HashMap<String, ContactPointId>,
) -> anyhow::Result<Vec<String>> {
    let mut examples = Vec::new();
    let population = crate::generate::Population::new(options)?;
    for truth in population.flat_map(|household| household.children) {
        if examples.len() == 3 {
            break;
        }
        if truth.child.is_shielded() || !truth.child.previous_names.is_empty() {
            continue;
        }
        let Some(id) = children_of.get(&truth.key) else {
            continue;
        };
        let child = store.child_by_contactpoint_id(*id).await?.child;
        let born = child.date_of_birth.value;
        examples.push(format!(
            "  {} {}, born {} {} {}",
            child.name.value.given,
            child.name.value.family,
            born.day(),
            born.month(),
            born.year()
        ));
    }
    Ok(examples)
}

fn print_examples(examples: &[String]) {
    if !examples.is_empty() {
        println!("Synthetic children to search for (try misspelling them):");
        for example in examples {
            println!("{example}");
        }
    }
}

/// Loads the demo through the front door: the generator writes its three
/// source feeds, the sources are registered, and each feed goes through the
/// import pipeline, linked into children as any feed would be. What no feed
/// carries (a shield, which the local team sets; a sensitive service, which
/// a practitioner records with consent; a CAF indicator) is then recorded on
/// those children as those people would. Imports are idempotent, so a load
/// that was interrupted is simply run again. Returns how many children are
/// stored, and a few to search for.
async fn fill<S: Store>(
    store: &S,
    plan: &Plan,
    batch: usize,
) -> anyhow::Result<(u64, Vec<String>)> {
    if plan.loaded {
        let stored = store.count_children().await?;
        println!("Reusing the {stored} children already loaded.");
        return Ok((stored, plan.examples.clone()));
    }
    let options = plan.options;
    let started = std::time::Instant::now();
    std::fs::create_dir_all(&plan.feeds)
        .with_context(|| format!("cannot create {}", plan.feeds.display()))?;
    let bar = progress_bar(options.children, "writing synthetic feeds");
    write_feeds(options, &plan.feeds, Compression::None, &mut |n| {
        bar.set_position(n)
    })?;
    bar.finish_and_clear();

    let sources = crate::feeds::register(store, &plan.feeds).await?;
    let truth = read_truth(&plan.feeds)?;
    let mut children_of: HashMap<String, ContactPointId> = HashMap::new();
    let (summary, _) = crate::feeds::import(store, &sources, &plan.feeds, batch, |source, line| {
        let record = (source.id.to_string(), line.source_record_id.clone());
        if let (Some(key), Ok(id)) = (
            truth.get(&record),
            ContactPointId::parse(&line.contactpoint_id),
        ) && line.outcome != "review"
        {
            children_of.entry(key.clone()).or_insert(id);
        }
    })
    .await?;
    let recorded = record_what_no_feed_carries(store, options, &children_of).await?;
    let examples = examples(store, options, &children_of).await?;
    let stored = store.count_children().await?;
    println!(
        "Loaded {stored} children from {} records in three feeds in {:.1} s ({}); \
         {recorded} children given a shield, a consented sensitive service or a CAF indicator.",
        summary.total(),
        started.elapsed().as_secs_f64(),
        summary
            .0
            .iter()
            .map(|(outcome, n)| format!("{n} {outcome}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match &plan.marker {
        Some(path) => {
            let done = Marker {
                children: options.children,
                seed: options.seed,
                as_of: options.as_of,
                loaded: true,
                examples: examples.clone(),
            };
            write_marker(path, &done)?;
        }
        // The feeds of a demo in a database named by URL were temporary.
        None => {
            let _ = std::fs::remove_dir_all(&plan.feeds);
        }
    }
    Ok((stored, examples))
}

/// (source, source record id) -> the generator's key of the true child.
fn read_truth(dir: &Path) -> anyhow::Result<HashMap<(String, String), String>> {
    let path = dir.join("truth.csv");
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut truth = HashMap::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("cannot read {}", path.display()))?;
        truth.insert((row[0].to_owned(), row[1].to_owned()), row[2].to_owned());
    }
    Ok(truth)
}

/// Records on the imported children what the generator gave them beyond
/// any feed, once (a run again finds it recorded). Returns how many
/// children it changed.
async fn record_what_no_feed_carries<S: Store>(
    store: &S,
    options: Options,
    children_of: &HashMap<String, ContactPointId>,
) -> anyhow::Result<u64> {
    let population = crate::generate::Population::new(options)?;
    let mut updates = Vec::new();
    let mut changed = 0;
    for truth in population.flat_map(|household| household.children) {
        let extra = &truth.child;
        if extra.shield.is_none() && extra.sensitive_involvements.is_empty() && extra.caf.is_none()
        {
            continue;
        }
        let Some(id) = children_of.get(&truth.key) else {
            continue;
        };
        let stored = store.child_by_contactpoint_id(*id).await?;
        let mut child = stored.child.clone();
        if child.shield.is_none() {
            child.shield = extra.shield.clone();
        }
        for sensitive in &extra.sensitive_involvements {
            if !child.sensitive_involvements.contains(sensitive) {
                child.sensitive_involvements.push(sensitive.clone());
            }
        }
        if child.caf.is_none() {
            child.caf = extra.caf.clone();
        }
        if child != stored.child {
            updates.push(ChildUpdate {
                child,
                previous: stored,
            });
        }
        if updates.len() == BATCH {
            changed += updates.len() as u64;
            apply(store, std::mem::take(&mut updates)).await?;
        }
    }
    changed += updates.len() as u64;
    apply(store, updates).await?;
    Ok(changed)
}

async fn apply<S: Store>(store: &S, updates: Vec<ChildUpdate>) -> anyhow::Result<()> {
    let writes = ImportWrites {
        updates,
        ..ImportWrites::default()
    };
    store
        .apply_import(&writes)
        .await
        .context("recording shields and consented services failed; run the demo again")
}
