//! The part of a knowledge entry that answers a question. The answer is split into sentences;
//! each is scored on what the question asks beyond the entry's topic (its words that are not in
//! the entry's own question, idf-weighted across the entry's sentences) and on the kind of fact
//! it wants (a duration for "how long", a price for "how much", a time or a day for "when").
//! A follow-up ("and on weekends?") brings the previous question's words, down-weighted, and its
//! kind of fact. A broad question, or one no sentence speaks to, gets the whole entry.

use std::collections::BTreeSet;

use super::super::bm25::tokenize;
use super::super::KnowledgeEntry;
use super::facts::{facts_in, wanted_facts, Fact};
use super::CONTEXT_WEIGHTS;

/// A sentence holding the wanted kind of fact scores this much (a word found only in that one
/// sentence scores 1).
const KIND_BONUS: f64 = 0.6;
/// Sentences scoring at least this share of the best one are kept.
const KEEP: f64 = 0.7;

/// Terms (as the tokenizer gives them) of the words that ask for a kind of fact: "how long",
/// "take", "how much", "where", "how late". They say what kind of answer is wanted, not what about.
pub(crate) const CUE_TERMS: &[&str] = &[
    "time", "tak", "price", "wher", "soon", "fast", "quickly", "lat", "early",
];

/// What a question asks about an entry: its words and the kinds of fact it wants.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Ask {
    words: Vec<(String, f64)>,
    wants: BTreeSet<Fact>,
}

impl Ask {
    /// The message's own words and wanted facts; for a follow-up, the previous visitor
    /// messages' words (`context`, latest first) down-weighted, and their wanted facts when the
    /// message names none.
    pub(crate) fn new(message: &str, context: &[&str]) -> Self {
        Self::with_terms(tokenize(message), message, context)
    }

    /// [`Ask::new`] with the message's terms (its [`tokenize`]) already known.
    pub(crate) fn with_terms(terms: Vec<String>, message: &str, context: &[&str]) -> Self {
        let mut words: Vec<(String, f64)> = Vec::new();
        let mut push = |term: String, weight: f64| {
            if !words.iter().any(|(t, _)| *t == term) {
                words.push((term, weight));
            }
        };
        for term in terms {
            push(term, 1.0);
        }
        let mut wants = wanted_facts(message);
        let mut weights = CONTEXT_WEIGHTS.iter();
        for turn in context {
            if wants.is_empty() {
                wants = wanted_facts(turn);
            }
            let terms = tokenize(turn);
            // A bare "how long does it take?" names no topic: the turn before it does.
            if terms.iter().all(|t| CUE_TERMS.contains(&t.as_str())) {
                continue;
            }
            let Some(&weight) = weights.next() else {
                break;
            };
            for term in terms {
                push(term, weight);
            }
        }
        Self { words, wants }
    }

    /// One part of a question asking two things: the part's words, and its wanted facts or,
    /// when it names none ("...and the Guji?"), the whole message's.
    pub(crate) fn for_part(part: &str, message: &str) -> Self {
        let mut ask = Self::new(part, &[]);
        if ask.wants.is_empty() {
            ask.wants = wanted_facts(message);
        }
        ask
    }
}

/// An entry's answer as the passages read it: its sentences, the terms of each and of the
/// entry's question, and the kinds of fact each holds. Read once with the assistant's knowledge
/// ([`crate::ai::Knowledge`]), not for every reply (it was a tenth of the chat path's
/// request-side CPU).
#[derive(Clone, Debug)]
pub(crate) struct Reading {
    whole: String,
    sentences: Vec<String>,
    topic: BTreeSet<String>,
    terms: Vec<BTreeSet<String>>,
    facts: Vec<BTreeSet<Fact>>,
    leans_back: Vec<bool>,
}

