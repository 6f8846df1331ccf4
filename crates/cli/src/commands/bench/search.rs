//! `bench search`: the accuracy harness. Noisy queries are made from the
//! generator's truth, run through the search engine against the store, and
//! scored by whether the true child comes back, and where.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use contactpoint_domain::{ContactPointId, SearchInput, SearchQuery};
use contactpoint_linkage::Band;
use contactpoint_store::{Postgres, SearchEngine, SearchOutcome, Store};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{PopulationArgs, ambiguity};
use crate::generate::{NoisyQuery, Options, Population, QueryKind, make_query};
use crate::load::{DEFAULT_BATCH, load_population, peak_memory_bytes, progress_bar};

#[derive(clap::Args)]
pub struct SearchArgs {
    /// The database holds these children (or the first of them, if their
    /// load was interrupted), or is empty and they are loaded first.
    #[command(flatten)]
    pub population: PopulationArgs,
    /// How many queries, spread evenly over the kinds.
    #[arg(long, default_value_t = 3_000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(14..=1_000_000))]
    pub queries: usize,
    /// Also write each query as a URL path and query string, one per line,
    /// for an HTTP load generator (synthetic data only).
    #[arg(long)]
    pub urls: Option<PathBuf>,
    /// Print every query whose child was not in the first five results
    /// (synthetic data only).
    #[arg(long)]
    pub show_misses: bool,
    /// Also run the same queries through the search a DBA would write in
    /// PostgreSQL (pg_trgm and fuzzystrmatch on the surname), for
    /// comparison. PostgreSQL only; installs both extensions and indexes.
    #[arg(long)]
    pub baseline: bool,
    /// The most candidates one search scores (the engine's default unless
    /// given): to weigh recall against latency.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(10..=10_000))]
    pub candidate_limit: Option<usize>,
}

/// What happened to the queries of one kind.
#[derive(Debug, Default)]
struct Tally {
    queries: u64,
    first: u64,
    top_five: u64,
    too_many: u64,
    none: u64,
    wrong: u64,
    wrong_above_possible: u64,
    /// Missed, and no search could have done better: more children than a
    /// search may show agree exactly with all the query gives.
    ambiguous: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.queries += other.queries;
        self.first += other.first;
        self.top_five += other.top_five;
        self.too_many += other.too_many;
        self.none += other.none;
        self.wrong += other.wrong;
        self.wrong_above_possible += other.wrong_above_possible;
        self.ambiguous += other.ambiguous;
    }

    fn percent(&self, n: u64) -> f64 {
        100.0 * n as f64 / self.queries.max(1) as f64
    }

    /// Recall@5 among the queries some search could have answered.
    fn identifiable_top_five(&self) -> f64 {
        let answerable = self.queries - self.ambiguous;
        100.0 * self.top_five as f64 / answerable.max(1) as f64
    }

    fn print(&self, name: &str) {
        println!(
            "{name:<20} {:>7} {:>8.1}% {:>8.1}% {:>8.1}% {:>6.1}% {:>8.2} {:>9.2} {:>9.1}% {:>8.1}%",
            self.queries,
            self.percent(self.first),
            self.percent(self.top_five),
            self.percent(self.too_many),
            self.percent(self.none),
            self.wrong as f64 / self.queries.max(1) as f64,
            self.wrong_above_possible as f64 / self.queries.max(1) as f64,
            self.percent(self.ambiguous),
            self.identifiable_top_five(),
        );
    }
}

/// What a search answered, for scoring: results best first, each with
/// whether it was above the lowest band.
enum Answer {
    Ranked(Vec<(ContactPointId, bool)>),
    TooMany,
    None,
}

