use std::collections::{HashMap, HashSet};
use std::path::Path;

use contactpoint_domain::{NhsNumber, Postcode, Upn, age_on};
use contactpoint_ingest::CsvMapping;
use contactpoint_ingest::fhir::{Resource, parse_line};
use time::macros::date;

use super::feeds::FeedSummary;
use super::feeds::{
    HEALTH_FILE, LA_FILE, LA_MAPPING_FILE, POPULATION_FILE, SCHOOL_FILE, SCHOOL_MAPPING_FILE,
    TRUTH_FILE,
};
use super::population::{Household, TruthChild};
use super::*;
use crate::feed_file::Compression;

fn options(children: u64, seed: u64) -> Options {
    Options {
        children,
        seed,
        as_of: date!(2026 - 03 - 31),
    }
}

fn generate(children: u64, seed: u64) -> (tempfile::TempDir, FeedSummary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = write_feeds(
        options(children, seed),
        dir.path(),
        Compression::None,
        &mut |_| {},
    )
    .unwrap();
    (dir, summary)
}

fn files(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    [
        HEALTH_FILE,
        SCHOOL_FILE,
        SCHOOL_MAPPING_FILE,
        LA_FILE,
        LA_MAPPING_FILE,
        TRUTH_FILE,
        POPULATION_FILE,
    ]
    .into_iter()
    .map(|name| (name, std::fs::read(dir.join(name)).unwrap()))
    .collect()
}

fn children(n: u64) -> Vec<Household> {
    Population::new(options(n, 7)).unwrap().collect()
}

#[test]
fn the_same_options_write_the_same_files_byte_for_byte() {
    let (first, _) = generate(2_000, 42);
    let (second, _) = generate(2_000, 42);
    let (other, _) = generate(2_000, 43);
    assert_eq!(files(first.path()), files(second.path()));
    assert_ne!(
        files(first.path())[0].1,
        files(other.path())[0].1,
        "another seed gives another health feed"
    );
}

#[test]
fn every_identifier_parses_and_every_child_is_under_18() {
    let as_of = options(0, 0).as_of;
    let households = children(3_001);
    let all: Vec<&TruthChild> = households.iter().flat_map(|h| &h.children).collect();
    assert_eq!(all.len(), 3_001);
    let mut nhs_numbers = HashSet::new();
    let mut upns = HashSet::new();
    for truth in &all {
        let child = &truth.child;
        let age = age_on(child.date_of_birth.value, as_of);
        assert!((0..18).contains(&age), "{} is {age}", truth.key);
        let postcode = child.postcode().unwrap();
        assert_eq!(Postcode::parse(postcode.as_str()).as_ref(), Ok(postcode));
        let nhs = child.nhs_number.as_ref().unwrap().value;
        assert_eq!(NhsNumber::parse(&nhs.digits()), Ok(nhs));
        assert!(nhs_numbers.insert(nhs), "NHS numbers are unique");
        if let Some(upn) = &child.upn {
            assert_eq!(Upn::parse(upn.value.as_str()).as_ref(), Ok(&upn.value));
            assert!(upns.insert(upn.value.clone()), "UPNs are unique");
        }
        assert_eq!(child.upn.is_some(), (4..18).contains(&age));
    }
}

#[test]
fn on_a_leap_day_nobody_is_18_yet() {
    let as_of = date!(2028 - 02 - 29);
    let options = Options {
        children: 2_000,
        seed: 3,
        as_of,
    };
    for household in Population::new(options).unwrap() {
        for truth in household.children {
            assert!(age_on(truth.child.date_of_birth.value, as_of) < 18);
        }
    }
}

#[test]
fn eight_or_nine_children_share_a_postcode_unit_on_average() {
    let households = children(20_000);
    let postcodes: HashSet<&str> = households
        .iter()
        .flat_map(|h| &h.children)
        .filter_map(|c| c.child.postcode().map(Postcode::as_str))
        .collect();
    let per_unit = 20_000.0 / postcodes.len() as f64;
    assert!(
        (4.0..15.0).contains(&per_unit),
        "{per_unit} children a unit"
    );
}

