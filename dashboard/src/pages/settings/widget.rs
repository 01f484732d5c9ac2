//! `/settings/widget`: the chat widget's branding (company name, colour, corner, theme,
//! greeting, avatar, header logo, wordmark) with a live preview beside the form. Reloads when
//! anyone changes the widget settings, unless the admin has started editing here.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::SettingsArea;
use shared::widget_settings::{
    parse_color, parse_image_url, Position, Theme, WidgetSettings, WidgetSettingsPage,
};

use super::SettingsEvents;
use crate::api::{self, ApiError};
use crate::components::form::Submission;

const PATH: &str = "/api/dashboard/settings/widget";

fn position_label(p: Position) -> &'static str {
    match p {
        Position::BottomRight => "Bottom right",
        Position::BottomLeft => "Bottom left",
        Position::TopRight => "Top right",
        Position::TopLeft => "Top left",
    }
}

fn theme_label(t: Theme) -> &'static str {
    match t {
        Theme::Light => "Light",
        Theme::Dark => "Dark",
        Theme::Auto => "Auto (the visitor's system setting)",
    }
}

/// The form's state: what the admin sees and types.
/// The settings' fields, as the server names them in a 422.
const FIELDS: &[&str] = &[
    "companyName",
    "primaryColor",
    "position",
    "theme",
    "greeting",
    "avatarUrl",
    "headerLogoUrl",
    "wordmarkUrl",
];

#[derive(Clone, Copy)]
struct Form {
    settings: RwSignal<Option<WidgetSettings>>,
    /// The admin changed something since the last load or save.
    edited: RwSignal<bool>,
    saved: RwSignal<bool>,
    submission: Submission,
}

impl Form {
    fn get(self, read: fn(&WidgetSettings) -> String) -> String {
        self.settings
            .with(|s| s.as_ref().map(read).unwrap_or_default())
    }

    fn set(self, write: impl FnOnce(&mut WidgetSettings)) {
        self.settings.update(|s| {
            if let Some(s) = s {
                write(s);
            }
        });
        self.edited.set(true);
        self.saved.set(false);
    }

    /// The message next to `field` (test id `error-<field>`), when the server blamed it.
    fn error_for(self, field: &'static str) -> impl Fn() -> Option<AnyView> + Send + Sync {
        self.submission.field_error(field)
    }
}

