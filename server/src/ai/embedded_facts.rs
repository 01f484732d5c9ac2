//! Kinds of fact, told by their shape: a sentence holds a duration ("5-8 business days"), a
//! price ("$12.95", "25% off"), a clock time ("8:00 am", "24/7"), a day ("Saturday"), a number
//! or a place ("from Colombia", "at 14 Quay Street"); a question asks for one by its
//! interrogative ("how long", "how much", "when", "where"). No vocabulary of the knowledge is
//! needed, so it works on any workspace's entries.

use std::collections::BTreeSet;

/// A kind of fact a question asks for, recognised in sentences by its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fact {
    Duration,
    Money,
    Clock,
    Day,
    Number,
    Place,
}

/// Lowercase words, keeping `$`, `:` and `/` inside a word ("$12.95", "8:00", "24/7").
fn raw_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '-' | '?' | '!'))
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
];
const DURATION_UNITS: &[&str] = &[
    "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
];
const DAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mondays",
    "tuesdays",
    "wednesdays",
    "thursdays",
    "fridays",
    "saturdays",
    "sundays",
    "weekend",
    "weekends",
    "weekday",
    "weekdays",
    "holidays",
];

/// The kinds of fact a sentence holds.
pub(crate) fn facts_in(sentence: &str) -> BTreeSet<Fact> {
    let words = raw_words(sentence);
    let mut facts = BTreeSet::new();
    let is_number = |w: &str| w.chars().all(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&w);
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str);
        let after = words.get(i + 2).map(String::as_str);
        if w.chars().any(|c| c.is_ascii_digit()) {
            facts.insert(Fact::Number);
        }
        let currency =
            (w.starts_with('$') || w.starts_with('€') || w.ends_with('%')) && w.len() > 1;
        if currency
            || (w == "eur" && next.is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit())))
        {
            facts.insert(Fact::Money);
        }
        if is_number(w) {
            let unit = match next {
                Some("business" | "working") => after,
                other => other,
            };
            if unit.is_some_and(|u| DURATION_UNITS.contains(&u)) {
                facts.insert(Fact::Duration);
            }
        }
        let clock = w.contains(':') && w.chars().next().is_some_and(|c| c.is_ascii_digit());
        let after_number = i > 0 && words[i - 1].chars().any(|c| c.is_ascii_digit());
        if clock || w == "24/7" || (matches!(w.as_str(), "am" | "pm") && after_number) {
            facts.insert(Fact::Clock);
        }
        if DAYS.contains(&w.as_str()) {
            facts.insert(Fact::Day);
        }
    }
    if names_a_place(sentence) {
        facts.insert(Fact::Place);
    }
    facts
}

/// "from Colombia", "in the Portland area", "at 14 Quay Street": a place preposition before a
/// name.
fn names_a_place(sentence: &str) -> bool {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    words.windows(2).enumerate().any(|(i, pair)| {
        let preposition = matches!(pair[0], "from" | "in" | "at");
        let mut next = pair[1];
        if next == "the" {
            next = words.get(i + 2).copied().unwrap_or("");
        }
        let named = next.starts_with(char::is_uppercase);
        let numbered = next.chars().all(|c| c.is_ascii_digit())
            && words
                .get(i + 2)
                .is_some_and(|w| w.starts_with(char::is_uppercase));
        preposition && (named || numbered)
    })
}

/// The kinds of fact a question asks for, from its interrogative phrases.
pub(crate) fn wanted_facts(question: &str) -> BTreeSet<Fact> {
    let words = raw_words(question);
    let has = |w: &str| words.iter().any(|x| x == w);
    let phrase = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    let mut wants = BTreeSet::new();
    if phrase("how", "long") || phrase("how", "soon") || phrase("how", "fast") || has("quickly") {
        wants.insert(Fact::Duration);
    }
    if phrase("how", "much")
        || [
            "cost",
            "costs",
            "price",
            "prices",
            "fee",
            "fees",
            "expensive",
            "cheap",
            "cheaper",
            "cheapest",
        ]
        .iter()
        .any(|w| has(w))
    {
        wants.insert(Fact::Money);
    }
    if phrase("what", "time")
        || phrase("what", "hours")
        || phrase("how", "late")
        || phrase("how", "early")
        || has("when")
    {
        wants.insert(Fact::Clock);
        wants.insert(Fact::Day);
    }
    if phrase("which", "days") || phrase("what", "days") || phrase("what", "day") {
        wants.insert(Fact::Day);
    }
    if phrase("how", "many") {
        wants.insert(Fact::Number);
    }
    if has("where") {
        wants.insert(Fact::Place);
    }
    wants
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_recognised_by_their_shape() {
        let facts = facts_in("Canada: 5-8 business days, $12.95, free over $80.");
        assert!(facts.contains(&Fact::Duration) && facts.contains(&Fact::Money));
        assert!(facts_in("Open 8:00 am to 6:00 pm").contains(&Fact::Clock));
        assert!(facts_in("We roast on Monday").contains(&Fact::Day));
        assert!(facts_in("Within one business day").contains(&Fact::Duration));
        assert!(facts_in("Call us any time.").is_empty());
        assert!(facts_in("Pay EUR 14.95 or 25% off").contains(&Fact::Money));
        assert!(facts_in("A decaf from Colombia.").contains(&Fact::Place));
        assert!(facts_in("We're at 14 Quay Street.").contains(&Fact::Place));
        assert!(!facts_in("We're at 10:00 am in our shop.").contains(&Fact::Place));
    }

    #[test]
    fn interrogatives_say_which_fact_is_wanted() {
        assert_eq!(
            wanted_facts("how long does it take?"),
            [Fact::Duration].into()
        );
        assert_eq!(wanted_facts("How much is it?"), [Fact::Money].into());
        assert_eq!(
            wanted_facts("when do you open"),
            [Fact::Clock, Fact::Day].into()
        );
        assert!(wanted_facts("What are your opening hours?").is_empty());
    }
}
