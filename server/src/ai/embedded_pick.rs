//! Which knowledge entries a visitor message asks about, read as a person would: a question
//! asking two things gets one entry per part; a bare follow-up ("how much is it?") is about what
//! the last reply was about; a follow-up the last reply's entry can answer stays on that topic
//! ("are you open on Sundays?" after the roastery); otherwise BM25 over the message, helped by
//! the earlier visitor messages when the message leans on them.

use shared::api::Author;

use super::super::bm25::{tokenize, Hit, Index, Query};
use super::super::{KnowledgeEntry, ReplyRequest};
use super::passage::{sentences, Ask, Reading, CUE_TERMS};
use super::{listed, words, CONTEXT_WEIGHTS};

/// A match must score at least this much (one distinctive term in a question scores ~2-3)...
const MIN_SCORE: f64 = 1.0;
/// ...and contain at least this share of the query's idf-weighted terms.
const MIN_COVERAGE: f64 = 0.5;
/// A match covering less than this must also beat the runner-up by `MARGIN`.
const STRONG_COVERAGE: f64 = 0.75;
const MARGIN: f64 = 1.2;
/// ...or cover this much more of the question than the runner-up.
const COVERAGE_LEAD: f64 = 0.2;
/// A complete question stays with the last reply's entry when that entry scores at least this
/// share of the best one.
const CONTINUITY: f64 = 0.6;

/// An entry to answer from, and what the visitor asks of it.
#[derive(Debug)]
pub(crate) struct Pick<'k> {
    pub entry: &'k KnowledgeEntry,
    pub reading: &'k Reading,
    pub ask: Ask,
}

/// The entries that answer the message, each with what is asked of it; `None` when nothing
/// answers it well enough.
pub(crate) fn find_answers<'k>(req: &ReplyRequest<'k>) -> Option<Vec<Pick<'k>>> {
    let index = req.knowledge.index();
    let by_part = answers_by_part(req.message, index);
    if by_part.len() >= 2 {
        let picks = by_part
            .into_iter()
            .filter_map(|(doc, part)| {
                let (entry, reading) = req.knowledge.entry(doc)?;
                Some(Pick {
                    entry,
                    reading,
                    ask: Ask::for_part(&part, req.message),
                })
            })
            .collect();
        return Some(picks);
    }
    // The message's terms and whether it leans on earlier ones: read once for every step.
    let terms = tokenize(req.message);
    let leans = elliptical(req.message, terms.len());
    let context = follow_up_context(req, leans);
    let docs = pick_entries(req, index, &terms, leans)?;
    // What is asked is the same of every entry picked.
    let ask = Ask::with_terms(terms, req.message, &context);
    let picks = docs
        .into_iter()
        .filter_map(|doc| req.knowledge.entry(doc))
        .map(|(entry, reading)| Pick {
            entry,
            reading,
            ask: ask.clone(),
        })
        .collect();
    Some(picks)
}

/// The entries for a message asking one thing.
fn pick_entries(
    req: &ReplyRequest<'_>,
    index: &Index,
    terms: &[String],
    elliptical: bool,
) -> Option<Vec<usize>> {
    let (current, combined) = queries_with(req, Query::from_terms(terms.iter().cloned()));
    let content = current.without(CUE_TERMS);
    let previous = previous_entries(req);
    // A number alone ("hello 7", "1234") names no topic either: "7" is in "open 24/7" and in
    // "7:00 am", which says nothing of what is asked. At most it details the last topic.
    let numbers_only = content.only_numbers();
    // "how much is it?", "how long does it take?": no topic of its own, so the last one's.
    if (content.is_empty() || numbers_only) && !current.is_empty() {
        let ask = Ask::with_terms(terms.to_vec(), req.message, &[]);
        let answering: Vec<usize> = previous
            .iter()
            .copied()
            .filter(|&doc| {
                req.knowledge
                    .entry(doc)
                    .is_some_and(|(_, reading)| reading.offers(&ask))
            })
            .collect();
        if !answering.is_empty() {
            return Some(answering);
        }
    }
    if numbers_only {
        return None;
    }
    let alone = index.rank(&current);
    let best_alone = alone.first().map_or(0.0, |h| h.score);
    let stays = previous.iter().copied().find(|&doc| {
        let score = index.score(doc, &current);
        score > 0.0
            && (elliptical || score >= CONTINUITY * best_alone)
            && index.coverage(doc, &content, None) >= MIN_COVERAGE
    });
    if let Some(doc) = stays {
        return Some(vec![doc]);
    }
    let alone_ok = accept(&alone, index, &content);
    let mut chosen = alone_ok;
    if let Some(combined) = &combined {
        if alone_ok.is_none() || elliptical {
            let ranked = index.rank(combined);
            if let Some(top) = accept(&ranked, index, &content) {
                // The context may steer the answer but must not override what the message
                // itself asks: the pick has to answer the message on its own reasonably well.
                if best_alone == 0.0 || index.score(top.doc, &current) >= 0.5 * best_alone {
                    chosen = Some(top);
                }
            }
        }
    }
    chosen.map(|top| vec![top.doc])
}

