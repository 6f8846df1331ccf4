//! The generator's three synthetic feeds as registered sources, imported
//! through the real pipeline: the demo's way in, and `bench linkage`'s.

use std::path::Path;

use anyhow::Context;
use contactpoint_domain::{
    Coverage, CredentialHash, FeedFormat, Label, RecordField, Source, SourceId,
};
use contactpoint_ingest::{
    Importer, Registry, ReportLine, Summary, open_feed, random_contactpoint_id, received_now,
};
use contactpoint_store::{Error, Store};

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

/// Imports the three feeds in `dir` through the pipeline, one after the
/// other, with a progress bar; `each` hears every report line with its
/// source. Returns the summary over all three.
pub async fn import<S: Store>(
    store: &S,
    sources: &[Source],
    dir: &Path,
    mut each: impl FnMut(&Source, &ReportLine),
) -> anyhow::Result<Summary> {
    let registry = Registry(sources.to_vec());
    let importer = Importer::new(store, &registry);
    let mut summary = Summary::default();
    for (source, feed) in sources.iter().zip(&FEEDS) {
        let path = dir.join(feed.file);
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or_default();
        let bar = bytes_progress_bar(bytes, feed.source);
        let input = std::io::BufReader::new(bar.wrap_read(file));
        let records = open_feed(source, input)?;
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
    Ok(summary)
}
