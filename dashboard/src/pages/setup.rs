//! `/setup`: "Create your workspace", shown instead of the sign-in while the server has no
//! workspace (or to anyone when signup is open). Company, your name, email, password: the first
//! owner, signed in.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::workspace::CreateWorkspace;

use crate::api::{self, workspace, ApiError};
use crate::app::Session;

/// The message for `field` when the server's last answer named it.
pub fn field_error(
    error: RwSignal<Option<ApiError>>,
    field: &'static str,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static {
    move || {
        error.with(|e| {
            e.as_ref()
                .filter(|e| e.field() == Some(field))
                .map(|e| {
                    view! { <p class="field-error" role="alert" data-testid=format!("error-{field}")>{e.message()}</p> }
                        .into_any()
                })
        })
    }
}

/// The message of an error that names no field of the form (`fields`).
pub fn form_error(
    error: RwSignal<Option<ApiError>>,
    fields: &'static [&'static str],
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static {
    move || {
        error.with(|e| {
            e.as_ref()
                .filter(|e| e.field().is_none_or(|f| !fields.contains(&f)))
                .map(|e| {
                    view! { <p class="error" role="alert" data-testid="form-error">{e.message()}</p> }
                        .into_any()
                })
        })
    }
}

const FIELDS: &[&str] = &["companyName", "name", "email", "password"];

#[component]
pub fn SetupPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let company = NodeRef::<Input>::new();
    let name = NodeRef::<Input>::new();
    let email = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let value = |r: NodeRef<Input>| r.get_untracked().map(|i| i.value()).unwrap_or_default();
        let request = CreateWorkspace {
            company_name: value(company),
            name: value(name),
            email: value(email).trim().to_owned(),
            password: value(password),
        };
        busy.set(true);
        spawn_local(async move {
            let result = workspace::create_workspace(&request).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(me) => session.signed_in(me),
                // What was typed stays in the fields (they are not reset).
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <main class="login">
            <form class="login-card" novalidate on:submit=submit data-testid="setup-form">
                <h1>"Create your workspace"</h1>
                <p class="hint">"You'll be its owner: you can invite your teammates next."</p>
                <label for="setup-company">"Company name"</label>
                <input id="setup-company" name="companyName" autocomplete="organization" required
                    autofocus maxlength="100" node_ref=company data-testid="setup-company"/>
                {field_error(error, "companyName")}
                <label for="setup-name">"Your name"</label>
                <input id="setup-name" name="name" autocomplete="name" required node_ref=name
                    data-testid="setup-name"/>
                {field_error(error, "name")}
                <label for="setup-email">"Email"</label>
                <input id="setup-email" name="email" type="email" autocomplete="username" required
                    node_ref=email data-testid="setup-email"/>
                {field_error(error, "email")}
                <label for="setup-password">"Password"</label>
                <input id="setup-password" name="password" type="password" autocomplete="new-password"
                    required minlength="10" node_ref=password data-testid="setup-password"/>
                <p class="hint">"At least 10 characters."</p>
                {field_error(error, "password")}
                {form_error(error, FIELDS)}
                <button type="submit" class="primary" disabled=move || busy.get()
                    data-testid="setup-submit">
                    {move || if busy.get() { "Creating…" } else { "Create workspace" }}
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
