//! Text to words for phrase matching: compatibility-folded (full-width letters, ligatures),
//! accents stripped, lower-cased, apostrophes dropped inside words ("I'm" → `im`), every other
//! punctuation mark a word break, and digits inside words read as letters ("k1ll" → `kill`).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// One word of a phrase pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Pattern {
    /// The word itself.
    Exact(String),
    /// Any word starting with this (a phrase word written with a trailing `*`).
    Prefix(String),
}

impl Pattern {
    pub(crate) fn matches(&self, word: &str) -> bool {
        match self {
            Self::Exact(w) => w == word,
            Self::Prefix(p) => word.starts_with(p.as_str()),
        }
    }
}

/// The words of a message, and a second reading with spelled-out letters joined ("k i l l" →
/// `kill`) when the message has any; `None` when it would equal the first.
pub(crate) fn words(text: &str) -> (Vec<String>, Option<Vec<String>>) {
    let words: Vec<String> = split(&fold(text), false)
        .into_iter()
        .map(|w| {
            // Most words are neither leet nor text speak: kept as they are, not copied twice.
            let plain = unleet(&w);
            let spoken = text_speak(&plain);
            if spoken != plain {
                return spoken.to_owned();
            }
            match plain {
                std::borrow::Cow::Borrowed(_) => w,
                std::borrow::Cow::Owned(changed) => changed,
            }
        })
        .collect();
    let joined = join_spelled_out(&words);
    (words, joined)
}

/// The word patterns of a list phrase; empty when it has no words.
pub(crate) fn pattern(phrase: &str) -> Vec<Pattern> {
    split(&fold(phrase), true)
        .into_iter()
        .filter_map(|w| match w.strip_suffix('*') {
            Some(stem) if !stem.is_empty() => Some(Pattern::Prefix(unleet(stem).into_owned())),
            Some(_) => None,
            None => Some(Pattern::Exact(text_speak(&unleet(&w)).to_string())),
        })
        .collect()
}

/// Compatibility decomposition without combining marks, lower-cased, with the few Latin letters
/// that do not decompose spelled out.
fn fold(text: &str) -> String {
    if text.is_ascii() {
        // Nothing to decompose and no marks to drop: every message and reply is checked, and
        // most are ASCII.
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ł' | 'Ł' => out.push('l'),
            'ı' => out.push('i'),
            'þ' | 'Þ' => out.push_str("th"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '`' | '´')
}

/// Splits folded text into words of letters and digits. An apostrophe between two word
/// characters joins them; `keep_star` keeps a `*` that ends a word (list phrases only).
fn split(folded: &str, keep_star: bool) -> Vec<String> {
    let mut chars = folded.chars().peekable();
    let mut words = Vec::new();
    let mut word = String::new();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            word.push(c);
            continue;
        }
        let inside_word =
            !word.is_empty() && chars.peek().is_some_and(|next| next.is_alphanumeric());
        if is_apostrophe(c) && inside_word {
            continue;
        }
        if keep_star && c == '*' && !word.is_empty() {
            word.push('*');
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Digits inside a word that also has letters read as the letters they imitate; a number
/// stays a number.
fn unleet(word: &str) -> std::borrow::Cow<'_, str> {
    let has_letter = word.chars().any(char::is_alphabetic);
    let has_digit = word.chars().any(|c| c.is_ascii_digit());
    if !(has_letter && has_digit) {
        return word.into();
    }
    word.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            c => c,
        })
        .collect()
}

/// Chat shorthand for "you" and "your", so a phrase written in full also matches it.
fn text_speak(word: &str) -> &str {
    match word {
        "u" => "you",
        "ur" => "your",
        "ya" => "you",
        w => w,
    }
}

/// Joins runs of three or more one-letter words ("k i l l" → `kill`); `None` when there is no
/// such run.
fn join_spelled_out(words: &[String]) -> Option<Vec<String>> {
    const MIN_RUN: usize = 3;
    let single = |w: &String| w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
    // Most messages have no such run: nothing is copied for them.
    let has_run = words
        .windows(MIN_RUN)
        .any(|window| window.iter().all(single));
    if !has_run {
        return None;
    }
    let mut out = Vec::with_capacity(words.len());
    let mut changed = false;
    let mut i = 0;
    while i < words.len() {
        let run = words[i..].iter().take_while(|w| single(w)).count();
        if run >= MIN_RUN {
            out.push(words[i..i + run].concat());
            changed = true;
            i += run;
        } else {
            out.push(words[i].clone());
            i += 1;
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Vec<String> {
        words(text).0
    }

    #[test]
    fn words_are_lower_case_without_accents_or_punctuation() {
        assert_eq!(plain("  Hé, CAFÉ—crème!! "), ["he", "cafe", "creme"]);
        assert_eq!(plain("Straße Øre"), ["strasse", "ore"]);
    }

    #[test]
    fn full_width_letters_and_ligatures_fold_to_ascii() {
        assert_eq!(plain("ｋｉｌｌ ﬁle"), ["kill", "file"]);
    }

    #[test]
    fn apostrophes_inside_words_are_dropped() {
        assert_eq!(
            plain("I'm sure you’ll see, 'quoted'"),
            ["im", "sure", "youll", "see", "quoted"]
        );
    }

    #[test]
    fn digits_inside_words_read_as_letters_but_numbers_stay() {
        assert_eq!(plain("k1ll order 1234"), ["kill", "order", "1234"]);
    }

    #[test]
    fn chat_shorthand_reads_as_the_full_word() {
        assert_eq!(
            plain("i will find u and ur family"),
            ["i", "will", "find", "you", "and", "your", "family"]
        );
    }

    #[test]
    fn spelled_out_letters_are_joined_in_the_second_reading() {
        let (first, joined) = words("I will k i l l you");
        assert_eq!(first, ["i", "will", "k", "i", "l", "l", "you"]);
        assert_eq!(joined.expect("joined"), ["i", "will", "kill", "you"]);
        let (_, joined) = words("k.i.l.l you");
        assert_eq!(joined.expect("joined"), ["kill", "you"]);
        assert_eq!(words("a b").1, None);
    }

    #[test]
    fn phrase_patterns_keep_a_trailing_star_as_a_prefix() {
        assert_eq!(
            pattern("Suicid* thoughts"),
            [
                Pattern::Prefix("suicid".into()),
                Pattern::Exact("thoughts".into())
            ]
        );
        assert!(pattern("*").is_empty());
        assert!(pattern(" !? ").is_empty());
        assert!(Pattern::Prefix("suicid".into()).matches("suicidal"));
        assert!(!Pattern::Exact("kill".into()).matches("killer"));
    }
}
