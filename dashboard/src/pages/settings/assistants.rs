//! `/settings/assistants`: the workspace's assistants with the default marked; create one, make
//! one the default, delete one (after a confirm; never the default).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::assistant_settings::{AssistantInput, AssistantSummary};

use super::assistant::{
    assistant_path, assistants_version, can_manage, channel_label, go_to, ErrorFor, FormError,
};
use crate::api::{assistants as api, ApiError};

#[component]
pub fn AssistantsPage() -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<AssistantSummary>, ApiError>>);
    let action_error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            let result = api::list().await;
            if !list.is_disposed() {
                list.set(Some(result));
            }
        });
    };
    // Loads now, and again whenever anyone changes the assistants.
    Effect::new(move |_| {
        assistants_version();
        reload();
    });

    view! {
        <section class="settings-section" data-testid="assistants-page">
            <h2>"Assistants"</h2>
            <p class="hint">
                "The default assistant answers new conversations. Each one has its own \
                 instructions, greeting and knowledge."
            </p>
            {move || action_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || match list.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <AssistantTable rows=rows action_error=action_error reload=Callback::new(move |()| reload())/>
                }
                .into_any(),
            }}
            <Show when=can_manage>
                <CreateAssistant/>
            </Show>
        </section>
    }
}

#[component]
fn AssistantTable(
    /// The assistants to show.
    rows: Vec<AssistantSummary>,
    /// Where a failed action says why.
    action_error: RwSignal<Option<String>>,
    /// Reloads the list after a change.
    reload: Callback<()>,
) -> impl IntoView {
    // The assistant whose delete awaits confirmation, and one being changed.
    let confirming = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let act = move |id: String, delete: bool| {
        busy.set(true);
        action_error.set(None);
        spawn_local(async move {
            let result = if delete {
                api::remove(&id).await
            } else {
                api::make_default(&id).await.map(drop)
            };
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            confirming.set(None);
            match result {
                Ok(()) => reload.run(()),
                Err(e) => action_error.set(Some(e.message())),
            }
        });
    };
    view! {
        <table class="settings-table" data-testid="assistants-table">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Channels"</th>
                    <th>"Knowledge"</th>
                    <th>"Model"</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let id = row.id.clone();
                        // Copy, so the nested `Show` children stay `Fn`.
                        let row_id = StoredValue::new(id.clone());
                        let is_confirming = {
                            let id = id.clone();
                            move || confirming.get().as_deref() == Some(id.as_str())
                        };
                        let channels = row
                            .channels
                            .iter()
                            .map(|c| channel_label(*c))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let delete_reason = row
                            .is_default
                            .then_some("The default assistant can't be deleted: make another one the default first.");
                        view! {
                            <tr data-testid="assistant-row" data-assistant-id=id.clone()>
                                <td>
                                    <a href=assistant_path(&id) data-testid="assistant-link">{row.name.clone()}</a>
                                    {row.is_default.then(|| view! {
                                        <span class="badge" data-testid="default-badge">"Default"</span>
                                    })}
                                </td>
                                <td>{channels}</td>
                                <td data-testid="knowledge-count">{row.knowledge_count}</td>
                                <td>{row.model.clone().unwrap_or_else(|| "server default".to_owned())}</td>
                                <td class="actions">
                                    <Show when=can_manage>
                                        {(!row.is_default).then(|| {
                                            let id = row_id.get_value();
                                            view! {
                                                <button type="button" data-testid="make-default"
                                                    disabled=move || busy.get()
                                                    on:click=move |_| act(id.clone(), false)>
                                                    "Make default"
                                                </button>
                                            }
                                        })}
                                        {
                                            let id = row_id.get_value();
                                            let is_confirming = is_confirming.clone();
                                            view! {
                                                <button type="button" class="danger" data-testid="delete-assistant"
                                                    disabled=move || delete_reason.is_some() || busy.get()
                                                    title=delete_reason.unwrap_or("Delete this assistant")
                                                    on:click=move |_| confirming.set(Some(id.clone()))
                                                    hidden=is_confirming>
                                                    "Delete"
                                                </button>
                                            }
                                        }
                                        {delete_reason.map(|r| view! { <span class="hint" data-testid="delete-disabled-reason">{r}</span> })}
                                        <Show when=is_confirming.clone()>
                                            {
                                                let id = row_id.get_value();
                                                view! {
                                                    <span class="confirm" role="group" aria-label="Confirm delete">
                                                        "Delete for good? "
                                                        <button type="button" class="danger" data-testid="confirm-delete"
                                                            disabled=move || busy.get()
                                                            on:click=move |_| act(id.clone(), true)>
                                                            "Delete"
                                                        </button>
                                                        <button type="button" data-testid="cancel-delete"
                                                            on:click=move |_| confirming.set(None)>
                                                            "Cancel"
                                                        </button>
                                                    </span>
                                                }
                                            }
                                        </Show>
                                    </Show>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// A short form for a new assistant; the rest is edited on its own page, where it opens.
#[component]
fn CreateAssistant() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let greeting = RwSignal::new("Hi there! How can I help you today?".to_owned());
    let error = FormError::new();
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let input = AssistantInput {
            name: name.get_untracked(),
            instructions: String::new(),
            greeting: greeting.get_untracked(),
            model: None,
            channels: vec!["web".to_owned()],
        };
        if let Err(e) = input.parse() {
            error.set_field(e.field, e.message);
            return;
        }
        saving.set(true);
        error.clear();
        spawn_local(async move {
            let result = api::create(&input).await;
            if saving.is_disposed() {
                return;
            }
            saving.set(false);
            match result {
                Ok(created) => go_to(&assistant_path(&created.id)),
                Err(e) => error.set_api(&e),
            }
        });
    };
    view! {
        <form class="settings-form" data-testid="create-assistant" novalidate on:submit=submit>
            <h3>"New assistant"</h3>
            <label for="new-assistant-name">"Name"</label>
            <input id="new-assistant-name" data-testid="new-assistant-name" maxlength="80"
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <ErrorFor error=error field="name"/>
            <label for="new-assistant-greeting">"Greeting"</label>
            <input id="new-assistant-greeting" data-testid="new-assistant-greeting" maxlength="500"
                prop:value=move || greeting.get()
                on:input=move |ev| greeting.set(event_target_value(&ev))/>
            <ErrorFor error=error field="greeting"/>
            <ErrorFor error=error field=""/>
            <button type="submit" class="primary" data-testid="create-assistant-submit"
                disabled=move || saving.get()>
                {move || if saving.get() { "Creating…" } else { "Create assistant" }}
            </button>
        </form>
    }
}
