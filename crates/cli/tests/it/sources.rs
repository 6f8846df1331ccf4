//! Registering source systems from the command line, with the generator's
//! own feeds and mappings.

use std::path::Path;

use crate::{contactpoint, import_school_census_args, register_school_census, stderr};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `contactpoint --data-dir DIR ARGS...`.
fn in_dir(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--data-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    contactpoint(&all)
}

fn feeds(dir: &Path) -> std::path::PathBuf {
    generated(dir, "feeds", &[])
}

/// Twenty children's feeds in `dir/name`, generated with `extra` arguments.
fn generated(dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let mut args = vec![
        "generate",
        "--children",
        "20",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = contactpoint(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    out
}

/// Imports `feed` as the school census into the database in `db`, with
/// `extra` arguments; returns the report.
fn import_school_census(db: &Path, feed: &Path, report: &Path, extra: &[&str]) -> String {
    let mut args = import_school_census_args(feed, report).to_vec();
    args.extend_from_slice(extra);
    let output = in_dir(db, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read_to_string(report).unwrap()
}

#[test]
fn a_csv_source_is_registered_with_its_mapping_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = feeds(dir.path()).join("school_census.mapping.toml");

    let added = in_dir(
        dir.path(),
        &[
            "source",
            "add",
            "school-census",
            "--name",
            "School census",
            "--format",
            "csv",
            "--mapping",
            mapping.to_str().unwrap(),
            "--authoritative-for",
            "upn,educational_setting",
        ],
    );
    let listed = in_dir(dir.path(), &["source", "list"]);
    let shown = in_dir(dir.path(), &["source", "show", "school-census"]);

    assert!(added.status.success(), "{}", stderr(&added));
    let credential = stdout(&added)
        .split_whitespace()
        .find(|w| w.starts_with("cpk_"))
        .map(str::to_owned)
        .unwrap();
    assert_eq!(credential.len(), 4 + 64);
    let listed = stdout(&listed);
    assert!(listed.contains("school-census"), "{listed}");
    assert!(listed.contains("upn,educational_setting"), "{listed}");
    let shown = stdout(&shown);
    assert!(shown.contains("date_format"), "{shown}");
    assert!(!shown.contains(&credential), "{shown}");
}

#[test]
fn a_second_registration_of_an_id_and_bad_options_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let health = [
        "source",
        "add",
        "nhs-pds",
        "--name",
        "NHS demographics",
        "--format",
        "fhir-ndjson",
    ];
    assert!(in_dir(dir.path(), &health).status.success());
    let cases: [(&[&str], &str); 5] = [
        (&health, "already registered"),
        (
            &["source", "add", "la", "--name", "LA", "--format", "csv"],
            "needs a mapping file",
        ),
        (
            &[
                "source",
                "add",
                "la",
                "--name",
                "LA",
                "--format",
                "fhir-ndjson",
                "--authority",
                "Leeds",
            ],
            "ONS code",
        ),
        (
            &[
                "source",
                "add",
                "la",
                "--name",
                "LA",
                "--format",
                "fhir-ndjson",
                "--authoritative-for",
                "hair_colour",
            ],
            "unknown field",
        ),
        (&["source", "show", "nobody"], "no source nobody"),
    ];

    for (args, expected) in cases {
        let output = in_dir(dir.path(), args);

        assert!(!output.status.success(), "{args:?}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let listed = stdout(&in_dir(dir.path(), &["source", "list"]));
    assert_eq!(listed.lines().count(), 2, "{listed}");
}

#[test]
fn a_mapping_for_another_source_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = feeds(dir.path()).join("school_census.mapping.toml");

    let output = in_dir(
        dir.path(),
        &[
            "source",
            "add",
            "leeds-education",
            "--name",
            "Leeds education",
            "--format",
            "csv",
            "--mapping",
            mapping.to_str().unwrap(),
        ],
    );

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("is for source \"school-census\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_generated_csv_feeds_read_through_their_own_mappings() {
    use contactpoint_domain::SourceId;
    use contactpoint_ingest::{CsvFeed, CsvMapping};

    let dir = tempfile::tempdir().unwrap();
    let out = feeds(dir.path());

    for (feed, mapping, source) in [
        (
            "school_census.csv",
            "school_census.mapping.toml",
            "school-census",
        ),
        (
            "local_authority.csv",
            "local_authority.mapping.toml",
            "local-authority",
        ),
    ] {
        let mapping =
            CsvMapping::from_toml(&std::fs::read_to_string(out.join(mapping)).unwrap()).unwrap();
        let file = std::fs::File::open(out.join(feed)).unwrap();
        let rows = std::fs::read_to_string(out.join(feed))
            .unwrap()
            .lines()
            .count()
            - 1;

        let read: Vec<_> = CsvFeed::new(file, mapping, &SourceId::parse(source).unwrap())
            .unwrap()
            .collect();

        assert_eq!(read.len(), rows, "{feed}");
        let rejected: Vec<_> = read.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(rejected.is_empty(), "{feed}: {rejected:?}");
    }
}

#[test]
fn the_generated_health_feed_reads_one_record_per_patient() {
    use contactpoint_domain::SourceId;
    use contactpoint_ingest::FhirFeed;

    let dir = tempfile::tempdir().unwrap();
    let out = feeds(dir.path());
    let text = std::fs::read_to_string(out.join("health.ndjson")).unwrap();
    let patients = text
        .lines()
        .filter(|l| l.contains("\"resourceType\":\"Patient\""))
        .count();

    let read: Vec<_> =
        FhirFeed::new(text.as_bytes(), &SourceId::parse("nhs-pds").unwrap()).collect();

    let rejected: Vec<_> = read.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(read.len(), patients);
    assert!(patients > 0);
}

#[test]
fn a_feed_imported_twice_changes_nothing_the_second_time_and_a_dry_run_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = feeds(dir.path());
    let mapping = out.join("school_census.mapping.toml");
    let feed = out.join("school_census.csv");
    let report = dir.path().join("report.csv");
    let db = dir.path().join("db");
    register_school_census(["--data-dir", db.to_str().unwrap()], &mapping);
    let import = |extra: &[&str]| import_school_census(&db, &feed, &report, extra);

    let preview = import(&["--dry-run"]);
    let first = import(&[]);
    let second = import(&[]);

    let outcomes = |report: &str| -> Vec<String> {
        report
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        preview.lines().next(),
        Some("source_record_id,outcome,contactpoint_id,score,reason")
    );
    // Had the preview stored anything, the import would find it unchanged.
    assert_eq!(outcomes(&preview).len(), outcomes(&first).len());
    assert!(outcomes(&first).iter().all(|o| o != "unchanged"), "{first}");
    assert!(outcomes(&first).iter().any(|o| o == "new"));
    assert!(
        outcomes(&second)
            .iter()
            .all(|o| o == "unchanged" || o == "review"),
        "{second}"
    );
}

#[test]
fn records_sent_to_review_are_listed_with_their_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let csv = dir.path().join("twins.csv");
    let mapping = dir.path().join("twins.mapping.toml");
    std::fs::write(
        &mapping,
        "source = \"school-census\"\nrecord_id = \"id\"\ndate_format = \"[day]/[month]/[year]\"\n\
         [child]\ngiven = \"forename\"\nfamily = \"surname\"\ndate_of_birth = \"dob\"\n\
         postcode = \"postcode\"\naddress_lines = [\"line1\"]\n",
    )
    .unwrap();
    // Twins: everything the same but the forename.
    std::fs::write(
        &csv,
        "id,forename,surname,dob,line1,postcode\n\
         S1,Amelia,Okonkwo,03/04/2019,12 Church Lane,LS6 2AB\n\
         S2,Zara,Okonkwo,03/04/2019,12 Church Lane,LS6 2AB\n",
    )
    .unwrap();
    register_school_census(["--data-dir", db.to_str().unwrap()], &mapping);
    let imported = in_dir(
        &db,
        &["import", "--source", "school-census", csv.to_str().unwrap()],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));

    let listed = in_dir(&db, &["review", "list"]);

    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed = stdout(&listed);
    assert!(listed.contains("school-census/S2 may be"), "{listed}");
    assert!(listed.contains("forename different"), "{listed}");
    assert!(listed.contains("1 waiting"), "{listed}");
    let id = listed.split_whitespace().next().unwrap().to_owned();

    let deferred = in_dir(&db, &["review", "defer", &id]);
    let still_listed = stdout(&in_dir(&db, &["review", "list"]));
    let kept_apart = in_dir(&db, &["review", "keep-apart", &id]);
    let twice = in_dir(&db, &["review", "keep-apart", &id]);
    let after = stdout(&in_dir(&db, &["review", "list"]));

    assert!(deferred.status.success(), "{}", stderr(&deferred));
    assert!(still_listed.contains("(deferred)"), "{still_listed}");
    assert!(kept_apart.status.success(), "{}", stderr(&kept_apart));
    assert!(stdout(&kept_apart).contains("made the new child"));
    assert!(!twice.status.success());
    assert!(
        stderr(&twice).contains("already decided"),
        "{}",
        stderr(&twice)
    );
    assert!(after.contains("No feed record is waiting"), "{after}");
}

