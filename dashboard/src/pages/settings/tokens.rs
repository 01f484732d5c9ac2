//! `/settings/tokens`: issue a widget token (label, expiry), see it once with the three embed
//! snippets, list the tokens (created, last used, expiry, status) and revoke one after an inline
//! confirm. Reloads when anyone changes the tokens.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::SettingsArea;
use shared::widget_settings::{
    IssueTokenRequest, TokenIssued, TokenList, WidgetTokenView, DEFAULT_TOKEN_EXPIRY_DAYS,
    TOKEN_EXPIRY_DAYS,
};

use super::{when, SettingsEvents};
use crate::api::{self, ApiError};
use crate::components::form::{value_of, Submission};
use crate::query::encode_component;
use crate::snippets::{self, EmbedValues};

const PATH: &str = "/api/dashboard/settings/tokens";

/// The expiry select's value for "never".
const NEVER: &str = "never";

fn status(token: &WidgetTokenView, now: f64) -> &'static str {
    if token.revoked_at.is_some() {
        "Revoked"
    } else if token.expires_at.is_some_and(|at| (at as f64) <= now) {
        "Expired"
    } else {
        "Active"
    }
}

/// The test-id suffix of a snippet (`snippet-esm`, `copy-esm`, …).
fn snippet_key(id: &str) -> &'static str {
    match id {
        "es-module" => "esm",
        "script-tag" => "script",
        _ => "react",
    }
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let list = RwSignal::new(None::<Result<TokenList, ApiError>>);
    let issued = RwSignal::new(None::<TokenIssued>);
    let action_error = RwSignal::new(None::<ApiError>);
    // The token whose revoke awaits confirmation: here, so a reload keeps it.
    let confirming = RwSignal::new(None::<String>);

    let reload = move || {
        spawn_local(async move {
            let result = api::get_json::<TokenList>(PATH).await;
            if !list.is_disposed() {
                list.set(Some(result));
            }
        });
    };
    Effect::new(move |_| {
        events.version(SettingsArea::Tokens);
        reload();
    });

    view! {
        <section class="settings-section" data-testid="tokens-page" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"Widget tokens"</h2>
            <p class="hint">
                "A website's widget sends a token to prove it belongs to this workspace. Issue one \
                 per site, and revoke it when the site no longer needs it."
            </p>
            <IssueForm issued=issued on_issued=Callback::new(move |()| reload())/>
            {move || issued.get().map(|t| view! {
                <IssuedToken issued=t on_close=Callback::new(move |()| issued.set(None))/>
            })}
            <h3>"Tokens"</h3>
            {move || action_error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="token-error">{e.message()}</p>
            })}
            {move || match list.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(l)) if l.tokens.is_empty() => view! {
                    <p class="empty" data-testid="tokens-empty">"No token yet: the widget cannot connect until you issue one."</p>
                }
                .into_any(),
                Some(Ok(l)) => view! {
                    <TokenTable tokens=l.tokens list=list action_error=action_error confirming=confirming/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn IssueForm(
    /// Where the new token is shown.
    issued: RwSignal<Option<TokenIssued>>,
    /// Called after a token was issued.
    on_issued: Callback<()>,
) -> impl IntoView {
    let label = NodeRef::<Input>::new();
    let expiry = RwSignal::new(DEFAULT_TOKEN_EXPIRY_DAYS.to_string());
    let form = Submission::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let days = expiry.with_untracked(|e| {
            if e == NEVER {
                None
            } else {
                e.parse::<i64>().ok()
            }
        });
        let body = IssueTokenRequest {
            label: value_of(label).trim().to_owned(),
            expires_in_days: Some(days),
        };
        form.send(
            async move { api::post_json::<_, TokenIssued>(PATH, &body).await },
            move |t| {
                if let Some(i) = label.get_untracked() {
                    i.set_value("");
                }
                issued.set(Some(t));
                on_issued.run(());
            },
        );
    };
    view! {
        <form class="form" novalidate on:submit=submit data-testid="token-form">
            <h3>"Issue a token"</h3>
            <div class="form-row">
                <label for="token-label">"Label"</label>
                <input id="token-label" type="text" node_ref=label data-testid="token-label"
                    placeholder="e.g. www.example.com" autocomplete="off"/>
                {form.field_error("label")}
            </div>
            <div class="form-row">
                <label for="token-expiry">"Expires"</label>
                <select id="token-expiry" data-testid="token-expiry"
                    on:change=move |ev| expiry.set(event_target_value(&ev))>
                    {TOKEN_EXPIRY_DAYS.into_iter().map(|d| {
                        let value = d.to_string();
                        let selected = d == DEFAULT_TOKEN_EXPIRY_DAYS;
                        view! { <option value=value selected=selected>{format!("In {d} days")}</option> }
                    }).collect_view()}
                    <option value=NEVER>"Never expires"</option>
                </select>
                {move || (expiry.with(|e| e == NEVER)).then(|| view! {
                    <p class="warning" data-testid="token-never-warning">
                        "A token that never expires works until you revoke it. Prefer an expiry \
                         and issue a new token before it ends."
                    </p>
                })}
                {form.field_error("expiresInDays")}
            </div>
            {form.form_error(&["label", "expiresInDays"])}
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="token-issue"
                    disabled=move || form.busy.get()>
                    {form.label("Issue token", "Issuing…")}
                </button>
            </div>
        </form>
    }
}

