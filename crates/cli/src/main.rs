//! `contactpoint`: the one binary. Parse, open the database, run the command.

mod commands;
mod database;
mod generate;
mod load;
mod telemetry;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Measure end-to-end figures.
    #[command(subcommand)]
    Bench(commands::bench::Bench),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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

/// The default data directory, beside where the command runs.
fn default_data_dir() -> PathBuf {
    PathBuf::from("contactpoint-data")
}
