//! `/reset-password/{token}`: a teammate sets a new password with the link an admin gave them,
//! then signs in with it (every earlier sign-in has ended).

use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::workspace::NewPassword;

use crate::api::workspace;
use crate::components::form::{value_of, Field, Submission};

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
    let form = Submission::new();
    let done = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = NewPassword {
            password: value_of(password),
        };
        form.send(
            async move { workspace::use_password_reset(&token.get_value(), &request).await },
            move |()| done.set(true),
        );
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
                            <Field form field="password" id="reset-password" label="New password"
                                node_ref=password kind="password" autocomplete="new-password"
                                minlength=10 autofocus=true hint="At least 10 characters."
                                testid="reset-password"/>
                            {form.form_error(FIELDS)}
                            <button type="submit" class="primary" disabled=move || form.busy.get()
                                data-testid="reset-submit">
                                {form.label("Set password", "Saving…")}
                            </button>
                        </form>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}
