//! The system and workspace lists merged into one set of compiled phrases, and the scan of a
//! text's words against it.

use std::collections::HashMap;

use super::lists::{Category, Confidence, SafetyLists, SystemLists};
use super::normalize::{self, Pattern};

/// Words that, shortly before a serious phrase, may negate it ("I'm not going to sue").
const NEGATIONS: &[&str] = &[
    "not", "never", "dont", "wont", "cant", "cannot", "wouldnt", "didnt", "doesnt", "isnt",
    "arent", "wasnt", "shouldnt",
];
/// How many words before a phrase a negation counts.
const NEGATION_WINDOW: usize = 3;

/// What matching a phrase means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    Blocked,
    Serious {
        category: Category,
        confidence: Confidence,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The phrase as its list wrote it.
    pub(crate) phrase: String,
    pattern: Vec<Pattern>,
    pub(crate) rule: Rule,
}

/// One phrase found in a text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit<'a> {
    pub(crate) entry: &'a Entry,
    /// Index of the phrase's first word.
    pub(crate) position: usize,
    /// A negation came just before the phrase.
    pub(crate) negated: bool,
}

/// The lists a workspace enforces: the system lists plus its own, compiled once (cache it with
/// the workspace's settings) and shared by every check.
#[derive(Debug, Clone, Default)]
pub struct MergedLists {
    entries: Vec<Entry>,
    /// Entries by their first word, when that word is exact. Probed with every word of every
    /// message and reply: a fast hash, not SipHash (the lists are the workspace's own).
    by_first_word: HashMap<String, Vec<usize>, foldhash::fast::RandomState>,
    /// Entries whose first word is a prefix (`suicid*`), tried at every word.
    prefix_first: Vec<usize>,
}

/// The system lists extended by a workspace's. The workspace can add phrases and raise a
/// phrase's confidence, never weaken the system: a system phrase keeps its category and at
/// least its confidence, whichever list the workspace also puts it in. A workspace's own serious
/// phrase is [`Category::Other`]; one it lists as both high and medium is high. Phrases with no
/// words are skipped ([`SafetyLists::validate`] rejects them at input).
pub fn merged(system: &SystemLists, workspace: &SafetyLists) -> MergedLists {
    let mut merger = Merger::default();
    for phrase in system.blocked {
        merger.add(phrase, Rule::Blocked);
    }
    for entry in system.serious {
        merger.add(
            entry.phrase,
            Rule::Serious {
                category: entry.category,
                confidence: entry.confidence,
            },
        );
    }
    for phrase in &workspace.blocked {
        merger.add(phrase, Rule::Blocked);
    }
    for (phrases, confidence) in [
        (&workspace.serious_high, Confidence::High),
        (&workspace.serious_medium, Confidence::Medium),
    ] {
        for phrase in phrases {
            let category = Category::Other;
            merger.add(
                phrase,
                Rule::Serious {
                    category,
                    confidence,
                },
            );
        }
    }
    merger.finish()
}

#[derive(Default)]
struct Merger {
    entries: Vec<Entry>,
    /// (pattern, is it a blocked entry) → index in `entries`.
    seen: HashMap<(Vec<Pattern>, bool), usize>,
}

impl Merger {
    fn add(&mut self, phrase: &str, rule: Rule) {
        let pattern = normalize::pattern(phrase);
        if pattern.is_empty() {
            return;
        }
        let key = (pattern, rule == Rule::Blocked);
        if let Some(&i) = self.seen.get(&key) {
            // The first list to name a phrase (the system's) keeps its category; the stricter
            // confidence wins.
            if let (
                Rule::Serious { confidence, .. },
                Rule::Serious {
                    confidence: added, ..
                },
            ) = (&mut self.entries[i].rule, rule)
            {
                *confidence = (*confidence).max(added);
            }
            return;
        }
        self.seen.insert(key.clone(), self.entries.len());
        self.entries.push(Entry {
            phrase: phrase.trim().to_string(),
            pattern: key.0,
            rule,
        });
    }

    fn finish(self) -> MergedLists {
        let mut lists = MergedLists {
            entries: self.entries,
            ..MergedLists::default()
        };
        for (i, entry) in lists.entries.iter().enumerate() {
            match &entry.pattern[0] {
                Pattern::Exact(word) => {
                    lists.by_first_word.entry(word.clone()).or_default().push(i)
                }
                Pattern::Prefix(_) => lists.prefix_first.push(i),
            }
        }
        lists
    }
}

impl MergedLists {
    /// How many distinct phrases are enforced.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every phrase of the lists found in `words`, in word order.
    pub(crate) fn scan<'a>(&'a self, words: &'a [String]) -> impl Iterator<Item = Hit<'a>> + 'a {
        (0..words.len()).flat_map(move |position| {
            let exact = self
                .by_first_word
                .get(&words[position])
                .map_or(&[][..], Vec::as_slice);
            exact
                .iter()
                .chain(&self.prefix_first)
                .map(move |&i| &self.entries[i])
                .filter(move |entry| matches_at(&entry.pattern, &words[position..]))
                .map(move |entry| Hit {
                    entry,
                    position,
                    negated: negated_before(words, position),
                })
        })
    }
}

fn matches_at(pattern: &[Pattern], words: &[String]) -> bool {
    pattern.len() <= words.len() && pattern.iter().zip(words).all(|(p, w)| p.matches(w))
}

fn negated_before(words: &[String], position: usize) -> bool {
    words[position.saturating_sub(NEGATION_WINDOW)..position]
        .iter()
        .any(|w| NEGATIONS.contains(&w.as_str()))
}
