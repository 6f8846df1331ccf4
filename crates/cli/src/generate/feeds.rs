//! Writes the population out as three noisy source feeds plus the truth.

use std::path::{Path, PathBuf};

use contactpoint_ingest::CsvMapping;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::census::{
    SCHOOL_HEADER, local_authority_header, local_authority_mapping, school_mapping,
    write_local_authority, write_school,
};
use super::places::mix;
use super::population::{Population, TruthChild};
use super::view::{HEALTH, LOCAL_AUTHORITY, Rates, SCHOOL, View};
use super::{GenerateError, Options, health};
use crate::feed_file::{Compression, FeedWriter};

/// How many records each feed received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedSummary {
    pub children: u64,
    /// Patient resources (RelatedPerson and EpisodeOfCare lines not counted).
    pub health_records: u64,
    pub school_records: u64,
    pub local_authority_records: u64,
}

pub(crate) const HEALTH_FILE: &str = "health.ndjson";
pub(crate) const SCHOOL_FILE: &str = "school_census.csv";
pub(crate) const SCHOOL_MAPPING_FILE: &str = "school_census.mapping.toml";
pub(crate) const LA_FILE: &str = "local_authority.csv";
pub(crate) const LA_MAPPING_FILE: &str = "local_authority.mapping.toml";
pub(crate) const TRUTH_FILE: &str = "truth.csv";
pub(crate) const POPULATION_FILE: &str = "population.csv";
const PROGRESS_EVERY: u64 = 5_000;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_owned(),
        source,
    }
}

fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> GenerateError + '_ {
    move |source| GenerateError::Csv {
        path: path.to_owned(),
        source,
    }
}

/// A CSV file being written, with its path for error messages.
struct CsvOut {
    path: PathBuf,
    writer: csv::Writer<FeedWriter>,
}

impl CsvOut {
    /// `name` in `dir`, compressed as told (its name then says so).
    fn create<I, T>(
        dir: &Path,
        name: &str,
        compression: Compression,
        header: I,
    ) -> Result<Self, GenerateError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let path = dir.join(compression.file_name(name));
        let file = FeedWriter::create(&path, compression).map_err(io(&path))?;
        let mut writer = csv::Writer::from_writer(file);
        writer.write_record(header).map_err(csv_err(&path))?;
        Ok(Self { path, writer })
    }

    fn finish(self) -> Result<(), GenerateError> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| io(&self.path)(e.into_error()))?;
        file.finish().map_err(io(&self.path))
    }
}

fn write_mapping(dir: &Path, name: &str, mapping: &CsvMapping) -> Result<(), GenerateError> {
    let path = dir.join(name);
    let text = mapping.to_toml().map_err(|source| GenerateError::Mapping {
        path: path.clone(),
        source,
    })?;
    std::fs::write(&path, text).map_err(io(&path))
}

/// Record ids that look like a source system's own: unique, but scrambled so
/// their order says nothing about the truth.
fn scrambled(counter: u64, modulus: u64) -> u64 {
    (counter.wrapping_mul(387_420_489).wrapping_add(104_729)) % modulus
}

/// Which feed a record is in, as the truth file names it.
const HEALTH_SOURCE: &str = "health";
const SCHOOL_SOURCE: &str = "school-census";
const LA_SOURCE: &str = "local-authority";

