//! The panel: a dialog with a header, then the contact form or the conversation.

mod conversation;
mod prechat;
mod rich_text;

use std::rc::Rc;

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use shared::api::{ConversationStatus, WidgetConfig};
use wasm_bindgen::{JsCast, JsValue};

use crate::controller::Chat;
use crate::i18n::fill;
use crate::options::Explicit;
use conversation::Conversation;
use prechat::PreChatForm;

/// The panel's stylesheet, adopted by the shadow root (it never reaches the host page):
/// `style/widget.css` without its comments and indentation (`build.rs` minifies it).
pub(crate) const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

/// Gives the panel's stylesheet to the shadow root (or document) `container` sits in. A
/// constructed stylesheet is not inline style, so a host page whose CSP has no `'unsafe-inline'`
/// in `style-src` still applies it, where a `<style>` element would be blocked. Browsers without
/// constructable stylesheets get a `<style>` element beside the container.
pub fn adopt_stylesheet(container: &web_sys::HtmlElement) -> Result<(), JsValue> {
    let root = container.get_root_node();
    let adopted = web_sys::CssStyleSheet::new().and_then(|sheet| {
        sheet.replace_sync(CSS)?;
        if let Some(shadow) = root.dyn_ref::<web_sys::ShadowRoot>() {
            let sheets = shadow.adopted_style_sheets();
            sheets.push(&sheet);
            shadow.set_adopted_style_sheets(&sheets);
            Ok(())
        } else if let Some(document) = root.dyn_ref::<web_sys::Document>() {
            let sheets = document.adopted_style_sheets();
            sheets.push(&sheet);
            document.set_adopted_style_sheets(&sheets);
            Ok(())
        } else {
            Err(JsValue::from_str("the container is not attached"))
        }
    });
    if adopted.is_ok() {
        return Ok(());
    }
    let style = document().create_element("style")?;
    style.set_text_content(Some(CSS));
    container.before_with_node_1(&style)
}

/// The chat panel, hidden while closed so its state survives closing.
#[component]
pub fn Panel(
    /// The widget state.
    chat: Chat,
    /// Called when the visitor closes the panel from inside it.
    on_close: Rc<dyn Fn()>,
) -> impl IntoView {
    let panel_ref = NodeRef::<leptos::html::Section>::new();
    let has_contact = Memo::new(move |_| chat.has_contact());
    let color = chat.options.with_value(|o| o.primary_color.clone());
    // The loader also sets --lc-on-primary (black or white, for contrast) on the host. Set
    // through the CSSOM (`style.setProperty`): a `style` attribute is inline style, which a
    // strict host CSP blocks.
    let primary = ("--lc-primary", color);
    let t = chat.t;
    let lang = chat.options.with_value(|o| o.locale.lang());

    // The tenant's branding, where the embedder chose nothing, once `/config` answers.
    Effect::new(move |_| {
        if let Some(config) = chat.config.get() {
            let explicit = chat.options.with_value(|o| o.explicit);
            apply_branding(panel_ref, &config, explicit);
        }
    });
    // Opening: fetch the tenant's settings once, catch up on replies, focus the first field.
    Effect::new(move |was_open: Option<bool>| {
        let open = chat.open.get();
        if open && was_open != Some(true) {
            chat.load_config();
            chat.refresh();
            request_animation_frame(move || focus_first_field(panel_ref));
        }
        open
    });
    // While open, a teammate's replies, take-overs and typing arrive on the event stream.
    Effect::new(move |_| chat.keep_live(chat.open.get()));
    on_cleanup(move || chat.close_live());

    let label = move || {
        chat.company.with(|c| {
            if c.is_empty() {
                t.chat.to_owned()
            } else {
                fill(t.chat_with, c)
            }
        })
    };
    let title = move || {
        chat.company.with(|c| {
            if c.is_empty() {
                t.chat.to_owned()
            } else {
                c.clone()
            }
        })
    };
    let subtitle = move || match chat.status.get() {
        Some(ConversationStatus::WaitingHuman | ConversationStatus::Escalated) => t.reply_soon,
        Some(ConversationStatus::Resolved) => t.resolved,
        _ => t.reply_in_seconds,
    };

    view! {
        <section
            class="lc-panel"
            lang=lang
            role="dialog"
            aria-label=label
            hidden=move || !chat.open.get()
            style=primary
            node_ref=panel_ref
        >
            <header class="lc-header">
                {move || header_image(chat, |c| c.header_logo_url.clone(), "lc-logo")}
                {move || header_image(chat, |c| c.avatar_url.clone(), "lc-avatar")}
                <div class="lc-heading">
                    <h2 class="lc-title">{move || match chat.config.with(|c| c.as_ref().and_then(|c| c.wordmark_url.clone())) {
                        Some(src) => Either::Left(view! { <img class="lc-wordmark" src=src alt=title/> }),
                        None => Either::Right(title),
                    }}</h2>
                    <p class="lc-subtitle">{subtitle}</p>
                </div>
                <button type="button" class="lc-close" aria-label=t.close on:click=move |_| on_close()>
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                        <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/>
                    </svg>
                </button>
            </header>
            {move || if chat.unavailable.get() {
                EitherOf3::A(view! {
                    <div class="lc-unavailable" role="status" data-testid="widget-unavailable">
                        <p class="lc-unavailable-title">{t.unavailable_title}</p>
                        <p>{t.unavailable_body}</p>
                    </div>
                })
            } else if has_contact.get() {
                EitherOf3::B(view! { <Conversation chat/> })
            } else {
                EitherOf3::C(view! { <PreChatForm chat/> })
            }}
        </section>
    }
}

