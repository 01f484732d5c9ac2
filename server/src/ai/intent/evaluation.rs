//! Scoring a classifier on labelled messages: accuracy per intent and overall, a confusion
//! matrix, and how often confident answers are right. The benchmark prints it; a test holds the
//! embedded classifier to a minimum accuracy on the same set.

use std::collections::BTreeMap;

use super::{Classification, Classifier, CONFIDENT};

/// One customer message and the intent a person gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledMessage {
    pub intent: String,
    pub text: String,
}

/// Reads `label<TAB>text` lines; blank lines and lines starting with `#` are skipped.
pub fn parse_tsv(tsv: &str) -> Result<Vec<LabelledMessage>, String> {
    let mut messages = Vec::new();
    for (number, line) in tsv.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (intent, text) = line
            .split_once('\t')
            .filter(|(i, t)| !i.trim().is_empty() && !t.trim().is_empty())
            .ok_or_else(|| format!("line {}: expected label<TAB>text", number + 1))?;
        messages.push(LabelledMessage {
            intent: intent.trim().to_string(),
            text: text.trim().to_string(),
        });
    }
    Ok(messages)
}

/// How a classifier did on a labelled set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Every intent seen as a label or an answer, sorted.
    pub intents: Vec<String>,
    /// `confusion[expected][predicted]`, indexed like `intents`.
    pub confusion: Vec<Vec<usize>>,
    /// Messages whose answer was at least [`CONFIDENT`], and how many of those were right.
    pub confident: usize,
    pub confident_correct: usize,
    /// (lower bound of a 0.1-wide confidence bin, answers in it, right answers in it).
    pub calibration: Vec<(f32, usize, usize)>,
}

impl Evaluation {
    /// Classifies every message with `classifier`.
    pub fn run(classifier: &Classifier, messages: &[LabelledMessage]) -> Self {
        Self::from_answers(
            messages
                .iter()
                .map(|m| (m.intent.as_str(), classifier.classify(&m.text))),
        )
    }

    /// Scores (expected intent, answer) pairs.
    pub fn from_answers<'a>(answers: impl IntoIterator<Item = (&'a str, Classification)>) -> Self {
        let answers: Vec<(&str, Classification)> = answers.into_iter().collect();
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (expected, answer) in &answers {
            names.insert(expected, 0);
            names.insert(answer.intent.as_str(), 0);
        }
        for (position, index) in names.values_mut().enumerate() {
            *index = position;
        }
        let mut confusion = vec![vec![0; names.len()]; names.len()];
        let mut bins = vec![(0usize, 0usize); 10];
        let (mut confident, mut confident_correct) = (0, 0);
        for (expected, answer) in &answers {
            let right = *expected == answer.intent;
            confusion[names[expected]][names[answer.intent.as_str()]] += 1;
            let bin = ((answer.confidence * 10.0) as usize).min(9);
            bins[bin].0 += 1;
            bins[bin].1 += usize::from(right);
            if answer.confidence >= CONFIDENT {
                confident += 1;
                confident_correct += usize::from(right);
            }
        }
        Self {
            intents: names.keys().map(|k| (*k).to_string()).collect(),
            confusion,
            confident,
            confident_correct,
            calibration: bins
                .into_iter()
                .enumerate()
                .map(|(i, (n, right))| (i as f32 / 10.0, n, right))
                .collect(),
        }
    }

    /// Messages scored.
    pub fn total(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    /// Share of messages given their labelled intent.
    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..self.intents.len()).map(|i| self.confusion[i][i]).sum();
        ratio(right, self.total())
    }

    /// (intent, messages labelled with it, share of them given it), for each labelled intent.
    pub fn per_intent(&self) -> Vec<(&str, usize, f64)> {
        self.intents
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let labelled: usize = self.confusion[i].iter().sum();
                (labelled > 0).then(|| {
                    (
                        name.as_str(),
                        labelled,
                        ratio(self.confusion[i][i], labelled),
                    )
                })
            })
            .collect()
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
