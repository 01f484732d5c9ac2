//! What the classifier sees of a message: normalised text, word unigrams and bigrams, the
//! character 3–5-grams of each word (which survive typos and inflections: "charged" / "chargd"),
//! and the message's length in words (one- and two-word messages are mostly pleasantries), each
//! hashed to a 64-bit id.

/// Character n-gram lengths taken from each space-padded word.
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 3..=LONGEST_GRAM;
const LONGEST_GRAM: usize = 5;

/// The three feature families; each is scaled to unit length before the weights below apply, so
/// the many character n-grams of a message don't drown its few words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Word,
    Bigram,
    Chars,
}

impl Family {
    pub(crate) const ALL: [Family; 3] = [Family::Word, Family::Bigram, Family::Chars];

    pub(crate) fn weight(self) -> f32 {
        match self {
            Family::Word => 1.0,
            Family::Bigram => 0.6,
            Family::Chars => 1.0,
        }
    }

    fn tag(self) -> u8 {
        match self {
            Family::Word => b'w',
            Family::Bigram => b'b',
            Family::Chars => b'c',
        }
    }
}

/// Lowercase words of `text`: letters and digits kept (a run of digits becomes one `0`, so
/// "order 1234" and "order 98" read alike), apostrophes dropped ("don't" → "dont"), everything
/// else separates words.
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_digit() || (c.is_numeric() && !c.is_alphabetic()) {
            if !in_digits {
                out.push('0');
            }
            in_digits = true;
            continue;
        }
        in_digits = false;
        if c.is_alphanumeric() {
            out.push(c);
        } else if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`') {
            // Part of the word: "can't" and "cant" are the same word in a chat.
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// The hashed features of one message, each with its family, duplicates kept (the vectoriser
/// counts presence).
pub(crate) fn extract(text: &str) -> Vec<(Family, u64)> {
    let normal = normalise(text);
    let words: Vec<&str> = normal.split(' ').filter(|w| !w.is_empty()).collect();
    let mut features = Vec::with_capacity(words.len() * 12);
    for word in &words {
        features.push((Family::Word, hash(Family::Word, &[word])));
    }
    // The leading control character cannot occur in a normalised word.
    features.push((
        Family::Word,
        hash(Family::Word, &["\u{1}words", length_bucket(words.len())]),
    ));
    for pair in words.windows(2) {
        features.push((
            Family::Bigram,
            hash(Family::Bigram, &[pair[0], " ", pair[1]]),
        ));
    }
    let mut padded: Vec<char> = Vec::new();
    for word in &words {
        padded.clear();
        padded.push(' ');
        padded.extend(word.chars());
        padded.push(' ');
        for n in CHAR_GRAMS {
            for gram in padded.windows(n) {
                // Hashed from a stack buffer: no allocation per n-gram.
                let mut utf8 = [0u8; 4 * LONGEST_GRAM];
                let mut len = 0;
                for c in gram {
                    len += c.encode_utf8(&mut utf8[len..]).len();
                }
                let text = std::str::from_utf8(&utf8[..len]).expect("encoded chars");
                features.push((Family::Chars, hash(Family::Chars, &[text])));
            }
        }
    }
    features
}

fn length_bucket(words: usize) -> &'static str {
    match words {
        0 => "0",
        1 => "1",
        2 => "2",
        3 | 4 => "3-4",
        5..=8 => "5-8",
        _ => "9+",
    }
}

/// FNV-1a over the family tag and the parts: stable across runs and platforms, so a model's
/// features mean the same thing wherever it is trained.
fn hash(family: Family, parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h = OFFSET;
    for byte in std::iter::once(family.tag()).chain(parts.iter().flat_map(|p| p.bytes())) {
        h ^= u64::from(byte);
        h = h.wrapping_mul(PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_lowercases_folds_digits_and_drops_punctuation() {
        assert_eq!(
            normalise("My card was CHARGED twice for order #1234!!"),
            "my card was charged twice for order 0"
        );
        assert_eq!(normalise("  Don't   you ship?? "), "dont you ship");
        assert_eq!(normalise("12.95 $ / 250g"), "0 0 0g");
        assert_eq!(normalise("Café  crème"), "café crème");
        assert_eq!(normalise("?!"), "");
    }

    #[test]
    fn features_have_words_bigrams_and_char_grams() {
        let features = extract("charged twice");
        let count = |f: Family| features.iter().filter(|(fam, _)| *fam == f).count();
        // Two words and the length bucket.
        assert_eq!(count(Family::Word), 3);
        assert_eq!(count(Family::Bigram), 1);
        // " charged " has 9 chars: 7 trigrams, 6 four-grams, 5 five-grams; " twice " 5+4+3.
        assert_eq!(count(Family::Chars), 18 + 12);
    }

    #[test]
    fn a_typo_keeps_most_character_grams() {
        let grams = |t: &str| -> std::collections::HashSet<u64> {
            extract(t)
                .into_iter()
                .filter(|(f, _)| *f == Family::Chars)
                .map(|(_, h)| h)
                .collect()
        };
        let right = grams("subscription");
        let typo = grams("subscribtion");
        let shared = right.intersection(&typo).count();
        assert!(shared * 2 > right.len(), "{shared} of {}", right.len());
    }

    #[test]
    fn messages_of_similar_length_share_a_length_feature() {
        let length = |t: &str| extract(t)[normalise(t).split(' ').count()];
        assert_eq!(length("thanks a lot mate"), length("where is my parcel"));
        assert_ne!(length("thanks"), length("where is my parcel"));
        assert_ne!(length("thanks"), length("thanks mate"));
    }

    #[test]
    fn the_same_text_in_two_families_hashes_apart() {
        assert_ne!(hash(Family::Word, &["abc"]), hash(Family::Chars, &["abc"]));
    }
}
