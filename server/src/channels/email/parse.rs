//! Inbound email parsing: turns the raw RFC 5322 bytes of a message into a [`ParsedEmail`] that
//! the email channel can thread, store and answer.
//!
//! Mail arrives from strangers, so everything here is defensive: the input size is capped before
//! parsing ([`MAX_MESSAGE_BYTES`]), MIME decoding (multipart, quoted-printable, base64, RFC 2047
//! encoded words, legacy charsets such as ISO-8859-1 and Windows-1252) is left to the
//! `mail-parser` crate, and every string handed out is cleaned of control characters (a NUL
//! byte would make PostgreSQL refuse the row). The readable text prefers the `text/plain`
//! alternative; an HTML-only message is converted by [`html_to_text`], which keeps paragraphs,
//! line breaks, list items, quoted blocks (as `> ` lines, so the quote trimmer can find them)
//! and link targets. `format=flowed` plain text (RFC 3676) is unwrapped. Messages that must not
//! be answered automatically (auto-replies, bulk and list mail, delivery reports) are flagged in
//! [`ParsedEmail::auto_submitted`] so the channel never starts a mail loop.

use std::borrow::Cow;

use mail_parser::decoders::html::add_html_token;
use mail_parser::{Addr, Address, HeaderValue, MessageParser, MessagePart, MimeHeaders, PartType};

/// Raw messages larger than this are rejected before any parsing (10 MiB).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// At most this many `References` ids are kept: the first (the thread's root) and the newest
/// ones. A stranger's header with thousands of ids must not turn into thousands of lookups.
pub const MAX_REFERENCES: usize = 100;

/// Message ids longer than this (the RFC 5322 line limit) are dropped as junk.
const MAX_ID_LEN: usize = 998;

/// A parsed inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids, without angle brackets, in header order.
    pub in_reply_to: Vec<String>,
    /// References ids, without angle brackets, oldest first (header order).
    pub references: Vec<String>,
    pub from: Option<Mailbox>,
    pub reply_to: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Addresses from `Delivered-To` and `X-Original-To` headers (added by the receiving MTA:
    /// they tell which of our addresses the mail was really delivered to, even for Bcc).
    pub delivered_to: Vec<String>,
    /// The decoded subject on one line, or "" when there is none.
    pub subject: String,
    /// The readable body text ("\n" line ends), or "" when the message has none.
    pub text: String,
    /// True when `text` was converted from an HTML part because there was no usable text/plain.
    pub text_from_html: bool,
    pub attachments: Vec<Attachment>,
    /// The Date header as Unix seconds, when present and valid.
    pub date_unix: Option<i64>,
    /// True for mail that must never be answered automatically: `Auto-Submitted` other than
    /// "no", `Precedence: bulk/junk/list/auto_reply`, `X-Autoreply`, `X-Autorespond`,
    /// `X-Auto-Response-Suppress` asking for no auto-replies, or a `multipart/report`
    /// (delivery status / read receipt).
    pub auto_submitted: bool,
}

/// A display name and an address. The address's domain is lowercased; the local part is kept
/// as written (it may be case-sensitive on the receiving host).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

/// A non-body part of the message (file attachment, inline image, attached message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: Option<String>,
    /// Lowercased `type/subtype`, `application/octet-stream` when unknown.
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    /// True for parts meant to be shown inside the body (signature logos, pasted images)
    /// rather than offered as files.
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("input is not an email message (empty or unparseable)")]
    Unparseable,
    #[error("message has no usable From address")]
    MissingFrom,
    #[error("message has no body (no text, no attachments and no subject)")]
    MissingBody,
    #[error("message has neither a usable From address nor a body")]
    MissingFromAndBody,
}

/// Parses a raw message of at most [`MAX_MESSAGE_BYTES`].
pub fn parse(raw: &[u8]) -> Result<ParsedEmail, ParseError> {
    parse_with_limit(raw, MAX_MESSAGE_BYTES)
}

/// Parses a raw message, rejecting input over `limit` bytes before parsing.
///
/// A message is accepted when it has a usable From address and some content: body text, an
/// attachment or at least a subject (a subject-only mail is a real message from a person).
pub fn parse_with_limit(raw: &[u8], limit: usize) -> Result<ParsedEmail, ParseError> {
    if raw.len() > limit {
        return Err(ParseError::TooLarge {
            size: raw.len(),
            limit,
        });
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Unparseable);
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::Unparseable)?;

    let from = message.from().and_then(Address::first).and_then(mailbox);
    let reply_to = message
        .reply_to()
        .and_then(Address::first)
        .and_then(mailbox);
    let to = mailboxes(message.to());
    let cc = mailboxes(message.cc());

    let (text, text_from_html) = body_text(&message);
    let attachments: Vec<Attachment> = message.attachments().map(attachment).collect();
    let subject = one_line(message.subject().unwrap_or_default());

    let has_body = !text.is_empty() || !attachments.is_empty() || !subject.is_empty();
    match (from.is_some(), has_body) {
        (false, false) => return Err(ParseError::MissingFromAndBody),
        (false, true) => return Err(ParseError::MissingFrom),
        (true, false) => return Err(ParseError::MissingBody),
        (true, true) => {}
    }

    let message_id = message.message_id().and_then(clean_id);
    let in_reply_to = ids(message.in_reply_to());
    let references = limit_references(ids(message.references()));

    let mut delivered_to: Vec<String> = Vec::new();
    for header in message.headers() {
        let name = header.name();
        if name.eq_ignore_ascii_case("Delivered-To") || name.eq_ignore_ascii_case("X-Original-To") {
            for address in header_addresses(header.value()) {
                if !delivered_to.contains(&address) {
                    delivered_to.push(address);
                }
            }
        }
    }

    let date_unix = message
        .date()
        .filter(|date| date.is_valid())
        .map(mail_parser::DateTime::to_timestamp);

    let auto_submitted = is_auto_submitted(&message);

    Ok(ParsedEmail {
        message_id,
        in_reply_to,
        references,
        from,
        reply_to,
        to,
        cc,
        delivered_to,
        subject,
        text,
        text_from_html,
        attachments,
        date_unix,
        auto_submitted,
    })
}