impl Tally {
    /// Counts one answer; says whether the child was in the first five.
    fn record(&mut self, answer: &Answer, truth: ContactPointId) -> bool {
        self.queries += 1;
        let found_at = match answer {
            Answer::Ranked(results) => {
                let wrong = results.iter().filter(|(id, _)| *id != truth);
                let (all, above) = wrong.fold((0, 0), |(all, above), (_, high)| {
                    (all + 1, above + u64::from(*high))
                });
                self.wrong += all;
                self.wrong_above_possible += above;
                results.iter().position(|(id, _)| *id == truth)
            }
            Answer::TooMany => {
                self.too_many += 1;
                None
            }
            Answer::None => {
                self.none += 1;
                None
            }
        };
        self.first += u64::from(found_at == Some(0));
        let top_five = found_at.is_some_and(|i| i < 5);
        self.top_five += u64::from(top_five);
        top_five
    }
}

/// A query and the child it was made from.
struct Sample {
    query: NoisyQuery,
    truth: ContactPointId,
}

pub async fn run<S: Store>(
    store: &S,
    args: SearchArgs,
    baseline: Option<&Postgres>,
) -> anyhow::Result<()> {
    let options = args.population.options();
    let held = store.count_children().await?;
    if held == 0 {
        let bar = progress_bar(options.children, "loading");
        load_population(store, options, 0, DEFAULT_BATCH, &bar).await?;
        bar.finish_and_clear();
    } else if held > options.children {
        bail!(
            "the database holds {held} children, more than the {} asked for: give an empty database, or the --children, --seed and --as-of it was loaded with",
            options.children
        );
    } else if held < options.children {
        store.index_held_keys().await?;
        // A load stores whole batches in order: what is there is a prefix.
        println!(
            "The database holds the first {held} of the {} children (a load still running or interrupted): measuring on those.",
            options.children
        );
    }
    let held = if held == 0 { options.children } else { held };
    let samples = sample(options, held, args.queries)?;
    verify(store, options, &samples).await?;
    if let Some(path) = &args.urls {
        write_urls(path, &samples)?;
    }

    // As the server does when it starts.
    let started = Instant::now();
    let warmed = store.warm_search().await?;
    println!(
        "search tables read into memory: {:.0} MiB in {:.1} s",
        warmed as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    let mut engine = SearchEngine::default();
    if let Some(limit) = args.candidate_limit {
        engine.candidate_limit = limit;
    }
    let today = options.as_of;
    let mut tallies: BTreeMap<QueryKind, Tally> = BTreeMap::new();
    let mut latencies = Vec::with_capacity(samples.len());
    let mut by_kind: BTreeMap<QueryKind, Vec<Duration>> = BTreeMap::new();
    let mut misses = Vec::new();
    let bar = progress_bar(samples.len() as u64, "searching");
    for sample in &samples {
        let query = checked(&sample.query, today)?;
        let started = Instant::now();
        let outcome = engine.search(store, &query).await?;
        let took = started.elapsed();
        latencies.push(took);
        by_kind.entry(sample.query.kind).or_default().push(took);
        let answer = match &outcome {
            SearchOutcome::Matches(results) => Answer::Ranked(
                results
                    .iter()
                    .map(|r| (r.child.contactpoint_id, r.band != Band::Possible))
                    .collect(),
            ),
            SearchOutcome::TooMany => Answer::TooMany,
            SearchOutcome::None => Answer::None,
        };
        let found = tallies
            .entry(sample.query.kind)
            .or_default()
            .record(&answer, sample.truth);
        if !found {
            misses.push(&sample.query);
            if args.show_misses {
                bar.suspend(|| println!("miss {:?} -> {}", sample.query, describe(&outcome)));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let verdicts = ambiguity::ambiguous(options, held, &misses, engine.rules.max_results)?;
    for (query, _) in misses.iter().zip(verdicts).filter(|(_, a)| *a) {
        tallies.entry(query.kind).or_default().ambiguous += 1;
    }
    println!(
        "population {} children (seed {}, as of {}; {held} stored), {} queries",
        options.children,
        options.seed,
        options.as_of,
        samples.len()
    );
    println!(
        "ContactPoint search engine (at most {} candidates scored per search)",
        engine.candidate_limit
    );
    print_table(&tallies);
    print_latency(&mut latencies);
    print_latency_by_kind(&mut by_kind);
    if let Some(baseline) = baseline {
        run_baseline(baseline, &samples, today).await?;
    }
    if let Some(peak) = peak_memory_bytes() {
        println!(
            "peak memory (RSS)   {:.0} MiB (this process)",
            peak as f64 / 1_048_576.0
        );
    }
    Ok(())
}

/// The same queries through the PostgreSQL baseline.
async fn run_baseline(
    baseline: &Postgres,
    samples: &[Sample],
    today: time::Date,
) -> anyhow::Result<()> {
    let started = Instant::now();
    baseline
        .prepare_baseline()
        .await
        .context("cannot prepare the pg_trgm baseline (extensions and indexes)")?;
    println!(
        "baseline: extensions and indexes ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut tallies: BTreeMap<QueryKind, Tally> = BTreeMap::new();
    let mut latencies = Vec::with_capacity(samples.len());
    let bar = progress_bar(samples.len() as u64, "baseline");
    for sample in samples {
        let query = checked(&sample.query, today)?;
        let started = Instant::now();
        let ids = baseline.baseline_search(&query, 10).await?;
        latencies.push(started.elapsed());
        let answer = if ids.is_empty() {
            Answer::None
        } else {
            // The baseline has no bands: every result counts as shown.
            Answer::Ranked(ids.into_iter().map(|id| (id, true)).collect())
        };
        tallies
            .entry(sample.query.kind)
            .or_default()
            .record(&answer, sample.truth);
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "Baseline: pg_trgm similarity or dmetaphone on the surname, narrowed by date of birth, postcode or birth year, ranked by similarity"
    );
    print_table(&tallies);
    print_latency(&mut latencies);
    Ok(())
}

fn checked(query: &NoisyQuery, today: time::Date) -> anyhow::Result<SearchQuery> {
    let input = SearchInput {
        surname: Some(&query.surname),
        forename: query.forename.as_deref(),
        date_of_birth: query.date_of_birth.as_deref(),
        postcode: query.postcode.as_deref(),
        gender: query.gender.as_deref(),
    };
    SearchQuery::parse(&input, today)
        .map_err(|e| anyhow::anyhow!("a generated query was refused: {e:?}"))
}

fn print_table(tallies: &BTreeMap<QueryKind, Tally>) {
    println!(
        "{:<20} {:>7} {:>9} {:>9} {:>9} {:>7} {:>8} {:>9} {:>10} {:>9}",
        "kind",
        "queries",
        "recall@1",
        "recall@5",
        "too_many",
        "none",
        "wrong/q",
        "wrong+/q",
        "ambiguous",
        "recall@5*"
    );
    let mut all = Tally::default();
    for (kind, tally) in tallies {
        tally.print(kind.as_str());
        all.add(tally);
    }
    all.print("all");
    println!(
        "(wrong/q: results that are not the child, per query; wrong+/q: those in the exact or strong band;\n \
         ambiguous: missed, and more children than a search may show agree exactly with all the query gives, so none could be told apart;\n \
         recall@5*: recall@5 among the other queries)"
    );
}

fn describe(outcome: &SearchOutcome) -> String {
    match outcome {
        SearchOutcome::Matches(results) => results
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {:.3}",
                    r.child.given_name,
                    r.child.family_name,
                    r.child.date_of_birth,
                    r.band.as_str(),
                    r.score.probability()
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        SearchOutcome::TooMany => "too many".into(),
        SearchOutcome::None => "none".into(),
    }
}

/// The latency at quantile `q` of sorted `latencies`, in milliseconds.
fn quantile(latencies: &[Duration], q: f64) -> f64 {
    let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
    latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1_000.0)
}

/// Where the slow searches come from.
fn print_latency_by_kind(by_kind: &mut BTreeMap<QueryKind, Vec<Duration>>) {
    let line: Vec<String> = by_kind
        .iter_mut()
        .map(|(kind, latencies)| {
            latencies.sort_unstable();
            format!(
                "{} {:.2}/{:.2}",
                kind.as_str(),
                quantile(latencies, 0.5),
                quantile(latencies, 0.99)
            )
        })
        .collect();
    println!("latency by kind, p50/p99 ms: {}", line.join(", "));
}

fn print_latency(latencies: &mut [Duration]) {
    latencies.sort_unstable();
    let at = |q: f64| quantile(latencies, q);
    let total: f64 = latencies.iter().map(Duration::as_secs_f64).sum();
    println!(
        "latency (search engine over the store, one at a time): p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {:.0} searches/s",
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0),
        latencies.len() as f64 / total.max(1e-9)
    );
}

/// Picks children through the whole population (a stride that examines
/// about twenty per query) and makes each a query of the kind that has the
/// fewest so far among those its record allows. Shielded children are left
/// out: a search by postcode must not find them, by design.
fn sample(options: Options, stored: u64, queries: usize) -> anyhow::Result<Vec<Sample>> {
    let quota = queries.div_ceil(QueryKind::ALL.len());
    let stride = (stored / (queries as u64 * 20)).max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5EA2C4);
    let mut counts: BTreeMap<QueryKind, usize> = BTreeMap::new();
    let mut samples = Vec::with_capacity(queries);
    let mut population = Population::new(options).context("cannot start the generator")?;
    let bar = progress_bar(stored, "sampling");
    let mut seen = 0u64;
    while let Some(household) = population.next() {
        for truth in household.children {
            seen += 1;
            if seen > stored {
                break;
            }
            if !seen.is_multiple_of(stride) || truth.child.is_shielded() {
                continue;
            }
            let mut kinds: Vec<QueryKind> = QueryKind::ALL
                .into_iter()
                .filter(|k| counts.get(k).copied().unwrap_or(0) < quota)
                .collect();
            kinds.sort_by_key(|k| counts.get(k).copied().unwrap_or(0));
            for kind in kinds {
                let made = make_query(
                    kind,
                    &truth.child,
                    population.reference(),
                    options.as_of,
                    &mut rng,
                );
                if let Some(query) = made {
                    *counts.entry(kind).or_default() += 1;
                    samples.push(Sample {
                        query,
                        truth: truth.child.contactpoint_id,
                    });
                    break;
                }
            }
        }
        bar.set_position(seen);
        if samples.len() >= quota * QueryKind::ALL.len() || seen >= stored {
            break;
        }
    }
    bar.finish_and_clear();
    // The order of the population would put all of one kind together.
    for i in (1..samples.len()).rev() {
        samples.swap(i, rng.random_range(0..=i));
    }
    Ok(samples)
}

/// Checks that the store holds this population: the first sampled
/// children must be there under their identifiers, with their names.
async fn verify<S: Store>(store: &S, options: Options, samples: &[Sample]) -> anyhow::Result<()> {
    let mismatch = || {
        anyhow::anyhow!(
            "the database holds another population than --children {} --seed {} --as-of {}: give the options it was loaded with",
            options.children,
            options.seed,
            options.as_of
        )
    };
    for sample in samples
        .iter()
        .filter(|s| s.query.kind == QueryKind::Exact)
        .take(20)
    {
        let stored = match store.child_by_contactpoint_id(sample.truth).await {
            Ok(stored) => stored,
            Err(contactpoint_store::Error::NotFound) => return Err(mismatch()),
            Err(other) => return Err(other.into()),
        };
        if stored.child.name.value.family.as_str() != sample.query.surname {
            return Err(mismatch());
        }
    }
    Ok(())
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn write_urls(path: &PathBuf, samples: &[Sample]) -> anyhow::Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot write the URL list {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for sample in samples {
        let q = &sample.query;
        let fields = [
            ("surname", Some(&q.surname)),
            ("forename", q.forename.as_ref()),
            ("date_of_birth", q.date_of_birth.as_ref()),
            ("postcode", q.postcode.as_ref()),
            ("gender", q.gender.as_ref()),
        ];
        let query: Vec<String> = fields
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={}", percent_encode(v))))
            .collect();
        writeln!(out, "/api/v1/children/search?{}", query.join("&"))
            .with_context(|| format!("cannot write the URL list {}", path.display()))?;
    }
    out.flush()
        .with_context(|| format!("cannot write the URL list {}", path.display()))?;
    Ok(())
}
