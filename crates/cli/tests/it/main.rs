//! The `contactpoint` binary as a newcomer runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod allocator;
mod bad_input;
mod bench_search;
mod demo;
mod import;
mod sources;

use std::process::{Command, Output};

pub fn contactpoint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_contactpoint"))
        .args(args)
        .env_remove("CONTACTPOINT_DATABASE_URL")
        .env_remove("CONTACTPOINT_DATA_DIR")
        .output()
        .unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `import` of `feed` as the school census, its report to `report`.
pub fn import_school_census_args<'a>(
    feed: &'a std::path::Path,
    report: &'a std::path::Path,
) -> [&'a str; 6] {
    [
        "import",
        "--source",
        "school-census",
        feed.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]
}

/// Registers the generator's school census as a CSV source with `mapping`,
/// in the database `database` names (`--data-dir DIR` or `--database-url URL`).
pub fn register_school_census(database: [&str; 2], mapping: &std::path::Path) {
    let mut args = database.to_vec();
    args.extend([
        "source",
        "add",
        "school-census",
        "--name",
        "School census",
        "--format",
        "csv",
        "--mapping",
        mapping.to_str().unwrap(),
    ]);
    let output = contactpoint(&args);
    assert!(output.status.success(), "{}", stderr(&output));
}