/// The token just issued, shown once, and the embed snippets made with it.
#[component]
fn IssuedToken(
    issued: TokenIssued,
    /// Hides it.
    on_close: Callback<()>,
) -> impl IntoView {
    let all = snippets::all(&EmbedValues {
        api_url: &issued.api_url,
        tenant_id: &issued.tenant_id,
        token: &issued.secret,
    });
    view! {
        <div class="settings-section issued" role="status" data-testid="token-issued">
            <h3>{format!("Token \u{201c}{}\u{201d}", issued.token.label)}</h3>
            <p class="warning" data-testid="token-once-note">
                "This token is shown only now: copy it (or a snippet below) before leaving the page. \
                 If it is lost, issue a new one and revoke this one."
            </p>
            <CopyBlock code=issued.secret testid="token-secret" copy_testid="copy-token"/>
            <p class="hint">
                "Paste one of these into every page of the site (and add the site to the allowed \
                 domains)."
            </p>
            {all.into_iter().map(|s| {
                let key = snippet_key(s.id);
                view! {
                    <h4>{s.title}</h4>
                    <CopyBlock code=s.code testid=format!("snippet-{key}") copy_testid=format!("copy-{key}")/>
                }
            }).collect_view()}
            <button type="button" class="link" data-testid="token-done" on:click=move |_| on_close.run(())>
                "Done"
            </button>
        </div>
    }
}

#[component]
fn TokenTable(
    tokens: Vec<WidgetTokenView>,
    /// Updated in place after a revoke.
    list: RwSignal<Option<Result<TokenList, ApiError>>>,
    action_error: RwSignal<Option<ApiError>>,
    /// The token whose revoke awaits confirmation.
    confirming: RwSignal<Option<String>>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let now = js_sys::Date::now();
    let revoke = move |id: String| {
        busy.set(true);
        spawn_local(async move {
            let path = format!("{PATH}/{}/revoke", encode_component(&id));
            let result = api::post_json::<_, WidgetTokenView>(&path, &()).await;
            if list.is_disposed() {
                return;
            }
            if !busy.is_disposed() {
                busy.set(false);
            }
            confirming.set(None);
            match result {
                Ok(row) => {
                    action_error.set(None);
                    list.update(|l| {
                        if let Some(Ok(l)) = l {
                            if let Some(t) = l.tokens.iter_mut().find(|t| t.id == row.id) {
                                *t = row;
                            }
                        }
                    });
                }
                Err(e) => action_error.set(Some(e)),
            }
        });
    };
    let row = move |token: WidgetTokenView| {
        let state = status(&token, now);
        let id = StoredValue::new(token.id.clone());
        let is_confirming =
            move || confirming.with(|c| c.as_deref() == Some(id.get_value().as_str()));
        view! {
            <tr data-testid="token-row" data-id=token.id.clone() data-status=state>
                <td data-testid="token-row-label">{token.label.clone()}</td>
                <td>{when(token.created_at)}</td>
                <td>{token.last_used_at.map_or_else(|| "never".to_owned(), when)}</td>
                <td>{token.expires_at.map_or_else(|| "never".to_owned(), when)}</td>
                <td data-testid="token-status">{state}</td>
                <td>
                    {(state == "Active").then(|| view! {
                        <Show when=is_confirming fallback=move || view! {
                            <button type="button" class="secondary" data-testid="token-revoke"
                                on:click=move |_| confirming.set(Some(id.get_value()))>"Revoke"</button>
                        }>
                            <span class="confirm">
                                "Revoke it? Widgets using it stop at once. "
                                <button type="button" class="danger" data-testid="confirm-revoke"
                                    disabled=move || busy.get()
                                    on:click=move |_| revoke(id.get_value())>"Revoke"</button>
                                <button type="button" class="secondary" data-testid="cancel-revoke"
                                    on:click=move |_| confirming.set(None)>"Cancel"</button>
                            </span>
                        </Show>
                    })}
                </td>
            </tr>
        }
    };
    view! {
        <table class="data" data-testid="tokens">
            <thead>
                <tr><th scope="col">"Label"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th>
                    <th scope="col">"Expires"</th><th scope="col">"Status"</th><th scope="col"></th></tr>
            </thead>
            <tbody>{tokens.into_iter().map(row).collect_view()}</tbody>
        </table>
    }
}

/// A `<pre>` to copy from, with a copy button.
#[component]
pub(super) fn CopyBlock(
    /// The text.
    code: String,
    /// The `<pre>`'s test id.
    #[prop(into)]
    testid: String,
    /// The button's test id.
    #[prop(into)]
    copy_testid: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = code.clone();
    view! {
        <div class="copy-box">
            <pre data-testid=testid>{code}</pre>
            <button type="button" class="secondary" data-testid=copy_testid
                on:click=move |_| copied.set(copy_to_clipboard(&text))>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}

/// `navigator.clipboard.writeText(text)`, looked up by name (no extra web-sys features); false
/// where the browser has no clipboard API (the text can still be selected and copied).
pub(super) fn copy_to_clipboard(text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let navigator = window().navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else {
        return false;
    };
    let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) else {
        return false;
    };
    write
        .dyn_into::<js_sys::Function>()
        .is_ok_and(|f| f.call1(&clipboard, &text.into()).is_ok())
}
