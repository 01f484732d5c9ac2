//! The opt-out, opt-in and help keywords that carriers and SMS providers act on (CTIA
//! guidelines; Twilio's and Telnyx's default keyword handling). The provider itself blocks
//! further messages after STOP, so the server must record the same state, or agents would be
//! offered a conversation they can no longer reply to. Only a message that is exactly a keyword
//! counts (ignoring case, surrounding whitespace and trailing punctuation): "please stop
//! texting me" is a message for a person, not a keyword.

/// What a keyword message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    /// Opt out: no more messages to this number.
    Stop,
    /// Opt back in after a STOP.
    Start,
    /// Ask for help / contact information.
    Help,
}

/// Opt-out words: Twilio's and Telnyx's defaults plus the CTIA additions (OPTOUT, REVOKE).
const STOP_WORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "REVOKE",
];
const START_WORDS: &[&str] = &["START", "YES", "UNSTOP"];
const HELP_WORDS: &[&str] = &["HELP", "INFO"];

/// Longer than any keyword even with generous whitespace and punctuation: such a message is
/// never a keyword, and is not worth normalising.
const MAX_KEYWORD_MESSAGE_LEN: usize = 64;

/// Which keyword `body` is, if the whole message is one. Matching ignores ASCII case,
/// surrounding whitespace, runs of whitespace inside ("stop   all"), and trailing punctuation
/// (`.`, `!`, `?`, `,`, `;`, `:`); anything else makes it an ordinary message.
#[must_use]
pub fn classify(body: &str) -> Option<Keyword> {
    if body.len() > MAX_KEYWORD_MESSAGE_LEN {
        return None;
    }
    let trimmed = body.trim().trim_end_matches(|c: char| {
        matches!(c, '.' | '!' | '?' | ',' | ';' | ':') || c.is_whitespace()
    });
    let normalised = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(&normalised));
    if is(STOP_WORDS) {
        Some(Keyword::Stop)
    } else if is(START_WORDS) {
        Some(Keyword::Start)
    } else if is(HELP_WORDS) {
        Some(Keyword::Help)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_word_is_recognised() {
        for w in STOP_WORDS {
            assert_eq!(classify(w), Some(Keyword::Stop), "{w}");
        }
        for w in START_WORDS {
            assert_eq!(classify(w), Some(Keyword::Start), "{w}");
        }
        for w in HELP_WORDS {
            assert_eq!(classify(w), Some(Keyword::Help), "{w}");
        }
    }

    #[test]
    fn case_whitespace_and_trailing_punctuation_are_ignored() {
        for body in [
            "stop",
            "Stop",
            "sToP",
            "  STOP  ",
            "\tstop\r\n",
            "stop.",
            "Stop!",
            "stop!!!",
            "STOP ?",
            "stop. ",
            "stop all",
            "Stop  All",
            "STOP\tALL.",
            "Unsubscribe.",
            "quit!",
            "\u{a0}stop\u{a0}",
        ] {
            assert_eq!(classify(body), Some(Keyword::Stop), "{body:?}");
        }
        assert_eq!(classify("yes!"), Some(Keyword::Start));
        assert_eq!(classify(" Unstop "), Some(Keyword::Start));
        assert_eq!(classify("help?"), Some(Keyword::Help));
        assert_eq!(classify("Info."), Some(Keyword::Help));
    }

    #[test]
    fn only_whole_messages_count() {
        for body in [
            "please stop sending me messages",
            "stop it",
            "don't stop",
            "stopp",
            "sto p",
            "s.t.o.p",
            "STOP STOP",
            "stop all now",
            "yes please",
            "yesterday",
            "help me",
            "information",
            "end of story",
            ".stop",
            "\"stop\"",
            "stop-all",
            "",
            "   ",
            "!!!",
        ] {
            assert_eq!(classify(body), None, "{body:?}");
        }
    }

    #[test]
    fn unicode_lookalikes_do_not_match() {
        // Full-width letters, the long s (which Unicode upper-cases to S), Cyrillic "о".
        for body in ["ＳＴＯＰ", "ſtop", "stоp"] {
            assert_eq!(classify(body), None, "{body:?}");
        }
    }

    #[test]
    fn long_messages_are_never_keywords() {
        let padded = format!("stop{}", " ".repeat(100));
        assert_eq!(classify(&padded), None);
        assert_eq!(classify(&"stop ".repeat(1000)), None);
        let just_fits = format!("{}stop", " ".repeat(MAX_KEYWORD_MESSAGE_LEN - 4));
        assert_eq!(classify(&just_fits), Some(Keyword::Stop));
    }
}
