//! `/settings/domains`: the origins the widget may load on (add, remove), the matching rules,
//! and a warning while the list is empty (the widget then loads nowhere). Reloads when anyone
//! changes the domains.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::SettingsArea;
use shared::widget_settings::{DomainList, DomainRequest};

use super::SettingsEvents;
use crate::api::{self, ApiError};
use crate::components::form::{value_of, Submission};
use crate::query::encode_component;

const PATH: &str = "/api/dashboard/settings/domains";

#[component]
pub fn DomainsPage() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let list = RwSignal::new(None::<Result<DomainList, ApiError>>);
    let adding = Submission::new();
    let remove_error = RwSignal::new(None::<ApiError>);
    let input = NodeRef::<Input>::new();

    let reload = move || {
        spawn_local(async move {
            let result = api::get_json::<DomainList>(PATH).await;
            if !list.is_disposed() {
                list.set(Some(result));
            }
        });
    };
    Effect::new(move |_| {
        events.version(SettingsArea::Domains);
        reload();
    });

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = DomainRequest {
            origin: value_of(input).trim().to_owned(),
        };
        // On an error what the admin typed stays in the input.
        adding.send(
            async move { api::post_json::<_, DomainRequest>(PATH, &body).await },
            move |_| {
                if let Some(i) = input.get_untracked() {
                    i.set_value("");
                }
                reload();
            },
        );
    };

    let remove = move |origin: String| {
        spawn_local(async move {
            let result = api::delete(&format!("{PATH}?origin={}", encode_component(&origin))).await;
            if list.is_disposed() {
                return;
            }
            match result {
                Ok(()) => remove_error.set(None),
                Err(e) => remove_error.set(Some(e)),
            }
            reload();
        });
    };

    let row = move |origin: String| {
        let target = origin.clone();
        let attr = origin.clone();
        view! {
            <tr data-testid="domain" data-origin=attr>
                <td><code>{origin}</code></td>
                <td>
                    <button type="button" class="secondary" data-testid="domain-remove"
                        on:click=move |_| remove(target.clone())>"Remove"</button>
                </td>
            </tr>
        }
    };

    view! {
        <section class="settings-section" data-testid="domains-page" aria-labelledby="domains-title">
            <h2 id="domains-title">"Allowed domains"</h2>
            <p class="hint">
                "The widget loads only on pages whose origin is on this list. An origin matches \
                 exactly: the same scheme, host and port (https://shop.example.com does not allow \
                 http://shop.example.com, nor https://shop.example.com:8443). To allow every \
                 subdomain, add https://*.example.com; it does not cover the bare \
                 https://example.com, add that too if the widget runs there. A lone * is not \
                 accepted."
            </p>
            {move || list.with(|l| match l {
                Some(Ok(d)) if d.empty || d.origins.is_empty() => Some(view! {
                    <p class="warning" data-testid="domains-empty-warning">
                        "No domain is allowed yet: the widget loads on no site until you add one."
                    </p>
                }),
                _ => None,
            })}
            <form class="form" novalidate on:submit=add data-testid="domain-form">
                <div class="form-row">
                    <label for="domain-input">"Add an origin"</label>
                    <div class="form-row--inline">
                        <input id="domain-input" type="text" node_ref=input data-testid="domain-input"
                            placeholder="https://www.example.com" autocomplete="off" spellcheck="false"
                            on:input=move |_| {
                                if adding.error.with_untracked(Option::is_some) {
                                    adding.error.set(None);
                                }
                            }/>
                        <button type="submit" class="primary" data-testid="domain-add"
                            disabled=move || adding.busy.get()>
                            {adding.label("Add", "Adding…")}
                        </button>
                    </div>
                    {adding.field_error("origin")}
                    {adding.form_error(&["origin"])}
                </div>
            </form>
            {move || remove_error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="domain-remove-error">{e.message()}</p>
            })}
            {move || match list.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(d)) if d.origins.is_empty() => ().into_any(),
                Some(Ok(d)) => view! {
                    <table class="data" data-testid="domains">
                        <thead><tr><th scope="col">"Origin"</th><th scope="col"></th></tr></thead>
                        <tbody>{d.origins.into_iter().map(row).collect_view()}</tbody>
                    </table>
                }
                .into_any(),
            }}
        </section>
    }
}
