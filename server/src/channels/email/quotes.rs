//! Quoted-text trimming for inbound replies: keeps what the customer wrote and drops the copy
//! of earlier messages that mail clients append, so the conversation shows each message once.
//!
//! Removed, in this order:
//! * an Outlook-style original message, from its first line to the end: a
//!   `-----Original Message-----` separator (in several languages), a `____…` rule followed by
//!   a `From:` line, or a `From:` / `Sent:` (or `Date:`) / `Subject:` header block (localized
//!   names, `*From:*` as Gmail renders bold, included);
//! * a signature, from a `-- ` line on;
//! * from the end, repeatedly: a trailing block of `>` lines with the attribution line before
//!   it ("On … wrote:", "Am … schrieb …:", "Le … a écrit :", "El … escribió:",
//!   "Op … schreef …:", "Den … skrev …:", and others, also when wrapped over two lines),
//!   "Sent from my iPhone"-type lines, and separator rules.
//!
//! Interleaved replies (quote, answer, quote, answer) keep their answers and the quotes between
//! them, which the answers need as context; only quoted text after the last answer goes.
//! Explicitly forwarded messages ("---------- Forwarded message ---------",
//! "Begin forwarded message:") are kept: what a customer forwards is new information, not a
//! copy of our own mail. If trimming would leave nothing, the original text is returned
//! unchanged, so a message with content never becomes empty.

/// The result of [`trim_quoted`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trimmed {
    pub text: String,
    /// True when something was removed.
    pub trimmed: bool,
}

/// Removes quoted earlier messages, signatures and "Sent from" lines from a reply's text.
pub fn trim_quoted(text: &str) -> Trimmed {
    let lines: Vec<&str> = text.lines().collect();
    let forward = lines.iter().position(|l| is_forward_marker(l));
    let head = lines
        .get(..forward.unwrap_or(lines.len()))
        .unwrap_or_default();

    // Earlier correspondence quoted Outlook-style: everything after it is old, forwards included.
    let outlook = original_message_start(head);
    let signature = head.iter().position(|l| *l == "-- ");
    let mut kept: Vec<&str> = match (outlook, signature) {
        (Some(o), Some(s)) if o <= s => head.get(..o).unwrap_or_default().to_vec(),
        (Some(o), None) => head.get(..o).unwrap_or_default().to_vec(),
        (_, Some(s)) => head.get(..s).unwrap_or_default().to_vec(),
        (None, None) => head.to_vec(),
    };
    let keep_forward = match (forward, outlook) {
        (Some(_), Some(_)) => false,
        (Some(_), None) => true,
        (None, _) => false,
    };
    trim_trailing(&mut kept);

    if keep_forward {
        if let Some(f) = forward {
            if !kept.is_empty() {
                kept.push("");
            }
            kept.extend(lines.get(f..).unwrap_or_default());
        }
    }

    let result = kept.join("\n").trim_end().to_string();
    if result.trim().is_empty() {
        return Trimmed {
            text: text.to_string(),
            trimmed: false,
        };
    }
    let original: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    let unchanged = result == original.join("\n").trim_end();
    Trimmed {
        text: if unchanged { text.to_string() } else { result },
        trimmed: !unchanged,
    }
}

/// Repeatedly removes, from the end: blank lines, a quote block with its attribution,
/// "Sent from my …" lines and separator rules.
fn trim_trailing(lines: &mut Vec<&str>) {
    loop {
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        let Some(last) = lines.last() else { return };
        if is_quote(last) {
            while lines
                .last()
                .is_some_and(|l| is_quote(l) || l.trim().is_empty())
            {
                lines.pop();
            }
            remove_attribution(lines);
        } else if is_sent_from(last) || is_rule(last) {
            lines.pop();
        } else {
            return;
        }
    }
}

