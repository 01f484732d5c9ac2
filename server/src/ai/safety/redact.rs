//! Personal data out of a message before an outside model sees it, and back into the reply:
//! card numbers (13–19 digits, spaces or dashes allowed, Luhn-checked), US social security
//! numbers, and on request emails and phone numbers become numbered placeholders.
//!
//! Detection is by pattern, on ASCII digits and separators, so byte offsets are always char
//! boundaries.

use std::collections::HashMap;
use std::ops::Range;

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

/// Finds spans of one kind of personal data, none overlapping the `taken` ones.
type Detector = fn(&str, &[Range<usize>]) -> Vec<Range<usize>>;

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn free(taken: &[Range<usize>], span: &Range<usize>) -> bool {
    !taken.iter().any(|t| overlaps(t, span))
}

/// US social security numbers written `123-45-6789`, except numbers never issued (area 000,
/// 666 or 900–999, group 00, serial 0000).
fn ssns(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let digits = |range: Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let mut found = Vec::new();
    let mut i = 0;
    while i + 11 <= bytes.len() {
        let shape = digits(i..i + 3)
            && bytes[i + 3] == b'-'
            && digits(i + 4..i + 6)
            && bytes[i + 6] == b'-'
            && digits(i + 7..i + 11);
        let bounded =
            !joins_number(bytes, i.checked_sub(1), -1) && !joins_number(bytes, Some(i + 11), 1);
        if shape && bounded && issued_ssn(&text[i..i + 11]) {
            found.push(i..i + 11);
            i += 11;
        } else {
            i += 1;
        }
    }
    found
}

/// Whether the byte at `at` continues a number or word: a letter or digit, or a dash with a
/// digit beyond it (in `direction`).
fn joins_number(bytes: &[u8], at: Option<usize>, direction: isize) -> bool {
    let Some(at) = at.filter(|&at| at < bytes.len()) else {
        return false;
    };
    let beyond = at.checked_add_signed(direction).and_then(|b| bytes.get(b));
    bytes[at].is_ascii_alphanumeric()
        || (bytes[at] == b'-' && beyond.is_some_and(u8::is_ascii_digit))
}

fn issued_ssn(ssn: &str) -> bool {
    let (area, group, serial) = (&ssn[0..3], &ssn[4..6], &ssn[7..11]);
    area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
}

/// A run of digit groups joined by separators, e.g. `4111 1111-1111 1111` or `+1 (555) 123-4567`.
struct Run {
    /// Where the run starts: its `+` or `(`, else its first digit.
    start: usize,
    /// Digit groups, as byte ranges.
    groups: Vec<Range<usize>>,
}

impl Run {
    fn digits(&self, window: &Range<usize>) -> usize {
        self.groups[window.clone()].iter().map(Range::len).sum()
    }
}

/// Maximal runs of ASCII digit groups, two groups joined by 1 to `max_sep` bytes of
/// `separators`. A byte of `prefixes` just before the first digit starts the run.
fn digit_runs(text: &str, separators: &[u8], max_sep: usize, prefixes: &[u8]) -> Vec<Run> {
    let bytes = text.as_bytes();
    let digits_from = |at: usize| {
        bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = match i.checked_sub(1) {
            Some(before) if prefixes.contains(&bytes[before]) => before,
            _ => i,
        };
        let first = i..i + digits_from(i);
        let mut groups = vec![first];
        loop {
            let end = groups[groups.len() - 1].end;
            let sep = bytes[end..]
                .iter()
                .take(max_sep)
                .take_while(|&&b| separators.contains(&b))
                .count();
            if sep == 0 || !bytes.get(end + sep).is_some_and(u8::is_ascii_digit) {
                break;
            }
            let next = end + sep;
            groups.push(next..next + digits_from(next));
        }
        i = groups[groups.len() - 1].end;
        runs.push(Run { start, groups });
    }
    runs
}