/// The current message as a query, plus (when there are earlier visitor messages) the
/// message combined with the last ones, down-weighted.
pub(crate) fn queries(req: &ReplyRequest<'_>) -> (Query, Option<Query>) {
    queries_with(req, Query::from_text(req.message))
}

/// [`queries`] with the message's own query already made.
fn queries_with(req: &ReplyRequest<'_>, current: Query) -> (Query, Option<Query>) {
    let earlier = req
        .history
        .iter()
        .rev()
        .filter(|t| t.author == Author::Visitor)
        .take(CONTEXT_WEIGHTS.len());
    let mut combined = current.clone();
    let mut any = false;
    for (turn, weight) in earlier.zip(CONTEXT_WEIGHTS) {
        combined.merge(&Query::from_text(&turn.body), weight);
        any = true;
    }
    (current, any.then_some(combined))
}

/// The best hit if it passes the decision rule. Its coverage may leave out the question's cue
/// words ("how long", "how much"): an entry need not contain them to answer.
fn accept(hits: &[Hit], index: &Index, content: &Query) -> Option<Hit> {
    let coverage = |hit: &Hit| {
        if content.is_empty() {
            hit.coverage
        } else {
            hit.coverage.max(index.coverage(hit.doc, content, None))
        }
    };
    let top = *hits.first()?;
    let covered = coverage(&top);
    if top.score < MIN_SCORE || covered < MIN_COVERAGE {
        return None;
    }
    // Ahead on score, or covering clearly more of what is asked.
    let runner_up = hits.get(1);
    let clear_winner = runner_up.is_none_or(|second| {
        top.score >= MARGIN * second.score || covered >= coverage(second) + COVERAGE_LEAD
    });
    (covered >= STRONG_COVERAGE || clear_winner).then_some(top)
}

/// The entries answering each self-contained part of the message ("do you ship to Canada",
/// "can I pay with PayPal"; "Harbour Blend", "Ethiopia Guji"), distinct, in the message's order,
/// each with the text of its parts. A part leaning on the one before ("how long does it take")
/// goes with it.
fn answers_by_part(message: &str, index: &Index) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut last: Option<usize> = None;
    for part in question_parts(message) {
        let leans = words(&part)
            .iter()
            .any(|w| listed("it its that this those them they there same", w));
        let query = Query::from_text(&part);
        // "which is cheaper?" asks about the other parts.
        let top = if leans || query.without(CUE_TERMS).is_empty() {
            None
        } else {
            accept(&index.rank(&query), index, &query.without(CUE_TERMS))
        };
        let slot = match top {
            Some(hit) => found.iter().position(|(d, _)| *d == hit.doc).or_else(|| {
                found.push((hit.doc, String::new()));
                Some(found.len() - 1)
            }),
            None => last,
        };
        if let Some(i) = slot {
            found[i].1.push_str(&part);
            found[i].1.push_str(". ");
            last = Some(i);
        }
    }
    found
}

/// The message cut at sentence and clause ends and at the words joining two questions.
fn question_parts(message: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for clause in message.split(['?', '.', '!', ';', ',', ':']) {
        let mut current: Vec<&str> = Vec::new();
        for word in clause.split_whitespace() {
            if listed("and or also plus but", &word.to_lowercase()) {
                parts.push(current.join(" "));
                current.clear();
            } else {
                current.push(word);
            }
        }
        parts.push(current.join(" "));
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// The entries the last assistant reply was drawn from: those holding one of its sentences.
fn previous_entries(req: &ReplyRequest<'_>) -> Vec<usize> {
    let Some(last) = req.history.last().filter(|t| t.author == Author::Assistant) else {
        return Vec::new();
    };
    // Each sentence's searcher built once, for every entry.
    let said: Vec<memchr::memmem::Finder<'_>> = sentences(&last.body)
        .into_iter()
        .filter(|s| s.len() > 12)
        .map(memchr::memmem::Finder::new)
        .collect();
    (0..req.knowledge.len())
        .filter(|&i| {
            let answer = req.knowledge[i].answer.as_bytes();
            said.iter().any(|s| s.find(answer).is_some())
        })
        .collect()
}

/// The previous visitor messages, latest first, when the message is a follow-up that leans on
/// them (`elliptical`: see [`elliptical`]).
fn follow_up_context<'r>(req: &ReplyRequest<'r>, elliptical: bool) -> Vec<&'r str> {
    if !elliptical {
        return Vec::new();
    }
    req.history
        .iter()
        .rev()
        .filter(|t| t.author == Author::Visitor)
        // One more than the weights, as a turn naming no topic is skipped.
        .take(CONTEXT_WEIGHTS.len() + 1)
        .map(|t| &*t.body)
        .collect()
}

/// Short or pronoun-led messages that lean on the previous question. `content`: how many terms
/// the message has (its [`tokenize`]).
fn elliptical(message: &str, content: usize) -> bool {
    let w = words(message);
    let first_two = (w.first().map(String::as_str), w.get(1).map(String::as_str));
    let leading = match first_two {
        (Some("what" | "how"), Some("about")) | (Some("what"), Some("if")) => true,
        (Some(first), _) => listed("and or also but so plus", first),
        _ => false,
    };
    let pronoun = w
        .iter()
        .any(|x| listed("it its that this those them they there same", x));
    leading || content <= 1 || (pronoun && content <= 5)
}
