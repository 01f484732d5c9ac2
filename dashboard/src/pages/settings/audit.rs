//! `/settings/audit`: who changed which setting, when, from what to what. Newest first; reloads
//! when any setting changes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::{AuditEntry, AuditPage as Page};

use super::{when, SettingsEvents};
use crate::api::{self, ApiError};

const PAGE: usize = 50;

#[component]
pub fn AuditPage() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);

    let load = move |before: Option<i64>| {
        loading.set(true);
        spawn_local(async move {
            let path = match before {
                Some(b) => format!("/api/dashboard/audit?limit={PAGE}&before={b}"),
                None => format!("/api/dashboard/audit?limit={PAGE}"),
            };
            let result: Result<Page, ApiError> = api::get_json(&path).await;
            if loading.is_disposed() {
                return;
            }
            loading.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    next.set(page.next_before);
                    if before.is_some() {
                        entries.update(|e| e.extend(page.entries));
                    } else {
                        entries.set(page.entries);
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        events.any_version();
        load(None);
    });

    view! {
        <section class="settings-section" aria-labelledby="audit-title">
            <h2 id="audit-title">"Audit log"</h2>
            <p class="hint">"Every change to this workspace's settings: who made it, when, and what it was before and after."</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            <table class="audit" data-testid="audit-log">
                <thead>
                    <tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                        <th scope="col">"Before"</th><th scope="col">"After"</th></tr>
                </thead>
                <tbody>
                    <For each=move || entries.get() key=|e| e.seq children=|entry: AuditEntry| {
                        let before = entry.before.as_ref().map(compact);
                        let after = entry.after.as_ref().map(compact);
                        let action = entry.action.clone();
                        view! {
                            <tr data-testid="audit-entry" data-action=action>
                                <td>{when(entry.at)}</td>
                                <td>{entry.actor_name}</td>
                                <td><code>{entry.action}</code>" "{entry.target}</td>
                                <td class="json">{before}</td>
                                <td class="json">{after}</td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
            {move || (entries.with(Vec::is_empty) && !loading.get() && error.with(Option::is_none))
                .then(|| view! { <p class="empty">"No changes yet."</p> })}
            {move || next.get().map(|before| view! {
                <button type="button" class="secondary" disabled=move || loading.get()
                    on:click=move |_| load(Some(before))>"Older changes"</button>
            })}
        </section>
    }
}

/// `{"role":"agent"}` → `role: agent`: short enough for a table cell.
fn compact(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
