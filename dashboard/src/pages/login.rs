//! Sign in with email and password; the server's own error message is shown as it is.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::LoginRequest;

use crate::api;
use crate::app::Session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let email_ref = NodeRef::<Input>::new();
    let password_ref = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        // Read the fields themselves: autofill does not always fire input events.
        let (Some(email), Some(password)) =
            (email_ref.get_untracked(), password_ref.get_untracked())
        else {
            return;
        };
        let request = LoginRequest {
            email: email.value().trim().to_owned(),
            password: password.value(),
        };
        if request.email.is_empty() || request.password.is_empty() {
            error.set(Some("Enter your email and password.".to_owned()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::login(&request).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(me) => session.signed_in(me),
                Err(e) => {
                    error.set(Some(e.message()));
                    if let Some(password) = password_ref.get_untracked() {
                        let _ = password.focus();
                    }
                }
            }
        });
    };

    view! {
        <main class="login">
            <form class="login-card" novalidate on:submit=submit aria-describedby="login-error">
                <h1>"Sign in to the inbox"</h1>
                <label for="login-email">"Email"</label>
                <input id="login-email" name="email" type="email" autocomplete="username" required
                    autofocus node_ref=email_ref/>
                <label for="login-password">"Password"</label>
                <input id="login-password" name="password" type="password"
                    autocomplete="current-password" required node_ref=password_ref/>
                <div id="login-error">
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                </div>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
