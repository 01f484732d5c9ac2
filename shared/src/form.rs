//! The one error every settings form's parser answers with: which field is wrong, a stable code,
//! and a sentence for the admin. The server turns it into a 422 naming the field; the dashboard
//! shows the sentence beside the field, having run the very same parser before sending.

use std::fmt;

/// What is wrong with one field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON name of the field, e.g. `intents[3].label`.
    pub field: &'static str,
    /// A stable machine code, e.g. `too_long`.
    pub code: &'static str,
    /// What is wrong, as a sentence ("The answer is empty.").
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }

    /// From a lower-case phrase ("the answer is empty"), for checks whose words are also put
    /// after a place ("row 7: the answer is empty"): the message is the phrase as a sentence.
    pub fn from_phrase(field: &'static str, code: &'static str, phrase: &str) -> Self {
        let mut chars = phrase.chars();
        let message = match chars.next() {
            Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
            None => String::new(),
        };
        Self::new(field, code, message)
    }

    /// The message as a phrase to follow a place ("row 7: …"): the final full stop dropped and
    /// the first letter lower-cased, unless the first word is written in capitals (an acronym
    /// such as "URL").
    pub fn phrase(&self) -> String {
        let text = self.message.strip_suffix('.').unwrap_or(&self.message);
        let first_word = text.split_whitespace().next().unwrap_or_default();
        let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
            && first_word
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase);
        let mut chars = text.chars();
        match chars.next() {
            Some(first) if !acronym => format!("{}{}", first.to_lowercase(), chars.as_str()),
            _ => text.to_owned(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::FieldError;

    #[test]
    fn a_phrase_becomes_a_sentence_and_back() {
        let e = FieldError::from_phrase("answer", "required", "the answer is empty");
        assert_eq!(e.message, "The answer is empty.");
        assert_eq!(e.to_string(), "The answer is empty.");
        assert_eq!(e.phrase(), "the answer is empty");
    }

    #[test]
    fn an_acronym_keeps_its_capitals_in_a_phrase() {
        let e = FieldError::new("url", "invalid", "URL must start with https://.");
        assert_eq!(e.phrase(), "URL must start with https://");
        let e = FieldError::new("x", "y", "A value is needed.");
        assert_eq!(e.phrase(), "a value is needed");
    }
}
