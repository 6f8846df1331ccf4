//! Matching records about people: normalising names, phonetic codes and
//! field comparisons with their levels. The same kernel serves search (a
//! practitioner's query against stored children) and linkage (a feed record
//! against stored children). No I/O.
//!
//! Names follow Fellegi-Sunter as splink does: a *comparison* of one field
//! falls into a *comparison level* (exact, close, different, or the *null
//! level* when either side is missing); later, each level gets its m and u
//! probabilities and a match weight of log2(m/u).

mod blocking;
mod compare;
mod estimate;
mod nicknames;
mod normalise;
mod phonetic;
mod profile;
mod score;
mod search;

pub use blocking::{BlockingKey, KeyKind, KeySource, blocking_keys};
pub use compare::{
    DateLevel, NameForm, NameLevel, PostcodeLevel, compare_dates, compare_forename_forms,
    compare_forenames, compare_name_forms, compare_names, compare_postcodes,
};
pub use estimate::{Comparison, Estimate, estimate};
pub use nicknames::{NICKNAMES_TSV, Nicknames, nicknames};
pub use normalise::{fold, name_tokens, surname_key};
pub use phonetic::{PhoneticCodes, phonetic_codes};
pub use profile::{BirthDate, Names, Profile, ProfileError, known_gender};
pub use score::{
    Evidence, Field, Model, ModelError, NoTermFrequencies, Person, Probabilities, Score,
    TermFrequencies,
};
pub use search::{Band, Outcome, Ranked, Rules, rank};