/// Removes the attribution line (or the two lines of a wrapped one) at the end of `lines`.
fn remove_attribution(lines: &mut Vec<&str>) {
    let Some(last) = lines.last().map(|l| l.trim()) else {
        return;
    };
    if !(last.ends_with(':') || last.ends_with('：')) {
        return;
    }
    let n = lines.len();
    let previous = n
        .checked_sub(2)
        .and_then(|i| lines.get(i))
        .map(|l| l.trim())
        .filter(|l| !l.is_empty());
    if let Some(previous) = previous {
        if !starts_like_attribution(last) && starts_like_attribution(previous) {
            let joined = format!("{previous} {last}");
            if looks_like_attribution(&joined) {
                lines.truncate(n - 2);
                return;
            }
        }
    }
    if looks_like_attribution(last) {
        lines.truncate(n - 1);
    }
}

/// Verbs (or whole endings) that close an attribution line, lowercase.
const ATTRIBUTION_VERBS: &[&str] = &[
    "wrote",
    "writes",
    "schrieb",
    "a écrit",
    "escribió",
    "escribio",
    "schreef",
    "skrev",
    "ha scritto",
    "escreveu",
    "napisał",
    "napisał(a)",
    "napisal",
    "kirjoitti",
    "написал",
    "написал(а)",
    "написала",
    "yazdı",
    "írta",
    "napsal",
    "写道",
    "寫道",
    "wrote on",
];

/// Words an attribution line begins with in common clients' languages.
const ATTRIBUTION_STARTS: &[&str] = &[
    "On ", "Am ", "Le ", "El ", "Op ", "Den ", "Il ", "Em ", "W dniu ", "Dne ", "Pada ", "在",
];

fn starts_like_attribution(line: &str) -> bool {
    ATTRIBUTION_STARTS.iter().any(|s| line.starts_with(s))
}

/// An attribution ends with a colon, is not a long paragraph, and either uses a "wrote" verb
/// or names an address next to a date ("2026年12月3日 10:00 Jo <jo@x.com>:").
fn looks_like_attribution(line: &str) -> bool {
    let line = line.trim();
    if line.chars().count() > 300 {
        return false;
    }
    let Some(body) = line
        .strip_suffix(':')
        .or_else(|| line.strip_suffix('：'))
        .map(str::trim_end)
    else {
        return false;
    };
    let lower = body.to_lowercase();
    let has_verb = ATTRIBUTION_VERBS.iter().any(|verb| {
        lower.ends_with(verb)
            || lower.find(verb).is_some_and(|p| {
                lower.len() - p <= verb.len() + 120
                    && lower.get(..p).is_some_and(|before| before.ends_with(' '))
            })
    });
    has_verb || (lower.contains('@') && lower.chars().any(|c| c.is_ascii_digit()))
}

fn is_quote(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && t.chars().all(|c| matches!(c, '_' | '-' | '=' | '*' | '—'))
}

/// Mobile and webmail footers added below the reply.
const SENT_FROM: &[&str] = &[
    "sent from my ",
    "sent from mail for ",
    "sent from outlook",
    "sent from yahoo mail",
    "sent from samsung",
    "sent with ",
    "sent via ",
    "get outlook for ",
    "von meinem ",
    "gesendet von ",
    "envoyé de mon ",
    "envoyé depuis ",
    "enviado desde mi ",
    "enviado do meu ",
    "enviado de meu ",
    "verstuurd vanaf mijn ",
    "verzonden vanaf mijn ",
    "skickat från min ",
    "sendt fra min ",
    "inviato da ",
    "wysłane z ",
    "отправлено с ",
    "iphone'umdan gönderildi",
];

fn is_sent_from(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    t.chars().count() <= 100 && SENT_FROM.iter().any(|p| t.starts_with(p))
}

