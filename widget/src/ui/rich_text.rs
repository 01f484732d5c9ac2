//! A message bubble's body as DOM nodes made one by one: the exact text of what a visitor
//! typed, and rich text (paragraphs, line breaks, lists, bold, links) for what the assistant and
//! teammates write. No HTML string is ever parsed, so nothing a message holds becomes markup.
//!
//! Built from [`shared::rich_text::read`]'s events with the DOM API rather than as Leptos views
//! of a parsed tree: those views' generic code (nested lists of optional elements) weighed
//! about 5 KB of gzipped WASM, and the widget's budget is nearly spent.

use leptos::prelude::document;
use shared::rich_text::{read, Event};
use wasm_bindgen::UnwrapThrowExt;
use web_sys::Element;

/// A bubble's body, and whether it is read as rich text.
pub type BubbleBody = (String, bool);

/// Fills `bubble` with its body (a `use:` directive). Replaces what the bubble held: a rebuilt
/// view runs it again on the same element.
pub fn fill_bubble(bubble: Element, (body, rich): BubbleBody) {
    bubble.set_text_content(Some(if rich { "" } else { &body }));
    if !rich {
        return;
    }
    // The current paragraph or list, and where its text goes (the paragraph or an item).
    let mut block = bubble.clone();
    let mut line = bubble.clone();
    read(&body, move |event| match event {
        Event::Paragraph => {
            block = child(&bubble, "p");
            line = block.clone();
        }
        Event::Bullets => block = child(&bubble, "ul"),
        Event::Numbered(start) => {
            block = child(&bubble, "ol");
            // As a hand-written list would: `start` only where it does not count from 1.
            if start != 1 {
                let _ = block.set_attribute("start", &start.to_string());
            }
        }
        Event::Item => line = child(&block, "li"),
        Event::Break => {
            child(&line, "br");
        }
        Event::Text { text, strong, link } => {
            let mut at = line.clone();
            if strong {
                at = child(&at, "strong");
            }
            // A new tab with no handle on this page (`noopener`) and no referrer.
            if let Some(href) = link {
                at = child(&at, "a");
                let _ = at.set_attribute("href", href.as_str());
                let _ = at.set_attribute("target", "_blank");
                let _ = at.set_attribute("rel", "noopener noreferrer");
            }
            // `append` with a string adds a text node: the text is never parsed as HTML.
            let _ = at.append_with_str_1(text);
        }
    });
}

/// A new `tag` element at the end of `parent`.
fn child(parent: &Element, tag: &str) -> Element {
    let element = document().create_element(tag).unwrap_throw();
    let _ = parent.append_child(&element);
    element
}