fn mailbox(addr: &Addr<'_>) -> Option<Mailbox> {
    let address = normalize_address(addr.address()?)?;
    let name = addr
        .name()
        .map(one_line)
        .map(|name| {
            name.trim_matches(|c| c == '"' || c == '\'')
                .trim()
                .to_string()
        })
        .filter(|name| !name.is_empty());
    Some(Mailbox { name, address })
}

fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    let mut out: Vec<Mailbox> = Vec::new();
    if let Some(address) = address {
        for mailbox in address.iter().filter_map(mailbox) {
            if !out.iter().any(|m| m.address == mailbox.address) {
                out.push(mailbox);
            }
        }
    }
    out
}

/// Trims, strips angle brackets and lowercases the domain; `None` when it is not a plausible
/// `local@domain` address.
fn normalize_address(raw: &str) -> Option<String> {
    let trimmed = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if trimmed.len() > 320 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = trimmed.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() || domain.contains(['<', '>', ',', ';']) {
        return None;
    }
    Some(format!("{local}@{}", domain.to_lowercase()))
}

fn header_addresses(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Address(address) => address
            .iter()
            .filter_map(|a| a.address())
            .filter_map(normalize_address)
            .collect(),
        HeaderValue::Text(text) => text.split(',').filter_map(normalize_address).collect(),
        HeaderValue::TextList(list) => list
            .iter()
            .flat_map(|t| t.split(','))
            .filter_map(normalize_address)
            .collect(),
        _ => Vec::new(),
    }
}

fn clean_id(raw: &str) -> Option<String> {
    let id = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if id.is_empty()
        || id.len() > MAX_ID_LEN
        || id.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    Some(id.to_string())
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<&str> = match value {
        HeaderValue::Text(text) => text.split_whitespace().collect(),
        HeaderValue::TextList(list) => list.iter().flat_map(|t| t.split_whitespace()).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for id in raw.into_iter().filter_map(clean_id) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn limit_references(mut references: Vec<String>) -> Vec<String> {
    if references.len() > MAX_REFERENCES {
        let cut = references.len() - (MAX_REFERENCES - 1);
        references.drain(1..cut);
    }
    references
}

fn attachment(part: &MessagePart<'_>) -> Attachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .map(|ct| one_line(&ct).to_ascii_lowercase())
        .filter(|ct| !ct.is_empty())
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let disposition_inline = part
        .content_disposition()
        .is_some_and(|cd| cd.ctype().eq_ignore_ascii_case("inline"));
    let inline = matches!(part.body, PartType::InlineBinary(_))
        || (disposition_inline && part.content_id().is_some());
    Attachment {
        filename: part
            .attachment_name()
            .map(one_line)
            .filter(|name| !name.is_empty()),
        content_type,
        size: part.len(),
        inline,
    }
}

/// The message's readable text and whether it came from HTML.
fn body_text(message: &mail_parser::Message<'_>) -> (String, bool) {
    let mut pieces: Vec<String> = Vec::new();
    let mut from_html = false;
    for part in message.text_bodies() {
        match &part.body {
            PartType::Text(text) => {
                let flowed = part
                    .content_type()
                    .and_then(|ct| ct.attribute("format"))
                    .is_some_and(|f| f.trim().eq_ignore_ascii_case("flowed"));
                let text = if flowed {
                    let delsp = part
                        .content_type()
                        .and_then(|ct| ct.attribute("delsp"))
                        .is_some_and(|d| d.trim().eq_ignore_ascii_case("yes"));
                    Cow::Owned(unflow(text, delsp))
                } else {
                    Cow::Borrowed(text.as_ref())
                };
                pieces.push(clean_multiline(&text));
            }
            PartType::Html(html) => {
                from_html = true;
                pieces.push(html_to_text(html));
            }
            _ => {}
        }
    }
    let mut text = pieces
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");

    // Some senders ship an empty text/plain alternative next to the real HTML.
    if text.is_empty() && !from_html {
        for part in message.html_bodies() {
            if let PartType::Html(html) = &part.body {
                let converted = html_to_text(html);
                if !converted.is_empty() {
                    if !text.is_empty() {
                        text.push_str("\n\n");
                    }
                    text.push_str(&converted);
                    from_html = true;
                }
            }
        }
    }
    let from_html = from_html && !text.is_empty();
    (text, from_html)
}

fn is_auto_submitted(message: &mail_parser::Message<'_>) -> bool {
    for header in message.headers() {
        let name = header.name();
        let value = header_text(header.value()).to_ascii_lowercase();
        let value = value.split([';', '(']).next().unwrap_or_default().trim();
        let flagged = if name.eq_ignore_ascii_case("Auto-Submitted") {
            value != "no"
        } else if name.eq_ignore_ascii_case("Precedence")
            || name.eq_ignore_ascii_case("X-Precedence")
        {
            matches!(value, "bulk" | "junk" | "list" | "auto_reply")
        } else if name.eq_ignore_ascii_case("X-Autoreply")
            || name.eq_ignore_ascii_case("X-Autorespond")
            || name.eq_ignore_ascii_case("X-Autoresponder")
        {
            !matches!(value, "no" | "false" | "0")
        } else if name.eq_ignore_ascii_case("X-Auto-Response-Suppress") {
            value
                .split(',')
                .map(str::trim)
                .any(|v| matches!(v, "all" | "oof" | "autoreply"))
        } else {
            false
        };
        if flagged {
            return true;
        }
    }
    message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    })
}