#[component]
pub fn WidgetPage() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let form = Form {
        settings: RwSignal::new(None),
        edited: RwSignal::new(false),
        saved: RwSignal::new(false),
        submission: Submission::new(),
    };
    let busy = form.submission.busy;
    let default_greeting = RwSignal::new(String::new());
    let load_error = RwSignal::new(None::<ApiError>);

    let load = move |page: WidgetSettingsPage| {
        default_greeting.set(page.default_greeting);
        form.settings.set(Some(page.settings));
        form.edited.set(false);
    };
    Effect::new(move |_| {
        events.version(SettingsArea::Widget);
        spawn_local(async move {
            let result = api::get_json::<WidgetSettingsPage>(PATH).await;
            if busy.is_disposed() {
                return;
            }
            match result {
                Ok(page) => {
                    load_error.set(None);
                    // Never overwrite what the admin is typing.
                    if form.edited.get_untracked() || busy.get_untracked() {
                        default_greeting.set(page.default_greeting);
                    } else {
                        load(page);
                    }
                }
                Err(e) => load_error.set(Some(e)),
            }
        });
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(body) = form.settings.get_untracked() else {
            return;
        };
        form.saved.set(false);
        form.submission.send(
            {
                let body = body.clone();
                async move { api::put_json::<_, WidgetSettingsPage>(PATH, &body).await }
            },
            move |page| {
                // Unless the admin typed on while it saved.
                if form.settings.with_untracked(|s| s.as_ref() == Some(&body)) {
                    load(page);
                } else {
                    default_greeting.set(page.default_greeting);
                }
                form.saved.set(true);
            },
        );
    };

    let text_row = move |id: &'static str,
                         label: &'static str,
                         field: &'static str,
                         read: fn(&WidgetSettings) -> String,
                         write: fn(&mut WidgetSettings, String),
                         placeholder: &'static str| {
        view! {
            <div class="form-row">
                <label for=id>{label}</label>
                <input id=id type="text" data-testid=id placeholder=placeholder autocomplete="off"
                    prop:value=move || form.get(read)
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.set(|s| write(s, v));
                    }/>
                {form.error_for(field)}
            </div>
        }
    };

    view! {
        <section class="settings-section" data-testid="widget-page" aria-labelledby="widget-title">
            <h2 id="widget-title">"Chat widget"</h2>
            <p class="hint">"How the chat looks on your site. The preview follows as you type; visitors see it once you save."</p>
            {move || load_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            <Show when=move || form.settings.with(Option::is_some)
                fallback=move || load_error.with(Option::is_none).then(|| view! { <p class="loading">"Loading…"</p> })>
            <div class="settings-columns">
                <form class="form" novalidate on:submit=submit data-testid="widget-form">
                    {text_row("widget-company", "Company name", "companyName",
                        |s| s.company_name.clone(), |s, v| s.company_name = v, "Your company")}
                    <div class="form-row">
                        <label for="widget-color">"Main colour"</label>
                        <div class="form-row--inline">
                            <input id="widget-color-picker" type="color" data-testid="widget-color-picker"
                                aria-label="Pick the main colour"
                                prop:value=move || parse_color(&form.get(|s| s.primary_color.clone()))
                                    .unwrap_or_else(|| "#000000".to_owned())
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    form.set(|s| s.primary_color = v);
                                }/>
                            <input id="widget-color" type="text" data-testid="widget-color" size="9"
                                placeholder="#6b3e26" autocomplete="off" spellcheck="false"
                                prop:value=move || form.get(|s| s.primary_color.clone())
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    form.set(|s| s.primary_color = v);
                                }/>
                        </div>
                        {form.error_for("primaryColor")}
                    </div>
                    <div class="form-row">
                        <label for="widget-position">"Position"</label>
                        <select id="widget-position" data-testid="widget-position"
                            prop:value=move || form.get(|s| s.position.clone())
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                form.set(|s| s.position = v);
                            }>
                            {Position::ALL.into_iter().map(|p| view! {
                                <option value=p.as_str()
                                    selected=move || form.get(|s| s.position.clone()) == p.as_str()>
                                    {position_label(p)}
                                </option>
                            }).collect_view()}
                        </select>
                        {form.error_for("position")}
                    </div>
                    <div class="form-row">
                        <label for="widget-theme">"Theme"</label>
                        <select id="widget-theme" data-testid="widget-theme"
                            prop:value=move || form.get(|s| s.theme.clone())
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                form.set(|s| s.theme = v);
                            }>
                            {Theme::ALL.into_iter().map(|t| view! {
                                <option value=t.as_str()
                                    selected=move || form.get(|s| s.theme.clone()) == t.as_str()>
                                    {theme_label(t)}
                                </option>
                            }).collect_view()}
                        </select>
                        {form.error_for("theme")}
                    </div>
                    <div class="form-row">
                        <label for="widget-greeting">"Greeting"</label>
                        <textarea id="widget-greeting" data-testid="widget-greeting" rows="3"
                            placeholder=move || default_greeting.get()
                            prop:value=move || form.get(|s| s.greeting.clone())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                form.set(|s| s.greeting = v);
                            }></textarea>
                        <p class="hint">"Left empty, the widget shows the default assistant's greeting (shown greyed above)."</p>
                        {form.error_for("greeting")}
                    </div>
                    {text_row("widget-avatar", "Avatar URL", "avatarUrl",
                        |s| s.avatar_url.clone().unwrap_or_default(), |s, v| s.avatar_url = Some(v),
                        "https://cdn.example.com/avatar.png")}
                    {text_row("widget-logo", "Header logo URL", "headerLogoUrl",
                        |s| s.header_logo_url.clone().unwrap_or_default(), |s, v| s.header_logo_url = Some(v),
                        "https://cdn.example.com/logo.png")}
                    {text_row("widget-wordmark", "Wordmark URL", "wordmarkUrl",
                        |s| s.wordmark_url.clone().unwrap_or_default(), |s, v| s.wordmark_url = Some(v),
                        "https://cdn.example.com/wordmark.svg")}
                    {form.submission.form_error(FIELDS)}
                    <div class="form-actions">
                        <button type="submit" class="primary" data-testid="widget-save"
                            disabled=move || busy.get()>
                            {form.submission.label("Save", "Saving…")}
                        </button>
                        {move || form.saved.get().then(|| view! {
                            <span class="saved" role="status" data-testid="widget-saved">"Saved"</span>
                        })}
                    </div>
                </form>
                <Preview form=form default_greeting=default_greeting/>
            </div>
            </Show>
        </section>
    }
}