impl Reading {
    pub(crate) fn of(entry: &KnowledgeEntry) -> Self {
        let sentences: Vec<String> = sentences(&entry.answer)
            .into_iter()
            .map(str::to_owned)
            .collect();
        Self {
            whole: entry.answer.trim().to_string(),
            topic: tokenize(&entry.question).into_iter().collect(),
            terms: sentences
                .iter()
                .map(|s| tokenize(s).into_iter().collect())
                .collect(),
            facts: sentences.iter().map(|s| facts_in(s)).collect(),
            leans_back: sentences.iter().map(|s| leans_back(s)).collect(),
            sentences,
        }
    }

    /// Whether a sentence holds a fact `ask` wants (true when it wants none).
    pub(crate) fn offers(&self, ask: &Ask) -> bool {
        ask.wants.is_empty()
            || self
                .facts
                .iter()
                .any(|f| f.intersection(&ask.wants).next().is_some())
    }

    /// The sentences that answer `ask`, in their order, joined; the whole answer when the
    /// question is broad or no sentence speaks to it.
    pub(crate) fn answer_part(&self, ask: &Ask) -> String {
        let Self {
            whole,
            sentences,
            topic,
            terms,
            facts,
            leans_back,
        } = self;
        if sentences.len() < 2 {
            return whole.clone();
        }
        let n = sentences.len() as f64;
        // Normalised so a word found in one sentence only weighs 1.
        let idf = |df: usize| (1.0 + (n - df as f64 + 0.5) / (df as f64 + 0.5)).ln();
        let unique = idf(1);
        let kinds: Vec<bool> = facts
            .iter()
            .map(|f| f.intersection(&ask.wants).next().is_some())
            .collect();
        // When the wanted kind of fact is there, the cue words are read through it ("how much"
        // finds prices, not the word "fees").
        let cues_answered = kinds.iter().any(|k| *k);
        let focus: Vec<&(String, f64)> = ask
            .words
            .iter()
            .filter(|(t, _)| !topic.contains(t))
            .filter(|(t, _)| !(cues_answered && CUE_TERMS.contains(&t.as_str())))
            .collect();
        let scores: Vec<f64> = kinds
            .iter()
            .zip(terms)
            .map(|(kind, own)| {
                let lexical: f64 = focus
                    .iter()
                    .filter(|(t, _)| own.contains(t))
                    .map(|(t, w)| {
                        let df = terms.iter().filter(|s| s.contains(t)).count();
                        w * idf(df) / unique
                    })
                    .sum();
                lexical + if *kind { KIND_BONUS } else { 0.0 }
            })
            .collect();
        let best = scores.iter().copied().fold(0.0, f64::max);
        if best <= 0.0 {
            return whole.clone();
        }
        let mut keep: Vec<bool> = scores.iter().map(|s| *s >= KEEP * best).collect();
        // A kept sentence that leans on the one before it ("It tastes of...") brings it along.
        for i in (1..sentences.len()).rev() {
            if keep[i] && leans_back[i] {
                keep[i - 1] = true;
            }
        }
        if keep.iter().all(|k| *k) {
            return whole.clone();
        }
        sentences
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// [`Reading::answer_part`] of an entry read now.
#[cfg(test)]
pub(crate) fn answer_part(entry: &KnowledgeEntry, ask: &Ask) -> String {
    Reading::of(entry).answer_part(ask)
}

/// The sentences of `text`. A sentence ends at `.`, `!` or `?` followed by a space and a
/// capital, digit or opening mark (so "hello@shop.example" and "e.g. this" stay whole); an
/// interjection of one word ("Yes!") joins the sentence after it.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    let text = text.trim();
    let mut out: Vec<&str> = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let end = i + c.len_utf8();
        let next_starts = matches!(chars.get(k + 1), Some((_, w)) if w.is_whitespace())
            && chars[k + 1..]
                .iter()
                .find(|(_, x)| !x.is_whitespace())
                .is_some_and(|(_, x)| {
                    x.is_uppercase() || x.is_ascii_digit() || matches!(x, '"' | '(' | '$')
                });
        let sentence = text[start..end].trim();
        if next_starts && sentence.split_whitespace().count() > 1 {
            out.push(sentence);
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(text[start..].trim());
    }
    out
}

/// Whether a sentence opens with a word pointing back at the sentence before it.
fn leans_back(sentence: &str) -> bool {
    let first = sentence
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '\u{2019}')
        .next()
        .unwrap_or("")
        .to_lowercase();
    matches!(
        first.as_str(),
        "it" | "its"
            | "it's"
            | "they"
            | "theyre"
            | "they're"
            | "this"
            | "that"
            | "these"
            | "those"
            | "there"
            | "both"
            | "each"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(question: &str, answer: &str) -> KnowledgeEntry {
        KnowledgeEntry {
            id: "e".to_string(),
            question: question.to_string(),
            answer: answer.to_string(),
            keywords: String::new(),
        }
    }

    const HOURS: &str = "We're here Monday to Friday, 8:00 am to 6:00 pm. On weekends we're \
                         here from 9:00 am to 2:00 pm. We're closed on public holidays.";

    #[test]
    fn sentences_split_at_ends_but_not_inside_addresses_or_after_an_interjection() {
        assert_eq!(
            sentences("Yes! Email hello@shop.example today. It costs $5.95. Done"),
            [
                "Yes! Email hello@shop.example today.",
                "It costs $5.95.",
                "Done"
            ]
        );
        assert_eq!(
            sentences("e.g. this one. And that"),
            ["e.g. this one.", "And that"]
        );
        assert_eq!(sentences(""), Vec::<&str>::new());
    }

    #[test]
    fn a_word_beyond_the_topic_picks_its_sentence() {
        let e = entry("What are your opening hours?", HOURS);
        let part = answer_part(&e, &Ask::new("and on weekends?", &[]));
        assert_eq!(part, "On weekends we're here from 9:00 am to 2:00 pm.");
        let part = answer_part(&e, &Ask::new("are you open on holidays", &[]));
        assert_eq!(part, "We're closed on public holidays.");
    }

    #[test]
    fn a_broad_question_gets_the_whole_entry() {
        let e = entry("What are your opening hours?", HOURS);
        assert_eq!(
            answer_part(&e, &Ask::new("what are your opening hours", &[])),
            HOURS
        );
        assert_eq!(answer_part(&e, &Ask::new("tell me about tea", &[])), HOURS);
    }

    #[test]
    fn the_wanted_fact_and_the_context_pick_the_sentence_of_a_follow_up() {
        let e = entry(
            "Where do you ship?",
            "We ship from Portland. Canada takes 5-8 business days for $12.95. The US takes \
             2-5 business days for $5.95.",
        );
        let ask = Ask::new("how long does it take?", &["do you ship to Canada?"]);
        assert_eq!(
            answer_part(&e, &ask),
            "Canada takes 5-8 business days for $12.95."
        );
        let broad = Ask::new("how long does it take?", &[]);
        assert_eq!(
            answer_part(&e, &broad),
            "Canada takes 5-8 business days for $12.95. The US takes 2-5 business days for \
             $5.95."
        );
    }

    #[test]
    fn a_cue_word_is_read_through_the_fact_it_asks_for() {
        let e = entry(
            "Where do you ship?",
            "Canada takes 5-8 business days for $12.95. The EU takes 7-12 business days for \
             EUR 14.95, and customs fees may apply.",
        );
        // "much" folds onto the same term as "fees"; the price, not the word, answers it.
        let ask = Ask::new("how much is it?", &["do you ship to Canada?"]);
        assert_eq!(
            answer_part(&e, &ask),
            "Canada takes 5-8 business days for $12.95."
        );
    }

    #[test]
    fn a_sentence_leaning_on_the_one_before_brings_it_along() {
        let e = entry(
            "What is Guji?",
            "Guji is a washed coffee from Ethiopia. It tastes of jasmine and bergamot. A bag \
             costs $21.",
        );
        assert_eq!(
            answer_part(&e, &Ask::new("what does it taste like", &[])),
            "Guji is a washed coffee from Ethiopia. It tastes of jasmine and bergamot."
        );
    }
}
