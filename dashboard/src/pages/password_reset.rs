//! `/reset-password/{token}`: a teammate sets a new password with the link an admin gave them,
//! then signs in with it (every earlier sign-in has ended).

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::workspace::NewPassword;

use super::setup::{field_error, form_error};
use crate::api::{workspace, ApiError};

const FIELDS: &[&str] = &["password"];

/// The password-reset page.
#[component]
pub fn PasswordResetPage() -> impl IntoView {
    // The token at the end of the link.
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let token = StoredValue::new(token);
    let info = LocalResource::new(move || {
        let token = token.get_value();
        async move { workspace::password_reset(&token).await }
    });
    let password = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let request = NewPassword {
            password: password
                .get_untracked()
                .map(|i| i.value())
                .unwrap_or_default(),
        };
        busy.set(true);
        spawn_local(async move {
            let result = workspace::use_password_reset(&token.get_value(), &request).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(()) => done.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <main class="login">
            <div class="login-card" data-testid="password-reset">
                {move || match (done.get(), info.get()) {
                    (true, _) => view! {
                        <h1>"Password set"</h1>
                        <p data-testid="reset-done">"Sign in with your new password."</p>
                        <a class="primary" href="/login" rel="external">"Sign in"</a>
                    }.into_any(),
                    (false, None) => view! { <p class="loading">"Loading…"</p> }.into_any(),
                    (false, Some(Err(e))) => view! {
                        <h1>"This link can't be used"</h1>
                        <p class="error" role="alert" data-testid="reset-error">{e.message()}</p>
                        <a href="/login" rel="external">"Sign in"</a>
                    }.into_any(),
                    (false, Some(Ok(reset))) => view! {
                        <h1>"Choose a new password"</h1>
                        <p>"For " <strong data-testid="reset-email">{reset.email.clone()}</strong></p>
                        <form novalidate on:submit=submit data-testid="reset-form">
                            <input type="email" autocomplete="username" hidden
                                prop:value=reset.email/>
                            <label for="reset-password">"New password"</label>
                            <input id="reset-password" name="password" type="password"
                                autocomplete="new-password" required minlength="10" autofocus
                                node_ref=password data-testid="reset-password"/>
                            <p class="hint">"At least 10 characters."</p>
                            {field_error(error, "password")}
                            {form_error(error, FIELDS)}
                            <button type="submit" class="primary" disabled=move || busy.get()
                                data-testid="reset-submit">
                                {move || if busy.get() { "Saving…" } else { "Set password" }}
                            </button>
                        </form>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}
