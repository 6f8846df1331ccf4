//! One source's noisy view of a child: the same truth, mis-keyed, out of
//! date or incomplete in the ways that source tends to be.

use contactpoint_domain::{Address, Gender};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use time::Date;

use super::noise::{fold_ascii, slip_digit, swap_day_month, typo};
use super::population::TruthChild;
use super::reference::Reference;

/// How often a source gets each field wrong, per record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rates {
    pub typo: f64,
    pub nickname: f64,
    pub swap_day_month: f64,
    pub slip_digit: f64,
    pub missing_postcode: f64,
    pub missing_gender: f64,
    pub missing_id: f64,
    /// Movers still at their old address in this source.
    pub stale_address: f64,
    /// Children whose surname changed still under the old one here.
    pub old_surname: f64,
    /// Records whose names lost their accents.
    pub fold: f64,
    /// Children recorded twice under two record ids.
    pub duplicate: f64,
}

pub(crate) const HEALTH: Rates = Rates {
    typo: 0.02,
    nickname: 0.02,
    swap_day_month: 0.003,
    slip_digit: 0.004,
    missing_postcode: 0.01,
    missing_gender: 0.005,
    missing_id: 0.01,
    stale_address: 0.15,
    old_surname: 0.2,
    fold: 0.05,
    duplicate: 0.005,
};

pub(crate) const SCHOOL: Rates = Rates {
    typo: 0.025,
    nickname: 0.04,
    swap_day_month: 0.005,
    slip_digit: 0.005,
    missing_postcode: 0.03,
    missing_gender: 0.01,
    missing_id: 0.02,
    stale_address: 0.35,
    old_surname: 0.4,
    fold: 0.5,
    duplicate: 0.005,
};

pub(crate) const LOCAL_AUTHORITY: Rates = Rates {
    typo: 0.03,
    nickname: 0.03,
    swap_day_month: 0.006,
    slip_digit: 0.006,
    missing_postcode: 0.04,
    missing_gender: 0.03,
    missing_id: 0.4,
    stale_address: 0.25,
    old_surname: 0.3,
    fold: 0.9,
    duplicate: 0.005,
};

pub(crate) struct View<'a> {
    pub given: String,
    pub family: String,
    /// The former surname, when the child changed it; a source may know it.
    pub former_family: Option<&'a str>,
    /// Whether `family` is the former surname (the source is out of date).
    pub family_is_former: bool,
    pub date_of_birth: Date,
    pub gender: Option<Gender>,
    pub address: Option<&'a Address>,
    /// The child's other address: the previous one, or the current one when
    /// `address` is stale.
    pub other_address: Option<&'a Address>,
    pub stale: bool,
    pub postcode: bool,
    pub identifier: bool,
}

impl<'a> View<'a> {
    pub(crate) fn of(
        truth: &'a TruthChild,
        reference: &Reference,
        rates: &Rates,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let child = &truth.child;
        let name = &child.name.value;
        let former_family = child
            .previous_names
            .first()
            .map(|n| n.value.family.as_str());
        let family_is_former = former_family.is_some() && rng.random_bool(rates.old_surname);
        let mut family = match (family_is_former, former_family) {
            (true, Some(old)) => old.to_owned(),
            _ => name.family.as_str().to_owned(),
        };
        let mut given = name.given.as_str().to_owned();
        if rng.random_bool(rates.nickname) {
            let nicknames = reference.nicknames(&given);
            if !nicknames.is_empty() {
                given = nicknames[rng.random_range(0..nicknames.len())]
                    .as_str()
                    .to_owned();
            }
        }
        if rng.random_bool(rates.typo) {
            given = typo(&given, rng);
        }
        if rng.random_bool(rates.typo) {
            family = typo(&family, rng);
        }
        if rng.random_bool(rates.fold) {
            given = fold_ascii(&given).into_owned();
            family = fold_ascii(&family).into_owned();
        }
        let mut date_of_birth = child.date_of_birth.value;
        if rng.random_bool(rates.swap_day_month) {
            date_of_birth = swap_day_month(date_of_birth).unwrap_or(date_of_birth);
        }
        if rng.random_bool(rates.slip_digit) {
            date_of_birth = slip_digit(date_of_birth, rng);
        }
        let gender = (!rng.random_bool(rates.missing_gender)).then_some(child.gender.value);
        let current = child.address.as_ref().map(|a| &a.value);
        let previous = child.previous_addresses.first().map(|a| &a.value);
        let stale = previous.is_some() && rng.random_bool(rates.stale_address);
        let (address, other_address) = if stale {
            (previous, current)
        } else {
            (current, previous)
        };
        Self {
            given,
            family,
            former_family,
            family_is_former,
            date_of_birth,
            gender,
            address,
            other_address,
            stale,
            postcode: !rng.random_bool(rates.missing_postcode),
            identifier: !rng.random_bool(rates.missing_id),
        }
    }

    /// Address lines padded to two, for the CSV feeds.
    pub(crate) fn lines(&self) -> [&str; 2] {
        let lines = self.address.map(|a| a.lines()).unwrap_or(&[]);
        [
            lines.first().map_or("", |l| l.as_str()),
            lines.get(1).map_or("", |l| l.as_str()),
        ]
    }

    pub(crate) fn town(&self) -> &str {
        self.address
            .and_then(|a| a.town())
            .map_or("", |t| t.as_str())
    }

    pub(crate) fn postcode(&self) -> &str {
        match self.address {
            Some(a) if self.postcode => a.postcode().as_str(),
            _ => "",
        }
    }
}
