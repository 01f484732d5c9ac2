//! Personal data out of a message before an outside model sees it, and back into the reply:
//! card numbers (13–19 digits, spaces or dashes allowed, Luhn-checked), US social security
//! numbers, and on request emails and phone numbers become numbered placeholders.

use std::collections::HashMap;
use std::ops::Range;

use super::detect::{cards, emails, phones, ssns, Detector};

/// A text with personal data replaced, and what each placeholder stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    /// (placeholder, original) in order of first appearance; each original once.
    pub placeholders: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Ssn,
    CreditCard,
    Email,
    Phone,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::Ssn => "SSN",
            Self::CreditCard => "CREDIT_CARD",
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
        }
    }
}

/// Replaces card numbers and SSNs, and with `redact_contact` emails and phone numbers, by
/// `[CREDIT_CARD]`, `[CREDIT_CARD_2]`, `[SSN]`, `[EMAIL]`, `[PHONE]`…; the same value gets the
/// same placeholder each time. A placeholder name the text already contains is skipped, so
/// [`restore`] gives back exactly the original text. A digit run that fails the Luhn check is
/// not a card and stays.
pub fn redact(text: &str, redact_contact: bool) -> Redacted {
    // Each detector sees what the earlier ones took, so a card right after an SSN or a phone
    // number inside an email is judged on its own digits.
    let mut taken: Vec<Range<usize>> = ssns(text);
    let mut spans: Vec<(Range<usize>, Kind)> =
        taken.iter().map(|r| (r.clone(), Kind::Ssn)).collect();
    let mut detectors: Vec<(Kind, Detector)> = Vec::new();
    if redact_contact {
        detectors.push((Kind::Email, emails));
    }
    detectors.push((Kind::CreditCard, cards));
    if redact_contact {
        detectors.push((Kind::Phone, phones));
    }
    for (kind, detect) in detectors {
        for range in detect(text, &taken) {
            taken.push(range.clone());
            spans.push((range, kind));
        }
    }
    spans.sort_by_key(|(range, _)| range.start);

    let mut names: HashMap<(Kind, &str), String> = HashMap::new();
    let mut counts: HashMap<Kind, usize> = HashMap::new();
    let mut redacted = Redacted::default();
    let mut last = 0;
    for (range, kind) in spans {
        let original = &text[range.clone()];
        let name = names.entry((kind, original)).or_insert_with(|| {
            let name = next_name(text, kind, counts.entry(kind).or_insert(0));
            redacted
                .placeholders
                .push((name.clone(), original.to_string()));
            name
        });
        redacted.text.push_str(&text[last..range.start]);
        redacted.text.push_str(name);
        last = range.end;
    }
    redacted.text.push_str(&text[last..]);
    redacted
}

/// The next unused placeholder of `kind`: `[KIND]`, then `[KIND_2]`, … skipping any the text
/// already contains.
fn next_name(text: &str, kind: Kind, count: &mut usize) -> String {
    loop {
        *count += 1;
        let name = match *count {
            1 => format!("[{}]", kind.label()),
            n => format!("[{}_{n}]", kind.label()),
        };
        if !text.contains(&name) {
            return name;
        }
    }
}

/// Puts the originals back in place of their placeholders (a model may repeat, reorder or drop
/// them). One left-to-right pass, so an original is never itself rewritten.
pub fn restore(reply: &str, placeholders: &[(String, String)]) -> String {
    if placeholders.is_empty() {
        return reply.to_string();
    }
    let originals: HashMap<&str, &str> = placeholders
        .iter()
        .map(|(name, original)| (name.as_str(), original.as_str()))
        .collect();
    let mut out = String::with_capacity(reply.len());
    let mut rest = reply;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let candidate = rest.find(']').map(|close| &rest[..=close]);
        match candidate.and_then(|c| originals.get(c).map(|o| (c, o))) {
            Some((name, original)) => {
                out.push_str(original);
                rest = &rest[name.len()..];
            }
            None => {
                out.push('[');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
