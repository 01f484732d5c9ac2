//! `/settings/account` (anyone signed in): change your password (your other sign-ins end) and
//! sign out everywhere (this one too).

use leptos::html::Input;
use leptos::prelude::*;
use shared::workspace::ChangePassword;

use crate::api::workspace;
use crate::app::Session;
use crate::components::form::{value_of, Field, Submission};

const FIELDS: &[&str] = &["currentPassword", "newPassword"];

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let current = NodeRef::<Input>::new();
    let new = NodeRef::<Input>::new();
    let form = Submission::new();
    let saved = RwSignal::new(false);
    let sign_out = Submission::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = ChangePassword {
            current_password: value_of(current),
            new_password: value_of(new),
        };
        saved.set(false);
        form.send(
            async move { workspace::change_password(&request).await },
            move |()| {
                saved.set(true);
                for input in [current, new].into_iter().filter_map(|r| r.get_untracked()) {
                    input.set_value("");
                }
            },
        );
    };

    let sign_out_everywhere = move |_| {
        sign_out.send(workspace::sign_out_everywhere(), move |()| {
            session.signed_out();
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
                <Field form field="currentPassword" id="current-password"
                    label="Current password" node_ref=current kind="password"
                    autocomplete="current-password" testid="current-password"/>
                <Field form field="newPassword" id="new-password" label="New password"
                    node_ref=new kind="password" autocomplete="new-password" minlength=10
                    hint="At least 10 characters. Your other sign-ins end; this one stays."
                    testid="new-password"/>
                {form.form_error(FIELDS)}
                {move || saved.get().then(|| view! {
                    <p class="saved" role="status" data-testid="password-saved">"Password changed."</p>
                })}
                <button type="submit" class="primary" disabled=move || form.busy.get()
                    data-testid="password-submit">
                    {form.label("Change password", "Saving…")}
                </button>
            </form>
            <div class="settings-form">
                <h3>"Sign out everywhere"</h3>
                <p class="hint">"Ends every sign-in of yours, on every device, this one included."</p>
                {sign_out.form_error(&[])}
                <button type="button" class="danger" disabled=move || sign_out.busy.get()
                    data-testid="sign-out-everywhere" on:click=sign_out_everywhere>
                    "Sign out everywhere"
                </button>
            </div>
        </section>
    }
}
