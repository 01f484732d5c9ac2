//! The embedded provider: answers from the assistant's knowledge with BM25, no network. It
//! finds the entries a message asks about (one, or one per part of a two-part question), answers
//! with the part of each that the question asks for (`embedded_passage`), reads follow-ups in the
//! context of earlier turns, and when nothing fits names a few things it can help with before
//! handing off. Every sentence of a reply is from the knowledge or one of the fixed phrases here.

use shared::api::Author;

use super::bm25::{for_each_word, tokenize};
use super::{KnowledgeEntry, Reply, ReplyRequest};

#[path = "embedded_facts.rs"]
mod facts;
#[path = "embedded_passage.rs"]
mod passage;
pub(super) use passage::Reading;
#[path = "embedded_pick.rs"]
mod pick;

use pick::{find_answers, queries};

pub(crate) const MODEL: &str = "embedded";

const NOT_SURE_TEXT: &str = "I'm not sure about that one.";
/// Leads the titles of a few entries when the assistant hands off.
const TOPICS_TEXT: &str = "I can help with questions like these:";
pub(crate) const TEAMMATE_TEXT: &str =
    "I've asked a teammate to join, and they'll reply right here.";
pub(crate) const HUMAN_TEXT: &str =
    "Of course! I've asked a teammate to join this conversation. They'll reply right here as soon as they can.";
const CLARIFY_TEXT: &str =
    "Could you tell me a little more about what you're looking for? I can help with most questions right away.";
const THANKS_TEXT: &str = "You're welcome! Is there anything else I can help you with?";
const GOODBYE_TEXT: &str = "Thanks for stopping by, and have a great day!";
const HOW_ARE_YOU_TEXT: &str = "I'm doing well, thanks for asking! What can I help you with today?";
const DEFAULT_GREETING: &str = "Hi there! How can I help you today?";

/// Weights of the previous visitor messages when a follow-up is read in context.
const CONTEXT_WEIGHTS: [f64; 2] = [0.5, 0.25];
/// How many entry titles a handoff names.
const TOPICS: usize = 3;

/// Answers deterministically from the knowledge entries.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Embedded;

impl Embedded {
    pub(crate) fn reply(&self, req: &ReplyRequest<'_>) -> Reply {
        let (text, needs_human, used) = compose(req);
        Reply {
            text,
            model: MODEL.to_string(),
            tokens: None,
            needs_human,
            used_entries: used.iter().map(|e| e.id.clone()).collect(),
        }
    }
}

/// The reply's text, whether a teammate should take over, and the entries it answers from.
fn compose<'k>(req: &ReplyRequest<'k>) -> (String, bool, Vec<&'k KnowledgeEntry>) {
    let message = req.message.trim();
    if message.is_empty() {
        return (CLARIFY_TEXT.to_string(), false, Vec::new());
    }
    // The message's words, read once for both checks.
    let w = words(message);
    if asks_for_human(&w) {
        return (HUMAN_TEXT.to_string(), true, Vec::new());
    }
    let name = first_name(req.visitor_name);
    let pleasantry = match small_talk(&w) {
        Some(SmallTalk::Greeting) => Some(personalize(&req.assistant.greeting, name)),
        Some(SmallTalk::Thanks) => Some(THANKS_TEXT.to_string()),
        Some(SmallTalk::Goodbye) => Some(GOODBYE_TEXT.to_string()),
        Some(SmallTalk::HowAreYou) => Some(HOW_ARE_YOU_TEXT.to_string()),
        None => None,
    };
    if let Some(text) = pleasantry {
        return (text, false, Vec::new());
    }
    let (body, needs_human, used) = match find_answers(req) {
        Some(picks) => {
            let mut parts: Vec<String> = Vec::new();
            let mut used = Vec::new();
            for pick in &picks {
                let part = pick.reading.answer_part(&pick.ask);
                // Two entries sharing an answer are said once, and only the first one is used.
                if !parts.contains(&part) {
                    parts.push(part);
                    used.push(pick.entry);
                }
            }
            (parts.join(" "), false, used)
        }
        None if tokenize(message).is_empty() => (CLARIFY_TEXT.to_string(), false, Vec::new()),
        None => (handoff_text(req), true, Vec::new()),
    };
    if has_visitor_turns(req) {
        (body, needs_human, used)
    } else {
        let intro = greeting_line(&req.assistant.greeting, name);
        (format!("{intro}\n\n{body}"), needs_human, used)
    }
}

