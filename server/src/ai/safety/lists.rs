//! The phrase lists: a workspace's own (blocked; serious, high confidence; serious, medium
//! confidence), their validation for the settings form, and the built-in system list every
//! workspace inherits.

use serde::{Deserialize, Serialize};

/// Most entries one workspace list may hold.
pub const MAX_ENTRIES: usize = 500;
/// Longest phrase, in characters.
pub const MAX_PHRASE_CHARS: usize = 100;

/// What a serious situation is about; decides the careful reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Threat,
    SelfHarm,
    Legal,
    Medical,
    /// A workspace's own phrase, or a moderation category with no closer match.
    Other,
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Threat => "threat",
            Self::SelfHarm => "self-harm",
            Self::Legal => "legal",
            Self::Medical => "medical",
            Self::Other => "other",
        })
    }
}

/// How sure a match is. `High` switches to serious handling at once; `Medium` asks for a
/// second look (a model, or a teammate) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Medium,
    High,
}

/// A workspace's lists, one phrase per entry, as the settings page edits them. A phrase matches
/// whole words, ignoring case, accents and punctuation; a word ending in `*` matches any word it
/// starts ("refund*").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SafetyLists {
    /// Never in a message or reply: the blocked action runs.
    pub blocked: Vec<String>,
    /// Always a serious situation.
    pub serious_high: Vec<String>,
    /// Possibly a serious situation, to be confirmed.
    pub serious_medium: Vec<String>,
}

/// What is wrong with one list, for a 422 that names it: `field` is the list (`blocked`,
/// `serious_high` or `serious_medium`), `code` one of `empty_phrase`, `too_long`, `no_words`,
/// `too_many`, and the message names the line ("line 3 is longer than 100 characters").
pub type ListError = shared::form::FieldError;

impl SafetyLists {
    /// Checks the lists as an admin submitted them: at most [`MAX_ENTRIES`] entries each, and
    /// every entry a phrase of 1 to [`MAX_PHRASE_CHARS`] characters with at least one word.
    /// Returns the first problem, naming its list.
    pub fn validate(&self) -> Result<(), ListError> {
        for (field, phrases) in [
            ("blocked", &self.blocked),
            ("serious_high", &self.serious_high),
            ("serious_medium", &self.serious_medium),
        ] {
            validate_list(field, phrases)?;
        }
        Ok(())
    }
}

fn validate_list(field: &'static str, phrases: &[String]) -> Result<(), ListError> {
    let error = |code, reason: String| ListError::from_phrase(field, code, &reason);
    if phrases.len() > MAX_ENTRIES {
        return Err(error(
            "too_many",
            format!("{} entries, at most {MAX_ENTRIES} allowed", phrases.len()),
        ));
    }
    for (i, phrase) in phrases.iter().enumerate() {
        let line = i + 1;
        let phrase = phrase.trim();
        if phrase.is_empty() {
            return Err(error("empty_phrase", format!("line {line} is empty")));
        }
        if phrase.chars().count() > MAX_PHRASE_CHARS {
            return Err(error(
                "too_long",
                format!("line {line} is longer than {MAX_PHRASE_CHARS} characters"),
            ));
        }
        if super::normalize::pattern(phrase).is_empty() {
            return Err(error(
                "no_words",
                format!("line {line} has no letters or digits to match"),
            ));
        }
    }
    Ok(())
}

/// One serious phrase of the system list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemPhrase {
    pub phrase: &'static str,
    pub category: Category,
    pub confidence: Confidence,
}

/// The built-in, read-only lists every workspace's lists are merged with.
#[derive(Debug, Clone, Copy)]
pub struct SystemLists {
    pub blocked: &'static [&'static str],
    pub serious: &'static [SystemPhrase],
}

/// The built-in lists: reasonable, not exhaustive. Threat phrases name a target ("kill you"),
/// so figures of speech ("this coffee is killer", "I'd kill for a discount") do not match.
pub fn system_lists() -> SystemLists {
    SystemLists {
        blocked: SYSTEM_BLOCKED,
        serious: SYSTEM_SERIOUS,
    }
}

const SYSTEM_BLOCKED: &[&str] = &[
    "kill yourself",
    "kys",
    "go die",
    "hope you die",
    "you should die",
    "fuck you",
    "piece of shit",
];

const fn entry(phrase: &'static str, category: Category, confidence: Confidence) -> SystemPhrase {
    SystemPhrase {
        phrase,
        category,
        confidence,
    }
}