fn header_text(value: &HeaderValue<'_>) -> String {
    match value {
        HeaderValue::Text(text) => text.to_string(),
        HeaderValue::TextList(list) => list.join(","),
        _ => String::new(),
    }
}

/// Collapses all whitespace (including folded line breaks) to single spaces and drops control
/// characters.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Normalises line ends to "\n", drops control characters other than tab and newline, removes
/// trailing spaces on each line and blank lines at both ends.
fn clean_multiline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            '\u{feff}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    // "-- " is the signature separator (RFC 3676); its trailing space is meaningful.
    let lines: Vec<&str> = out
        .lines()
        .map(|l| {
            if l.trim_end() == "--" && l.starts_with("-- ") {
                "-- "
            } else {
                l.trim_end()
            }
        })
        .collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |p| p + 1);
    lines.get(start..end).unwrap_or_default().join("\n")
}

/// Undoes RFC 3676 `format=flowed`: soft-broken lines (ending in a space) are joined with the
/// next line of the same quote depth, space-stuffing is removed, quote prefixes are rewritten
/// as `> `.
pub fn unflow(text: &str, delsp: bool) -> String {
    fn flush(out: &mut String, para: &mut Option<(usize, String)>) {
        if let Some((depth, content)) = para.take() {
            if depth > 0 {
                out.extend(std::iter::repeat_n('>', depth));
                if !content.is_empty() {
                    out.push(' ');
                }
            }
            out.push_str(&content);
            out.push('\n');
        }
    }

    let mut out = String::with_capacity(text.len());
    let mut para: Option<(usize, String)> = None;
    for raw_line in text.split('\n') {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let mut content = line.get(depth..).unwrap_or_default();
        if let Some(unstuffed) = content.strip_prefix(' ') {
            content = unstuffed;
        }
        let flowed = content.ends_with(' ') && content != "-- ";
        if para.as_ref().is_some_and(|(d, _)| *d != depth) {
            flush(&mut out, &mut para);
        }
        let piece = if flowed && delsp {
            content.strip_suffix(' ').unwrap_or(content)
        } else {
            content
        };
        para.get_or_insert_with(|| (depth, String::new()))
            .1
            .push_str(piece);
        if !flowed {
            flush(&mut out, &mut para);
        }
    }
    flush(&mut out, &mut para);
    if !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// HTML to text
// ---------------------------------------------------------------------------------------------

/// Elements whose content is never shown.
const HIDDEN: &[&str] = &["script", "style", "head", "title", "template"];
/// Elements that start and end a paragraph (a blank line around them).
const PARAGRAPH: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "pre", "hr", "figure",
];
/// Elements that start and end a line.
const LINE: &[&str] = &[
    "div",
    "li",
    "tr",
    "dt",
    "dd",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "center",
    "form",
    "fieldset",
    "main",
    "nav",
    "aside",
    "caption",
    "blockquote",
    "body",
    "details",
    "summary",
    "figcaption",
];

