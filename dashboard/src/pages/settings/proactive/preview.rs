//! The live preview of a proactive bubble: the message of the rule being edited, as the widget's
//! loader draws it by the launcher (a white card in the 14px system font, 12px corners, a shadow,
//! a small × and at most about 260px wide), next to a round launcher in the workspace's main
//! colour (read from the widget settings; the dashboard's blue until they answer). The message is
//! text, never markup, as it is on the site.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::SettingsArea;
use shared::widget_settings::{parse_color, WidgetSettingsPage};

use super::Form;
use crate::api;
use crate::pages::settings::SettingsEvents;

const WIDGET_PATH: &str = "/api/dashboard/settings/widget";
/// The launcher's colour when the widget settings cannot be read.
const DEFAULT_COLOR: &str = "#2563eb";

/// The workspace's widget colour, kept up to date with the widget settings.
fn widget_color() -> RwSignal<String> {
    let color = RwSignal::new(DEFAULT_COLOR.to_owned());
    let events = expect_context::<SettingsEvents>();
    Effect::new(move |_| {
        events.version(SettingsArea::Widget);
        spawn_local(async move {
            // Only a nicety: the preview keeps the default colour when this fails.
            let Ok(page) = api::get_json::<WidgetSettingsPage>(WIDGET_PATH).await else {
                return;
            };
            if let Some(main) = parse_color(&page.settings.primary_color) {
                // The page may be gone by now.
                let _ = color.try_set(main);
            }
        });
    });
    color
}

/// The bubble of the rule the admin works in (the first rule until they pick one).
#[component]
pub(super) fn BubblePreview(
    /// The page's form.
    form: Form,
) -> impl IntoView {
    let color = widget_color();
    let rule = move || {
        let key = form.previewed()?;
        let place = form.index(key).map_or(0, |i| i + 1);
        let name = form.read(key, |r| r.name.trim().to_owned());
        let message = form.read(key, |r| r.message.trim().to_owned());
        Some((place, name, message))
    };
    let caption = move || match rule() {
        Some((place, name, _)) if !name.is_empty() => format!("Rule {place}: {name}"),
        Some((place, _, _)) => format!("Rule {place}"),
        None => "Add a rule to see its bubble here.".to_owned(),
    };
    let message = move || rule().map(|(_, _, message)| message).unwrap_or_default();
    view! {
        <figure class="preview-column proactive-preview" data-testid="proactive-preview"
            aria-labelledby="proactive-preview-title">
            <figcaption>
                <span class="label" id="proactive-preview-title">"Preview"</span>
                <span class="hint" data-testid="proactive-preview-rule">{caption}</span>
            </figcaption>
            <Show when=move || rule().is_some()>
                <div class="pp-stage">
                    <div class="pp-bubble" data-testid="proactive-preview-bubble">
                        <p class="pp-text" class:pp-empty=move || message().is_empty()
                            data-testid="proactive-preview-text">
                            {move || {
                                let text = message();
                                if text.is_empty() { "Your message shows here.".to_owned() } else { text }
                            }}
                        </p>
                        // Drawn like the widget's, but the preview has nothing to close.
                        <span class="pp-close" aria-hidden="true">"×"</span>
                    </div>
                    <div class="pp-launcher" aria-hidden="true" data-testid="proactive-preview-launcher"
                        style:background=move || color.get()></div>
                </div>
            </Show>
            <Show when=move || !form.form.with(|f| f.enabled)>
                <p class="hint" data-testid="proactive-preview-off">
                    "Proactive messages are off: visitors see no bubble."
                </p>
            </Show>
        </figure>
    }
}