fn has_visitor_turns(req: &ReplyRequest<'_>) -> bool {
    req.history.iter().any(|t| t.author == Author::Visitor)
}

/// "Not sure", the titles of the entries closest to the message (or the first ones), and the
/// handoff.
fn handoff_text(req: &ReplyRequest<'_>) -> String {
    let index = req.knowledge.index();
    let (current, combined) = queries(req);
    let mut docs: Vec<usize> = index
        .rank(combined.as_ref().unwrap_or(&current))
        .iter()
        .map(|h| h.doc)
        .take(TOPICS)
        .collect();
    for doc in 0..req.knowledge.len() {
        if docs.len() >= TOPICS {
            break;
        }
        if !docs.contains(&doc) {
            docs.push(doc);
        }
    }
    let titles: Vec<String> = docs
        .iter()
        .filter_map(|&d| req.knowledge.get(d))
        .map(|e| e.question.trim())
        .filter(|q| !q.is_empty())
        .map(|q| {
            if q.ends_with(['.', '?', '!']) {
                q.to_string()
            } else {
                format!("{q}.")
            }
        })
        .collect();
    if titles.is_empty() {
        return format!("{NOT_SURE_TEXT} {TEAMMATE_TEXT}");
    }
    format!(
        "{NOT_SURE_TEXT} {TOPICS_TEXT} {} {TEAMMATE_TEXT}",
        titles.join(" ")
    )
}

/// Top `n` entries for a prompt, reading the message in the context of earlier visitor turns.
pub(crate) fn relevant_entries<'k>(req: &ReplyRequest<'k>, n: usize) -> Vec<&'k KnowledgeEntry> {
    let index = req.knowledge.index();
    let (current, combined) = queries(req);
    index
        .rank(combined.as_ref().unwrap_or(&current))
        .iter()
        .take(n)
        .filter_map(|h| req.knowledge.get(h.doc))
        .collect()
}

/// Lowercase words with apostrophes removed.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for_each_word(text, |_, lower| words.push(lower));
    words
}

/// Whether `word` is one of the space-separated words of `list` (the lists are ASCII
/// constants; splitting them by bytes was half the cost of the check).
pub(crate) fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|x| x == word)
}

/// True when the visitor explicitly asks for a person.
pub(crate) fn wants_human(message: &str) -> bool {
    asks_for_human(&words(message))
}

/// True when the message is only pleasantries: a greeting, thanks, a goodbye, "how are you".
pub(crate) fn is_small_talk(message: &str) -> bool {
    small_talk(&words(message)).is_some()
}

/// [`wants_human`] of a message's [`words`].
fn asks_for_human(w: &[String]) -> bool {
    const NOUNS: &str = "human humans person agent agents representative rep operator someone \
                         somebody staff teammate employee manager people";
    const VERBS: &str = "talk speak chat connect transfer get want need reach escalate give";
    if !w.iter().any(|x| listed(NOUNS, x)) {
        return false;
    }
    let verb = w.iter().any(|x| listed(VERBS, x));
    let phrase = w
        .windows(2)
        .any(|p| listed("real actual live", &p[0]) && listed("person human agent people", &p[1]));
    verb || phrase || w.len() <= 3
}

#[derive(Debug, PartialEq, Eq)]
enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    HowAreYou,
}

