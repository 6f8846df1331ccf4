//! The matching kernel's costs per call: what a search pays per candidate.
//! Run with `cargo bench -p contactpoint-linkage`.

use std::hint::black_box;

use contactpoint_linkage::{
    BirthDate, KeySource, Model, Names, NoTermFrequencies, Person, Profile, blocking_keys,
    compare_names, fold, phonetic_codes, surname_key,
};
use criterion::{Criterion, criterion_group, criterion_main};

fn kernel(c: &mut Criterion) {
    c.bench_function("fold", |b| {
        b.iter(|| fold(black_box("Łukasz Wiśniewski-O'Brien")))
    });
    c.bench_function("surname_key", |b| {
        b.iter(|| surname_key(black_box("MacDonald-de Souza")))
    });
    c.bench_function("phonetic_codes", |b| {
        b.iter(|| phonetic_codes(black_box("Okonkwo")))
    });
    c.bench_function("compare_names/one_edit", |b| {
        b.iter(|| compare_names(black_box("Jonathon"), black_box("Jonathan")))
    });
    c.bench_function("compare_names/different", |b| {
        b.iter(|| compare_names(black_box("Catherine"), black_box("Okonkwo")))
    });

    let model = Model::default();
    let record = Person {
        forename: Some("Amelia"),
        surname: Some("Okonkwo"),
        date_of_birth: Some((2019, 4, 3)),
        postcode: Some("LS6 2AB"),
        gender: Some("female"),
    };
    let query = Person {
        surname: Some("Okonkow"),
        postcode: None,
        gender: None,
        ..record
    };
    c.bench_function("score", |b| {
        b.iter(|| model.score(black_box(&query), black_box(&record), &NoTermFrequencies))
    });

    // What a search pays per candidate: read a stored profile, compare.
    let stored = Profile {
        forenames: Names::forenames(["Amelia", "Millie"]),
        surnames: Names::surnames(["Okonkwo", "Smith-Jones"]),
        date_of_birth: Some(BirthDate::Full(2019, 4, 3)),
        postcodes: vec!["LS6 2AB".into(), "LS7 1QD".into()],
        gender: Some("female"),
    };
    let encoded = stored.encode();
    let query = Profile {
        forenames: Names::forenames(["Amelia"]),
        surnames: Names::surnames(["Okonkow"]),
        date_of_birth: Some(BirthDate::Full(2019, 3, 4)),
        ..Profile::default()
    };
    c.bench_function("profile/decode", |b| {
        b.iter(|| Profile::decode(black_box(&encoded)))
    });
    c.bench_function("profile/compare", |b| {
        b.iter(|| model.compare(black_box(&query), black_box(&stored), &NoTermFrequencies))
    });

    let source = KeySource {
        forenames: vec!["Amelia", "Millie"],
        surnames: vec!["Okonkwo", "Smith-Jones"],
        date_of_birth: Some((2019, 4, 3)),
        postcodes: vec!["LS6 2AB", "LS7 1QD"],
        ..Default::default()
    };
    c.bench_function("blocking_keys/record", |b| {
        b.iter(|| blocking_keys(black_box(&source)))
    });
}

criterion_group!(benches, kernel);
criterion_main!(benches);