/// Converts HTML to readable plain text: tags, comments, scripts and styles are removed,
/// entities decoded, whitespace collapsed as a browser would, block elements become line or
/// paragraph breaks, `<br>` a line break, list items `- ` (or `1. `) lines, `<blockquote>`
/// content `> ` lines, and a link whose text is not its target becomes `text (url)`.
pub fn html_to_text(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = TextOut::default();
    let mut lists: Vec<Option<usize>> = Vec::new();
    let mut link: Option<(usize, String)> = None;
    let mut unclosed: Vec<String> = Vec::new();
    let mut i = 0;

    while i < bytes.len() {
        if bytes[i] != b'<' {
            let end = find_byte(bytes, i, b'<').unwrap_or(bytes.len());
            out.text(&decode_entities(html.get(i..end).unwrap_or_default()));
            i = end;
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if html.get(i..i + 4) == Some("<!--") {
            i = find_str(bytes, i + 4, b"-->").map_or(bytes.len(), |p| p + 3);
        } else if next == b'!' || next == b'?' {
            i = find_byte(bytes, i, b'>').map_or(bytes.len(), |p| p + 1);
        } else if next == b'/' && bytes.get(i + 2).is_some_and(u8::is_ascii_alphabetic) {
            let tag = parse_tag(html, i + 2);
            i = tag.end;
            close_tag(&tag.name, &mut out, &mut lists, &mut link);
        } else if next.is_ascii_alphabetic() {
            let tag = parse_tag(html, i + 1);
            i = tag.end;
            let name = tag.name.as_str();
            if HIDDEN.contains(&name) {
                i = skip_hidden(bytes, i, name, &mut unclosed);
                continue;
            }
            open_tag(tag, &mut out, &mut lists, &mut link);
        } else {
            out.text("<");
            i += 1;
        }
    }
    out.finish()
}

fn open_tag(
    tag: Tag,
    out: &mut TextOut,
    lists: &mut Vec<Option<usize>>,
    link: &mut Option<(usize, String)>,
) {
    let name = tag.name.as_str();
    match name {
        "br" => out.line_break(),
        "blockquote" => {
            out.want_breaks(1);
            out.quote += 1;
        }
        "pre" => {
            out.want_breaks(2);
            out.pre += 1;
        }
        "ul" => {
            out.want_breaks(if lists.is_empty() { 2 } else { 1 });
            lists.push(None);
        }
        "ol" => {
            out.want_breaks(if lists.is_empty() { 2 } else { 1 });
            lists.push(Some(0));
        }
        "li" => {
            out.want_breaks(1);
            let marker = match lists.last_mut() {
                Some(Some(n)) => {
                    *n += 1;
                    format!("{n}.")
                }
                _ => "-".to_string(),
            };
            out.text(&marker);
            out.pending_space = true;
        }
        "td" | "th" => out.space(),
        "a" => {
            if let Some(href) = tag.href.filter(|h| shown_link(h)) {
                *link = Some((out.buf.len(), href));
            }
        }
        _ if PARAGRAPH.contains(&name) => out.want_breaks(2),
        _ if LINE.contains(&name) => out.want_breaks(1),
        _ => {}
    }
}

fn close_tag(
    name: &str,
    out: &mut TextOut,
    lists: &mut Vec<Option<usize>>,
    link: &mut Option<(usize, String)>,
) {
    match name {
        "blockquote" => {
            out.want_breaks(1);
            out.quote = out.quote.saturating_sub(1);
        }
        "pre" => {
            out.pre = out.pre.saturating_sub(1);
            out.want_breaks(2);
        }
        "ul" | "ol" => {
            lists.pop();
            out.want_breaks(if lists.is_empty() { 2 } else { 1 });
        }
        "td" | "th" => out.space(),
        "a" => {
            if let Some((start, href)) = link.take() {
                let text = out.buf.get(start..).unwrap_or_default();
                if let Some(suffix) = link_suffix(text, &href) {
                    out.pending_space = true;
                    out.text(&suffix);
                }
            }
        }
        _ if PARAGRAPH.contains(&name) => out.want_breaks(2),
        _ if LINE.contains(&name) => out.want_breaks(1),
        _ => {}
    }
}

/// What to write after a link's text: "(target)", unless the text is empty or already shows
/// the target. `mailto:` and `tel:` targets are shown without their scheme.
fn link_suffix(text: &str, href: &str) -> Option<String> {
    if text.trim().is_empty() || same_link(text, href) {
        return None;
    }
    let lower = href.to_ascii_lowercase();
    let shown = if lower.starts_with("mailto:") || lower.starts_with("tel:") {
        let target = href.split_once(':').map_or(href, |(_, t)| t);
        let target = target.split('?').next().unwrap_or(target).trim();
        if target.is_empty() || text.contains(target) {
            return None;
        }
        target
    } else {
        href
    };
    Some(format!("({shown})"))
}

fn shown_link(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:", "ftp://", "tel:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

fn same_link(text: &str, href: &str) -> bool {
    fn norm(s: &str) -> String {
        let s = s.trim().to_lowercase();
        let s = s
            .strip_prefix("mailto:")
            .or_else(|| s.strip_prefix("https://"))
            .or_else(|| s.strip_prefix("http://"))
            .or_else(|| s.strip_prefix("tel:"))
            .unwrap_or(&s);
        let s = s.strip_prefix("www.").unwrap_or(s);
        s.trim_end_matches('/').to_string()
    }
    norm(text) == norm(href)
}

/// Skips the content of a hidden element up to and including its closing tag. A `<head>`
/// without `</head>` ends where `<body` starts; anything else unclosed runs to the end.
///
/// `unclosed` remembers the names whose closing tag is known to be absent from the rest of
/// the input, so that many unclosed `<head>` tags cost one scan, not one scan each.
fn skip_hidden(bytes: &[u8], from: usize, name: &str, unclosed: &mut Vec<String>) -> usize {
    if !unclosed.iter().any(|n| n == name) {
        let closing = format!("</{name}");
        if let Some(p) = find_str_ci(bytes, from, closing.as_bytes()) {
            return find_byte(bytes, p, b'>').map_or(bytes.len(), |e| e + 1);
        }
        unclosed.push(name.to_string());
    }
    if name == "head" {
        if let Some(p) = find_str_ci(bytes, from, b"<body") {
            return p;
        }
    }
    bytes.len()
}

struct Tag {
    name: String,
    href: Option<String>,
    /// Index just after the closing `>`.
    end: usize,
}

/// Parses a tag starting at its name (just after `<` or `</`).
fn parse_tag(html: &str, start: usize) -> Tag {
    let bytes = html.as_bytes();
    let mut i = start;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'-' | b':')) {
        i += 1;
    }
    let name = html.get(start..i).unwrap_or_default().to_ascii_lowercase();
    let mut href = None;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return Tag {
                name,
                href,
                end: bytes.len(),
            };
        }
        if bytes[i] == b'>' {
            return Tag {
                name,
                href,
                end: i + 1,
            };
        }
        let attr_start = i;
        while i < bytes.len()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
            && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        if i == attr_start {
            // A stray '=' with no name: step over it.
            i += 1;
            continue;
        }
        let attr = html.get(attr_start..i).unwrap_or_default();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let (value_start, value_end) = match bytes.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let end = find_byte(bytes, i + 1, q).unwrap_or(bytes.len());
                let range = (i + 1, end);
                i = (end + 1).min(bytes.len());
                range
            }
            _ => {
                let s = i;
                while i < bytes.len() && bytes[i] != b'>' && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                (s, i)
            }
        };
        if attr.eq_ignore_ascii_case("href") {
            let value = html.get(value_start..value_end).unwrap_or_default();
            href = Some(decode_entities(value).trim().to_string());
        }
    }
}

fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

fn find_str(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn find_str_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

/// Windows-1252 meanings of the C1 range, which browsers apply to numeric references.
const CP1252_C1: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Decodes `&name;`, `&#NNN;` and `&#xHH;` references; anything else is kept as written.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let after = rest.get(pos + 1..).unwrap_or_default();
        let len = after
            .bytes()
            .take(33)
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'#')
            .count();
        if (1..=32).contains(&len) && after.as_bytes().get(len) == Some(&b';') {
            let name = after.get(..len).unwrap_or_default();
            if let Some(numeric) = name.strip_prefix('#') {
                let code = match numeric.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => numeric.parse::<u32>().ok(),
                };
                match code {
                    Some(c @ 0x80..=0x9f) => {
                        out.push(CP1252_C1[(c - 0x80) as usize]);
                    }
                    Some(c) => out.push(char::from_u32(c).unwrap_or('\u{fffd}')),
                    None => {
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                    }
                }
            } else {
                // The full HTML5 named-entity table of mail-parser; unknown names are kept.
                let token = format!("&{name};");
                add_html_token(&mut out, token.as_bytes(), false);
            }
            rest = after.get(len + 1..).unwrap_or_default();
        } else {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Accumulates converted text with browser-like whitespace handling.
#[derive(Default)]
struct TextOut {
    buf: String,
    /// Depth of `<blockquote>` nesting: lines are prefixed with that many `>`.
    quote: usize,
    /// Depth of `<pre>` nesting: whitespace is kept as written.
    pre: usize,
    pending_space: bool,
    /// Line breaks owed before the next visible character.
    breaks: usize,
    /// True once a line has received visible content.
    in_line: bool,
}

impl TextOut {
    fn space(&mut self) {
        if self.in_line {
            self.pending_space = true;
        }
    }

    fn want_breaks(&mut self, n: usize) {
        if !self.buf.is_empty() {
            self.breaks = self.breaks.max(n);
        }
        self.pending_space = false;
    }

    fn line_break(&mut self) {
        if !self.buf.is_empty() {
            self.breaks += 1;
        }
        self.pending_space = false;
    }

    fn text(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '\n' if self.pre > 0 => self.line_break(),
                '\r' => {}
                ' ' | '\t' if self.pre > 0 => self.emit(' '),
                '\u{a0}' => self.space(),
                c if c.is_whitespace() => self.space(),
                '\u{200b}' | '\u{feff}' | '\u{ad}' => {}
                c if c.is_control() => {}
                c => self.emit(c),
            }
        }
    }

    fn emit(&mut self, c: char) {
        if self.breaks > 0 {
            for n in 0..self.breaks {
                self.buf.push('\n');
                if n + 1 < self.breaks {
                    self.buf.extend(std::iter::repeat_n('>', self.quote));
                }
            }
            self.breaks = 0;
            self.in_line = false;
            self.pending_space = false;
        }
        if !self.in_line {
            if self.quote > 0 {
                self.buf.extend(std::iter::repeat_n('>', self.quote));
                self.buf.push(' ');
            }
            self.in_line = true;
        } else if self.pending_space {
            self.buf.push(' ');
        }
        self.pending_space = false;
        self.buf.push(c);
    }

    fn finish(self) -> String {
        let mut out = String::with_capacity(self.buf.len());
        let mut blank_run = 0;
        for line in self.buf.lines().map(str::trim_end) {
            let blank = line.trim_start_matches('>').is_empty();
            if blank {
                blank_run += 1;
                if blank_run > 1 {
                    continue;
                }
            } else {
                blank_run = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        clean_multiline(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test messages are written with "\n"; the wire format uses CRLF.
    fn crlf(s: &str) -> Vec<u8> {
        s.replace('\n', "\r\n").into_bytes()
    }

    #[test]
    fn multipart_alternative_prefers_plain_text() {
        let raw = crlf(
            "From: \"Jo Bloggs\" <Jo.Bloggs@Example.COM>\n\
             To: Support <support@acme.test>, sales@acme.test\n\
             Cc: Boss <boss@Example.com>\n\
             Subject: Order 1234\n\
             Date: Tue, 3 Dec 2024 10:00:00 +0100\n\
             Message-ID: <abc.123@mail.example.com>\n\
             MIME-Version: 1.0\n\
             Content-Type: multipart/alternative; boundary=\"b1\"\n\
             \n\
             --b1\n\
             Content-Type: text/plain; charset=utf-8\n\
             \n\
             Hello,\n\
             where is my order?\n\
             --b1\n\
             Content-Type: text/html; charset=utf-8\n\
             \n\
             <p>Hello,<br>where is <b>my</b> order?</p>\n\
             --b1--\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.text, "Hello,\nwhere is my order?");
        assert!(!mail.text_from_html);
        assert_eq!(mail.subject, "Order 1234");
        assert_eq!(mail.message_id.as_deref(), Some("abc.123@mail.example.com"));
        assert_eq!(
            mail.from,
            Some(Mailbox {
                name: Some("Jo Bloggs".into()),
                address: "Jo.Bloggs@example.com".into()
            })
        );
        assert_eq!(mail.to.len(), 2);
        assert_eq!(mail.to[0].address, "support@acme.test");
        assert_eq!(mail.to[1].name, None);
        assert_eq!(mail.cc[0].address, "boss@example.com");
        assert_eq!(mail.date_unix, Some(1_733_216_400));
        assert!(mail.attachments.is_empty());
        assert!(!mail.auto_submitted);
    }

    #[test]
    fn html_only_mail_becomes_readable_text() {
        let raw = crlf(
            "From: shop@example.com\n\
             Subject: Hi\n\
             Content-Type: text/html; charset=utf-8\n\
             \n\
             <html><head><title>Ignored title</title><style>p { color: red; }</style></head>\n\
             <body><script>alert('x')</script>\n\
             <p>Dear   customer,</p>\n\
             <p>Your order &amp; invoice are ready&nbsp;&mdash; see\n\
             <a href=\"https://shop.example.com/orders/1?a=1&amp;b=2\">your account</a>.</p>\n\
             <ul><li>One</li><li>Two &lt;3&gt;</li></ul>\n\
             <div>Line one<br>Line two</div>\n\
             <!-- a comment <p>hidden</p> -->\n\
             <p>Visit <a href=\"https://example.com/\">https://example.com</a> or\n\
             <a href=\"mailto:help@example.com\">help@example.com</a>.</p>\n\
             </body></html>\n",
        );
        let mail = parse(&raw).unwrap();
        assert!(mail.text_from_html);
        assert_eq!(
            mail.text,
            "Dear customer,\n\n\
             Your order & invoice are ready — see your account \
             (https://shop.example.com/orders/1?a=1&b=2).\n\n\
             - One\n\
             - Two <3>\n\n\
             Line one\n\
             Line two\n\n\
             Visit https://example.com or help@example.com."
        );
    }

    #[test]
    fn html_blockquote_becomes_quoted_lines() {
        let html = "<div dir=\"ltr\">Thanks, that worked!<div><br></div><div>Jo</div></div><br>\
            <div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Tue, 3 Dec 2024 \
            at 10:00, Support &lt;<a href=\"mailto:support@acme.test\">support@acme.test</a>&gt; \
            wrote:<br></div><blockquote class=\"gmail_quote\"><div>Try turning it off.</div>\
            <div>And on again.</div></blockquote></div>";
        assert_eq!(
            html_to_text(html),
            "Thanks, that worked!\n\nJo\n\nOn Tue, 3 Dec 2024 at 10:00, Support \
             <support@acme.test> wrote:\n> Try turning it off.\n> And on again."
        );
    }

    #[test]
    fn html_edge_cases_do_not_panic() {
        for html in [
            "",
            "<",
            "<a href=\"x",
            "<p",
            "a < b and c > d",
            "<!--",
            "<script>never closed",
            "<head><title>x</title>no closing head <body>Body text",
            "&#xFFFFFFFF; &#0; &#55296; &bogus; &amp",
            "<ol><li>a<li>b</ol><pre>  keep\n  this</pre>",
            "<a href='https://x.test'>é</a><a>no href</a>",
            "<td>a</td><td>b</td>",
        ] {
            let _ = html_to_text(html);
        }
        assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            html_to_text("<head><title>x</title>no closing head <body>Body text"),
            "Body text"
        );
        assert_eq!(html_to_text("<ol><li>a<li>b</ol>"), "1. a\n2. b");
        assert_eq!(html_to_text("<pre>  keep\n  this</pre>"), "  keep\n  this");
        assert_eq!(
            html_to_text("&#150; &#8364; &euro; &bogus;"),
            "– € € &bogus;"
        );
        assert_eq!(html_to_text("<td>a</td><td>b</td>"), "a b");
        assert_eq!(
            html_to_text(
                "<a href=\"mailto:help@x.test?subject=Hi\">write to us</a> or \
                 <a href=\"tel:+441234\">call</a>, <a href=\"javascript:x()\">not this</a>, \
                 <a href=\"https://www.x.test/\">x.test</a>"
            ),
            "write to us (help@x.test) or call (+441234), not this, x.test"
        );
    }

    #[test]
    fn pathological_html_stays_linear() {
        // Each unclosed <head> would rescan the rest of the input without the memo.
        let html = "<head><body>x ".repeat(50_000);
        assert_eq!(
            html_to_text(&html).len(),
            "x ".repeat(50_000).trim_end().len()
        );
        let html = format!("{}{}", "<a href=\"https://x.test\">".repeat(50_000), "</a>");
        assert!(html_to_text(&html).is_empty());
        let html = "<!--".repeat(50_000) + &"<p".repeat(50_000);
        assert!(html_to_text(&html).is_empty());
    }

    #[test]
    fn quoted_printable_soft_breaks_and_euro() {
        let raw = crlf(
            "From: jo@example.com\n\
             Subject: Price\n\
             Content-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: quoted-printable\n\
             \n\
             The total is 42 =E2=82=AC, which is a very long line that the sender's =\n\
             client wrapped with a soft line break.\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(
            mail.text,
            "The total is 42 €, which is a very long line that the sender's client wrapped \
             with a soft line break."
        );
    }

    #[test]
    fn base64_body() {
        // "Hello from base64 ✓\n" in base64.
        let raw = crlf(
            "From: jo@example.com\n\
             Subject: b64\n\
             Content-Type: text/plain; charset=UTF-8\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             SGVsbG8gZnJvbSBiYXNlNjQg4pyTCg==\n",
        );
        assert_eq!(parse(&raw).unwrap().text, "Hello from base64 ✓");
    }

    #[test]
    fn latin1_and_windows1252_charsets() {
        let mut raw = crlf(
            "From: jo@example.com\n\
             Subject: =?ISO-8859-1?Q?caf=E9?=\n\
             Content-Type: text/plain; charset=ISO-8859-1\n\
             Content-Transfer-Encoding: 8bit\n\
             \n",
        );
        raw.extend_from_slice(b"Un caf\xe9 cr\xe8me\r\n");
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.text, "Un café crème");
        assert_eq!(mail.subject, "café");

        let mut raw = crlf(
            "From: jo@example.com\n\
             Subject: quotes\n\
             Content-Type: text/plain; charset=windows-1252\n\
             \n",
        );
        // Curly quotes, euro sign and an en dash: bytes only Windows-1252 gives meaning to.
        raw.extend_from_slice(b"\x93Caf\xe9\x94 costs 3\x80 \x96 ok\r\n");
        assert_eq!(parse(&raw).unwrap().text, "“Café” costs 3€ – ok");
    }

    #[test]
    fn encoded_word_subject_and_name() {
        // "Grüße aus Köln" in UTF-8 base64, and a Q-encoded display name.
        let raw = crlf(
            "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>\n\
             Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\n\
             \n\
             Hallo\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.subject, "Grüße aus Köln");
        assert_eq!(mail.from.unwrap().name.as_deref(), Some("Jürgen Müller"));
    }

    #[test]
    fn gb2312_subject_is_decoded() {
        // "你好" in GB2312, base64 encoded word.
        let raw = crlf("From: li@example.cn\nSubject: =?GB2312?B?xOO6ww==?=\n\nbody\n");
        assert_eq!(parse(&raw).unwrap().subject, "你好");
    }

    #[test]
    fn pdf_attachment_is_listed() {
        // 29 bytes of "%PDF-1.4 fake document body.\n" base64-encoded.
        let raw = crlf(
            "From: jo@example.com\n\
             Subject: Invoice\n\
             Content-Type: multipart/mixed; boundary=\"outer\"\n\
             \n\
             --outer\n\
             Content-Type: text/plain; charset=us-ascii\n\
             \n\
             Please find the invoice attached.\n\
             --outer\n\
             Content-Type: application/pdf; name=\"invoice 42.pdf\"\n\
             Content-Disposition: attachment; filename=\"invoice 42.pdf\"\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             JVBERi0xLjQgZmFrZSBkb2N1bWVudCBib2R5Lgo=\n\
             --outer\n\
             Content-Type: image/png\n\
             Content-Disposition: inline; filename=\"logo.png\"\n\
             Content-ID: <logo@x>\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             iVBORw0KGgo=\n\
             --outer--\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.text, "Please find the invoice attached.");
        assert_eq!(
            mail.attachments,
            vec![
                Attachment {
                    filename: Some("invoice 42.pdf".into()),
                    content_type: "application/pdf".into(),
                    size: 29,
                    inline: false,
                },
                Attachment {
                    filename: Some("logo.png".into()),
                    content_type: "image/png".into(),
                    size: 8,
                    inline: true,
                }
            ]
        );
    }

    #[test]
    fn attachment_only_mail_is_accepted() {
        let raw = crlf(
            "From: jo@example.com\n\
             Content-Type: application/octet-stream; name=a.bin\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             AAEC\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.text, "");
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].size, 3);
    }

    #[test]
    fn threading_headers_with_several_ids() {
        let raw = crlf(
            "From: jo@example.com\n\
             Subject: Re: help\n\
             Message-ID: <new@example.com>\n\
             In-Reply-To: <second@acme.test> <other@acme.test>\n\
             References: <first@acme.test>\n \
             <second@acme.test>\n\t<junk with space>\n\
             \n\
             ok\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.message_id.as_deref(), Some("new@example.com"));
        assert_eq!(
            mail.in_reply_to,
            vec!["second@acme.test", "other@acme.test"]
        );
        assert_eq!(
            &mail.references[..2],
            &[
                "first@acme.test".to_string(),
                "second@acme.test".to_string()
            ]
        );
        assert!(mail.references.iter().all(|r| !r.contains(' ')));
    }

    #[test]
    fn references_are_capped_keeping_root_and_newest() {
        let ids: Vec<String> = (0..150).map(|n| format!("<id{n}@x>")).collect();
        let raw = crlf(&format!(
            "From: jo@example.com\nReferences: {}\nSubject: s\n\nhi\n",
            ids.join("\n ")
        ));
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.references.len(), MAX_REFERENCES);
        assert_eq!(mail.references[0], "id0@x");
        assert_eq!(mail.references[1], "id51@x");
        assert_eq!(mail.references[MAX_REFERENCES - 1], "id149@x");
    }

    #[test]
    fn auto_reply_headers_are_flagged() {
        for header in [
            "Auto-Submitted: auto-replied",
            "Auto-Submitted: auto-generated (vacation)",
            "Precedence: bulk",
            "Precedence: list",
            "Precedence: junk",
            "X-Autoreply: yes",
            "X-Autorespond: Out of office",
            "X-Auto-Response-Suppress: All",
        ] {
            let raw = crlf(&format!(
                "From: jo@example.com\n{header}\nSubject: Out of office\n\nI am away.\n"
            ));
            assert!(parse(&raw).unwrap().auto_submitted, "{header}");
        }
        for header in [
            "Auto-Submitted: no",
            "Precedence: first-class",
            "X-Auto-Response-Suppress: None",
        ] {
            let raw = crlf(&format!(
                "From: jo@example.com\n{header}\nSubject: s\n\nhi\n"
            ));
            assert!(!parse(&raw).unwrap().auto_submitted, "{header}");
        }
        let report = crlf(
            "From: MAILER-DAEMON@mx.example.com\n\
             Subject: Undelivered Mail\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\
             \n\
             --r\n\
             Content-Type: text/plain\n\
             \n\
             Could not deliver.\n\
             --r--\n",
        );
        assert!(parse(&report).unwrap().auto_submitted);
    }

    #[test]
    fn delivered_to_and_reply_to() {
        let raw = crlf(
            "Delivered-To: Support@Acme.TEST\n\
             X-Original-To: help@acme.test\n\
             Delivered-To: support@acme.test\n\
             From: Jo <jo@example.com>\n\
             Reply-To: Jo Work <jo@work.example>\n\
             Subject: s\n\
             \n\
             hi\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(
            mail.delivered_to,
            vec!["Support@acme.test", "help@acme.test", "support@acme.test"]
        );
        assert_eq!(mail.reply_to.unwrap().address, "jo@work.example");
    }

    #[test]
    fn format_flowed_is_unwrapped() {
        let raw = crlf(
            "From: jo@example.com\n\
             Subject: flowed\n\
             Content-Type: text/plain; charset=utf-8; format=flowed\n\
             \n\
             This paragraph was wrapped by the client \n\
             and must be joined again.\n\
             \n\
             > quoted text that was \n\
             > also wrapped\n\
             \x20>not a quote, space-stuffed\n\
             -- \n\
             Jo\n",
        );
        assert_eq!(
            parse(&raw).unwrap().text,
            "This paragraph was wrapped by the client and must be joined again.\n\n\
             > quoted text that was also wrapped\n>not a quote, space-stuffed\n-- \nJo"
        );
        assert_eq!(unflow("a \nb", true), "ab");
    }

    #[test]
    fn empty_plain_alternative_falls_back_to_html() {
        let raw = crlf(
            "From: jo@example.com\n\
             Subject: s\n\
             Content-Type: multipart/alternative; boundary=b\n\
             \n\
             --b\n\
             Content-Type: text/plain\n\
             \n\
             \n\
             --b\n\
             Content-Type: text/html\n\
             \n\
             <p>Real content</p>\n\
             --b--\n",
        );
        let mail = parse(&raw).unwrap();
        assert_eq!(mail.text, "Real content");
        assert!(mail.text_from_html);
    }

    #[test]
    fn missing_from_and_body_are_named() {
        assert_eq!(
            parse(&crlf("Subject: s\n\nhello\n")),
            Err(ParseError::MissingFrom)
        );
        assert_eq!(
            parse(&crlf("From: jo@example.com\n\n\n")),
            Err(ParseError::MissingBody)
        );
        assert_eq!(
            parse(&crlf("X-Nothing: here\n\n")),
            Err(ParseError::MissingFromAndBody)
        );
        assert_eq!(
            parse(&crlf("From: not an address\nSubject: s\n\nhi\n")),
            Err(ParseError::MissingFrom)
        );
        // A subject alone is content.
        assert!(parse(&crlf("From: jo@example.com\nSubject: Call me\n\n")).is_ok());
    }

    #[test]
    fn oversize_input_is_rejected_before_parsing() {
        let raw = vec![b'a'; 101];
        assert_eq!(
            parse_with_limit(&raw, 100),
            Err(ParseError::TooLarge {
                size: 101,
                limit: 100
            })
        );
        assert_eq!(parse(b""), Err(ParseError::Unparseable));
        assert_eq!(parse(b" \r\n"), Err(ParseError::Unparseable));
    }

    #[test]
    fn garbage_never_panics_and_nul_is_removed() {
        let mut seed: u32 = 0x1234_5678;
        for len in [1usize, 7, 64, 500, 4096] {
            for _ in 0..20 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        (seed & 0xff) as u8
                    })
                    .collect();
                let _ = parse(&bytes);
            }
        }
        let _ = parse(b"From: <@>\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--");
        let _ = parse(b"\xff\xfe\x00\x00From: a@b\r\n\r\n\x00\x01");
        let mail = parse(b"From: a@b.test\r\nSubject: x\x00y\r\n\r\nnul\x00here\r\n").unwrap();
        assert_eq!(mail.text, "nulhere");
        assert!(!mail.subject.contains('\0'));
    }
}
