//! A conservative CSS minifier for the panel's stylesheet, run by `build.rs` (the widget embeds
//! the stylesheet, so every byte of it ships in the WASM) and unit-tested from the library.
//!
//! It only removes comments and whitespace, and only whitespace that cannot matter: runs of
//! whitespace become one space, and that space goes entirely when it touches `{`, `}`, `;`, `,`
//! or `>`, follows `:` or `(`, or precedes `)`. The space *before* a `:` stays (`.a :focus` is a
//! descendant combinator), as do spaces around `+`, `-`, `*`, `/` and `~` (`calc()` needs them)
//! and before `!important`. The last `;` of a block goes. Strings, escapes and unquoted `url()`
//! are copied verbatim. Values are never rewritten (no `0px` → `0`, no colour shortening).

/// `css` with its comments and needless whitespace removed; the same stylesheet to a browser.
pub fn minify_css(css: &str) -> String {
    let chars: Vec<char> = css.chars().collect();
    let mut out = String::with_capacity(css.len());
    // Whitespace (or a comment) was seen since the last character written.
    let mut pending_space = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // Comments: `/* … */` (an unterminated one runs to the end), read as whitespace so the
        // tokens either side of it never merge.
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut j = i + 2;
            while j < chars.len() && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
                j += 1;
            }
            i = (j + 2).min(chars.len());
            pending_space = true;
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            i += 1;
            continue;
        }
        if pending_space {
            pending_space = false;
            if needs_space(out.chars().last(), c) {
                out.push(' ');
            }
        }
        match c {
            '"' | '\'' => i = copy_string(&chars, i, &mut out),
            '\\' => {
                // An escape: the backslash and the character it escapes, whatever it is.
                out.push(c);
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                }
                i += 2;
            }
            '}' => {
                if out.ends_with(';') {
                    out.pop();
                }
                out.push(c);
                i += 1;
            }
            '(' if ends_with_ignore_case(&out, "url") => {
                // `url(…)`: copied as written, up to its `)` (a quoted URL as a string).
                out.push(c);
                i += 1;
                while i < chars.len() && chars[i] != ')' {
                    match chars[i] {
                        '"' | '\'' => i = copy_string(&chars, i, &mut out),
                        '\\' => {
                            out.push('\\');
                            if let Some(&next) = chars.get(i + 1) {
                                out.push(next);
                            }
                            i += 2;
                        }
                        other => {
                            out.push(other);
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Whether a space between `before` (the last character written) and `after` still means
/// something.
fn needs_space(before: Option<char>, after: char) -> bool {
    match before {
        None => false,
        Some('{' | '}' | ';' | ',' | '>' | ':' | '(') => false,
        Some(_) => !matches!(after, '{' | '}' | ';' | ',' | '>' | ')'),
    }
}

/// Copies the string starting at `chars[start]` (a quote) to `out`, escapes included, and
/// returns the index after its closing quote (or the end of the line or text, where an
/// unterminated string ends).
fn copy_string(chars: &[char], start: usize, out: &mut String) -> usize {
    let quote = chars[start];
    out.push(quote);
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        if c == '\\' {
            if let Some(&next) = chars.get(i) {
                out.push(next);
                i += 1;
            }
        } else if c == quote || c == '\n' {
            break;
        }
    }
    i
}

/// Whether `s` ends with the ASCII word `word` in any case, not as the tail of a longer name
/// (`url(` is a URL; `my-url(` is some other function).
fn ends_with_ignore_case(s: &str, word: &str) -> bool {
    let Some(head) = s.len().checked_sub(word.len()) else {
        return false;
    };
    if !s.is_char_boundary(head) || !s[head..].eq_ignore_ascii_case(word) {
        return false;
    }
    !s[..head]
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::minify_css;

    #[test]
    fn drops_comments_and_indentation() {
        let css = "/* The panel. */\n.a {\n  color: red;\n  margin: 0 0 1px;\n}\n\n/* x */\n.b,\n.c { top: 0 }\n";
        assert_eq!(minify_css(css), ".a{color:red;margin:0 0 1px}.b,.c{top:0}");
    }

    #[test]
    fn keeps_the_spaces_that_matter() {
        // Descendant combinators, including before a pseudo-class.
        assert_eq!(minify_css(".a  .b :focus {x: y}"), ".a .b :focus{x:y}");
        assert_eq!(
            minify_css(":host([data-position$=\"left\"]) .lc-panel { right: auto; }"),
            ":host([data-position$=\"left\"]) .lc-panel{right:auto}"
        );
        assert_eq!(
            minify_css(".a > :last-child > li {}"),
            ".a>:last-child>li{}"
        );
        // Values: lists of lengths, calc() operators, !important, functions.
        assert_eq!(
            minify_css(
                ".a { width: calc(100vw - 40px); grid-column: 1 / -1; all: initial !important; }"
            ),
            ".a{width:calc(100vw - 40px);grid-column:1 / -1;all:initial !important}"
        );
        assert_eq!(
            minify_css(".a { box-shadow: 0 12px 40px rgba(0, 0, 0, 0.22), 0 2px 6px #000 ; }"),
            ".a{box-shadow:0 12px 40px rgba(0,0,0,0.22),0 2px 6px #000}"
        );
        assert_eq!(
            minify_css(".a { padding-bottom: max(10px, env(safe-area-inset-bottom)); }"),
            ".a{padding-bottom:max(10px,env(safe-area-inset-bottom))}"
        );
        // `and (` must not become the function token `and(`.
        assert_eq!(
            minify_css("@media screen and (max-width: 480px) {\n  .a { top: 0; }\n}"),
            "@media screen and (max-width:480px){.a{top:0}}"
        );
        assert_eq!(
            minify_css("@keyframes k {\n  0%,\n  80% { opacity: 0.3; }\n}"),
            "@keyframes k{0%,80%{opacity:0.3}}"
        );
    }

    #[test]
    fn copies_strings_escapes_and_urls_verbatim() {
        assert_eq!(
            minify_css(".a::after { content: \"\\258D  /* not a comment */ ; }\"; }"),
            ".a::after{content:\"\\258D  /* not a comment */ ; }\"}"
        );
        assert_eq!(
            minify_css(".a { content: ' a , b ' }"),
            ".a{content:' a , b '}"
        );
        assert_eq!(
            minify_css(".a { background: url(data:x/y,a//b) no-repeat, URL( \"c d\" ); }"),
            ".a{background:url(data:x/y,a//b) no-repeat,URL( \"c d\" )}"
        );
        // An escaped space in a selector, and a hex escape's terminating space before a letter.
        assert_eq!(minify_css(".a\\ b {x:y}"), ".a\\ b{x:y}");
        assert_eq!(minify_css(".\\31 a {x:y}"), ".\\31 a{x:y}");
    }

    #[test]
    fn a_comment_still_separates_tokens() {
        assert_eq!(
            minify_css(".a/**/.b{x:1px/* */solid}"),
            ".a .b{x:1px solid}"
        );
    }

    /// The real stylesheet loses only whitespace, comments and each block's last `;`, and
    /// keeps every space the checks above call meaningful.
    #[test]
    fn the_widget_stylesheet_only_loses_whitespace() {
        let source = include_str!("../../style/widget.css");
        let min = minify_css(source);
        assert!(
            min.len() < source.len() * 3 / 4,
            "{} of {} bytes",
            min.len(),
            source.len()
        );
        assert!(!min.contains("/*") && !min.contains('\n') && !min.contains("  "));

        // With the comments and all whitespace outside strings gone, and `;}` read as `}`, the
        // two are the same text.
        fn squeeze(css: &str) -> String {
            let mut out = String::new();
            let mut rest = css;
            while !rest.is_empty() {
                if let Some(after) = rest.strip_prefix("/*") {
                    rest = after.split_once("*/").map_or("", |(_, r)| r);
                } else if rest.starts_with('"') {
                    let end = rest[1..].find('"').expect("terminated string") + 2;
                    out.push_str(&rest[..end]);
                    rest = &rest[end..];
                } else {
                    let c = rest.chars().next().unwrap();
                    if !c.is_whitespace() {
                        out.push(c);
                    }
                    rest = &rest[c.len_utf8()..];
                }
            }
            out.replace(";}", "}")
        }
        assert_eq!(squeeze(source), squeeze(&min));

        for kept in [
            ".lc-panel :focus-visible{",
            ".lc-header :focus-visible{",
            ":host([data-position$=\"left\"]) .lc-panel{",
            "padding:14px 12px 14px 18px",
            "calc(100vw - 40px)",
            "grid-column:1 / -1",
            "content:\"\\258D\"",
            "all:initial !important",
            "@media (max-width:480px){",
            "var(--lc-vv-top,0px)",
        ] {
            assert!(min.contains(kept), "{kept:?} missing from {min}");
        }
        // What the widget embeds is this minified text.
        assert_eq!(crate::ui::CSS, min);
    }
}
