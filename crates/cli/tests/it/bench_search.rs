//! `contactpoint bench search`, the accuracy harness, on a small population:
//! it runs end to end, and the engine finds nearly every child.

use crate::{contactpoint, stderr};

/// The `all` row's recall@5, in percent.
fn overall_recall_at_5(report: &str) -> f64 {
    let line = report
        .lines()
        .find(|l| l.starts_with("all "))
        .unwrap_or_else(|| panic!("no `all` row in:\n{report}"));
    let recall = line.split_whitespace().nth(3).unwrap();
    recall.trim_end_matches('%').parse().unwrap()
}

#[test]
fn the_accuracy_harness_reports_every_kind_and_finds_nearly_every_child() {
    let dir = tempfile::tempdir().unwrap();
    let urls = dir.path().join("urls.txt");
    let data = dir.path().join("data");

    let output = contactpoint(&[
        "--data-dir",
        data.to_str().unwrap(),
        "bench",
        "search",
        "--children",
        "3000",
        "--queries",
        "420",
        "--as-of",
        "2026-11-25",
        "--urls",
        urls.to_str().unwrap(),
    ]);

    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}\n{report}", stderr(&output));
    for kind in [
        "exact",
        "nickname",
        "half_surname",
        "previous_surname",
        "swapped_names",
        "day_month_swapped",
        "date_digit_slip",
        "birth_year_only",
        "old_postcode",
        "postcode_typo",
        "forename_left_out",
    ] {
        assert!(
            report.lines().any(|l| l.starts_with(kind)),
            "{kind} missing:\n{report}"
        );
    }
    assert!(overall_recall_at_5(&report) >= 98.0, "{report}");
    assert!(report.contains("latency"), "{report}");
    assert!(report.contains("recall@5*"), "{report}");
    let written = std::fs::read_to_string(&urls).unwrap();
    assert!(written.lines().count() >= 400, "{written}");
    assert!(
        written
            .lines()
            .all(|l| l.starts_with("/api/v1/children/search?surname="))
    );
}

#[test]
fn the_harness_refuses_a_database_holding_another_population() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let load = contactpoint(&["--data-dir", data, "bench", "load", "--children", "300"]);
    assert!(load.status.success(), "{}", stderr(&load));

    let other_size = contactpoint(&[
        "--data-dir",
        data,
        "bench",
        "search",
        "--children",
        "200",
        "--queries",
        "14",
    ]);
    let other_seed = contactpoint(&[
        "--data-dir",
        data,
        "bench",
        "search",
        "--children",
        "300",
        "--queries",
        "14",
        "--seed",
        "2",
    ]);
    let baseline_on_sqlite = contactpoint(&[
        "--data-dir",
        data,
        "bench",
        "search",
        "--children",
        "300",
        "--baseline",
    ]);

    assert_eq!(other_size.status.code(), Some(1));
    assert!(
        stderr(&other_size).contains("more than the 200 asked for"),
        "{}",
        stderr(&other_size)
    );
    assert_eq!(other_seed.status.code(), Some(1));
    assert!(
        stderr(&other_seed).contains("another population"),
        "{}",
        stderr(&other_seed)
    );
    assert!(
        stderr(&baseline_on_sqlite).contains("needs PostgreSQL"),
        "{}",
        stderr(&baseline_on_sqlite)
    );
}

#[test]
fn the_linkage_harness_imports_three_feeds_and_scores_the_links() {
    let dir = tempfile::tempdir().unwrap();

    let output = contactpoint(&[
        "--data-dir",
        dir.path().join("db").to_str().unwrap(),
        "bench",
        "linkage",
        "--children",
        "300",
        "--as-of",
        "2026-11-25",
    ]);

    assert!(output.status.success(), "{}", stderr(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    let f1: f64 = report
        .lines()
        .find_map(|l| l.strip_prefix("F1"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(f1 >= 0.95, "{report}");
    assert!(report.contains("pairwise precision"), "{report}");
    // The first feed meets an empty store; the others are weighed with
    // weights estimated against the children it made.
    assert!(
        report.contains("weights for health: default weights"),
        "{report}"
    );
    assert!(
        report.contains("weights for school-census: weights estimated from"),
        "{report}"
    );
    assert!(report.contains("records/s"), "{report}");
}
