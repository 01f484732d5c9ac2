//! `/settings/identity`: the identity-verification secret (whether one exists, since when),
//! creating or rotating it (inline confirm when one exists), the new secret shown once, and how
//! the customer's backend computes a visitor's `userHash` with it. Reloads when anyone rotates it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::{IdentitySecretIssued, IdentitySecretStatus, SettingsArea};

use super::tokens::CopyBlock;
use super::{when, SettingsEvents};
use crate::api::{self, ApiError};

const PATH: &str = "/api/dashboard/settings/identity-secret";

/// Where the examples read the secret from: never paste it into code.
const NODE: &str = r#"import { createHmac } from "node:crypto";

// On your server, for the signed-in user's email:
export function userHash(email) {
  return createHmac("sha256", process.env.LIVECHAT_IDENTITY_SECRET)
    .update(email.trim().toLowerCase())
    .digest("hex");
}"#;

const PYTHON: &str = r#"import hashlib
import hmac
import os

# On your server, for the signed-in user's email:
def user_hash(email: str) -> str:
    secret = os.environ["LIVECHAT_IDENTITY_SECRET"].encode()
    message = email.strip().lower().encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()"#;

const OPENSSL: &str = r#"# Trim and lower-case the email first; prints the hex userHash.
printf '%s' 'jane.doe@example.com' \
  | openssl dgst -sha256 -hmac "$LIVECHAT_IDENTITY_SECRET" \
  | awk '{print $NF}'"#;

const WIDGET: &str = r#"renderWebWidget({
  // tenantId, apiUrl and token as in your embed snippet, and:
  userHash: "<the hex hash your server computed for this user's email>",
});"#;

#[component]
pub fn IdentityPage() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let status = RwSignal::new(None::<Result<IdentitySecretStatus, ApiError>>);
    let issued = RwSignal::new(None::<IdentitySecretIssued>);
    let error = RwSignal::new(None::<ApiError>);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);

    let reload = move || {
        spawn_local(async move {
            let result = api::get_json::<IdentitySecretStatus>(PATH).await;
            if !status.is_disposed() {
                status.set(Some(result));
            }
        });
    };
    Effect::new(move |_| {
        events.version(SettingsArea::Identity);
        reload();
    });

    let configured = move || status.with(|s| matches!(s, Some(Ok(s)) if s.configured));
    let rotate = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::post_json::<_, IdentitySecretIssued>(PATH, &()).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            confirming.set(false);
            match result {
                Ok(secret) => {
                    error.set(None);
                    status.set(Some(Ok(IdentitySecretStatus {
                        configured: true,
                        created_at: Some(secret.created_at),
                    })));
                    issued.set(Some(secret));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let on_rotate = move |_| {
        if configured() {
            confirming.set(true);
        } else {
            rotate();
        }
    };

    view! {
        <section class="settings-section" data-testid="identity-page" aria-labelledby="identity-title">
            <h2 id="identity-title">"Identity verification"</h2>
            <p class="hint">
                "The widget token is public, so an email a visitor types proves nothing by itself. \
                 When your site knows who is signed in, your server signs their email with this \
                 secret and the page passes the result to the widget as userHash: the visitor is \
                 then verified, and sees their earlier conversations. A wrong hash is refused."
            </p>
            {move || match status.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(s)) => view! {
                    <p data-testid="identity-status" data-configured=s.configured.to_string()>
                        {match s.created_at.filter(|_| s.configured) {
                            Some(at) => format!("A secret is configured (created {}).", when(at)),
                            None => "No secret yet: every visitor's email is unverified.".to_owned(),
                        }}
                    </p>
                }
                .into_any(),
            }}
            {move || error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="identity-error">{e.message()}</p>
            })}
            <Show when=move || confirming.get() fallback=move || view! {
                <button type="button" class="primary" data-testid="identity-rotate"
                    disabled=move || busy.get() || status.with(Option::is_none) on:click=on_rotate>
                    {move || if configured() { "Rotate the secret" } else { "Create a secret" }}
                </button>
            }>
                <div class="warning confirm" data-testid="identity-confirm">
                    "The current secret stops verifying at once: update your server with the new one \
                     right away. Rotate?"
                    <button type="button" class="danger" data-testid="confirm-rotate"
                        disabled=move || busy.get() on:click=move |_| rotate()>"Rotate"</button>
                    <button type="button" class="secondary" data-testid="cancel-rotate"
                        on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Show>
            {move || issued.get().map(|s| view! {
                <div class="issued" role="status" data-testid="identity-issued">
                    <p class="warning">
                        "This secret is shown only now. Store it on your server (for example as \
                         LIVECHAT_IDENTITY_SECRET); never put it in a web page."
                    </p>
                    <CopyBlock code=s.secret testid="identity-secret" copy_testid="copy-identity-secret"/>
                    <button type="button" class="link" data-testid="identity-done"
                        on:click=move |_| issued.set(None)>"Done"</button>
                </div>
            })}
            <h3>"Computing userHash"</h3>
            <p class="hint">
                "userHash is the lower-case hex HMAC-SHA256 of the email, trimmed and \
                 lower-cased, keyed with the secret. Compute it on your server, never in the \
                 browser."
            </p>
            <h4>"Node.js"</h4>
            <CopyBlock code=NODE.to_owned() testid="identity-snippet-node" copy_testid="copy-identity-node"/>
            <h4>"Python"</h4>
            <CopyBlock code=PYTHON.to_owned() testid="identity-snippet-python" copy_testid="copy-identity-python"/>
            <h4>"Command line (openssl)"</h4>
            <CopyBlock code=OPENSSL.to_owned() testid="identity-snippet-openssl" copy_testid="copy-identity-openssl"/>
            <h4>"Then, in the page"</h4>
            <CopyBlock code=WIDGET.to_owned() testid="identity-snippet-widget" copy_testid="copy-identity-widget"/>
        </section>
    }
}