#[test]
fn twins_exist_and_some_households_mix_surnames() {
    let households = children(20_000);
    let twins = households.iter().any(|h| {
        h.children.windows(2).any(|pair| {
            let (a, b) = (&pair[0].child, &pair[1].child);
            a.date_of_birth.value == b.date_of_birth.value
                && a.name.value.family == b.name.value.family
                && a.name.value.given != b.name.value.given
        })
    });
    assert!(twins);
    let mixed = households.iter().any(|h| {
        let surnames: HashSet<_> = h
            .children
            .iter()
            .map(|c| &c.child.name.value.family)
            .collect();
        surnames.len() > 1
    });
    assert!(mixed);
}

#[test]
fn the_truth_names_every_feed_record_exactly_once() {
    let (dir, summary) = generate(2_000, 5);
    let mut truth = csv::Reader::from_path(dir.path().join(TRUTH_FILE)).unwrap();
    let mut lines: HashMap<(String, String), u32> = HashMap::new();
    for row in truth.records() {
        let row = row.unwrap();
        *lines
            .entry((row[0].to_owned(), row[1].to_owned()))
            .or_default() += 1;
    }
    let mut records = Vec::new();
    let health = std::fs::read_to_string(dir.path().join(HEALTH_FILE)).unwrap();
    for line in health.lines() {
        if let Resource::Patient(p) = parse_line(1, line).unwrap() {
            records.push(("health".to_owned(), p.id));
        }
    }
    for (file, source) in [(SCHOOL_FILE, "school-census"), (LA_FILE, "local-authority")] {
        let mut reader = csv::Reader::from_path(dir.path().join(file)).unwrap();
        for row in reader.records() {
            records.push((source.to_owned(), row.unwrap()[0].to_owned()));
        }
    }
    assert_eq!(records.len(), lines.len());
    assert_eq!(
        records.len() as u64,
        summary.health_records + summary.school_records + summary.local_authority_records
    );
    for record in &records {
        assert_eq!(lines.get(record), Some(&1), "{record:?}");
    }
    assert_eq!(summary.children, 2_000);
    // Roughly the coverage each feed should have.
    assert!(summary.health_records > 1_850);
    assert!((400..1_000).contains(&summary.local_authority_records));
}

#[test]
fn every_fhir_line_and_mapping_file_reads_back() {
    let (dir, _) = generate(1_000, 9);
    let health = std::fs::read_to_string(dir.path().join(HEALTH_FILE)).unwrap();
    let mut kinds = HashSet::new();
    for (n, line) in health.lines().enumerate() {
        let resource = parse_line(n as u64 + 1, line).unwrap();
        kinds.insert(std::mem::discriminant(&resource));
    }
    assert_eq!(kinds.len(), 3, "patients, related persons and episodes");
    for (file, csv_file) in [
        (SCHOOL_MAPPING_FILE, SCHOOL_FILE),
        (LA_MAPPING_FILE, LA_FILE),
    ] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let mapping = CsvMapping::from_toml(&text).unwrap();
        let mut reader = csv::Reader::from_path(dir.path().join(csv_file)).unwrap();
        let header = reader.headers().unwrap().clone();
        for column in mapping.columns() {
            assert!(header.iter().any(|h| h == column), "{file} names {column}");
        }
    }
}

#[test]
fn progress_is_reported_up_to_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    write_feeds(
        options(12_000, 1),
        dir.path(),
        Compression::None,
        &mut |n| seen.push(n),
    )
    .unwrap();
    assert_eq!(seen, vec![5_000, 10_000, 12_000]);
}

#[test]
fn twins_never_share_a_given_name() {
    use super::reference::Sex;
    let mut population = Population::new(options(10, 7)).unwrap();
    // The name whose initial is rarest: the one most often left without a
    // co-twin's name of the same initial.
    let drawn: Vec<_> = (0..3_000)
        .map(|_| population.given_name(Sex::Female, 2015, None))
        .collect();
    let mut initials: HashMap<char, usize> = HashMap::new();
    for name in &drawn {
        *initials
            .entry(name.as_str().chars().next().unwrap())
            .or_default() += 1;
    }
    let twin = drawn
        .iter()
        .min_by_key(|n| initials[&n.as_str().chars().next().unwrap()])
        .unwrap()
        .clone();

    for _ in 0..5_000 {
        assert_ne!(population.given_name(Sex::Female, 2015, Some(&twin)), twin);
    }
}
