//! Rich text for chat messages: the small subset of Markdown the assistant and teammates write
//! in (paragraphs with their line breaks, bulleted and numbered lists, bold, links). Nothing in
//! a message is ever markup: what the grammar does not know (HTML, entities, other Markdown)
//! stays literal text, and only `http:`, `https:` and `mailto:` URLs become links.
//!
//! [`read`] reports a body as a stream of [`Event`]s, which the widget turns straight into DOM
//! nodes; [`RichText::parse`] collects the same events into blocks. Hand-written rather than a
//! Markdown crate, and streamed rather than built as a tree for the widget: it pays for every
//! kilobyte of WASM, and a chat bubble needs a tenth of CommonMark. Every scan stops at the
//! next opening bracket or `**`, so reading is linear in the body's length whatever it holds.

/// A message body read as rich text: its blocks, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RichText {
    pub blocks: Vec<Block>,
}

/// A paragraph or a list. Blank lines separate blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Lines of text, kept apart by [`Inline::Break`].
    Paragraph(Vec<Inline>),
    /// Items written `- `, `* ` or `• `.
    Bullets(Vec<Vec<Inline>>),
    /// Items written `1. ` or `1) `, numbered from the first item's number.
    Numbered { start: u32, items: Vec<Vec<Inline>> },
}

/// A piece of a line, or the break between two lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Span(Span),
    Break,
}

/// A run of text, bold or not, linked or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub strong: bool,
    pub link: Option<Href>,
}

/// A URL a message may link to: `http:`, `https:` or `mailto:` (any case), nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Href(String);

/// The schemes of [`Href`], with what must follow the colon.
const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