/// Splits a run into the windows of whole groups that `accept` takes: from each group, the
/// longest window of at most `max_digits` digits that is accepted, then on after it.
fn windows(
    run: &Run,
    max_digits: usize,
    accept: impl Fn(&Range<usize>) -> bool,
) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut first = 0;
    'groups: while first < run.groups.len() {
        for last in (first..run.groups.len()).rev() {
            let window = first..last + 1;
            if run.digits(&window) <= max_digits && accept(&window) {
                found.push(window);
                first = last + 1;
                continue 'groups;
            }
        }
        first += 1;
    }
    found
}

/// Card numbers: 13–19 digits passing the Luhn check, in groups joined by one space or dash.
fn cards(text: &str, taken: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for run in digit_runs(text, b" -", 1, b"") {
        let span = |w: &Range<usize>| run.groups[w.start].start..run.groups[w.end - 1].end;
        let accepted = windows(&run, 19, |w| {
            let digits = run.groups[w.clone()].iter().flat_map(|g| &bytes[g.clone()]);
            (13..=19).contains(&run.digits(w)) && free(taken, &span(w)) && luhn(digits)
        });
        found.extend(accepted.iter().map(span));
    }
    found
}

/// The Luhn checksum over ASCII digits.
fn luhn<'a>(digits: impl DoubleEndedIterator<Item = &'a u8>) -> bool {
    let sum: u32 = digits
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Phone numbers: with a leading `+`, 8–15 digits; without, 10 or 11 digits, or a local
/// `555-1234`. Groups may be joined by up to two of ` -.()`. A number glued to a letter is not
/// a phone number (an order or tracking id).
fn phones(text: &str, taken: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let glued = |at: Option<usize>| {
        at.and_then(|at| bytes.get(at))
            .is_some_and(u8::is_ascii_alphanumeric)
    };
    let mut found = Vec::new();
    for run in digit_runs(text, b" -.()", 2, b"+(") {
        let span = |w: &Range<usize>| {
            let start = if w.start == 0 {
                run.start
            } else {
                run.groups[w.start].start
            };
            start..run.groups[w.end - 1].end
        };
        let plus = bytes[run.start] == b'+';
        let starts_glued = glued(run.start.checked_sub(1));
        let ends_glued = glued(Some(run.groups[run.groups.len() - 1].end));
        let accepted = windows(&run, 15, |w| {
            let at_glued_edge =
                (w.start == 0 && starts_glued) || (w.end == run.groups.len() && ends_glued);
            if at_glued_edge || !free(taken, &span(w)) {
                return false;
            }
            let digits = run.digits(w);
            if w.start == 0 && plus {
                return (8..=15).contains(&digits);
            }
            let local = w.len() == 2
                && run.groups[w.start].len() == 3
                && run.groups[w.start + 1].len() == 4
                && matches!(bytes[run.groups[w.start].end], b'-' | b'.');
            (10..=11).contains(&digits) || local
        });
        found.extend(accepted.iter().map(span));
    }
    found
}

/// Emails: `local@domain.tld`, ASCII, the top-level domain two or more letters.
fn emails(text: &str, taken: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let local_byte = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let domain_byte = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    let mut found: Vec<Range<usize>> = Vec::new();
    for (at, _) in text.match_indices('@') {
        // An address never starts inside the one before it.
        let floor = found.last().map_or(0, |r| r.end);
        if floor > at {
            continue;
        }
        let local_len = bytes[floor..at]
            .iter()
            .rev()
            .take_while(|&&b| local_byte(b))
            .count();
        let mut start = at - local_len;
        while start < at && bytes[start] == b'.' {
            start += 1;
        }
        let domain_len = bytes[at + 1..]
            .iter()
            .take_while(|&&b| domain_byte(b))
            .count();
        let mut end = at + 1 + domain_len;
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        let labels: Vec<&str> = domain.split('.').collect();
        let tld = labels[labels.len() - 1];
        let valid = start < at
            && labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty())
            && tld.len() >= 2
            && tld.bytes().all(|b| b.is_ascii_alphabetic());
        if valid && free(taken, &(start..end)) {
            found.push(start..end);
        }
    }
    found
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
