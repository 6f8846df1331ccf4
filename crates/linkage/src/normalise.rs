//! Names as people write them, reduced to what should compare equal.

use unicode_normalization::UnicodeNormalization;

/// Lower-case ASCII letters and single spaces: accents dropped, letters
/// without a decomposition spelt as English speakers do, punctuation gone.
///
/// ```
/// use contactpoint_linkage::fold;
/// assert_eq!(fold("Łukasz  Wiśniewski"), "lukasz wisniewski");
/// assert_eq!(fold("O'Brien-Smith"), "obrien smith");
/// assert_eq!(fold("Gonçalves"), "goncalves");
/// ```
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for c in name.nfd() {
        let mapped: &str = match c {
            'a'..='z' | 'A'..='Z' => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c.to_ascii_lowercase());
                continue;
            }
            'ł' | 'Ł' => "l",
            'ø' | 'Ø' => "o",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'ı' => "i",
            'ß' => "ss",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'þ' | 'Þ' => "th",
            // Apostrophes join (O'Brien is one word); marks vanish.
            '\'' | '’' | '`' => continue,
            c if is_mark(c) => continue,
            _ => {
                space = true;
                continue;
            }
        };
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push_str(mapped);
    }
    out
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}')
}

/// The words of a name after folding: a double-barrelled or multi-part
/// name gives each part, so a search by either half can find it.
///
/// ```
/// use contactpoint_linkage::name_tokens;
/// assert_eq!(name_tokens("Smith-Jones"), ["smith", "jones"]);
/// ```
pub fn name_tokens(name: &str) -> Vec<String> {
    fold(name)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Particles that belong to the surname that follows them.
const PARTICLES: &[&str] = &[
    "da", "das", "de", "del", "della", "der", "di", "do", "dos", "du", "la", "le", "st", "van",
    "von", "ter", "ten", "al", "el", "bin", "ben", "ap",
];

/// One key for a surname however it is spaced or prefixed: particles are
/// joined to the name (`de Souza`, `DeSouza`), `Mac` is written `Mc`
/// (`MacDonald`, `McDonald`), `O'` joins (`O'Neill`, `ONeill`).
///
/// ```
/// use contactpoint_linkage::surname_key;
/// assert_eq!(surname_key("MacDonald"), surname_key("Mc Donald"));
/// assert_eq!(surname_key("de Souza"), surname_key("DeSouza"));
/// assert_eq!(surname_key("O'Neill"), "oneill");
/// ```
pub fn surname_key(surname: &str) -> String {
    let tokens = name_tokens(surname);
    let mut key = String::new();
    let mut pending_particle = false;
    for token in &tokens {
        let joins = pending_particle || key.is_empty();
        if !joins {
            key.push(' ');
        }
        key.push_str(token);
        pending_particle = PARTICLES.contains(&token.as_str()) || token == "mc" || token == "mac";
    }
    key.split(' ')
        .map(|part| match part.strip_prefix("mac") {
            // Mack, Macey, Machin and Machado are names of their own, not
            // Mac + a name: a short tail or an `h` keeps the `mac`.
            Some(rest) if rest.len() >= 3 && !rest.starts_with('h') => format!("mc{rest}"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_letters_without_decomposition_are_folded() {
        assert_eq!(fold("Şerban Stănescu"), "serban stanescu");
        assert_eq!(fold("Øyvind Æsir"), "oyvind aesir");
        assert_eq!(fold("Jose\u{0301}"), "jose");
        assert_eq!(fold("Yılmaz Öztürk"), "yilmaz ozturk");
    }

    #[test]
    fn punctuation_separates_words_and_apostrophes_join_them() {
        assert_eq!(fold("Mary-Jane"), "mary jane");
        assert_eq!(fold("  St. John  "), "st john");
        assert_eq!(fold("D’Arcy"), "darcy");
    }

    #[test]
    fn a_surname_key_joins_particles_and_prefixes() {
        assert_eq!(surname_key("van der Berg"), "vanderberg");
        assert_eq!(surname_key("Van Der Berg"), surname_key("Vanderberg"));
        assert_eq!(surname_key("Mackenzie"), surname_key("McKenzie"));
        assert_eq!(surname_key("Smith-Jones"), "smith jones");
    }

    #[test]
    fn names_that_merely_start_with_mac_keep_it() {
        assert_eq!(surname_key("Mack"), "mack");
        assert_eq!(surname_key("Machin"), "machin");
        assert_eq!(surname_key("Macey"), "macey");
    }
}