/// Writes the three feeds, their mapping files, the truth file and a
/// population table into `out` (a directory that exists), the feeds
/// compressed as told. `progress` hears the number of children done every
/// few thousand children.
pub fn write_feeds(
    options: Options,
    out: &Path,
    compression: Compression,
    progress: &mut dyn FnMut(u64),
) -> Result<FeedSummary, GenerateError> {
    let mut population = Population::new(options)?;
    write_mapping(out, SCHOOL_MAPPING_FILE, &school_mapping())?;
    write_mapping(out, LA_MAPPING_FILE, &local_authority_mapping())?;

    let health_path = out.join(compression.file_name(HEALTH_FILE));
    let mut health_out = FeedWriter::create(&health_path, compression).map_err(io(&health_path))?;
    let mut school = CsvOut::create(out, SCHOOL_FILE, compression, SCHOOL_HEADER)?;
    let mut la = CsvOut::create(out, LA_FILE, compression, local_authority_header())?;
    // The truth and the table are the harness's, not a source's: plain.
    let mut truth = CsvOut::create(
        out,
        TRUTH_FILE,
        Compression::None,
        ["source", "source_record_id", "child_key"],
    )?;
    let mut table = CsvOut::create(
        out,
        POPULATION_FILE,
        Compression::None,
        [
            "child_key",
            "contactpoint_id",
            "nhs_number",
            "upn",
            "given",
            "family",
            "date_of_birth",
            "gender",
            "postcode",
        ],
    )?;

    // One noise stream per feed, so each feed's mistakes are independent.
    let seed = options.seed;
    let mut health_rng = ChaCha8Rng::seed_from_u64(mix(&[seed, 0x4EA1]));
    let mut school_rng = ChaCha8Rng::seed_from_u64(mix(&[seed, 0x5C00]));
    let mut la_rng = ChaCha8Rng::seed_from_u64(mix(&[seed, 0x1A]));
    let mut summary = FeedSummary::default();
    let mut record = Vec::with_capacity(48);

    // Not a `for` loop: the feeds read the population's tables between draws.
    #[allow(clippy::while_let_on_iterator)]
    while let Some(household) = population.next() {
        for child in &household.children {
            let authority = population.authority(child.authority);
            let reference = population.reference();

            if child.gp.is_some() {
                for _ in 0..copies(&HEALTH, &mut health_rng) {
                    let mut bytes = [0u8; 16];
                    health_rng.fill(&mut bytes);
                    let id = uuid::Builder::from_random_bytes(bytes)
                        .into_uuid()
                        .to_string();
                    let view = View::of(child, reference, &HEALTH, &mut health_rng);
                    health::write_child(
                        &mut health_out,
                        &id,
                        child,
                        &view,
                        authority,
                        &mut health_rng,
                    )
                    .map_err(|source| GenerateError::Json {
                        path: health_path.clone(),
                        source,
                    })?;
                    truth_line(&mut truth, HEALTH_SOURCE, &id, child)?;
                    summary.health_records += 1;
                }
            }

            if child.school.is_some() && school_rng.random_bool(0.96) {
                for _ in 0..copies(&SCHOOL, &mut school_rng) {
                    let id = format!("SC{:09}", scrambled(summary.school_records, 1_000_000_000));
                    let view = View::of(child, reference, &SCHOOL, &mut school_rng);
                    write_school(&mut school.writer, &id, child, &view, authority)
                        .map_err(csv_err(&school.path))?;
                    truth_line(&mut truth, SCHOOL_SOURCE, &id, child)?;
                    summary.school_records += 1;
                }
            }

            if child.known_to_authority {
                for _ in 0..copies(&LOCAL_AUTHORITY, &mut la_rng) {
                    let number = scrambled(summary.local_authority_records, 100_000_000);
                    let id = format!("{}-{number:08}", authority.code);
                    let view = View::of(child, reference, &LOCAL_AUTHORITY, &mut la_rng);
                    write_local_authority(&mut la.writer, &mut record, &id, child, &view)
                        .map_err(csv_err(&la.path))?;
                    truth_line(&mut truth, LA_SOURCE, &id, child)?;
                    summary.local_authority_records += 1;
                }
            }

            population_line(&mut table, child)?;
            summary.children += 1;
            if summary.children.is_multiple_of(PROGRESS_EVERY) {
                progress(summary.children);
            }
        }
    }
    health_out.finish().map_err(io(&health_path))?;
    for csv in [school, la, truth, table] {
        csv.finish()?;
    }
    progress(summary.children);
    Ok(summary)
}

/// One record, or two when the source has registered the child twice.
fn copies(rates: &Rates, rng: &mut ChaCha8Rng) -> u8 {
    if rng.random_bool(rates.duplicate) {
        2
    } else {
        1
    }
}

fn truth_line(
    truth: &mut CsvOut,
    source: &str,
    id: &str,
    child: &TruthChild,
) -> Result<(), GenerateError> {
    truth
        .writer
        .write_record([source, id, child.key.as_str()])
        .map_err(csv_err(&truth.path))
}

fn population_line(table: &mut CsvOut, truth: &TruthChild) -> Result<(), GenerateError> {
    let child = &truth.child;
    let nhs = child
        .nhs_number
        .as_ref()
        .map(|n| n.value.digits())
        .unwrap_or_default();
    table
        .writer
        .write_record([
            truth.key.as_str(),
            &child.contactpoint_id.compact(),
            &nhs,
            child.upn.as_ref().map_or("", |u| u.value.as_str()),
            child.name.value.given.as_str(),
            child.name.value.family.as_str(),
            &child.date_of_birth.value.to_string(),
            child.gender.value.as_str(),
            child.postcode().map_or("", |p| p.as_str()),
        ])
        .map_err(csv_err(&table.path))
}
