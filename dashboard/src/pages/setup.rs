//! `/setup`: "Create your workspace", shown instead of the sign-in while the server has no
//! workspace (or to anyone when signup is open). Company, your name, email, password: the first
//! owner, signed in.

use leptos::html::Input;
use leptos::prelude::*;
use shared::workspace::CreateWorkspace;

use crate::api::{self, workspace};
use crate::app::Session;
use crate::components::form::{value_of, Field, Submission};

const FIELDS: &[&str] = &["companyName", "name", "email", "password"];

#[component]
pub fn SetupPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let company = NodeRef::<Input>::new();
    let name = NodeRef::<Input>::new();
    let email = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let form = Submission::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CreateWorkspace {
            company_name: value_of(company),
            name: value_of(name),
            email: value_of(email).trim().to_owned(),
            password: value_of(password),
        };
        // What was typed stays in the fields on an error (they are not reset).
        form.send(
            async move { workspace::create_workspace(&request).await },
            move |me| session.signed_in(me),
        );
    };

    view! {
        <main class="login">
            <form class="login-card" novalidate on:submit=submit data-testid="setup-form">
                <h1>"Create your workspace"</h1>
                <p class="hint">"You'll be its owner: you can invite your teammates next."</p>
                <Field form field="companyName" id="setup-company" label="Company name"
                    node_ref=company autocomplete="organization" autofocus=true maxlength=100
                    testid="setup-company"/>
                <Field form field="name" id="setup-name" label="Your name" node_ref=name
                    autocomplete="name" testid="setup-name"/>
                <Field form field="email" id="setup-email" label="Email" node_ref=email
                    kind="email" autocomplete="username" testid="setup-email"/>
                <Field form field="password" id="setup-password" label="Password"
                    node_ref=password kind="password" autocomplete="new-password" minlength=10
                    hint="At least 10 characters." testid="setup-password"/>
                {form.form_error(FIELDS)}
                <button type="submit" class="primary" disabled=move || form.busy.get()
                    data-testid="setup-submit">
                    {form.label("Create workspace", "Creating…")}
                </button>
            </form>
        </main>
    }
}

/// Whether the first-run page should be shown instead of the sign-in.
pub async fn needs_workspace() -> bool {
    api::workspace::setup_status()
        .await
        .is_ok_and(|s| s.needs_workspace)
}
