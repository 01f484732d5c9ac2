//! The embedded assistant's evaluation over the demo knowledge: the question set kept in
//! `server/benches/data/answers.tsv` (format in its header), played against the demo assistant
//! with each case's history as earlier turns, and judged on the entries the reply drew from, the
//! facts it must state and what it must not repeat. The `answers` benchmark prints the figures;
//! a unit test holds the hit rate above a floor.

use std::collections::{BTreeMap, BTreeSet};

use shared::api::Author;

use super::demo::demo_assistant;
use super::embedded::Embedded;
use super::{Knowledge, ReplyRequest, Turn};

/// The question set, compiled in.
pub const CASES_TSV: &str = include_str!("../../benches/data/answers.tsv");

/// Expected entries written as this mean a teammate should take over.
const HANDOFF: &str = "handoff";

/// One question, with the conversation before it and what a right answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// 1-based line in the file.
    pub line: usize,
    pub category: String,
    /// Earlier visitor messages, oldest first; each got the assistant's reply.
    pub history: Vec<String>,
    pub question: String,
    /// Entry ids the reply must draw from (exactly); empty when a teammate should take over.
    pub entries: Vec<String>,
    /// Substrings that must appear (case-insensitive).
    pub facts: Vec<String>,
    /// Substrings that must not appear (case-insensitive).
    pub forbidden: Vec<String>,
}

/// How the assistant did on one case.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub case: Case,
    pub reply: String,
    pub used_entries: Vec<String>,
    pub needs_human: bool,
    /// Empty when the case is a hit.
    pub problems: Vec<String>,
}

impl Verdict {
    /// The right entries, every fact present, nothing forbidden.
    pub fn hit(&self) -> bool {
        self.problems.is_empty()
    }

    /// The reply drew on exactly the expected entries (none for a handoff).
    pub fn right_entries(&self) -> bool {
        let used: BTreeSet<&String> = self.used_entries.iter().collect();
        let expected: BTreeSet<&String> = self.case.entries.iter().collect();
        used == expected && self.needs_human == expected.is_empty()
    }
}

/// Hits and totals, overall and per category.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub hits: usize,
    pub total: usize,
    /// Category -> (hits, total).
    pub per_category: BTreeMap<String, (usize, usize)>,
}

impl Summary {
    /// Share of hits, 0..=1 (0 for an empty set).
    pub fn hit_rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.hits as f64 / self.total as f64
        }
    }
}

/// Parses the tab-separated set; `#` lines and blank lines are skipped.
pub fn parse_cases(tsv: &str) -> Result<Vec<Case>, String> {
    let list = |field: &str, separator: char| -> Vec<String> {
        field
            .split(separator)
            .map(str::trim)
            .filter(|x| !x.is_empty() && *x != "-")
            .map(str::to_string)
            .collect()
    };
    let mut cases = Vec::new();
    for (i, raw) in tsv.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = raw.split('\t').collect();
        let [category, history, question, entries, facts, forbidden] = cols[..] else {
            return Err(format!("line {line}: {} columns, expected 6", cols.len()));
        };
        let entries = list(entries, ' ');
        if entries.is_empty() {
            return Err(format!("line {line}: no expected entry (write {HANDOFF})"));
        }
        let handoff = entries == [HANDOFF];
        cases.push(Case {
            line,
            category: category.trim().to_string(),
            history: list(history, '|'),
            question: question.trim().to_string(),
            entries: if handoff { Vec::new() } else { entries },
            facts: list(facts, '|'),
            forbidden: list(forbidden, '|'),
        });
    }
    Ok(cases)
}

/// Plays every case against the demo assistant.
pub fn run(cases: &[Case]) -> Vec<Verdict> {
    let seed = demo_assistant();
    let assistant = seed.to_assistant("demo");
    let knowledge = Knowledge::new(seed.to_knowledge());
    cases
        .iter()
        .map(|case| {
            let mut history: Vec<Turn> = Vec::new();
            let ask = |history: &[Turn], message: &str| {
                Embedded.reply(&ReplyRequest {
                    assistant: &assistant,
                    knowledge: &knowledge,
                    history,
                    message,
                    visitor_name: None,
                })
            };
            for earlier in &case.history {
                let reply = ask(&history, earlier);
                history.push(turn(Author::Visitor, earlier));
                history.push(turn(Author::Assistant, &reply.text));
            }
            let reply = ask(&history, &case.question);
            judge(case, reply.text, reply.used_entries, reply.needs_human)
        })
        .collect()
}

fn turn(author: Author, body: &str) -> Turn {
    Turn {
        author,
        body: body.into(),
    }
}

