//! `/settings/account` (anyone signed in): change your password (your other sign-ins end) and
//! sign out everywhere (this one too).

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::workspace::ChangePassword;

use crate::api::{workspace, ApiError};
use crate::app::Session;
use crate::pages::setup::{field_error, form_error};

const FIELDS: &[&str] = &["currentPassword", "newPassword"];

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let current = NodeRef::<Input>::new();
    let new = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let out_error = RwSignal::new(None::<ApiError>);
    let out_busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let value = |r: NodeRef<Input>| r.get_untracked().map(|i| i.value()).unwrap_or_default();
        let request = ChangePassword {
            current_password: value(current),
            new_password: value(new),
        };
        busy.set(true);
        saved.set(false);
        spawn_local(async move {
            let result = workspace::change_password(&request).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(()) => {
                    error.set(None);
                    saved.set(true);
                    for input in [current, new].into_iter().filter_map(|r| r.get_untracked()) {
                        input.set_value("");
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let sign_out_everywhere = move |_| {
        if out_busy.get_untracked() {
            return;
        }
        out_busy.set(true);
        spawn_local(async move {
            let result = workspace::sign_out_everywhere().await;
            if out_busy.is_disposed() {
                return;
            }
            out_busy.set(false);
            match result {
                Ok(()) => session.signed_out(),
                Err(e) => out_error.set(Some(e)),
            }
        });
    };

    view! {
        <section class="settings-section" aria-labelledby="account-title">
            <h2 id="account-title">"Your account"</h2>
            <p>{move || session.me().map(|m| format!("{} · {}", m.name, m.email))}</p>
            <form class="settings-form" novalidate on:submit=submit data-testid="password-form">
                <h3>"Change your password"</h3>
                <input type="email" autocomplete="username" hidden
                    prop:value=move || session.me().map(|m| m.email).unwrap_or_default()/>
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" autocomplete="current-password"
                    required node_ref=current data-testid="current-password"/>
                {field_error(error, "currentPassword")}
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" required
                    minlength="10" node_ref=new data-testid="new-password"/>
                <p class="hint">"At least 10 characters. Your other sign-ins end; this one stays."</p>
                {field_error(error, "newPassword")}
                {form_error(error, FIELDS)}
                {move || saved.get().then(|| view! {
                    <p class="saved" role="status" data-testid="password-saved">"Password changed."</p>
                })}
                <button type="submit" class="primary" disabled=move || busy.get()
                    data-testid="password-submit">
                    {move || if busy.get() { "Saving…" } else { "Change password" }}
                </button>
            </form>
            <div class="settings-form">
                <h3>"Sign out everywhere"</h3>
                <p class="hint">"Ends every sign-in of yours, on every device, this one included."</p>
                {move || out_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
                <button type="button" class="danger" disabled=move || out_busy.get()
                    data-testid="sign-out-everywhere" on:click=sign_out_everywhere>
                    "Sign out everywhere"
                </button>
            </div>
        </section>
    }
}
