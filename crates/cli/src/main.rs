//! `contactpoint`: the one binary. Parse, open the database, run the command.

mod allocator;
mod commands;
mod database;
mod feed_file;
mod feeds;
mod generate;
mod load;
mod telemetry;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reads a count of children: a whole number of at least 1.
fn parse_children(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("give a whole number of children, at least 1, such as 50000".to_owned()),
    }
}

/// Reads a batch size: 1 to 100,000 records.
fn parse_batch(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err("give a batch of 1 to 100000 records, such as 4000".to_owned()),
    }
}

/// ContactPoint: who else is working with this child, and how to reach them.
#[derive(Parser)]
#[command(name = "contactpoint", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    database: database::DatabaseArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service.
    Serve(commands::serve::Args),
    /// Generate 50,000 synthetic children, load them, and run the service.
    Demo(commands::demo::Args),
    /// Write a synthetic population as three noisy source feeds with their truth.
    Generate(commands::generate::Args),
    /// Import a source's feed: link each record to its child, write a report.
    Import(commands::import::Args),
    /// The review queue: feed records waiting for a person's decision.
    #[command(subcommand)]
    Review(commands::review::ReviewCommand),
    /// Merge two records found to be one child, and undo merges.
    #[command(subcommand)]
    Merge(commands::merge::MergeCommand),
    /// Register and inspect the source systems that feed ContactPoint.
    #[command(subcommand)]
    Source(commands::source::SourceCommand),
    /// Measure end-to-end figures.
    #[command(subcommand)]
    Bench(commands::bench::Bench),
}

fn main() -> ExitCode {
    allocator::keep_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(error),
    };
    telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("contactpoint: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve::run(&cli.database, args).await,
            Command::Demo(args) => commands::demo::run(&cli.database, args).await,
            Command::Generate(args) => commands::generate::run(args),
            Command::Import(args) => commands::import::run(&cli.database, args).await,
            Command::Review(command) => commands::review::run(&cli.database, command).await,
            Command::Merge(command) => commands::merge::run(&cli.database, command).await,
            Command::Source(command) => commands::source::run(&cli.database, command).await,
            Command::Bench(bench) => commands::bench::run(&cli.database, bench).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: what went wrong and, from the context, what to do.
            eprintln!("contactpoint: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Help and version go out as clap writes them; a mistake on the command
/// line is one line, like every other error.
fn usage_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let rendered = error.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    eprintln!(
        "contactpoint: {} (see contactpoint --help)",
        first.trim_start_matches("error: ")
    );
    ExitCode::from(2)
}

/// The default data directory, beside where the command runs.
fn default_data_dir() -> PathBuf {
    PathBuf::from("contactpoint-data")
}