/// Moves focus to the form's first field, or the composer.
fn focus_first_field(panel_ref: NodeRef<leptos::html::Section>) {
    // Runs a frame later: the panel may have been unmounted meanwhile.
    let Some(panel) = panel_ref.try_get_untracked().flatten() else {
        return;
    };
    if let Ok(Some(field)) = panel.query_selector("input, textarea") {
        if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
            let _ = field.focus();
        }
    }
}

/// An image of the header from the tenant's config (logo or avatar), if it set one.
fn header_image(
    chat: Chat,
    url: fn(&WidgetConfig) -> Option<String>,
    class: &'static str,
) -> Option<impl IntoView> {
    let src = chat.config.with(|c| c.as_ref().and_then(url))?;
    Some(view! { <img class=class src=src alt="" aria-hidden="true"/> })
}

/// Puts the tenant's colour, corner and theme on the widget's host element (the launcher
/// reads them there too) and its colour on the panel, unless the embedder chose them. Through
/// the CSSOM and attributes: a strict host CSP allows both.
fn apply_branding(
    panel_ref: NodeRef<leptos::html::Section>,
    config: &WidgetConfig,
    explicit: Explicit,
) {
    let Some(panel) = panel_ref.get_untracked() else {
        return;
    };
    let host = panel
        .get_root_node()
        .dyn_into::<web_sys::ShadowRoot>()
        .ok()
        .and_then(|root| root.host().dyn_into::<web_sys::HtmlElement>().ok());
    if !explicit.primary_color {
        if let Some(color) = crate::options::safe_css_color(&config.primary_color) {
            let on = text_on(&color);
            let _ = panel.style().set_property("--lc-primary", &color);
            if let Some(host) = &host {
                let _ = host.style().set_property("--lc-primary", &color);
                let _ = host.style().set_property("--lc-on-primary", on);
            }
        }
    }
    let Some(host) = host else { return };
    if !explicit.position {
        let _ = host.set_attribute("data-position", config.position.as_str());
    }
    if !explicit.theme {
        let _ = host.set_attribute("data-theme", config.theme.as_str());
    }
}

/// Black or white text, whichever reads better on a `#rrggbb` colour (the loader's rule).
fn text_on(color: &str) -> &'static str {
    let hex = color.trim_start_matches('#');
    if hex.len() != 6 {
        return "#fff";
    }
    let lin = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            // The browser's pow: Rust's `powf` brings 2 KB of libm into the download.
            js_sys::Math::pow((c + 0.055) / 1.055, 2.4)
        }
    };
    if 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4) > 0.179 {
        "#111"
    } else {
        "#fff"
    }
}