const FROM_NAMES: &[&str] = &[
    "from",
    "von",
    "de",
    "van",
    "från",
    "da",
    "od",
    "fra",
    "lähettäjä",
    "feladó",
    "від",
    "от",
    "kimden",
    "发件人",
    "寄件者",
    "差出人",
    "보낸 사람",
    "expéditeur",
    "remitente",
    "afzender",
    "avsändare",
    "mittente",
    "nadawca",
    "absender",
];
const DATE_NAMES: &[&str] = &[
    "sent",
    "date",
    "gesendet",
    "datum",
    "envoyé",
    "enviado",
    "fecha",
    "verzonden",
    "skickat",
    "inviato",
    "data",
    "wysłano",
    "sendt",
    "lähetetty",
    "elküldve",
    "отправлено",
    "дата",
    "tarih",
    "gönderildi",
    "发送时间",
    "日期",
    "寄件日期",
    "送信日時",
    "보낸 날짜",
];
const SUBJECT_NAMES: &[&str] = &[
    "subject",
    "betreff",
    "objet",
    "asunto",
    "onderwerp",
    "ämne",
    "oggetto",
    "temat",
    "emne",
    "aihe",
    "tárgy",
    "тема",
    "konu",
    "主题",
    "主旨",
    "件名",
    "제목",
    "assunto",
];
const TO_NAMES: &[&str] = &[
    "to",
    "an",
    "à",
    "a",
    "para",
    "aan",
    "till",
    "do",
    "til",
    "vastaanottaja",
    "címzett",
    "кому",
    "kime",
    "收件人",
    "宛先",
    "받는 사람",
    "cc",
    "kopie",
    "copie",
];

/// The lowercased field name of a header-looking line (`From: x`, `*From:* x`, `Envoyé : x`).
fn header_name(line: &str) -> Option<String> {
    let t = line.trim_start().trim_start_matches('*');
    let colon = t.find([':', '：'])?;
    let name = t.get(..colon)?.trim().trim_end_matches('*').trim();
    if name.is_empty() || name.chars().count() > 25 {
        return None;
    }
    Some(name.to_lowercase())
}

fn is_named(line: &str, names: &[&str]) -> bool {
    header_name(line).is_some_and(|n| names.contains(&n.as_str()))
}

/// Where an Outlook-style quoted original message begins, if any.
fn original_message_start(lines: &[&str]) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        if is_original_separator(line) {
            return Some(i);
        }
        let t = line.trim();
        if t.len() >= 10 && t.chars().all(|c| c == '_') {
            let next = lines
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .find(|l| !l.trim().is_empty());
            if next.is_some_and(|l| is_named(l, FROM_NAMES)) {
                return Some(i);
            }
        }
        if is_named(line, FROM_NAMES) && is_header_block(lines.get(i..).unwrap_or_default()) {
            return Some(i);
        }
    }
    None
}

/// True when `lines` start with a From line followed, before a blank line, by a Subject line
/// and a Sent/Date line.
fn is_header_block(lines: &[&str]) -> bool {
    let mut subject = false;
    let mut date = false;
    for line in lines.iter().skip(1).take(10) {
        if line.trim().is_empty() {
            break;
        }
        subject |= is_named(line, SUBJECT_NAMES);
        date |= is_named(line, DATE_NAMES);
        // A line that is neither a known header nor a wrapped address list ends the block.
        if !is_named(line, SUBJECT_NAMES)
            && !is_named(line, DATE_NAMES)
            && !is_named(line, TO_NAMES)
            && !line.contains('@')
            && !line.starts_with([' ', '\t'])
        {
            break;
        }
    }
    subject && date
}

/// The inner words of a `-----Original Message-----` separator, lowercase.
const ORIGINAL_SEPARATORS: &[&str] = &[
    "original message",
    "ursprüngliche nachricht",
    "original-nachricht",
    "message d'origine",
    "mensaje original",
    "oorspronkelijk bericht",
    "ursprungligt meddelande",
    "messaggio originale",
    "mensagem original",
    "oprindelig meddelelse",
    "opprinnelig melding",
    "alkuperäinen viesti",
    "wiadomość oryginalna",
    "исходное сообщение",
    "原始邮件",
    "原始郵件",
    "元のメッセージ",
];

const FORWARD_SEPARATORS: &[&str] = &[
    "forwarded message",
    "weitergeleitete nachricht",
    "message transféré",
    "mensaje reenviado",
    "doorgestuurd bericht",
    "vidarebefordrat meddelande",
    "messaggio inoltrato",
    "mensagem encaminhada",
    "wiadomość przekazana",
    "пересылаемое сообщение",
    "转发的邮件",
];

const FORWARD_LINES: &[&str] = &[
    "begin forwarded message",
    "anfang der weitergeleiteten nachricht",
    "début du message réexpédié",
    "début du message réenvoyé",
    "inicio del mensaje reenviado",
    "begin doorgestuurd bericht",
    "vidarebefordrat brev",
    "inizio messaggio inoltrato",
];

