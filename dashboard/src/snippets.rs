//! The embed snippets the tokens page shows beside a new token: ES module, classic script tag,
//! React. Pure functions of the API's public URL, the workspace id and the token, so they are
//! tested on the host.
//!
//! The classic form loads `web-widget.global.js`, the same loader built for a plain `<script
//! src>`, with `defer` so it never holds up the page's parsing, and calls the `ChatWidget` global
//! it defines once the DOM is ready (deferred scripts run before `DOMContentLoaded`). There is no
//! React package on npm yet: the React snippet is a small component that imports the loader at
//! run time.
//!
//! Every value goes through [`js_string`] (a JSON string with `<`, `>`, `&` and the JavaScript
//! line separators escaped, so nothing can close the `<script>` element) or, in an attribute,
//! [`html_attr`].

/// What a snippet is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedValues<'a> {
    /// Without a trailing slash, e.g. `https://chat.example.com`.
    pub api_url: &'a str,
    pub tenant_id: &'a str,
    pub token: &'a str,
}

/// One snippet as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// `es-module`, `script-tag` or `react`: for test ids.
    pub id: &'static str,
    pub title: &'static str,
    pub code: String,
}

fn loader_url(v: &EmbedValues<'_>) -> String {
    format!("{}/widget/web-widget.js", v.api_url.trim_end_matches('/'))
}

fn classic_loader_url(v: &EmbedValues<'_>) -> String {
    format!(
        "{}/widget/web-widget.global.js",
        v.api_url.trim_end_matches('/')
    )
}

fn options(v: &EmbedValues<'_>, indent: &str) -> String {
    format!(
        "{{\n{indent}  tenantId: {},\n{indent}  apiUrl: {},\n{indent}  token: {},\n{indent}}}",
        js_string(v.tenant_id),
        js_string(v.api_url.trim_end_matches('/')),
        js_string(v.token),
    )
}

/// The loader imported from the page's `load` event, so the widget never makes that event later
/// (a static `import` is fetched before it fires).
pub fn es_module(v: &EmbedValues<'_>) -> String {
    format!(
        "<script type=\"module\">\n  const chat = () => import({})\n    .then(({{ renderWebWidget }}) => renderWebWidget({}));\n  document.readyState === \"complete\" ? chat() : addEventListener(\"load\", chat, {{ once: true }});\n</script>",
        js_string(&loader_url(v)),
        options(v, "    "),
    )
}

/// The classic loader by `src`, then the `ChatWidget` global once the DOM is ready.
pub fn script_tag(v: &EmbedValues<'_>) -> String {
    format!(
        "<script defer src=\"{}\"></script>\n<script>\n  window.addEventListener(\"DOMContentLoaded\", function () {{\n    ChatWidget.renderWebWidget({});\n  }});\n</script>",
        html_attr(&classic_loader_url(v)),
        options(v, "    "),
    )
}

/// A React component that renders the widget while mounted.
pub fn react(v: &EmbedValues<'_>) -> String {
    format!(
        "import {{ useEffect }} from \"react\";\n\nexport function ChatWidget() {{\n  useEffect(() => {{\n    let chat;\n    let cancelled = false;\n    import(/* webpackIgnore: true */ {}).then(({{ renderWebWidget }}) => {{\n      if (!cancelled) chat = renderWebWidget({});\n    }});\n    return () => {{\n      cancelled = true;\n      chat?.destroy();\n    }};\n  }}, []);\n  return null;\n}}",
        js_string(&loader_url(v)),
        options(v, "      "),
    )
}

/// The three snippets, in the order the page shows them.
pub fn all(v: &EmbedValues<'_>) -> Vec<Snippet> {
    vec![
        Snippet {
            id: "es-module",
            title: "ES module (recommended)",
            code: es_module(v),
        },
        Snippet {
            id: "script-tag",
            title: "Script tag",
            code: script_tag(v),
        },
        Snippet {
            id: "react",
            title: "React",
            code: react(v),
        },
    ]
}

/// A JavaScript string literal that is also safe inside an HTML `<script>` element.
pub fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a double-quoted HTML attribute.
pub fn html_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: EmbedValues<'static> = EmbedValues {
        api_url: "https://chat.example.com/",
        tenant_id: "tn_123",
        token: "wt_abc",
    };

    #[test]
    fn the_es_module_snippet_imports_the_loader_after_load_and_passes_the_values() {
        assert_eq!(
            es_module(&V),
            "<script type=\"module\">\n  const chat = () => import(\"https://chat.example.com/widget/web-widget.js\")\n    .then(({ renderWebWidget }) => renderWebWidget({\n      tenantId: \"tn_123\",\n      apiUrl: \"https://chat.example.com\",\n      token: \"wt_abc\",\n    }));\n  document.readyState === \"complete\" ? chat() : addEventListener(\"load\", chat, { once: true });\n</script>"
        );
    }

    #[test]
    fn the_script_tag_snippet_loads_the_classic_loader_and_uses_its_global() {
        let s = script_tag(&V);
        assert!(s.starts_with(
            "<script defer src=\"https://chat.example.com/widget/web-widget.global.js\"></script>"
        ));
        assert!(s.contains("ChatWidget.renderWebWidget({"));
        assert!(s.contains("token: \"wt_abc\""));
    }

    #[test]
    fn the_react_snippet_destroys_the_widget_on_unmount() {
        let s = react(&V);
        assert!(s.contains(
            "import(/* webpackIgnore: true */ \"https://chat.example.com/widget/web-widget.js\")"
        ));
        assert!(s.contains("chat?.destroy()"));
        assert!(s.contains("tenantId: \"tn_123\""));
    }

    #[test]
    fn values_cannot_break_out_of_the_script_or_the_string() {
        let evil = EmbedValues {
            api_url: "https://x.test/\"></script><script>alert(1)//",
            tenant_id: "a\"+alert(1)+\"",
            token: "</script>\u{2028}",
        };
        for snippet in all(&evil) {
            let code = snippet.code;
            assert_eq!(
                code.matches("</script>").count(),
                code.matches("<script").count(),
                "{code}"
            );
            assert!(code.contains(r#""a\"+alert(1)+\"""#), "{code}");
            assert!(!code.contains('\u{2028}'));
        }
        assert_eq!(js_string("a\"b\\c<"), "\"a\\\"b\\\\c\\u003c\"");
        assert_eq!(html_attr("a\"<&>"), "a&quot;&lt;&amp;&gt;");
    }
}
