//! Email threading helpers: which conversation an inbound message belongs to, and fresh
//! Message-IDs for the replies we send.
//!
//! Threading is done first by message ids ([`thread_keys`]: In-Reply-To, then References from
//! newest to oldest, the order in which they most precisely name the parent), and only as a
//! fallback by subject, compared after [`normalize_subject`] strips the reply/forward prefixes
//! that mail clients in many languages add ("Re:", "AW:", "SV:", "回复：" …) and mailing-list
//! tags such as `[support]`. [`is_reply_subject`] tells whether a subject already carries such
//! a prefix, so outgoing replies do not become "Re: AW: …" chains.

use std::time::{SystemTime, UNIX_EPOCH};

/// Reply prefixes, lowercase, compared against the word before the colon.
const REPLY_PREFIXES: &[&str] = &[
    "re",   // English and international
    "aw",   // German Antwort
    "sv",   // Scandinavian svar
    "vs",   // Finnish vastaus
    "antw", // Dutch antwoord
    "réf", "ref", // French
    "rif", "r",    // Italian
    "odp",  // Polish
    "res",  // Portuguese
    "rpta", // Spanish
    "ynt",  // Turkish
    "vá",   // Hungarian
    "atb", "ats", // Latvian, Lithuanian
    "bls", // Indonesian
    "отв", // Russian (Outlook)
    "απ", "σχετ", // Greek
    "השב",  // Hebrew
    "回复", "回覆", "答复", "答覆", // Chinese
    "返信", // Japanese
    "회신", "답장", // Korean
];

/// Forward prefixes, lowercase.
const FORWARD_PREFIXES: &[&str] = &[
    "fwd",
    "fw", // English
    "wg", // German weitergeleitet
    "vb",
    "vl",
    "fs",         // Swedish, Finnish, Icelandic
    "doorst",     // Dutch
    "tr",         // French transfert
    "i",          // Italian inoltro
    "pd",         // Polish
    "enc",        // Portuguese encaminhado
    "rv",         // Spanish reenviado
    "ilt",        // Turkish
    "továbbítás", // Hungarian
    "pārs",       // Latvian
    "trs",        // Indonesian
    "пересл",
    "переслать", // Russian
    "πρθ",       // Greek
    "הועבר",     // Hebrew
    "转发",
    "轉寄",
    "转寄",
    "轉發", // Chinese
    "転送", // Japanese
    "전달", // Korean
];

/// The normalized form of a subject for matching: reply/forward prefixes (with counters such as
/// `Re[2]:` or `Re(3):`, ASCII or full-width colon) and leading mailing-list tags (`[support]`)
/// are stripped repeatedly, whitespace is collapsed and the text is case-folded.
///
/// A subject made only of prefixes ("Re:", "Fwd: RE:") normalizes to `""`: it says nothing
/// about the conversation, and callers must treat `""` as "no subject to match on" rather than
/// threading every such message together. A list tag is kept when nothing follows it
/// (`"[urgent]"` stays `"[urgent]"`), since then it is the subject.
pub fn normalize_subject(s: &str) -> String {
    let collapsed = collapse(s);
    let mut rest = collapsed.as_str();
    loop {
        let before = rest;
        rest = rest.trim_start();
        if let Some(after) = strip_prefix_word(rest, REPLY_PREFIXES)
            .or_else(|| strip_prefix_word(rest, FORWARD_PREFIXES))
        {
            rest = after;
        }
        if let Some(after) = strip_list_tag(rest) {
            if !after.trim().is_empty() {
                rest = after;
            }
        }
        if rest.len() == before.len() {
            break;
        }
    }
    rest.trim().to_lowercase()
}

/// True when the subject already starts with a reply prefix (after any list tag), so a reply
/// should not add another "Re: ". Forward prefixes do not count: a reply to "Fwd: x" is
/// "Re: Fwd: x".
pub fn is_reply_subject(s: &str) -> bool {
    let mut rest = s.trim_start();
    if let Some(after) = strip_list_tag(rest) {
        rest = after.trim_start();
    }
    strip_prefix_word(rest, REPLY_PREFIXES).is_some()
}

/// Strips one `word[n]:` prefix, `word` one of `prefixes`, from the start of `s` (no leading
/// whitespace expected).
fn strip_prefix_word<'a>(s: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    let word_end = s
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    if word_end == 0 {
        return None;
    }
    let word = s.get(..word_end)?.to_lowercase();
    if !prefixes.contains(&word.as_str()) {
        return None;
    }
    let mut rest = s.get(word_end..)?;
    // Optional counter: Re[2], Re(3), Re^4.
    if let Some(after) = rest.strip_prefix(['[', '(']) {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let close = after.get(digits..)?;
        if digits == 0 {
            return None;
        }
        rest = close.strip_prefix([']', ')'])?;
    } else if let Some(after) = rest.strip_prefix('^') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = after.get(digits..)?;
    }
    // French typography puts a space before the colon ("Re :", "TR :").
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.strip_prefix([':', '：'])
}

/// Strips one leading `[tag]` (at most 64 characters, not nested).
fn strip_list_tag(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find(']')?;
    let tag = inner.get(..close)?;
    if tag.is_empty() || tag.chars().count() > 64 || tag.contains('[') {
        return None;
    }
    inner.get(close + 1..)
}