impl Href {
    /// The URL if its scheme is allowed and something follows it; `None` for `javascript:`,
    /// `data:`, relative URLs, and any URL with whitespace or control characters (a browser
    /// drops tabs and newlines from a URL, so they could hide a scheme).
    pub fn parse(url: &str) -> Option<Self> {
        let scheme = SCHEMES.iter().find(|s| starts_with_ignore_case(url, s))?;
        let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
        (clean && url.len() > scheme.len()).then(|| Self(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One step through a message's rich text, in reading order. A block or an item goes on until
/// the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// A paragraph starts.
    Paragraph,
    /// A bulleted list starts; its items follow.
    Bullets,
    /// A numbered list starts, counting from this number; its items follow.
    Numbered(u32),
    /// An item of the current list starts.
    Item,
    /// A line break in the current paragraph or item.
    Break,
    /// Text of the current paragraph or item, bold or not, linked or not. Never empty.
    Text {
        text: &'a str,
        strong: bool,
        link: Option<Href>,
    },
}

/// What a line of the body goes into.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Paragraph,
    Bullets,
    Numbered,
}

/// Reads a message body, telling `on` each [`Event`] in order. Never fails: what is not rich
/// text is text.
pub fn read<'a>(body: &'a str, mut on: impl FnMut(Event<'a>)) {
    let mut open = Open::Nothing;
    // A blank line ends a paragraph, but a list goes on if its next item follows.
    let mut after_blank = false;
    for line in body.lines().map(str::trim_end) {
        if line.is_empty() {
            after_blank = true;
            continue;
        }
        let goes_on = !after_blank;
        after_blank = false;
        match list_marker(line) {
            // "born in\n1984. Then" is a sentence, not a list; "1." starts one anywhere.
            Some((Marker::Number(n), _)) if n != 1 && goes_on && open == Open::Paragraph => {}
            Some((marker, item)) => {
                let list = match marker {
                    Marker::Bullet => Open::Bullets,
                    Marker::Number(_) => Open::Numbered,
                };
                if open != list {
                    on(match marker {
                        Marker::Bullet => Event::Bullets,
                        Marker::Number(start) => Event::Numbered(start),
                    });
                    open = list;
                }
                on(Event::Item);
                spans(item, false, &mut on);
                continue;
            }
            None => {}
        }
        let indented = line.trim_start().len() < line.len();
        if goes_on && open == Open::Paragraph {
            on(Event::Break);
            spans(line, false, &mut on);
        } else if goes_on && indented && open != Open::Nothing {
            // An indented line goes on with the item above it.
            on(Event::Break);
            spans(line.trim_start(), false, &mut on);
        } else {
            on(Event::Paragraph);
            open = Open::Paragraph;
            spans(line, false, &mut on);
        }
    }
}

impl RichText {
    /// Reads a message body into blocks. Never fails: what is not rich text is text.
    pub fn parse(body: &str) -> Self {
        let mut blocks: Vec<Block> = Vec::new();
        read(body, |event| {
            let line = match (event, blocks.last_mut()) {
                (Event::Paragraph, _) => return blocks.push(Block::Paragraph(Vec::new())),
                (Event::Bullets, _) => return blocks.push(Block::Bullets(Vec::new())),
                (Event::Numbered(start), _) => {
                    return blocks.push(Block::Numbered {
                        start,
                        items: Vec::new(),
                    })
                }
                (Event::Item, Some(Block::Bullets(items) | Block::Numbered { items, .. })) => {
                    return items.push(Vec::new())
                }
                (event, Some(Block::Paragraph(line))) => (event, line),
                (event, Some(Block::Bullets(items) | Block::Numbered { items, .. })) => {
                    match items.last_mut() {
                        Some(line) => (event, line),
                        None => return,
                    }
                }
                (_, None) => return,
            };
            match line {
                (Event::Text { text, strong, link }, line) => {
                    // Consecutive plain runs of one style read as one.
                    if let Some(Inline::Span(last)) = line.last_mut() {
                        if link.is_none() && last.link.is_none() && last.strong == strong {
                            return last.text.push_str(text);
                        }
                    }
                    line.push(Inline::Span(Span {
                        text: text.to_owned(),
                        strong,
                        link,
                    }));
                }
                (_, line) => line.push(Inline::Break),
            }
        });
        Self { blocks }
    }
}

enum Marker {
    Bullet,
    Number(u32),
}

/// The list marker a line starts with (after any indent), and the item after it. A marker
/// needs a space after it and an item after that: "-5 °C", "3.5 stars" and "**bold**" are text.
fn list_marker(line: &str) -> Option<(Marker, &str)> {
    let s = line.trim_start();
    let bytes = s.as_bytes();
    let (marker, len) = match bytes.first()? {
        b'-' | b'*' => (Marker::Bullet, 1),
        _ if s.starts_with("•") => (Marker::Bullet, "•".len()),
        _ => {
            // At most nine digits, as in CommonMark: the number always fits.
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 || !matches!(bytes.get(digits), Some(b'.' | b')')) {
                return None;
            }
            let number = bytes[..digits]
                .iter()
                .fold(0, |n, d| n * 10 + u32::from(d - b'0'));
            (Marker::Number(number), digits + 1)
        }
    };
    if !matches!(bytes.get(len), Some(b' ' | b'\t')) {
        return None;
    }
    let item = s[len + 1..].trim_start();
    (!item.is_empty()).then_some((marker, item))
}

/// Tells `on` the text of one line: `**bold**` (not inside bold), `[text](url)` and bare URLs;
/// everything else is text. Indexes only ever land on ASCII bytes, so every slice is on a
/// character boundary.
fn spans<'a>(line: &'a str, strong: bool, on: &mut impl FnMut(Event<'a>)) {
    let bytes = line.as_bytes();
    let mut text_from = 0;
    let mut i = 0;
    let text = |on: &mut dyn FnMut(Event<'a>), text: &'a str| {
        if !text.is_empty() {
            on(Event::Text {
                text,
                strong,
                link: None,
            });
        }
    };
    while i < bytes.len() {
        if !strong && bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'*') {
            if let Some(end) = strong_end(line, i + 2) {
                text(on, &line[text_from..i]);
                spans(&line[i + 2..end], true, on);
                text_from = end + 2;
            }
            // Unmatched, the pair is text; the next `**` gets its own chance.
            i = text_from.max(i + 2);
            continue;
        }
        let link = match bytes[i] {
            b'[' => markdown_link(&line[i..]),
            // Not glued to the word before it: "xhttps://…" is text.
            b'h' | b'H' | b'm' | b'M' if i == 0 || !bytes[i - 1].is_ascii_alphanumeric() => {
                bare_url(&line[i..])
            }
            _ => None,
        };
        match link {
            Some((label, href, len)) => {
                text(on, &line[text_from..i]);
                on(Event::Text {
                    text: label,
                    strong,
                    link: Some(href),
                });
                i += len;
                text_from = i;
            }
            None => i += 1,
        }
    }
    text(on, &line[text_from..]);
}

/// Where the `**` closing bold text that starts at `from` is: the next `**`, if the text between
/// is not empty and neither starts nor ends with a space ("2 ** 3 ** 4" is not bold).
fn strong_end(line: &str, from: usize) -> Option<usize> {
    let end = from + line[from..].find("**")?;
    let inner = &line[from..end];
    (!inner.is_empty() && inner.trim().len() == inner.len()).then_some(end)
}

/// A `[text](url)` link at the start of `rest`: its text, its URL and its length. The text
/// holds no brackets; the URL no whitespace or brackets, and its parentheses balance. An empty
/// text shows the URL.
fn markdown_link(rest: &str) -> Option<(&str, Href, usize)> {
    let bytes = rest.as_bytes();
    let close = 1 + bytes[1..].iter().position(|b| matches!(b, b'[' | b']'))?;
    if bytes[close] != b']' || bytes.get(close + 1) != Some(&b'(') {
        return None;
    }
    let from = close + 2;
    let mut depth = 0usize;
    for (len, b) in bytes[from..].iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            b')' => {
                let url = &rest[from..from + len];
                let text = rest[1..close].trim();
                let text = if text.is_empty() { url } else { text };
                return Some((text, Href::parse(url)?, from + len + 1));
            }
            // Other whitespace and controls Href::parse refuses.
            b'[' | b']' | b'<' | b'>' | b'\x7f' | ..=b' ' => return None,
            _ => {}
        }
    }
    None
}

