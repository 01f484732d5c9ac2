//! BM25 ranking over knowledge entries, with a small support-desk tokenizer:
//! lowercase, split on non-alphanumerics, drop English stop words, light stemming
//! and a synonym map that folds common support words onto one term.

use std::collections::BTreeMap;

/// Term maps: built from the workspace's knowledge, probed with the visitor's words.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

use super::KnowledgeEntry;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Field weights: a word in the question or keywords counts twice as much as one in the answer.
const QUESTION_WEIGHT: f64 = 2.0;
const KEYWORD_WEIGHT: f64 = 2.0;
const ANSWER_WEIGHT: f64 = 1.0;

/// A weighted bag of terms. A `BTreeMap` keeps iteration (and so float sums) deterministic.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Query(BTreeMap<String, f64>);

impl Query {
    /// Every distinct term of `text`, with weight 1.
    pub(crate) fn from_text(text: &str) -> Self {
        Self::from_terms(tokenize(text))
    }

    /// Every distinct term of `terms` (a text's [`tokenize`]), with weight 1.
    pub(crate) fn from_terms(terms: impl IntoIterator<Item = String>) -> Self {
        Self(terms.into_iter().map(|term| (term, 1.0)).collect())
    }

    /// The query without `terms`.
    pub(crate) fn without(&self, terms: &[&str]) -> Self {
        let mut kept = self.0.clone();
        kept.retain(|term, _| !terms.contains(&term.as_str()));
        Self(kept)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether it has terms and every one is a bare number ("7", "1234").
    pub(crate) fn only_numbers(&self) -> bool {
        !self.0.is_empty()
            && self
                .0
                .keys()
                .all(|term| term.bytes().all(|b| b.is_ascii_digit()))
    }

    /// Adds `other`'s terms scaled by `factor`; a term already present keeps its larger weight.
    pub(crate) fn merge(&mut self, other: &Query, factor: f64) {
        for (term, weight) in &other.0 {
            let entry = self.0.entry(term.clone()).or_insert(0.0);
            *entry = entry.max(weight * factor);
        }
    }
}

/// One ranked document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Hit {
    pub doc: usize,
    pub score: f64,
    /// Share (0..=1) of the query's idf-weighted mass that occurs in this document.
    pub coverage: f64,
}

/// An inverted view of a small document collection.
#[derive(Clone)]
pub(crate) struct Index {
    docs: Vec<HashMap<String, f64>>,
    lengths: Vec<f64>,
    df: HashMap<String, usize>,
    avg_len: f64,
}

