//! Nicknames and short forms (Bill for William, Seun for Oluwaseun): a
//! practitioner often knows a child by the name the family uses.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::fold;

/// `formal<TAB>nickname` pairs; see `data/README.md` for origin and licence.
/// Public so the synthetic-data generator puts the same nicknames in its
/// feeds as matching knows.
pub const NICKNAMES_TSV: &str = include_str!("../data/nicknames.tsv");

/// Which names are forms of one another. Each name maps to the formal
/// names it may stand for (itself included when it is formal).
pub struct Nicknames {
    formal_of: HashMap<String, Vec<u32>>,
    formal_names: Vec<String>,
}

impl Nicknames {
    fn parse(tsv: &str) -> Self {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut formal_names = Vec::new();
        let mut formal_of: HashMap<String, Vec<u32>> = HashMap::new();
        for line in tsv.lines().skip(1) {
            let Some((formal, nickname)) = line.split_once('\t') else {
                continue;
            };
            let (formal, nickname) = (fold(formal), fold(nickname));
            if formal.is_empty() || nickname.is_empty() {
                continue;
            }
            let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            let id = *ids.entry(formal.clone()).or_insert_with(|| {
                formal_names.push(formal.clone());
                next
            });
            for name in [formal, nickname] {
                let groups = formal_of.entry(name).or_default();
                if !groups.contains(&id) {
                    groups.push(id);
                }
            }
        }
        Self {
            formal_of,
            formal_names,
        }
    }

    /// The folded formal names a name may stand for: `bill` gives
    /// `william`; a formal name gives itself; an unknown name, nothing.
    pub fn formal_forms(&self, name: &str) -> Vec<&str> {
        self.formal_of
            .get(&fold(name))
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| self.formal_names.get(*id as usize).map(String::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether two given names can be the same person's: one is a nickname
    /// of the other, or both are forms of one formal name.
    ///
    /// ```
    /// use contactpoint_linkage::nicknames;
    /// assert!(nicknames().related("Bill", "William"));
    /// assert!(nicknames().related("Bill", "Will"));
    /// assert!(!nicknames().related("Bill", "Grace"));
    /// ```
    pub fn related(&self, a: &str, b: &str) -> bool {
        self.related_folded(&fold(a), &fold(b))
    }

    /// As [`Nicknames::related`], for names already folded.
    pub(crate) fn related_folded(&self, a: &str, b: &str) -> bool {
        match (self.formal_of.get(a), self.formal_of.get(b)) {
            (Some(x), Some(y)) => x.iter().any(|id| y.contains(id)),
            _ => false,
        }
    }

    /// How many distinct names the table knows.
    pub fn len(&self) -> usize {
        self.formal_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.formal_of.is_empty()
    }
}

/// The nickname table, parsed once from the data compiled into the binary.
pub fn nicknames() -> &'static Nicknames {
    static TABLE: OnceLock<Nicknames> = OnceLock::new();
    TABLE.get_or_init(|| Nicknames::parse(NICKNAMES_TSV))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_in_both_directions() {
        assert!(nicknames().related("William", "Bill"));
        assert!(nicknames().related("Elizabeth", "Beth"));
    }

    #[test]
    fn accents_and_case_do_not_matter() {
        let table = Nicknames::parse("formal\tnickname\nMałgorzata\tGosia\n");
        assert!(table.related("MALGORZATA", "gosia"));
    }

    #[test]
    fn a_nickname_leads_to_its_formal_names() {
        assert!(nicknames().formal_forms("Bill").contains(&"william"));
        assert!(nicknames().formal_forms("Zzyzx").is_empty());
    }

    #[test]
    fn a_name_unknown_to_the_table_is_related_to_nothing() {
        assert!(!nicknames().related("Zzyzx", "William"));
    }

    #[test]
    fn the_table_is_large() {
        assert!(nicknames().len() > 500, "{}", nicknames().len());
    }
}