/// The words between dashes of a `----- words -----` line, lowercase.
fn dashed_words(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix("---")?.strip_suffix("---")?;
    let inner = inner.trim_matches(|c: char| c == '-' || c.is_whitespace());
    (!inner.is_empty()).then(|| inner.to_lowercase())
}

fn is_original_separator(line: &str) -> bool {
    dashed_words(line).is_some_and(|w| ORIGINAL_SEPARATORS.contains(&w.as_str()))
}

fn is_forward_marker(line: &str) -> bool {
    if dashed_words(line).is_some_and(|w| FORWARD_SEPARATORS.contains(&w.as_str())) {
        return true;
    }
    let t = line.trim().to_lowercase();
    FORWARD_LINES.iter().any(|p| t.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trim(text: &str) -> String {
        trim_quoted(text).text
    }

    #[test]
    fn gmail_top_posted_reply() {
        let body = "Thanks, that fixed it!\n\
                    \n\
                    On Tue, 3 Dec 2026 at 10:00, Acme Support <support@acme.test> wrote:\n\
                    \n\
                    > Hi Jo,\n\
                    >\n\
                    > Please try clearing your cache.\n\
                    >\n\
                    > Best,\n\
                    > Acme\n";
        let t = trim_quoted(body);
        assert_eq!(t.text, "Thanks, that fixed it!");
        assert!(t.trimmed);
    }

    #[test]
    fn gmail_attribution_wrapped_over_two_lines() {
        let body = "Perfect, see you then.\r\n\
                    \r\n\
                    On Tue, Dec 3, 2026 at 10:00 AM Acme Support Team <support@acme-corporation.test>\r\n\
                    wrote:\r\n\
                    \r\n\
                    > Your appointment is confirmed.\r\n";
        assert_eq!(trim(body), "Perfect, see you then.");
    }

    #[test]
    fn attributions_in_other_languages() {
        for attribution in [
            "Am 03.12.2026 um 10:00 schrieb Acme Support <support@acme.test>:",
            "Le mar. 3 déc. 2026 à 10:00, Acme Support <support@acme.test> a écrit :",
            "El mar, 3 dic 2026 a las 10:00, Acme Support (<support@acme.test>) escribió:",
            "Op di 3 dec. 2026 om 10:00 schreef Acme Support <support@acme.test>:",
            "Den tis 3 dec. 2026 kl 10:00 skrev Acme Support <support@acme.test>:",
            "Il giorno mar 3 dic 2026 alle ore 10:00 Acme Support <support@acme.test> ha scritto:",
            "Acme Support wrote:",
            "2026年12月3日(火) 10:00 Acme Support <support@acme.test>:",
        ] {
            let body = format!("Merci !\n\n{attribution}\n> Bonjour\n> Test\n");
            assert_eq!(trim(&body), "Merci !", "{attribution}");
        }
    }

    #[test]
    fn outlook_original_message_block() {
        let body = "Hi,\r\n\
                    \r\n\
                    It still does not work.\r\n\
                    \r\n\
                    Regards,\r\n\
                    Jo\r\n\
                    \r\n\
                    -----Original Message-----\r\n\
                    From: Acme Support <support@acme.test>\r\n\
                    Sent: Tuesday, December 3, 2026 10:00 AM\r\n\
                    To: Jo Bloggs <jo@example.com>\r\n\
                    Subject: RE: Login problem\r\n\
                    \r\n\
                    Hi Jo, please try again.\r\n";
        assert_eq!(trim(body), "Hi,\n\nIt still does not work.\n\nRegards,\nJo");
        let german =
            "Danke.\n\n-----Ursprüngliche Nachricht-----\nVon: a@b.de\nGesendet: Dienstag\n";
        assert_eq!(trim(german), "Danke.");
    }

    #[test]
    fn outlook_underscore_rule_and_mobile_footer() {
        let body = "Yes please.\n\
                    \n\
                    Get Outlook for iOS<https://aka.ms/o0ukef>\n\
                    ________________________________\n\
                    From: Acme Support <support@acme.test>\n\
                    Sent: Tuesday, December 3, 2026 10:00:00 AM\n\
                    To: jo@example.com <jo@example.com>\n\
                    Subject: Re: Refund\n\
                    \n\
                    Would you like a refund?\n";
        assert_eq!(trim(body), "Yes please.");
    }

    #[test]
    fn outlook_header_block_without_separator() {
        // Outlook on the web, HTML converted to text, and Gmail's rendering of bold labels.
        let body = "Confirmed for Friday.\n\
                    \n\
                    *From:* Acme Support <support@acme.test>\n\
                    *Sent:* Tuesday, 3 December 2026 10:00\n\
                    *To:* Jo Bloggs <jo@example.com>;\n  Sam <sam@example.com>\n\
                    *Subject:* Delivery\n\
                    \n\
                    When shall we deliver?\n";
        assert_eq!(trim(body), "Confirmed for Friday.");
        let french =
            "Oui.\n\nDe : Acme <support@acme.test>\nEnvoyé : mardi 3 décembre 2026 10:00\n\
                      À : Jo <jo@example.com>\nObjet : Livraison\n\nQuand ?\n";
        assert_eq!(trim(french), "Oui.");
    }

    #[test]
    fn a_from_line_in_normal_text_is_kept() {
        let body = "I want to travel.\nFrom: Berlin\nTo: Paris\nDate: 3 December\n\nThanks";
        let t = trim_quoted(body);
        assert_eq!(t.text, body);
        assert!(!t.trimmed);
    }

    #[test]
    fn apple_mail_iphone_reply() {
        let body = "Sounds good.\n\
                    \n\
                    Sent from my iPhone\n\
                    \n\
                    > On 3 Dec 2026, at 10:00, Acme Support <support@acme.test> wrote:\n\
                    > \n\
                    > Shall we book it?\n";
        assert_eq!(trim(body), "Sounds good.");
        let german = "Ja.\n\nVon meinem iPhone gesendet\n\n> Am 03.12.2026 um 10:00 schrieb A <a@b.de>:\n> Frage?";
        assert_eq!(trim(german), "Ja.");
    }

    #[test]
    fn apple_mail_desktop_reply() {
        let body = "Works now.\n\n\
                    Jo\n\n\
                    > On 3 Dec 2026, at 10:00, Acme Support <support@acme.test> wrote:\n\
                    > \n\
                    > Try again?\n\
                    > \n";
        assert_eq!(trim(body), "Works now.\n\nJo");
    }

    #[test]
    fn thunderbird_reply_with_signature() {
        let body = "Here you go.\n\
                    \n\
                    -- \n\
                    Jo Bloggs\n\
                    Example Corp\n\
                    \n\
                    On 03/12/2026 10:00, Acme Support wrote:\n\
                    > Could you send the logs?\n";
        let t = trim_quoted(body);
        assert_eq!(t.text, "Here you go.");
        assert!(t.trimmed);
    }

    #[test]
    fn signature_only_trim() {
        let body = "See attached.\n\n-- \nJo Bloggs | Example Corp\n+1 555 0100\n";
        assert_eq!(trim(body), "See attached.");
    }

    #[test]
    fn interleaved_reply_keeps_answers() {
        let body = "On Tue, 3 Dec 2026 at 10:00, Acme Support <support@acme.test> wrote:\n\
                    > What is your order number?\n\
                    \n\
                    It is 1234.\n\
                    \n\
                    > And your postcode?\n\
                    \n\
                    SW1A 1AA.\n\
                    \n\
                    > Thanks, we will check.\n\
                    > Acme\n\
                    \n\
                    -- \n\
                    Jo\n";
        let t = trim_quoted(body);
        assert_eq!(
            t.text,
            "On Tue, 3 Dec 2026 at 10:00, Acme Support <support@acme.test> wrote:\n\
             > What is your order number?\n\
             \n\
             It is 1234.\n\
             \n\
             > And your postcode?\n\
             \n\
             SW1A 1AA."
        );
        assert!(t.trimmed);
    }

    #[test]
    fn everything_quoted_keeps_original() {
        let body = "> only a quote\n> nothing else\n";
        let t = trim_quoted(body);
        assert_eq!(t.text, body);
        assert!(!t.trimmed);

        // Outlook forward with nothing written above it.
        let forward = "________________________________\n\
                       From: Shop <orders@shop.test>\n\
                       Sent: Monday, 2 December 2026 09:00\n\
                       To: Jo <jo@example.com>\n\
                       Subject: Your order\n\
                       \n\
                       Your order has shipped.\n";
        let t = trim_quoted(forward);
        assert_eq!(t.text, forward);
        assert!(!t.trimmed);
    }

    #[test]
    fn forwarded_messages_are_kept() {
        let body = "Can you explain this charge?\n\
                    \n\
                    Sent from my iPhone\n\
                    \n\
                    ---------- Forwarded message ---------\n\
                    From: Billing <billing@acme.test>\n\
                    Date: Mon, 2 Dec 2026 at 09:00\n\
                    Subject: Invoice\n\
                    To: <jo@example.com>\n\
                    \n\
                    You were charged $10.\n\
                    > older quote inside the forward\n";
        let t = trim_quoted(body);
        assert!(t.trimmed);
        assert_eq!(
            t.text,
            "Can you explain this charge?\n\
             \n\
             ---------- Forwarded message ---------\n\
             From: Billing <billing@acme.test>\n\
             Date: Mon, 2 Dec 2026 at 09:00\n\
             Subject: Invoice\n\
             To: <jo@example.com>\n\
             \n\
             You were charged $10.\n\
             > older quote inside the forward"
        );
        let apple = "Begin forwarded message:\n\nFrom: a@b.test\nSubject: x\nDate: today\n\nhello";
        assert_eq!(trim_quoted(apple).text, apple);
    }

    #[test]
    fn plain_text_without_quotes_is_untouched() {
        for body in [
            "Hello,\n\nI need help with my account.\n\nThanks\nJo",
            "My colleague said:\nwe should ask you.",
            "",
            "Price: 10 € -- not 12",
            "Line ending with a colon:\n\nnext paragraph",
        ] {
            let t = trim_quoted(body);
            assert_eq!(t.text, body);
            assert!(!t.trimmed, "{body}");
        }
    }

    #[test]
    fn text_before_colon_line_is_not_an_attribution() {
        let body = "Here is what I see:\n> Error 42\n> at line 7";
        // The only content before the trailing quote is kept; the quote goes.
        assert_eq!(trim(body), "Here is what I see:");
    }

    #[test]
    fn html_replies_converted_by_parse_are_trimmed() {
        use super::super::parse::html_to_text;

        let gmail = "<div dir=\"ltr\">Thanks, that worked!<div><br></div><div>Jo</div></div><br>\
            <div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Tue, 3 Dec 2026 \
            at 10:00, Acme Support &lt;<a href=\"mailto:support@acme.test\">support@acme.test</a>\
            &gt; wrote:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px\">\
            <div>Try turning it off.</div><div>And on again.</div></blockquote></div>";
        let t = trim_quoted(&html_to_text(gmail));
        assert_eq!(t.text, "Thanks, that worked!\n\nJo");
        assert!(t.trimmed);

        let outlook = "<html><head><style>p{margin:0}</style></head><body>\
            <div>Yes, Friday works.</div><div><br></div><div id=\"Signature\">Jo</div>\
            <hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">\
            <div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri\" color=\"#000000\">\
            <b>From:</b> Acme Support &lt;support@acme.test&gt;<br>\
            <b>Sent:</b> Tuesday, December 3, 2026 10:00 AM<br>\
            <b>To:</b> Jo Bloggs &lt;jo@example.com&gt;<br>\
            <b>Subject:</b> Delivery</font><div>&nbsp;</div></div>\
            <div>When shall we deliver?</div></body></html>";
        assert_eq!(trim(&html_to_text(outlook)), "Yes, Friday works.\n\nJo");

        let thunderbird = "<p>Attached.</p><div class=\"moz-cite-prefix\">On 03/12/2026 10:00, \
            Acme Support wrote:<br></div><blockquote type=\"cite\"><p>Send the logs?</p>\
            <blockquote type=\"cite\">Older</blockquote></blockquote>";
        let text = html_to_text(thunderbird);
        assert!(
            text.contains("> > Older") || text.contains(">> Older"),
            "{text}"
        );
        assert_eq!(trim(&text), "Attached.");
    }
}
