//! Contact details a customer writes in a message: email addresses, phone numbers (parsed and
//! validated by the `phonenumber` library, in E.164 with the workspace's default region for
//! numbers written without a country code) and a fuller name ("my name is Jane Doe"). Pure: what
//! is done with them (applied to a verified client, or kept as "mentioned" for an agent) is
//! [`super::mentions`]'.

use phonenumber::country::Id as Region;
use phonenumber::Mode;
use shared::{Email, PersonName};

/// What one message mentions, each list in the order written, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentioned {
    /// As written (the normalised form is [`Email::normalized`]).
    pub emails: Vec<String>,
    /// E.164, e.g. `+14155550100`.
    pub phones: Vec<String>,
    pub name: Option<String>,
}

impl Mentioned {
    pub fn is_empty(&self) -> bool {
        self.emails.is_empty() && self.phones.is_empty() && self.name.is_none()
    }
}

/// Fewest and most digits a phone number is written with (E.164 allows 15; national numbers
/// are rarely under 7).
const MIN_PHONE_DIGITS: usize = 7;
const MAX_PHONE_DIGITS: usize = 15;
/// Words a name may have after "my name is".
const MAX_NAME_WORDS: usize = 4;

/// The workspace's default region from its ISO 3166 code (`US`, `GB`, …); `None` for a code the
/// library does not know.
pub fn region(code: &str) -> Option<Region> {
    code.trim().to_ascii_uppercase().parse().ok()
}

/// Everything `text` mentions. Numbers written without `+` are read as numbers of `region`.
pub fn extract(text: &str, region: Region) -> Mentioned {
    Mentioned {
        emails: emails(text),
        phones: phones(text, region),
        name: name(text),
    }
}

fn emails(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || "<>()[]{},;:\"'`".contains(c)) {
        if !word.contains('@') {
            continue;
        }
        // A sentence's full stop or question mark is not part of the address.
        let word = word.trim_end_matches(['.', '?', '!']);
        let Ok(email) = Email::parse(word) else {
            continue;
        };
        if !found
            .iter()
            .any(|f| Email::parse(f).is_ok_and(|e| e.normalized() == email.normalized()))
        {
            found.push(email.as_str().to_owned());
        }
    }
    found
}

/// Runs of digits with the separators people put in phone numbers (a leading `+`, spaces,
/// dots, dashes, brackets); each run with a plausible count of digits is offered to the library,
/// which keeps only valid numbers.
fn phones(text: &str, region: Region) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for run in candidate_runs(text) {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        if !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits) {
            continue;
        }
        let Ok(number) = phonenumber::parse(Some(region), run) else {
            continue;
        };
        if !phonenumber::is_valid(&number) {
            continue;
        }
        let e164 = number.format().mode(Mode::E164).to_string();
        if !found.contains(&e164) {
            found.push(e164);
        }
    }
    found
}

fn candidate_runs(text: &str) -> Vec<&str> {
    let is_part = |c: char| c.is_ascii_digit() || " -.()/".contains(c);
    let mut runs = Vec::new();
    let mut start = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        match start {
            None => {
                let next_is_digit = chars.get(i + 1).is_some_and(|(_, n)| n.is_ascii_digit());
                // Not inside a word or a longer number ("order#1234", "A1234567").
                let after_word = i > 0 && chars[i - 1].1.is_alphanumeric();
                if !after_word && (c.is_ascii_digit() || ((c == '+' || c == '(') && next_is_digit))
                {
                    start = Some(at);
                }
            }
            Some(s) => {
                if !is_part(c) {
                    runs.push(text[s..at].trim_end_matches(|c: char| !c.is_ascii_digit()));
                    start = None;
                }
            }
        }
    }
    if let Some(s) = start {
        runs.push(text[s..].trim_end_matches(|c: char| !c.is_ascii_digit()));
    }
    runs
}

/// "my name is Jane Doe", "my full name is …", "name's …": the capitalised words that follow.
fn name(text: &str) -> Option<String> {
    const CUES: [&str; 4] = ["my full name is ", "my name is ", "my name's ", "name's "];
    // The first cue in the text (ASCII, matched without regard to case, at a word start).
    let rest = text.char_indices().find_map(|(at, _)| {
        let starts_word = !text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let here = &text.as_bytes()[at..];
        CUES.iter()
            .find(|cue| {
                starts_word
                    && here.len() >= cue.len()
                    && here[..cue.len()].eq_ignore_ascii_case(cue.as_bytes())
            })
            .map(|cue| &text[at + cue.len()..])
    })?;
    // Capitalised words up to the end of the clause ("my name is Jane Doe. Call me…").
    let mut words: Vec<&str> = Vec::new();
    for raw in rest.split_whitespace().take(MAX_NAME_WORDS) {
        let word = raw.trim_end_matches([',', '.', '!', '?', ';', ':']);
        let capitalised = word.chars().next().is_some_and(char::is_uppercase)
            && word
                .chars()
                .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
        if !capitalised {
            break;
        }
        words.push(word);
        if word.len() < raw.len() {
            break;
        }
    }
    if words.is_empty() {
        return None;
    }
    PersonName::parse(&words.join(" "))
        .ok()
        .map(|n| n.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(text: &str) -> Mentioned {
        extract(text, Region::US)
    }

    #[test]
    fn an_email_and_a_phone_number_in_one_sentence() {
        let m = us("my phone is +1 415 555 0100 and email jo.b@work.com.");
        assert_eq!(m.emails, ["jo.b@work.com"]);
        assert_eq!(m.phones, ["+14155550100"]);
        assert_eq!(m.name, None);
    }

    #[test]
    fn national_numbers_take_the_workspace_region() {
        assert_eq!(us("call me at (415) 555-0100").phones, ["+14155550100"]);
        assert_eq!(
            extract("ring 020 7946 0018 please", Region::GB).phones,
            ["+442079460018"]
        );
        // The same digits mean nothing valid in the US.
        assert!(us("ring 020 7946 0018 please").phones.is_empty());
    }

    #[test]
    fn order_numbers_dates_and_card_numbers_are_not_phones() {
        for text in [
            "my card was charged twice for order 1234",
            "it arrived on 2024-05-01",
            "card 4111 1111 1111 1111 expired",
            "tracking number A12345678901",
            "I paid $1,299.00 on 12/05",
        ] {
            assert!(us(text).phones.is_empty(), "{text}: {:?}", us(text).phones);
        }
    }

    #[test]
    fn repeats_are_kept_once_and_addresses_lose_sentence_punctuation() {
        let m = us("Jo@Work.com or jo@work.com? Or <jo.b@work.com>!");
        assert_eq!(m.emails, ["Jo@Work.com", "jo.b@work.com"]);
        let m = us("+1 415 555 0100, I mean 415-555-0100");
        assert_eq!(m.phones, ["+14155550100"]);
    }

    #[test]
    fn a_name_after_my_name_is() {
        assert_eq!(
            us("Hi, my name is Jane Doe.").name.as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(
            us("My full name is Jean-Luc O'Neil, thanks")
                .name
                .as_deref(),
            Some("Jean-Luc O'Neil")
        );
        assert_eq!(
            us("my name is jane").name,
            None,
            "lower case is not a name here"
        );
        assert_eq!(us("what is my name is a question").name, None);
        assert_eq!(
            us("İstanbul: my name is Ayşe Kaya").name.as_deref(),
            Some("Ayşe Kaya")
        );
    }

    #[test]
    fn regions_from_their_codes() {
        assert_eq!(region("us"), Some(Region::US));
        assert_eq!(region(" GB "), Some(Region::GB));
        assert_eq!(region("XX"), None);
    }
}