/// A bare URL at the start of `rest`, with its length: up to whitespace, `<` or `>`, without
/// the punctuation or quote that ends a sentence around it.
fn bare_url(rest: &str) -> Option<(&str, Href, usize)> {
    let scheme = SCHEMES.iter().find(|s| starts_with_ignore_case(rest, s))?;
    let mut len = rest.len();
    for (i, c) in rest.char_indices() {
        if c.is_whitespace() || c.is_control() || c == '<' || c == '>' {
            len = i;
            break;
        }
    }
    let url = trim_url_end(&rest[..len]);
    if url.len() <= scheme.len() {
        return None;
    }
    Some((url, Href::parse(url)?, url.len()))
}

/// A URL without trailing punctuation: "see https://a.example/x." links to `…/x`, and a closing
/// parenthesis or bracket stays only if the URL opened one.
fn trim_url_end(url: &str) -> &str {
    let count = |c| url.bytes().filter(|&b| b == c).count() as isize;
    let mut parens = count(b'(') - count(b')');
    let mut brackets = count(b'[') - count(b']');
    let mut end = url;
    loop {
        if let Some(shorter) = ["’", "”", "»"].iter().find_map(|q| end.strip_suffix(q)) {
            end = shorter;
            continue;
        }
        let trailing = match end.as_bytes().last() {
            Some(b'.' | b',' | b':' | b';' | b'!' | b'?' | b'*' | b'_' | b'~' | b'\'' | b'"') => {
                true
            }
            Some(b')') if parens < 0 => {
                parens += 1;
                true
            }
            Some(b']') if brackets < 0 => {
                brackets += 1;
                true
            }
            _ => false,
        };
        if !trailing {
            return end;
        }
        end = &end[..end.len() - 1];
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn blocks(body: &str) -> Vec<Block> {
        RichText::parse(body).blocks
    }

    fn text(s: &str) -> Inline {
        Inline::Span(Span {
            text: s.to_owned(),
            strong: false,
            link: None,
        })
    }

    fn bold(s: &str) -> Inline {
        Inline::Span(Span {
            text: s.to_owned(),
            strong: true,
            link: None,
        })
    }

    fn link(s: &str, url: &str) -> Inline {
        Inline::Span(Span {
            text: s.to_owned(),
            strong: false,
            link: Some(Href::parse(url).expect("an allowed URL")),
        })
    }

    fn paragraph(s: &str) -> Block {
        Block::Paragraph(vec![text(s)])
    }

    /// The spans of a one-line body.
    fn spans(line: &str) -> Vec<Inline> {
        match blocks(line).as_slice() {
            [Block::Paragraph(spans)] => spans.clone(),
            other => panic!("not one paragraph: {other:?}"),
        }
    }

    /// What a reader sees: the texts, a newline for a break, a blank line between blocks.
    fn visible(rich: &RichText) -> String {
        let line = |inlines: &[Inline]| {
            inlines
                .iter()
                .map(|i| match i {
                    Inline::Span(s) => s.text.as_str(),
                    Inline::Break => "\n",
                })
                .collect::<String>()
        };
        rich.blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(p) => line(p),
                Block::Bullets(items) | Block::Numbered { items, .. } => {
                    items.iter().map(|i| line(i)).collect::<Vec<_>>().join("\n")
                }
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    fn hrefs(rich: &RichText) -> Vec<String> {
        let mut out = Vec::new();
        let mut collect = |inlines: &[Inline]| {
            for inline in inlines {
                if let Inline::Span(Span {
                    link: Some(href), ..
                }) = inline
                {
                    out.push(href.as_str().to_owned());
                }
            }
        };
        for block in &rich.blocks {
            match block {
                Block::Paragraph(p) => collect(p),
                Block::Bullets(items) | Block::Numbered { items, .. } => {
                    items.iter().for_each(|i| collect(i));
                }
            }
        }
        out
    }

    #[test]
    fn plain_text_is_one_paragraph_of_one_span() {
        assert_eq!(
            blocks("We open at 7, close at 19."),
            [paragraph("We open at 7, close at 19.")]
        );
    }

    #[test]
    fn an_empty_or_blank_body_has_no_blocks() {
        for body in ["", " ", "\n\n", " \t\r\n  \n"] {
            assert_eq!(blocks(body), [], "{body:?}");
        }
    }

    #[test]
    fn line_breaks_inside_a_paragraph_are_kept() {
        assert_eq!(
            blocks("Thanks!\r\nSam\nAcme Coffee  \n"),
            [Block::Paragraph(vec![
                text("Thanks!"),
                Inline::Break,
                text("Sam"),
                Inline::Break,
                text("Acme Coffee"),
            ])]
        );
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        assert_eq!(
            blocks("\n\nFirst.\n\n\n  \nSecond.\n\n"),
            [paragraph("First."), paragraph("Second.")]
        );
    }

    #[test]
    fn dashes_stars_and_bullet_signs_make_one_bulleted_list() {
        assert_eq!(
            blocks("- Harbour Blend\n* Ethiopia Guji\n•\tDecaf"),
            [Block::Bullets(vec![
                vec![text("Harbour Blend")],
                vec![text("Ethiopia Guji")],
                vec![text("Decaf")],
            ])]
        );
    }

    #[test]
    fn numbered_lists_keep_their_start_number() {
        assert_eq!(
            blocks("3. Grind\n4) Brew\n9. Enjoy"),
            [Block::Numbered {
                start: 3,
                items: vec![vec![text("Grind")], vec![text("Brew")], vec![text("Enjoy")]],
            }]
        );
        assert_eq!(
            blocks("0. Zero"),
            [Block::Numbered {
                start: 0,
                items: vec![vec![text("Zero")]],
            }]
        );
    }

    #[test]
    fn a_list_may_follow_a_line_of_text_without_a_blank_line() {
        assert_eq!(
            blocks("Two options:\n1. Pickup\n2. Delivery\nAnything else?"),
            [
                paragraph("Two options:"),
                Block::Numbered {
                    start: 1,
                    items: vec![vec![text("Pickup")], vec![text("Delivery")]],
                },
                paragraph("Anything else?"),
            ]
        );
        assert_eq!(
            blocks("We have:\n- tea"),
            [
                paragraph("We have:"),
                Block::Bullets(vec![vec![text("tea")]])
            ]
        );
    }

    #[test]
    fn a_number_other_than_one_does_not_break_into_a_paragraph() {
        assert_eq!(
            blocks("We opened in\n1984. Since then"),
            [Block::Paragraph(vec![
                text("We opened in"),
                Inline::Break,
                text("1984. Since then"),
            ])]
        );
    }

    #[test]
    fn indented_lines_go_on_with_the_item_above() {
        assert_eq!(
            blocks("- Harbour Blend\n  our house espresso\n- Decaf"),
            [Block::Bullets(vec![
                vec![
                    text("Harbour Blend"),
                    Inline::Break,
                    text("our house espresso")
                ],
                vec![text("Decaf")],
            ])]
        );
    }

    #[test]
    fn a_blank_line_between_items_keeps_one_list() {
        assert_eq!(
            blocks("1. Grind\n\n2. Brew\n\nDone."),
            [
                Block::Numbered {
                    start: 1,
                    items: vec![vec![text("Grind")], vec![text("Brew")]],
                },
                paragraph("Done."),
            ]
        );
    }

    #[test]
    fn text_after_a_list_starts_a_paragraph() {
        assert_eq!(
            blocks("- tea\nThat's all.\n\n  indented after a gap"),
            [
                Block::Bullets(vec![vec![text("tea")]]),
                paragraph("That's all."),
                paragraph("  indented after a gap"),
            ]
        );
    }

    #[test]
    fn nested_lists_are_drawn_flat_and_keep_their_numbering() {
        assert_eq!(
            blocks("1. Coffee\n   - light\n   - dark\n2. Tea"),
            [
                Block::Numbered {
                    start: 1,
                    items: vec![vec![text("Coffee")]],
                },
                Block::Bullets(vec![vec![text("light")], vec![text("dark")]]),
                Block::Numbered {
                    start: 2,
                    items: vec![vec![text("Tea")]],
                },
            ]
        );
    }

    #[test]
    fn markers_without_a_space_or_an_item_after_them_are_text() {
        for line in [
            "-5 °C outside",
            "3.5 stars",
            "-",
            "*",
            "•",
            "1.",
            "2)",
            "1234567890. too many digits",
            "---",
            "#1. Not a number",
        ] {
            assert_eq!(spans(line).len(), 1, "{line:?}");
            assert_eq!(visible(&RichText::parse(line)), line, "{line:?}");
        }
    }

    #[test]
    fn double_stars_make_bold_text() {
        assert_eq!(
            spans("Our **Harbour Blend** is **back**!"),
            [
                text("Our "),
                bold("Harbour Blend"),
                text(" is "),
                bold("back"),
                text("!"),
            ]
        );
        assert_eq!(
            blocks("**Bold** start"),
            [Block::Paragraph(vec![bold("Bold"), text(" start")])]
        );
        assert_eq!(
            blocks("- **Decaf**: yes"),
            [Block::Bullets(vec![vec![bold("Decaf"), text(": yes")]])]
        );
    }

    #[test]
    fn unclosed_empty_or_spaced_double_stars_stay_literal() {
        for line in [
            "**",
            "**unclosed",
            "a ** b",
            "****",
            "2 ** 3 ** 4",
            "** spaced**",
            "*one star*",
            "**\nnext line**",
        ] {
            let rich = RichText::parse(line);
            assert_eq!(visible(&rich), line, "{line:?}");
            let any_bold = rich.blocks.iter().any(|b| match b {
                Block::Paragraph(p) => p.iter().any(|i| matches!(i, Inline::Span(s) if s.strong)),
                _ => false,
            });
            assert!(!any_bold, "{line:?}");
        }
    }

    #[test]
    fn markdown_links_to_http_https_and_mailto_become_links() {
        assert_eq!(
            spans("See [our menu](https://acme.example/menu?x=1#top) or [write](mailto:hi@acme.example)."),
            [
                text("See "),
                link("our menu", "https://acme.example/menu?x=1#top"),
                text(" or "),
                link("write", "mailto:hi@acme.example"),
                text("."),
            ]
        );
        assert_eq!(
            spans("[](http://acme.example)"),
            [link("http://acme.example", "http://acme.example")]
        );
        assert_eq!(
            spans("[Coffee](https://en.wikipedia.org/wiki/Coffee_(drink))"),
            [link(
                "Coffee",
                "https://en.wikipedia.org/wiki/Coffee_(drink)"
            )]
        );
    }

    #[test]
    fn schemes_are_matched_in_any_case() {
        assert_eq!(
            spans("[a](HTTPS://ACME.EXAMPLE) MailTo:hi@acme.example"),
            [
                link("a", "HTTPS://ACME.EXAMPLE"),
                text(" "),
                link("MailTo:hi@acme.example", "MailTo:hi@acme.example"),
            ]
        );
    }

    #[test]
    fn links_to_other_schemes_or_relative_urls_stay_literal_text() {
        for line in [
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[img](data:text/html;base64,PHNjcmlwdD4=)",
            "[vb](vbscript:msgbox(1))",
            "[file](file:///etc/passwd)",
            "[relative](/account)",
            "[protocol relative](//evil.example)",
            "[empty]()",
            "[no scheme](acme.example)",
            "javascript:alert(1) data:text/html,<b>x</b>",
            "https:// http:// mailto:",
        ] {
            let rich = RichText::parse(line);
            assert_eq!(hrefs(&rich), Vec::<String>::new(), "{line:?}");
            assert_eq!(visible(&rich), line, "{line:?}");
        }
    }

    #[test]
    fn href_parse_accepts_only_http_https_and_mailto() {
        assert!(Href::parse("https://acme.example").is_some());
        assert!(Href::parse("http://acme.example").is_some());
        assert!(Href::parse("mailto:hi@acme.example").is_some());
        for bad in [
            "",
            "https://",
            "mailto:",
            "javascript:alert(1)",
            " https://acme.example",
            "java\tscript:alert(1)",
            "https://acme.example/\nx",
            "https://acme.example/a b",
            "ftp://acme.example",
            "httpx://acme.example",
        ] {
            assert_eq!(Href::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bare_urls_become_links_without_the_punctuation_after_them() {
        for (line, url) in [
            (
                "Go to https://acme.example/menu.",
                "https://acme.example/menu",
            ),
            ("https://acme.example, then", "https://acme.example"),
            ("(see https://acme.example/a)", "https://acme.example/a"),
            (
                "Really? https://acme.example/?q=1!",
                "https://acme.example/?q=1",
            ),
            ("Here: http://acme.example/x:;", "http://acme.example/x"),
            ("\"https://acme.example/q\"", "https://acme.example/q"),
            ("'https://acme.example/q'.", "https://acme.example/q"),
            ("“https://acme.example/q”", "https://acme.example/q"),
            ("[https://acme.example/x]", "https://acme.example/x"),
            ("**https://acme.example**", "https://acme.example"),
            ("<https://acme.example>", "https://acme.example"),
            ("mail mailto:hi@acme.example.", "mailto:hi@acme.example"),
            ("https://acme.example/a_(b))", "https://acme.example/a_(b)"),
            (
                "https://acme.example/ü/漢字?x=é",
                "https://acme.example/ü/漢字?x=é",
            ),
        ] {
            let rich = RichText::parse(line);
            assert_eq!(hrefs(&rich), [url], "{line:?}");
            assert_eq!(visible(&rich), line.replace("**", ""), "{line:?}");
        }
    }

    #[test]
    fn a_url_glued_to_a_word_is_not_a_link() {
        assert_eq!(
            spans("xhttps://acme.example"),
            [text("xhttps://acme.example")]
        );
        assert_eq!(
            spans("é.https://acme.example"),
            [
                text("é."),
                link("https://acme.example", "https://acme.example")
            ]
        );
        // Scripts without spaces between words: a URL after one of their letters is a URL.
        assert_eq!(
            spans("请访问https://acme.example"),
            [
                text("请访问"),
                link("https://acme.example", "https://acme.example")
            ]
        );
    }

    #[test]
    fn bold_links_are_bold_and_linked() {
        assert_eq!(
            spans("**[Menu](https://acme.example) now**"),
            [
                Inline::Span(Span {
                    text: "Menu".into(),
                    strong: true,
                    link: Href::parse("https://acme.example"),
                }),
                bold(" now"),
            ]
        );
    }

    #[test]
    fn html_and_entities_stay_visible_text() {
        for line in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "&lt;b&gt; &amp; &#x3C;",
            "<a href=\"javascript:alert(1)\">x</a>",
        ] {
            assert_eq!(spans(line), [text(line)], "{line:?}");
        }
    }

    #[test]
    fn unicode_text_is_kept_untouched() {
        let line = "Café ☕ 漢字 👩🏽‍💻 — «ok» \u{202e}rtl";
        assert_eq!(spans(line), [text(line)]);
        assert_eq!(
            spans("**é**[ü](https://ü.example)"),
            [bold("é"), link("ü", "https://ü.example")]
        );
    }

    #[test]
    fn long_runs_of_markup_characters_stay_literal_text() {
        // Each would take minutes if a scan restarted at every character.
        for unit in [
            "[",
            "**",
            "*",
            "[a](",
            "](",
            "(",
            ")",
            "[a](https://x",
            "https://",
            "- ",
            "1. ",
        ] {
            let line = unit.repeat(100_000);
            let rich = RichText::parse(&line);
            assert!(hrefs(&rich).len() <= 1, "{unit:?}");
            let seen = visible(&rich);
            assert!(seen.len() <= line.len(), "{unit:?}");
        }
        let stars = "**".repeat(50_000);
        assert_eq!(visible(&RichText::parse(&stars)), stars);
        let brackets = "[".repeat(100_000);
        assert_eq!(spans(&brackets), [text(&brackets)]);
        let lines = "- a\n".repeat(50_000);
        assert!(
            matches!(blocks(&lines).as_slice(), [Block::Bullets(items)] if items.len() == 50_000)
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics(body in "\\PC*") {
            let _ = RichText::parse(&body);
        }

        #[test]
        fn markup_soup_never_panics_and_links_only_allowed_schemes(
            pieces in prop::collection::vec(prop_oneof![
                Just("["), Just("]"), Just("("), Just(")"), Just("**"), Just("*"), Just("- "),
                Just("1. "), Just("\n"), Just("\n\n"), Just("  "), Just("https://"), Just("http://"),
                Just("mailto:"), Just("javascript:"), Just("data:"), Just("é"), Just("漢"),
                Just("a"), Just("."), Just("<img>"), Just("\t"), Just("\r"),
            ], 0..40)
        ) {
            let body = pieces.concat();
            let rich = RichText::parse(&body);
            for href in hrefs(&rich) {
                let lower = href.to_ascii_lowercase();
                prop_assert!(
                    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"),
                    "{href:?} from {body:?}"
                );
                prop_assert!(!href.chars().any(char::is_whitespace), "{href:?}");
            }
        }

        #[test]
        fn a_line_without_markup_comes_back_as_itself(
            line in "(https?://|mailto:|[a-zé漢 .,;:!?()'\"<>&/])*"
        ) {
            let rich = RichText::parse(&line);
            prop_assert_eq!(visible(&rich), line.trim_end());
        }

        #[test]
        fn text_and_breaks_always_come_inside_a_paragraph_or_an_item(
            pieces in prop::collection::vec(prop_oneof![
                Just("- "), Just("* "), Just("1. "), Just("7) "), Just("\n"), Just("\n\n"),
                Just("  "), Just("a"), Just("**"), Just("[a](https://x)"), Just("2. "),
            ], 0..30)
        ) {
            let body = pieces.concat();
            // Where the widget puts the next piece: nowhere yet, a paragraph, a list, an item.
            let mut at = "nothing";
            let mut ok = true;
            read(&body, |event| match event {
                Event::Paragraph => at = "paragraph",
                Event::Bullets | Event::Numbered(_) => at = "list",
                Event::Item => {
                    ok &= at == "list" || at == "item";
                    at = "item";
                }
                Event::Break => ok &= at == "paragraph" || at == "item",
                Event::Text { text, .. } => {
                    ok &= !text.is_empty() && (at == "paragraph" || at == "item");
                }
            });
            prop_assert!(ok, "{:?}", body);
        }
    }
}