impl Index {
    /// Builds an index where each document is a list of `(text, field weight)`.
    pub(crate) fn new<'a, D, F>(documents: D) -> Self
    where
        D: IntoIterator<Item = F>,
        F: IntoIterator<Item = (&'a str, f64)>,
    {
        let mut docs = Vec::new();
        let mut lengths = Vec::new();
        let mut df: HashMap<String, usize> = HashMap::default();
        for fields in documents {
            let mut tf: HashMap<String, f64> = HashMap::default();
            let mut len = 0.0;
            for (text, weight) in fields {
                for term in tokenize(text) {
                    *tf.entry(term).or_insert(0.0) += weight;
                    len += weight;
                }
            }
            for term in tf.keys() {
                *df.entry(term.clone()).or_insert(0) += 1;
            }
            docs.push(tf);
            lengths.push(len);
        }
        let avg_len = if docs.is_empty() {
            0.0
        } else {
            lengths.iter().sum::<f64>() / docs.len() as f64
        };
        Self {
            docs,
            lengths,
            df,
            avg_len,
        }
    }

    /// Indexes question, keywords and answer of each entry with their field weights.
    pub(crate) fn for_knowledge(entries: &[KnowledgeEntry]) -> Self {
        Self::new(entries.iter().map(|e| {
            [
                (e.question.as_str(), QUESTION_WEIGHT),
                (e.keywords.as_str(), KEYWORD_WEIGHT),
                (e.answer.as_str(), ANSWER_WEIGHT),
            ]
        }))
    }

    /// Lucene's non-negative idf: rare terms weigh more, unknown terms the most.
    pub(crate) fn idf(&self, term: &str) -> f64 {
        let n = self.docs.len() as f64;
        let df = self.df.get(term).copied().unwrap_or(0) as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    pub(crate) fn score(&self, doc: usize, query: &Query) -> f64 {
        let (Some(tf), Some(&len)) = (self.docs.get(doc), self.lengths.get(doc)) else {
            return 0.0;
        };
        let norm = if self.avg_len > 0.0 {
            K1 * (1.0 - B + B * len / self.avg_len)
        } else {
            K1
        };
        query
            .0
            .iter()
            .filter_map(|(term, weight)| {
                let f = *tf.get(term)?;
                Some(weight * self.idf(term) * f * (K1 + 1.0) / (f + norm))
            })
            .sum()
    }

    /// The idf-weighted share of `query` found in `doc`, ignoring terms `except` also has.
    pub(crate) fn coverage(&self, doc: usize, query: &Query, except: Option<usize>) -> f64 {
        let has = |d: usize, t: &str| self.docs.get(d).is_some_and(|tf| tf.contains_key(t));
        let mut total = 0.0;
        let mut found = 0.0;
        for (term, weight) in &query.0 {
            let mass = weight * self.idf(term);
            total += mass;
            if has(doc, term) && !except.is_some_and(|e| has(e, term)) {
                found += mass;
            }
        }
        if total > 0.0 {
            found / total
        } else {
            0.0
        }
    }

    /// Documents with a positive score, best first (ties: earlier document first).
    pub(crate) fn rank(&self, query: &Query) -> Vec<Hit> {
        // Coverage only for the documents that score: most score nothing.
        let mut hits: Vec<Hit> = (0..self.docs.len())
            .filter_map(|doc| {
                let score = self.score(doc, query);
                (score > 0.0).then(|| Hit {
                    doc,
                    score,
                    coverage: self.coverage(doc, query, None),
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits
    }
}

/// Calls `each` with every word of `text` (a run of letters and digits; apostrophes are
/// dropped, so "don't" is one word) as written and lower-cased. Most text is ASCII without an
/// apostrophe: it is then neither copied nor lower-cased by Unicode rules.
pub(crate) fn for_each_word(text: &str, mut each: impl FnMut(&str, String)) {
    let text: std::borrow::Cow<'_, str> = if text.contains(['\'', '\u{2019}']) {
        text.replace(['\'', '\u{2019}'], "").into()
    } else {
        text.into()
    };
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = if word.is_ascii() {
            word.to_ascii_lowercase()
        } else {
            word.to_lowercase()
        };
        each(word, lower);
    }
}

/// Lowercased, stemmed, synonym-folded content words of `text`.
pub(crate) fn tokenize(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for_each_word(text, |word, lower| {
        // "US" (not the pronoun "us") and "United States" are the country.
        let united_states = lower == "states" && words.last().is_some_and(|w| w == "united");
        if united_states {
            words.pop();
        }
        if word == "US" || united_states {
            words.push("usa".to_string());
        } else {
            words.push(lower);
        }
    });
    words
        .into_iter()
        .filter(|w| w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !is_stop_word(w))
        .map(|w| canonical(stem(&w)))
        .collect()
}

pub(crate) fn is_stop_word(word: &str) -> bool {
    // Every word of every question, passage and reply is looked up: a binary search of the
    // list (its string compares) was 3 % of the request threads in the chat bench.
    static SET: std::sync::LazyLock<HashSet<&'static str>> =
        std::sync::LazyLock::new(|| STOP_WORDS.iter().copied().collect());
    SET.contains(word)
}

/// Sorted and without repeats (a test checks): easy to read and to extend.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "able", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any",
    "anything", "are", "arent", "as", "at", "back", "be", "because", "been", "before", "being",
    "best", "better", "between", "both", "but", "by", "can", "cant", "compare", "compared",
    "comparison", "could", "couldnt", "did", "didnt", "differ", "difference", "differences",
    "different", "do", "does", "doesnt", "doing", "dont", "during", "each", "either", "else",
    "ever", "for", "from", "get", "gets", "getting", "give", "got", "had", "has", "have", "having",
    "he", "hello", "help", "her", "here", "hey", "hi", "him", "his", "how", "hows", "i", "id", "if",
    "ill", "im", "in", "include", "included", "includes", "including", "into", "is", "isnt", "it",
    "its", "ive", "just", "know", "let", "lets", "like", "me", "might", "more", "most", "must",
    "my", "need", "no", "nor", "not", "now", "of", "ok", "okay", "on", "once", "one", "only", "or",
    "other", "our", "ours", "out", "please", "pls", "plz", "really", "same", "she", "should", "so",
    "some", "something", "such", "tell", "than", "thank", "thanks", "that", "thats", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "us", "versus",
    "very", "vs", "want", "was", "we", "were", "what", "whats", "when", "which", "while", "who",
    "why", "will", "with", "would", "yeah", "yes", "you", "your", "youre", "yours",
];

/// Light suffix stripping: plurals, -ing, -ed, then a final silent e (so "price" and
/// "pricing" meet at "pric"). Words with digits or non-ASCII letters are left alone.
pub(crate) fn stem(word: &str) -> String {
    if !word.chars().all(|c| c.is_ascii_lowercase()) {
        return word.to_string();
    }
    let mut s = word.to_string();
    if s.len() > 4 && s.ends_with("ies") {
        s.truncate(s.len() - 3);
        s.push('y');
    } else if s.ends_with("sses")
        || (s.len() > 4
            && ["xes", "zes", "ches", "shes"]
                .iter()
                .any(|x| s.ends_with(x)))
    {
        s.truncate(s.len() - 2);
    } else if s.len() > 3 && s.ends_with('s') && !["ss", "us", "is"].iter().any(|x| s.ends_with(x))
    {
        s.truncate(s.len() - 1);
    }
    let suffix = if s.ends_with("ing") && s.len() >= 6 {
        3
    } else if s.ends_with("ed") && s.len() >= 6 {
        2
    } else {
        0
    };
    if suffix > 0 && s[..s.len() - suffix].contains(['a', 'e', 'i', 'o', 'u', 'y']) {
        s.truncate(s.len() - suffix);
        let b = s.as_bytes();
        let n = b.len();
        if n >= 2 && b[n - 1] == b[n - 2] && !b"aeioulsz".contains(&b[n - 1]) {
            s.truncate(n - 1);
        }
    }
    if s.len() > 3 && s.ends_with('e') {
        s.truncate(s.len() - 1);
    }
    s
}

/// Folds a stemmed word onto the term its synonym group indexes under.
fn canonical(stemmed: String) -> String {
    let group = match stemmed.as_str() {
        "open" | "hour" | "clos" | "schedul" => "hour",
        "saturday" | "sunday" | "weekend" => "weekend",
        "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "weekday" => "weekday",
        "pric" | "cost" | "much" | "plan" | "fe" | "fee" | "expensiv" | "cheap" | "cheaper"
        | "cheapest" | "charg" => "price",
        "refund" | "return" | "reimburs" | "money" | "replac" | "replacement" => "refund",
        "ship" | "shipment" | "deliver" | "delivery" | "postag" | "courier" | "dispatch" => "ship",
        "contact" | "phon" | "email" | "mail" | "reach" | "call" | "telephon" => "contact",
        "subscription" | "subscrib" | "membership" => "subscription",
        "cancel" | "cancell" | "cancellation" | "unsubscrib" => "cancel",
        "track" | "status" | "packag" | "parcel" => "track",
        "pay" | "payment" | "card" | "paid" => "pay",
        "grind" | "ground" | "grinder" => "grind",
        "wholesal" | "bulk" | "caf" | "café" => "wholesale",
        "long" | "tim" => "time",
        "eu" | "europ" | "european" => "europe",
        "usa" | "america" => "usa",
        _ => return stemmed,
    };
    group.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(docs: &[&str]) -> Index {
        Index::new(docs.iter().map(|d| [(*d, 1.0)]))
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn stemming_folds_plurals_ing_and_ed() {
        assert_eq!(stem("weekends"), "weekend");
        assert_eq!(stem("shipping"), "ship");
        assert_eq!(stem("shipped"), "ship");
        assert_eq!(stem("refunds"), "refund");
        assert_eq!(stem("hours"), "hour");
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("boxes"), "box");
        assert_eq!(stem("opening"), "open");
        assert_eq!(stem("pricing"), stem("price"));
        assert_eq!(stem("address"), "address");
        assert_eq!(stem("bus"), "bus");
        assert_eq!(stem("need"), "need");
    }

    #[test]
    fn tokenizer_drops_stop_words_and_applies_synonyms() {
        assert_eq!(tokenize("What are your opening hours?"), ["hour", "hour"]);
        assert_eq!(tokenize("How much does it cost?"), ["price", "price"]);
        assert_eq!(tokenize("Can I get my money back"), ["refund"]);
        assert_eq!(tokenize("to the US, not to us"), ["usa"]);
        assert_eq!(tokenize("Fridays and weekdays"), ["weekday", "weekday"]);
        assert_eq!(tokenize("the United States or the EU"), ["usa", "europe"]);
        assert_eq!(tokenize("Delivery to Canada"), ["ship", "canada"]);
        assert_eq!(tokenize("what's your e-mail?"), ["contact"]);
        assert!(tokenize("is it the one?").is_empty());
    }

    #[test]
    fn the_document_matching_more_query_terms_ranks_first() {
        let idx = index(&[
            "we roast coffee every monday",
            "shipping to canada takes a week",
            "shipping inside the country is free",
        ]);
        let hits = idx.rank(&Query::from_text("shipping to canada"));
        assert_eq!(hits.iter().map(|h| h.doc).collect::<Vec<_>>(), [1, 2]);
        assert!((hits[0].coverage - 1.0).abs() < 1e-9);
        assert!(hits[1].coverage < 0.5);
    }

    #[test]
    fn rare_terms_have_higher_idf_than_common_ones() {
        let idx = index(&["coffee beans", "coffee grinder", "coffee mug tea"]);
        assert!(idx.idf("tea") > idx.idf("coffe"));
        assert!(idx.idf("unknownword") > idx.idf("tea"));
        assert!(idx.idf("coffe") > 0.0, "idf stays positive");
        // A rare matching term beats a common one.
        let hits = idx.rank(&Query::from_text("coffee tea"));
        assert_eq!(hits[0].doc, 2);
    }

    #[test]
    fn shorter_documents_win_on_equal_term_frequency() {
        let idx = index(&[
            "refund policy with a lot of other words about beans and roasting and mugs",
            "refund policy",
        ]);
        let hits = idx.rank(&Query::from_text("refund"));
        assert_eq!(hits[0].doc, 1);
    }

    #[test]
    fn nothing_scores_for_unknown_words() {
        let idx = index(&["refund policy", "opening hours"]);
        assert!(idx.rank(&Query::from_text("asdf qwer")).is_empty());
        assert!(idx.rank(&Query::from_text("")).is_empty());
        assert!(Index::new(Vec::<[(&str, f64); 1]>::new())
            .rank(&Query::from_text("refund"))
            .is_empty());
    }

    #[test]
    fn merged_context_terms_are_down_weighted() {
        let mut q = Query::from_text("weekends");
        q.merge(&Query::from_text("opening hours"), 0.5);
        q.merge(&Query::from_text("weekend"), 0.5);
        let expected: BTreeMap<String, f64> =
            [("hour".to_string(), 0.5), ("weekend".to_string(), 1.0)].into();
        assert_eq!(q, Query(expected));
    }
}
