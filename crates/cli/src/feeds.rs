//! The generator's three synthetic feeds as registered sources, imported
//! through the real pipeline: the demo's way in, and `bench linkage`'s.

use std::path::Path;

use anyhow::Context;
use contactpoint_domain::{
    Coverage, CredentialHash, FeedFormat, Label, RecordField, Source, SourceId,
};
use contactpoint_ingest::{
    Importer, Registry, ReportLine, Summary, open_feed, random_contactpoint_id, read_ahead,
    received_now,
};
use contactpoint_linkage::{Estimate, Model};

use contactpoint_store::{Error, Store};

use crate::feed_file::{self, decompressed};
use crate::load::bytes_progress_bar;

/// A synthetic feed: its source as the truth file names it, its file, its
/// format and its mapping file.
pub struct Feed {
    pub source: &'static str,
    pub file: &'static str,
    pub format: FeedFormat,
    pub mapping: Option<&'static str>,
}

/// The three feeds in the order they are imported: health first, since it
/// is authoritative for names and dates of birth and covers nearly every
/// child.
pub const FEEDS: [Feed; 3] = [
    Feed {
        source: "health",
        file: "health.ndjson",
        format: FeedFormat::FhirNdjson,
        mapping: None,
    },
    Feed {
        source: "school-census",
        file: "school_census.csv",
        format: FeedFormat::Csv,
        mapping: Some("school_census.mapping.toml"),
    },
    Feed {
        source: "local-authority",
        file: "local_authority.csv",
        format: FeedFormat::Csv,
        mapping: Some("local_authority.mapping.toml"),
    },
];

fn source(feed: &Feed, dir: &Path) -> anyhow::Result<Source> {
    let mapping = match feed.mapping {
        Some(file) => {
            let path = dir.join(file);
            Some(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            )
        }
        None => None,
    };
    let authoritative_for = match feed.source {
        "health" => vec![
            RecordField::Name,
            RecordField::DateOfBirth,
            RecordField::NhsNumber,
            RecordField::GpPractice,
        ],
        "school-census" => vec![RecordField::Upn, RecordField::EducationalSetting],
        _ => vec![RecordField::Address],
    };
    Ok(Source {
        id: SourceId::parse(feed.source)?,
        name: Label::parse(feed.source)?,
        coverage: Coverage::National,
        format: feed.format,
        mapping,
        authoritative_for,
        // Nobody pushes to the synthetic sources: a credential nobody knows.
        credential: CredentialHash::of(&random_contactpoint_id().to_string()),
        registered_at: time::OffsetDateTime::now_utc(),
    }
    .checked()?)
}

/// Registers the three sources from the feeds in `dir`, keeping any
/// already registered (a demo resumed after a crash).
pub async fn register<S: Store>(store: &S, dir: &Path) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for feed in &FEEDS {
        let wanted = source(feed, dir)?;
        match store.source(&wanted.id).await {
            Ok(existing) => sources.push(existing),
            Err(Error::NotFound) => {
                store.add_source(&wanted).await?;
                sources.push(wanted);
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(sources)
}

/// The weights for one feed: those kept for its source since an earlier
/// import, unless `again`; otherwise estimated from the feed's first
/// records against the children already stored (the defaults when there
/// are too few pairs to estimate from) and kept for the source, unless the
/// importer only previews. Kept, they weigh every later import and push
/// from the source alike, and an interrupted import run again decides as
/// the first run would have. Returns them with a line saying which.
pub async fn weights<S: Store>(
    importer: &Importer<'_, S>,
    source: &Source,
    path: &Path,
    again: bool,
) -> anyhow::Result<(Model, String)> {
    if !again && let Some(kept) = importer.store.source_weights(&source.id).await? {
        let line = format!(
            "{}: the weights kept from its first import ({:.1} % of its records describe a child already held; --estimate to estimate them again)",
            source.id,
            100.0 * kept.known_share
        );
        return Ok((kept, line));
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let sample = open_feed(source, decompressed(file)?)?;
    let estimate = Importer {
        model: Model::default(),
        ..*importer
    }
    .estimate(sample)
    .await
    .with_context(|| format!("estimating weights from {} failed", path.display()))?;
    if !importer.dry_run {
        importer
            .store
            .set_source_weights(&source.id, &estimate.model)
            .await?;
    }
    let line = describe(source, &estimate);
    Ok((estimate.model, line))
}

/// One line saying what an estimation found.
fn describe(source: &Source, estimate: &Estimate) -> String {
    if estimate.iterations == 0 {
        return format!(
            "{}: default weights (too few pairs with the children held to estimate from)",
            source.id
        );
    }
    format!(
        "{}: weights estimated from {} candidate pairs and {} random pairs; {:.1} % of its records describe a child already held",
        source.id,
        estimate.blocked_pairs,
        estimate.random_pairs,
        100.0 * estimate.model.known_share
    )
}

/// Imports the three feeds in `dir` (each plain or compressed) through the pipeline, one after the
/// other, each with weights estimated from it, with a progress bar; `each`
/// hears every report line with its source. Returns the summary over all
/// three and what each estimation found. `batch` records go at a time.
pub async fn import<S: Store>(
    store: &S,
    sources: &[Source],
    dir: &Path,
    batch: usize,
    mut each: impl FnMut(&Source, &ReportLine),
) -> anyhow::Result<(Summary, Vec<String>)> {
    let registry = Registry(sources.to_vec());
    let mut importer = Importer::new(store, &registry);
    importer.batch = batch;
    let mut summary = Summary::default();
    let mut estimates = Vec::new();
    for (source, feed) in sources.iter().zip(&FEEDS) {
        let path = feed_file::find(dir, feed.file);
        let (model, line) = weights(&importer, source, &path, false).await?;
        estimates.push(line);
        importer.model = model;
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or_default();
        let bar = bytes_progress_bar(bytes, feed.source);
        let input = decompressed(bar.wrap_read(file))
            .with_context(|| format!("cannot read {}", path.display()))?;
        let records = read_ahead(open_feed(source, input)?)
            .context("cannot start a thread to read the feed")?;
        let counts = importer
            .import_all(records, received_now(), |line| each(source, &line))
            .await
            .with_context(|| {
                format!("importing {} stopped; run again to resume", path.display())
            })?;
        bar.finish_and_clear();
        for (outcome, n) in counts.0 {
            *summary.0.entry(outcome).or_default() += n;
        }
    }
    Ok((summary, estimates))
}