/// Messages made only of pleasantries (`w`: the message's [`words`]).
fn small_talk(w: &[String]) -> Option<SmallTalk> {
    const GREET: &str =
        "hi hello hey hiya heya howdy yo hola greetings good morning afternoon evening";
    const GREET_FILLER: &str = "there all everyone team folks again and so";
    const THANKS: &str = "thanks thank thx ty cheers appreciate appreciated";
    const THANKS_FILLER: &str = "you so much very a lot many great ok okay perfect awesome that \
                                 helps helped helpful it was got cool nice i for the help info \
                                 again super all";
    const BYE: &str = "bye goodbye cya later farewell";
    const BYE_FILLER: &str = "see you have a nice good great day evening night weekend ok okay \
                              thanks now for";
    const HOW_ARE_YOU_FILLER: &str = "how are you doing is it going whats up";
    let only =
        |lists: &[&str]| !w.is_empty() && w.iter().all(|x| lists.iter().any(|l| listed(l, x)));
    let any = |list: &str| w.iter().any(|x| listed(list, x));
    let phrase = |p: &[&str]| w.windows(p.len()).any(|win| win == p);
    if only(&[GREET, GREET_FILLER]) && any(GREET) {
        return Some(SmallTalk::Greeting);
    }
    if only(&[BYE, BYE_FILLER]) && (any(BYE) || phrase(&["see", "you"])) {
        return Some(SmallTalk::Goodbye);
    }
    if only(&[THANKS, THANKS_FILLER]) && any(THANKS) {
        return Some(SmallTalk::Thanks);
    }
    let asks = phrase(&["how", "are", "you"]) || phrase(&["how", "is", "it"]);
    if only(&[GREET, GREET_FILLER, HOW_ARE_YOU_FILLER]) && asks {
        return Some(SmallTalk::HowAreYou);
    }
    None
}

/// The first name from the visitor's name, when it looks like a name.
fn first_name(visitor_name: Option<&str>) -> Option<&str> {
    let first = visitor_name?.split_whitespace().next()?;
    let looks_like_name = first
        .chars()
        .all(|c| c.is_alphabetic() || c == '-' || c == '.')
        && first.chars().any(char::is_alphabetic);
    looks_like_name.then_some(first)
}

/// The greeting with the visitor's first name worked in (`{name}` placeholder, after a leading
/// "Hi"/"Hello", in place of "there", or as a "Hi Sam!" prefix).
fn personalize(greeting: &str, name: Option<&str>) -> String {
    let greeting = match greeting.trim() {
        "" => DEFAULT_GREETING,
        g => g,
    };
    if greeting.contains("{name}") {
        return match name {
            Some(n) => greeting.replace("{name}", n),
            None => greeting
                .replace(", {name}", "")
                .replace(" {name}", "")
                .replace("{name}", ""),
        };
    }
    let Some(name) = name else {
        return greeting.to_string();
    };
    let opener_len = greeting
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(greeting.len());
    let opener = greeting[..opener_len].to_lowercase();
    if !["hi", "hello", "hey", "hiya", "howdy"].contains(&opener.as_str()) {
        return format!("Hi {name}! {greeting}");
    }
    let rest = &greeting[opener_len..];
    match rest.strip_prefix(" there") {
        Some(after) if !after.starts_with(char::is_alphanumeric) => {
            format!("{} {name}{after}", &greeting[..opener_len])
        }
        _ => format!("{} {name}{rest}", &greeting[..opener_len]),
    }
}

/// The greeting without its trailing question ("How can I help?"), to open a first answer.
fn greeting_line(greeting: &str, name: Option<&str>) -> String {
    let full = personalize(greeting, name);
    let mut sentences: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in full.char_indices() {
        if matches!(c, '.' | '!' | '?') {
            let end = i + c.len_utf8();
            if full[end..].starts_with(char::is_whitespace) || end == full.len() {
                sentences.push(full[start..end].trim());
                start = end;
            }
        }
    }
    if start < full.len() && !full[start..].trim().is_empty() {
        sentences.push(full[start..].trim());
    }
    while sentences.last().is_some_and(|s| s.ends_with('?')) {
        sentences.pop();
    }
    if sentences.is_empty() {
        return personalize("Hi there!", name);
    }
    sentences.join(" ")
}

#[cfg(test)]
#[path = "embedded_tests.rs"]
mod tests;