use Category::{Legal, Medical, SelfHarm, Threat};
use Confidence::{High, Medium};

const SYSTEM_SERIOUS: &[SystemPhrase] = &[
    // Self-harm and suicide.
    entry("suicid*", SelfHarm, High),
    entry("kill myself", SelfHarm, High),
    entry("killing myself", SelfHarm, High),
    entry("end my life", SelfHarm, High),
    entry("ending my life", SelfHarm, High),
    entry("end it all", SelfHarm, High),
    entry("take my own life", SelfHarm, High),
    entry("want to die", SelfHarm, High),
    entry("wanna die", SelfHarm, High),
    entry("don't want to live", SelfHarm, High),
    entry("do not want to live", SelfHarm, High),
    entry("hurt myself", SelfHarm, High),
    entry("harm myself", SelfHarm, High),
    entry("self harm", SelfHarm, High),
    entry("cut myself", SelfHarm, High),
    entry("cutting myself", SelfHarm, High),
    entry("better off dead", SelfHarm, High),
    entry("no reason to live", SelfHarm, High),
    entry("can't go on", SelfHarm, Medium),
    entry("cannot go on", SelfHarm, Medium),
    entry("no way out", SelfHarm, Medium),
    entry("feel hopeless", SelfHarm, Medium),
    entry("feeling hopeless", SelfHarm, Medium),
    entry("give up on life", SelfHarm, Medium),
    // Threats of violence.
    entry("kill you", Threat, High),
    entry("kill your", Threat, High),
    entry("going to kill", Threat, High),
    entry("gonna kill", Threat, High),
    entry("i will kill", Threat, High),
    entry("i'll kill", Threat, High),
    entry("shoot you", Threat, High),
    entry("shoot up your", Threat, High),
    entry("shoot everyone", Threat, High),
    entry("stab you", Threat, High),
    entry("hurt you", Threat, High),
    entry("beat you up", Threat, High),
    entry("blow up your", Threat, High),
    entry("burn down your", Threat, High),
    entry("plant a bomb", Threat, High),
    entry("bomb threat", Threat, High),
    entry("bring a gun", Threat, High),
    entry("murder you", Threat, High),
    entry("murder*", Threat, Medium),
    entry("watch your back", Threat, Medium),
    entry("know where you live", Threat, Medium),
    entry("find where you live", Threat, Medium),
    entry("coming for you", Threat, Medium),
    entry("make you pay", Threat, Medium),
    entry("you'll regret", Threat, Medium),
    entry("you will regret", Threat, Medium),
    // Legal threats.
    entry("my lawyer", Legal, High),
    entry("my attorney", Legal, High),
    entry("my solicitor", Legal, High),
    entry("sue you", Legal, High),
    entry("suing you", Legal, High),
    entry("going to sue", Legal, High),
    entry("will sue", Legal, High),
    entry("legal action", Legal, High),
    entry("lawsuit*", Legal, High),
    entry("take you to court", Legal, High),
    entry("see you in court", Legal, High),
    entry("class action", Legal, High),
    entry("small claims", Legal, High),
    entry("cease and desist", Legal, High),
    entry("lawyer*", Legal, Medium),
    entry("attorney*", Legal, Medium),
    entry("attorney general", Legal, Medium),
    entry("consumer protection", Legal, Medium),
    entry("better business bureau", Legal, Medium),
    entry("report you to", Legal, Medium),
    // Medical emergencies.
    entry("heart attack", Medical, High),
    entry("can't breathe", Medical, High),
    entry("cannot breathe", Medical, High),
    entry("not breathing", Medical, High),
    entry("stopped breathing", Medical, High),
    entry("chest pain*", Medical, High),
    entry("allergic reaction", Medical, High),
    entry("anaphyla*", Medical, High),
    entry("overdos*", Medical, High),
    entry("unconscious", Medical, High),
    entry("seizure*", Medical, High),
    entry("call an ambulance", Medical, High),
    entry("need an ambulance", Medical, High),
    entry("choking", Medical, Medium),
    entry("poisoned", Medical, High),
    entry("stroke", Medical, Medium),
    entry("passed out", Medical, Medium),
    entry("fainted", Medical, Medium),
    entry("food poisoning", Medical, Medium),
    entry("got sick", Medical, Medium),
    entry("in the hospital", Medical, Medium),
    entry("to the hospital", Medical, Medium),
    entry("emergency room", Medical, Medium),
];