/// What is wrong with a reply to `case`, if anything.
pub fn judge(case: &Case, reply: String, used_entries: Vec<String>, needs_human: bool) -> Verdict {
    let mut problems = Vec::new();
    let expected: BTreeSet<&str> = case.entries.iter().map(String::as_str).collect();
    let used: BTreeSet<&str> = used_entries.iter().map(String::as_str).collect();
    if expected != used {
        problems.push(format!("entries {used:?}, expected {expected:?}"));
    }
    if needs_human != expected.is_empty() {
        problems.push(format!("needs_human is {needs_human}"));
    }
    let text = reply.to_lowercase();
    for fact in &case.facts {
        if !text.contains(&fact.to_lowercase()) {
            problems.push(format!("missing {fact:?}"));
        }
    }
    for bad in &case.forbidden {
        if text.contains(&bad.to_lowercase()) {
            problems.push(format!("repeats {bad:?}"));
        }
    }
    Verdict {
        case: case.clone(),
        reply,
        used_entries,
        needs_human,
        problems,
    }
}

/// Counts hits overall and per category.
pub fn summarize(verdicts: &[Verdict]) -> Summary {
    let mut summary = Summary::default();
    for v in verdicts {
        let hit = usize::from(v.hit());
        summary.hits += hit;
        summary.total += 1;
        let slot = summary
            .per_category
            .entry(v.case.category.clone())
            .or_insert((0, 0));
        slot.0 += hit;
        slot.1 += 1;
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regressions below this fail; the benchmark reports the actual rate.
    const FLOOR: f64 = 0.85;

    #[test]
    fn the_set_parses_has_80_questions_with_follow_ups_and_names_real_entries() {
        let cases = parse_cases(CASES_TSV).expect("answers.tsv parses");
        assert!(cases.len() >= 80, "{} cases", cases.len());
        let follow_ups = cases.iter().filter(|c| !c.history.is_empty()).count();
        assert!(follow_ups >= 25, "{follow_ups} follow-ups");
        let ids: BTreeSet<String> = demo_assistant()
            .to_knowledge()
            .into_iter()
            .map(|e| e.id)
            .collect();
        for case in &cases {
            for id in &case.entries {
                assert!(ids.contains(id), "line {}: unknown entry {id}", case.line);
            }
            assert!(!case.facts.is_empty(), "line {}: no facts", case.line);
        }
    }

    #[test]
    fn the_embedded_assistant_answers_the_set_above_the_floor() {
        let cases = parse_cases(CASES_TSV).expect("answers.tsv parses");
        let verdicts = run(&cases);
        let summary = summarize(&verdicts);
        let failures: Vec<String> = verdicts
            .iter()
            .filter(|v| !v.hit())
            .map(|v| format!("line {}: {:?} -> {:?}", v.case.line, v.problems, v.reply))
            .collect();
        assert!(
            summary.hit_rate() >= FLOOR,
            "hit rate {:.3} below {FLOOR}:\n{}",
            summary.hit_rate(),
            failures.join("\n")
        );
    }

    #[test]
    fn judging_catches_wrong_entries_missing_facts_and_repeats() {
        let case = parse_cases(
            "part\t-\tand on weekends?\tdemo-1\t9:00 am\t8:00 am\n\
             handoff\ta | b\tweather?\thandoff\tteammate\t-\n",
        )
        .expect("parses");
        assert_eq!(case[1].history, ["a", "b"]);
        assert!(case[1].entries.is_empty());
        let ok = judge(
            &case[0],
            "From 9:00 AM.".into(),
            vec!["demo-1".into()],
            false,
        );
        assert!(ok.hit(), "{:?}", ok.problems);
        let repeats = judge(
            &case[0],
            "8:00 am and 9:00 am".into(),
            vec!["demo-1".into()],
            false,
        );
        assert_eq!(repeats.problems, ["repeats \"8:00 am\""]);
        let wrong = judge(&case[0], "9:00 am".into(), vec!["demo-4".into()], false);
        assert!(!wrong.hit());
        let handed = judge(&case[1], "a teammate".into(), Vec::new(), true);
        assert!(handed.hit(), "{:?}", handed.problems);
        let kept = judge(&case[1], "a teammate".into(), Vec::new(), false);
        assert!(!kept.hit());
        assert!(parse_cases("too\tfew\n").is_err());
        let summary = summarize(&[ok, wrong]);
        assert_eq!(summary.per_category["part"], (1, 2));
        assert!((summary.hit_rate() - 0.5).abs() < 1e-9);
    }
}
