//! `source add | list | show`: the registry of source systems that feed
//! ContactPoint.

use std::path::PathBuf;

use anyhow::{Context, bail};
use contactpoint_domain::{
    Coverage, CredentialHash, FeedFormat, Label, LocalAuthorityCode, RecordField, Source, SourceId,
};
use contactpoint_ingest::CsvMapping;
use contactpoint_store::{Error, Store};

use crate::database::{Database, DatabaseArgs, with_store};

#[derive(clap::Subcommand)]
pub enum SourceCommand {
    /// Register a source system and print the credential it pushes records
    /// with (shown this once; ContactPoint keeps only its hash).
    Add(AddArgs),
    /// List the registered source systems.
    List,
    /// Show one source system, with its CSV mapping.
    Show {
        /// The source's id, such as school-census.
        id: String,
    },
}

#[derive(clap::Args)]
pub struct AddArgs {
    /// The source's id: lower-case letters, digits and hyphens, such as
    /// school-census. It is stamped on every value the source provides.
    id: String,
    /// A name people recognise, such as "School census (DfE)".
    #[arg(long)]
    name: String,
    /// The ONS code of the local authority the source covers (E08000035);
    /// without it the source is national.
    #[arg(long)]
    authority: Option<String>,
    /// How the source writes its feed: csv or fhir-ndjson.
    #[arg(long)]
    format: String,
    /// For a CSV source, the TOML file saying which column is which field
    /// (see the README).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Fields the source is authoritative for, comma-separated: name,
    /// gender, date_of_birth, address, nhs_number, upn, carers,
    /// educational_setting, gp_practice, services, caf.
    #[arg(long, value_delimiter = ',')]
    authoritative_for: Vec<String>,
}

pub async fn run(database: &DatabaseArgs, command: SourceCommand) -> anyhow::Result<()> {
    let database = Database::open(&database.url()?).await?;
    with_store!(database, |store| match command {
        SourceCommand::Add(args) => add(&store, args).await,
        SourceCommand::List => list(&store).await,
        SourceCommand::Show { id } => show(&store, &id).await,
    })
}

/// A new credential: 244 random bits from the operating system (two v4
/// UUIDs), written as hex after a prefix that says what it is.
fn new_credential() -> String {
    let mut credential = String::from("cpk_");
    for uuid in [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()] {
        credential.push_str(&uuid.simple().to_string());
    }
    credential
}

/// Reads and checks a CSV mapping: it must parse, and name this source.
fn read_mapping(path: &PathBuf, id: &SourceId) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the mapping file {}", path.display()))?;
    let mapping = CsvMapping::from_toml(&text)
        .with_context(|| format!("the mapping file {} is not a valid mapping", path.display()))?;
    if mapping.source != id.as_str() {
        bail!(
            "the mapping file {} is for source {:?}, not {id:?}: correct its `source` line or the id",
            path.display(),
            mapping.source
        );
    }
    Ok(text)
}

async fn add<S: Store>(store: &S, args: AddArgs) -> anyhow::Result<()> {
    let id = SourceId::parse(&args.id).with_context(|| format!("bad source id {:?}", args.id))?;
    let name = Label::parse(&args.name).context("bad --name")?;
    let coverage = match &args.authority {
        None => Coverage::National,
        Some(code) => {
            Coverage::LocalAuthority(LocalAuthorityCode::parse(code).context("bad --authority")?)
        }
    };
    let format = FeedFormat::parse(&args.format).context("bad --format")?;
    let mapping = match &args.mapping {
        Some(path) => Some(read_mapping(path, &id)?),
        None => None,
    };
    let authoritative_for = args
        .authoritative_for
        .iter()
        .filter(|f| !f.trim().is_empty())
        .map(|f| RecordField::parse(f))
        .collect::<Result<Vec<_>, _>>()
        .context("bad --authoritative-for")?;
    let credential = new_credential();
    let source = Source {
        id,
        name,
        coverage,
        format,
        mapping,
        authoritative_for,
        credential: CredentialHash::of(&credential),
        registered_at: time::OffsetDateTime::now_utc(),
    }
    .checked()
    .context("cannot register the source")?;
    match store.add_source(&source).await {
        Ok(()) => {}
        Err(Error::Conflict(_)) => bail!(
            "a source with id {} is already registered: choose another id, or see it with `source show {}`",
            source.id,
            source.id
        ),
        Err(other) => return Err(other).context("cannot register the source"),
    }
    println!(
        "Registered source {} ({}, {}, {}).",
        source.id,
        source.name,
        source.coverage,
        source.format.as_str()
    );
    println!("Its push credential, shown this once: {credential}");
    println!(
        "Keep it in the source system's secret store: ContactPoint keeps only its hash and cannot show it again."
    );
    Ok(())
}

fn fields(source: &Source) -> String {
    if source.authoritative_for.is_empty() {
        return "-".into();
    }
    source
        .authoritative_for
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

async fn list<S: Store>(store: &S) -> anyhow::Result<()> {
    let sources = store.sources().await?;
    if sources.is_empty() {
        println!("No source is registered yet: add one with `contactpoint source add`.");
        return Ok(());
    }
    println!(
        "{:<24} {:<12} {:<12} {:<34} name",
        "id", "coverage", "format", "authoritative for"
    );
    for source in &sources {
        println!(
            "{:<24} {:<12} {:<12} {:<34} {}",
            source.id.as_str(),
            source.coverage.to_string(),
            source.format.as_str(),
            fields(source),
            source.name
        );
    }
    Ok(())
}

async fn show<S: Store>(store: &S, id: &str) -> anyhow::Result<()> {
    let id = SourceId::parse(id).with_context(|| format!("bad source id {id:?}"))?;
    let source = match store.source(&id).await {
        Ok(source) => source,
        Err(Error::NotFound) => {
            bail!("no source {id} is registered: `contactpoint source list` shows those that are")
        }
        Err(other) => return Err(other.into()),
    };
    println!("id                 {}", source.id);
    println!("name               {}", source.name);
    println!("coverage           {}", source.coverage);
    println!("format             {}", source.format.as_str());
    println!("authoritative for  {}", fields(&source));
    println!("registered         {}", source.registered_at);
    println!("credential         set (only its hash is kept)");
    if let Some(mapping) = &source.mapping {
        println!("mapping:\n{mapping}");
    }
    Ok(())
}
