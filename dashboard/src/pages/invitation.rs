//! `/invitations/{token}`: the invited person sees the workspace and their email, chooses a
//! name and a password, and is signed in.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::workspace::AcceptInvitation;

use super::setup::{field_error, form_error};
use crate::api::{workspace, ApiError};
use crate::app::Session;

const FIELDS: &[&str] = &["name", "password"];

/// The invitation page.
#[component]
pub fn InvitationPage() -> impl IntoView {
    // The token at the end of the link.
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let session = expect_context::<Session>();
    let token = StoredValue::new(token);
    let info = LocalResource::new(move || {
        let token = token.get_value();
        async move { workspace::invitation(&token).await }
    });
    let name = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let value = |r: NodeRef<Input>| r.get_untracked().map(|i| i.value()).unwrap_or_default();
        let request = AcceptInvitation {
            name: value(name),
            password: value(password),
        };
        busy.set(true);
        spawn_local(async move {
            let result = workspace::accept_invitation(&token.get_value(), &request).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(me) => session.signed_in(me),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <main class="login">
            <div class="login-card" data-testid="invitation">
                {move || match info.get() {
                    None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! {
                        <h1>"This invitation can't be used"</h1>
                        <p class="error" role="alert" data-testid="invitation-error">{e.message()}</p>
                        <a href="/login" rel="external">"Sign in"</a>
                    }.into_any(),
                    Some(Ok(invitation)) => view! {
                        <h1>"Join " {invitation.workspace_name.clone()}</h1>
                        <p data-testid="invitation-email">
                            "You were invited as " <strong>{invitation.role.as_str()}</strong>
                            " with " <strong>{invitation.email}</strong> "."
                        </p>
                        <form novalidate on:submit=submit data-testid="invitation-form">
                            <label for="invite-name">"Your name"</label>
                            <input id="invite-name" name="name" autocomplete="name" required autofocus
                                node_ref=name data-testid="invitation-name"/>
                            {field_error(error, "name")}
                            <label for="invite-password">"Choose a password"</label>
                            <input id="invite-password" name="password" type="password"
                                autocomplete="new-password" required minlength="10"
                                node_ref=password data-testid="invitation-password"/>
                            <p class="hint">"At least 10 characters."</p>
                            {field_error(error, "password")}
                            {form_error(error, FIELDS)}
                            <button type="submit" class="primary" disabled=move || busy.get()
                                data-testid="invitation-submit">
                                {move || if busy.get() { "Joining…" } else { "Join the workspace" }}
                            </button>
                        </form>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}
