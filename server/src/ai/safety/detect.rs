//! Where each kind of personal data is in a text, as byte ranges: US social security numbers,
//! card numbers (Luhn-checked), emails and phone numbers. Pattern matching on ASCII digits and
//! separators, so every range starts and ends on a char boundary.

use std::ops::Range;

/// Finds spans of one kind of personal data, none overlapping the `taken` ones.
pub(crate) type Detector = fn(&str, &[Range<usize>]) -> Vec<Range<usize>>;

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn free(taken: &[Range<usize>], span: &Range<usize>) -> bool {
    !taken.iter().any(|t| overlaps(t, span))
}

/// US social security numbers written `123-45-6789`, except numbers never issued (area 000,
/// 666 or 900–999, group 00, serial 0000).
pub(crate) fn ssns(text: &str) -> Vec<Range<usize>> {
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
pub(crate) fn cards(text: &str, taken: &[Range<usize>]) -> Vec<Range<usize>> {
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
pub(crate) fn luhn<'a>(digits: impl DoubleEndedIterator<Item = &'a u8>) -> bool {
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
pub(crate) fn phones(text: &str, taken: &[Range<usize>]) -> Vec<Range<usize>> {
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
pub(crate) fn emails(text: &str, taken: &[Range<usize>]) -> Vec<Range<usize>> {
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
