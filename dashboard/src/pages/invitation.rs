//! `/invitations/{token}`: the invited person sees the workspace and their email, chooses a
//! name and a password, and is signed in.

use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::workspace::AcceptInvitation;

use crate::api::workspace;
use crate::app::Session;
use crate::components::form::{value_of, Field, Submission};

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
    let form = Submission::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = AcceptInvitation {
            name: value_of(name),
            password: value_of(password),
        };
        form.send(
            async move { workspace::accept_invitation(&token.get_value(), &request).await },
            move |me| session.signed_in(me),
        );
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
                            <Field form field="name" id="invite-name" label="Your name"
                                node_ref=name autocomplete="name" autofocus=true
                                testid="invitation-name"/>
                            <Field form field="password" id="invite-password"
                                label="Choose a password" node_ref=password kind="password"
                                autocomplete="new-password" minlength=10
                                hint="At least 10 characters." testid="invitation-password"/>
                            {form.form_error(FIELDS)}
                            <button type="submit" class="primary" disabled=move || form.busy.get()
                                data-testid="invitation-submit">
                                {form.label("Join the workspace", "Joining…")}
                            </button>
                        </form>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}