fn collapse(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The message ids to look up to find the thread of a reply, best first: the In-Reply-To ids,
/// then the References from newest (last) to oldest, without angle brackets or duplicates.
pub fn thread_keys(in_reply_to: &[String], references: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(in_reply_to.len() + references.len());
    for id in in_reply_to.iter().chain(references.iter().rev()) {
        let id = id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        if !id.is_empty() && !keys.iter().any(|k| k == id) {
            keys.push(id.to_string());
        }
    }
    keys
}

/// A new globally unique Message-ID, `<128 random bits as hex>.<unix millis>@domain`, returned
/// without angle brackets. The domain is reduced to the characters a Message-ID allows
/// (ASCII letters, digits, `.` and `-`, lowercased); `localhost` stands in if none are left.
pub fn new_message_id(domain: &str) -> String {
    let domain: String = domain
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect::<String>()
        .trim_matches('.')
        .to_ascii_lowercase();
    let domain = if domain.is_empty() {
        "localhost".to_string()
    } else {
        domain
    };
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let random: u128 = rand::random();
    format!("{random:032x}.{millis}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn strips_english_prefixes_and_counters() {
        for s in [
            "Order 12",
            "Re: Order 12",
            "RE: Order 12",
            "re:Order 12",
            "Fwd: Re: Order 12",
            "FW: RE: Re: order 12",
            "Re[2]: Order 12",
            "Re(3): Order 12",
            "Re^2: Order 12",
            "  Re:   Order    12  ",
            "Re : Order 12",
            "RE：Order 12",
            "Re[2]：Order 12",
        ] {
            assert_eq!(normalize_subject(s), "order 12", "{s}");
        }
    }

    #[test]
    fn strips_prefixes_in_other_languages() {
        for s in [
            "AW: Rechnung",
            "WG: AW: Rechnung",
            "SV: Rechnung",
            "VS: Rechnung",
            "Antw: Rechnung",
            "Doorst: Rechnung",
            "Réf : Rechnung",
            "RIF: Rechnung",
            "R: Rechnung",
            "TR : Rechnung",
            "Odp: Rechnung",
            "Enc: Rechnung",
            "RV: Rechnung",
            "YNT: Rechnung",
            "回复：Rechnung",
            "转发: 答复：Rechnung",
            "Отв: Rechnung",
            "ΑΠ: Rechnung",
        ] {
            assert_eq!(normalize_subject(s), "rechnung", "{s}");
        }
        assert_eq!(normalize_subject("回复：您好"), "您好");
    }

    #[test]
    fn strips_list_tags_and_keeps_real_words() {
        assert_eq!(normalize_subject("[support] Re: Login"), "login");
        assert_eq!(normalize_subject("Re: [support] Login"), "login");
        assert_eq!(normalize_subject("Fwd: [ext] [support] RE: Login"), "login");
        // Words that merely start like a prefix are kept.
        assert_eq!(normalize_subject("Reunion: plans"), "reunion: plans");
        assert_eq!(normalize_subject("Research"), "research");
        assert_eq!(normalize_subject("Re-order request"), "re-order request");
        assert_eq!(normalize_subject("Re[x]: odd"), "re[x]: odd");
        assert_eq!(normalize_subject("CAFÉ Menu"), "café menu");
    }

    #[test]
    fn prefix_only_subjects_normalize_to_empty() {
        assert_eq!(normalize_subject("Re:"), "");
        assert_eq!(normalize_subject("Fwd: RE: "), "");
        assert_eq!(normalize_subject(""), "");
        assert_eq!(normalize_subject("[urgent]"), "[urgent]");
        assert_eq!(normalize_subject("Re: [urgent]"), "[urgent]");
    }

    #[test]
    fn detects_reply_subjects() {
        assert!(is_reply_subject("Re: hi"));
        assert!(is_reply_subject("AW: hi"));
        assert!(is_reply_subject("[support] RE: hi"));
        assert!(is_reply_subject("回复：hi"));
        assert!(!is_reply_subject("hi"));
        assert!(!is_reply_subject("Reply needed"));
        assert!(!is_reply_subject("Fwd: hi"));
        assert!(!is_reply_subject(""));
    }

    #[test]
    fn thread_keys_order_and_dedup() {
        let irt = vec!["<c@x>".to_string(), "b@x".to_string()];
        let refs = vec![
            "a@x".to_string(),
            "b@x".to_string(),
            "c@x".to_string(),
            String::new(),
        ];
        assert_eq!(thread_keys(&irt, &refs), vec!["c@x", "b@x", "a@x"]);
        assert_eq!(
            thread_keys(&[], &["1@x".into(), "2@x".into()]),
            vec!["2@x", "1@x"]
        );
        assert!(thread_keys(&[], &[]).is_empty());
    }

    #[test]
    fn message_ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = new_message_id("Mail.Example.COM");
            assert!(!id.starts_with('<') && !id.ends_with('>'));
            let (left, domain) = id.split_once('@').unwrap();
            assert_eq!(domain, "mail.example.com");
            let (random, millis) = left.split_once('.').unwrap();
            assert_eq!(random.len(), 32);
            assert!(random.chars().all(|c| c.is_ascii_hexdigit()));
            assert!(millis.parse::<u128>().unwrap() > 1_600_000_000_000);
            assert!(seen.insert(id));
        }
        assert!(new_message_id(" <bad domain>@ ").ends_with("@baddomain"));
        assert!(new_message_id("").ends_with("@localhost"));
    }
}
