//! Phonetic codes: names that sound alike get the same code.

use std::cell::RefCell;
use std::collections::HashMap;

use rphonetic::{DoubleMetaphone, Encoder, Nysiis};

/// Distinct names remembered per thread before the memory starts afresh:
/// far more than a population's common names, which are most of any feed.
const REMEMBERED: usize = 1 << 16;

thread_local! {
    // The same few thousand names recur in every record, query and stored
    // child; computing their codes was a tenth of an import's time.
    static KNOWN: RefCell<HashMap<String, PhoneticCodes>> = RefCell::new(HashMap::new());
}

/// A name's codes under two algorithms, which fail on different names:
/// Double Metaphone (primary and alternate spelling) and NYSIIS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneticCodes {
    pub metaphone: String,
    pub metaphone_alternate: String,
    pub nysiis: String,
}

impl PhoneticCodes {
    /// Whether any code of one equals any Double Metaphone code of the
    /// other, or their NYSIIS codes agree.
    pub fn sound_alike(&self, other: &PhoneticCodes) -> bool {
        let mine = [&self.metaphone, &self.metaphone_alternate];
        let theirs = [&other.metaphone, &other.metaphone_alternate];
        mine.iter().any(|m| !m.is_empty() && theirs.contains(m))
            || (!self.nysiis.is_empty() && self.nysiis == other.nysiis)
    }
}

/// The phonetic codes of a name, computed on its folded form (the
/// algorithms know only A-Z).
///
/// ```
/// use contactpoint_linkage::phonetic_codes;
/// assert!(phonetic_codes("Stephen").sound_alike(&phonetic_codes("Steven")));
/// assert!(phonetic_codes("Jon").sound_alike(&phonetic_codes("John")));
/// assert!(!phonetic_codes("Smith").sound_alike(&phonetic_codes("Jones")));
/// ```
pub fn phonetic_codes(name: &str) -> PhoneticCodes {
    codes_of_folded(&crate::fold(name))
}

/// The codes of a name already folded (lower-case ASCII letters and spaces).
pub(crate) fn codes_of_folded(folded: &str) -> PhoneticCodes {
    let remembered = KNOWN.with_borrow(|known| known.get(folded).cloned());
    if let Some(codes) = remembered {
        return codes;
    }
    let codes = compute(folded);
    KNOWN.with_borrow_mut(|known| {
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(folded.to_owned(), codes.clone());
    });
    codes
}

fn compute(folded: &str) -> PhoneticCodes {
    let folded: String = folded.chars().filter(|c| *c != ' ').collect();
    let metaphone = DoubleMetaphone::new(Some(6)).double_metaphone(&folded);
    PhoneticCodes {
        metaphone: metaphone.primary(),
        metaphone_alternate: metaphone.alternate(),
        nysiis: Nysiis::new(false).encode(&folded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accented_and_plain_spellings_get_the_same_codes() {
        assert_eq!(phonetic_codes("Łukasz"), phonetic_codes("Lukasz"));
        assert_eq!(phonetic_codes("Gonçalves"), phonetic_codes("Goncalves"));
    }

    #[test]
    fn common_misspellings_sound_alike() {
        for (a, b) in [
            ("Catherine", "Kathryn"),
            ("Philips", "Phillips"),
            ("Mohammed", "Muhammad"),
            ("Aisha", "Ayesha"),
        ] {
            assert!(
                phonetic_codes(a).sound_alike(&phonetic_codes(b)),
                "{a} ~ {b}"
            );
        }
    }

    #[test]
    fn an_empty_name_sounds_like_nothing() {
        assert!(!phonetic_codes("").sound_alike(&phonetic_codes("")));
    }
}