#[test]
fn thresholds_out_of_order_or_range_are_refused_before_any_record() {
    let dir = tempfile::tempdir().unwrap();
    let out = feeds(dir.path());
    let db = dir.path().join("db");
    let mapping = out.join("school_census.mapping.toml");
    let feed = out.join("school_census.csv");
    register_school_census(["--data-dir", db.to_str().unwrap()], &mapping);
    let cases: [(&[&str], &str); 2] = [
        (
            &["--link-at", "0.9", "--review-at", "0.95"],
            "must be below --link-at",
        ),
        (&["--link-at", "2"], "between 0 and 1"),
    ];

    for (thresholds, expected) in cases {
        let mut args = vec![
            "import",
            "--source",
            "school-census",
            feed.to_str().unwrap(),
        ];
        args.extend_from_slice(thresholds);
        let output = in_dir(&db, &args);

        assert!(!output.status.success(), "{thresholds:?}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains(expected), "{message}");
    }
    assert!(!feed.with_extension("report.csv").exists());
}

#[test]
fn a_feed_compressed_with_gzip_imports_as_the_plain_one() {
    let dir = tempfile::tempdir().unwrap();
    let plain = feeds(dir.path());
    let compressed = generated(dir.path(), "compressed", &["--gzip"]);
    let import = |feeds: &Path, file: &str| {
        let db = feeds.join("db");
        let report = feeds.join("report.csv");
        register_school_census(
            ["--data-dir", db.to_str().unwrap()],
            &feeds.join("school_census.mapping.toml"),
        );
        let report = import_school_census(&db, &feeds.join(file), &report, &[]);
        // Record ids and outcomes: the identifiers given are drawn at random.
        report
            .lines()
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
    };

    let from_plain = import(&plain, "school_census.csv");
    let from_compressed = import(&compressed, "school_census.csv.gz");

    assert!(!compressed.join("school_census.csv").exists());
    assert!(from_plain.len() > 1);
    assert_eq!(from_compressed, from_plain);
}