/// A static mock of the widget drawn from the form as it is now.
#[component]
fn Preview(form: Form, default_greeting: RwSignal<String>) -> impl IntoView {
    let position = move || Position::parse(&form.get(|s| s.position.clone())).unwrap_or_default();
    let theme = move || {
        Theme::parse(&form.get(|s| s.theme.clone()))
            .unwrap_or_default()
            .as_str()
    };
    let color = move || {
        parse_color(&form.get(|s| s.primary_color.clone())).unwrap_or_else(|| "#6b3e26".to_owned())
    };
    let image = move |read: fn(&WidgetSettings) -> String| {
        parse_image_url("image", Some(&form.get(read)))
            .ok()
            .flatten()
    };
    let company = move || {
        let name = form.get(|s| s.company_name.trim().to_owned());
        if name.is_empty() {
            "Your company".to_owned()
        } else {
            name
        }
    };
    let greeting = move || {
        let g = form.get(|s| s.greeting.trim().to_owned());
        if g.is_empty() {
            default_greeting.get()
        } else {
            g
        }
    };
    let corner = move || {
        let p = position();
        format!(
            "{} {}",
            if p.is_top() { "top" } else { "bottom" },
            if p.is_left() { "left" } else { "right" }
        )
    };
    view! {
        <div class="preview-column">
            <p class="label">"Preview"</p>
            <div class=move || format!("widget-preview {}", theme()) data-testid="widget-preview"
                data-position=move || position().as_str() data-theme=theme
                aria-label="Preview of the chat widget">
                <div class=move || format!("wp-panel {}", corner())>
                    <div class="wp-header" style:background=color>
                        {move || image(|s| s.header_logo_url.clone().unwrap_or_default()).map(|src| view! {
                            <img class="wp-logo" src=src alt="" data-testid="preview-logo"/>
                        })}
                        {move || image(|s| s.avatar_url.clone().unwrap_or_default()).map(|src| view! {
                            <img class="wp-avatar" src=src alt="" data-testid="preview-avatar"/>
                        })}
                        <span class="wp-company" data-testid="preview-company">{company}</span>
                        {move || image(|s| s.wordmark_url.clone().unwrap_or_default()).map(|src| view! {
                            <img class="wp-wordmark" src=src alt="" data-testid="preview-wordmark"/>
                        })}
                    </div>
                    <div class="wp-body">
                        <p class="wp-bubble" data-testid="preview-greeting">{greeting}</p>
                    </div>
                    <div class="wp-input">"Type a message…"</div>
                </div>
                <div class=move || format!("wp-launcher {}", corner()) style:background=color
                    data-testid="preview-launcher"></div>
            </div>
        </div>
    }
}
