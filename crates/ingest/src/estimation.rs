//! The model's weights estimated from a feed before it is imported: its
//! first records against the children the store holds (see
//! [`contactpoint_linkage::estimate`]).

use contactpoint_linkage::{Comparison, Estimate, estimate};
use contactpoint_store::Store;

use crate::batch::{CANDIDATES, record_keys};
use crate::csv_feed::RowRejection;
use crate::import::{ImportError, Importer};
use crate::link;
use crate::record::FeedRecord;

/// How many of a feed's records the estimation reads.
pub const SAMPLE: usize = 2_000;
/// Fewer candidate pairs than this (a store nearly empty, a feed of a few
/// records) and the model is left as it is; the starting values weigh as
/// much as a few dozen pairs, so a few hundred are enough to move them.
const MIN_PAIRS: usize = 200;
/// How many other records' candidates each record is compared with, as
/// children drawn at random.
const RANDOM_PARTNERS: usize = 24;

impl<S: Store> Importer<'_, S> {
    /// Estimates the model's m and u from the first [`SAMPLE`] records of
    /// `records` (rejected rows skipped): each record against the children
    /// its blocking keys find (for m, by EM) and against those another
    /// record's keys find, which are children drawn at random as far as
    /// this record goes (for u). Too few pairs and the estimate is the
    /// importer's own model, unchanged.
    pub async fn estimate(
        &self,
        records: impl Iterator<Item = Result<FeedRecord, RowRejection>>,
    ) -> Result<Estimate, ImportError> {
        let sample: Vec<FeedRecord> = records.filter_map(Result::ok).take(SAMPLE).collect();
        let keys: Vec<Vec<i64>> = sample.iter().map(record_keys).collect();
        let found = self.store.candidates_for_each(&keys, CANDIDATES).await?;
        let queries: Vec<_> = sample.iter().map(link::profile).collect();
        let n = sample.len();
        let mut blocked = Vec::new();
        let mut random = Vec::new();
        for (i, query) in queries.iter().enumerate() {
            let pairs: Vec<Comparison> = found
                .get(i)
                .into_iter()
                .flatten()
                .map(|candidate| Comparison::of(&self.model, query, &candidate.profile))
                .collect();
            blocked.push(pairs);
            // Rare agreements (a date of birth, a postcode unit) happen in
            // one random pair of thousands: u needs many pairs.
            for k in 1..=RANDOM_PARTNERS {
                let other = (i + k * n / (RANDOM_PARTNERS + 1)) % n.max(1);
                if other == i {
                    continue;
                }
                for candidate in found.get(other).into_iter().flatten() {
                    random.push(Comparison::of(&self.model, query, &candidate.profile));
                }
            }
        }
        let pairs: usize = blocked.iter().map(Vec::len).sum();
        if pairs < MIN_PAIRS || random.len() < MIN_PAIRS {
            return Ok(estimate(&self.model, &[], &[], self.model.prior_weight));
        }
        // One child among all those searchable: the prior a pair starts
        // from, counted as the import's and search's priors are.
        let children = self.store.name_counts("", "").await?.children;
        let prior = -(children.max(2) as f64).log2();
        Ok(estimate(&self.model, &random, &blocked, prior))
    }
}
