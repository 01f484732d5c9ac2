//! Contact details the client's customer mentioned that nobody applied yet (each marked verified
//! or unverified, applied with one click), and the clients that may be the same person, each
//! merged into this one after a confirm step that says what a merge does. A detail another
//! client holds cannot be applied (409): the message says so and offers that merge.
//!
//! Each section is drawn from the record in one go and drawn again when it or the section's
//! state changes (no keyed lists, no reactive parts inside): the inbox app's download stays
//! small, and the focus is put back by id where a redraw would lose it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::{ClientBrief, ClientRecord, MentionView};

use super::{focus_by_id, ClientView};
use crate::api::{self, ApiError};
use crate::client_record::{display_name, duplicate_holding, merge_warning};
use crate::components::client_panel::{apply_label, mention_details};
use crate::components::{client_href, go_on_click};
use crate::route::Route;

/// The mention whose apply failed, and why.
type Failed = RwSignal<Option<(String, ApiError)>>;

#[component]
pub(super) fn MentionsSection(
    /// The page's state.
    view: ClientView,
) -> impl IntoView {
    let failed: Failed = RwSignal::new(None);
    view! {
        <section class="client-section" aria-labelledby="mentions-title" data-testid="client-mentions">
            <h2 id="mentions-title" tabindex="-1">"Mentioned in messages"</h2>
            {move || view.with(|r| mention_list(view, r, failed))}
        </section>
    }
}

fn mention_list(view: ClientView, record: &ClientRecord, failed: Failed) -> AnyView {
    if record.mentions.is_empty() {
        return view! { <p class="muted">"Nothing waiting."</p> }.into_any();
    }
    let failure = failed.get();
    view! {
        <p class="hint">
            "Contact details the customer wrote that are not on the client. Unverified: written \
             by a visitor who did not prove who they are."
        </p>
        <ul class="mentions">
            {record.mentions.iter().map(|m| {
                let error = failure.as_ref().filter(|(id, _)| *id == m.id).map(|(_, e)| e);
                mention_item(view, record, m, error, failed)
            }).collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}

fn mention_item(
    view: ClientView,
    record: &ClientRecord,
    mention: &MentionView,
    error: Option<&ApiError>,
    failed: Failed,
) -> AnyView {
    let error_id = format!("mention-{}-error", mention.id);
    let button_id = format!("mention-{}-apply", mention.id);
    let mention_id = mention.id.clone();
    let apply = move |_| {
        let (Some(client_id), false) = (view.id.get_untracked(), view.acting.get_untracked())
        else {
            return;
        };
        view.acting.set(true);
        failed.set(None);
        let (mention_id, button_id) = (mention_id.clone(), button_id.clone());
        spawn_local(async move {
            let result = api::apply_mention(&client_id, &mention_id).await;
            if failed.is_disposed() {
                return;
            }
            view.acting.set(false);
            match result {
                Ok(client) => {
                    view.record.update(|r| {
                        if let Some(Ok(r)) = r {
                            r.mentions.retain(|m| m.id != mention_id);
                            r.client = client;
                        }
                    });
                    // Duplicates may have changed with the detail.
                    view.reload();
                    focus_by_id("mentions-title".to_owned());
                }
                Err(e) => {
                    if let Some(e) = view.failed(e) {
                        failed.set(Some((mention_id, e)));
                        focus_by_id(button_id);
                    }
                }
            }
        });
    };
    // Taken by a listed duplicate (409): merging it is the way.
    let holder = error
        .filter(|e| matches!(e, ApiError::Status { status: 409, .. }))
        .and_then(|_| duplicate_holding(record, mention));
    let can_act = view.session.can_act();
    view! {
        <li data-testid="mention" data-kind=mention.kind.as_str()
            data-trusted=mention.trusted.to_string()>
            {mention_details(mention)}
            {can_act.then(|| view! {
                " "
                <button type="button" id=format!("mention-{}-apply", mention.id)
                    data-testid="mention-apply" aria-label=apply_label(mention)
                    aria-describedby=error.map(|_| error_id.clone())
                    disabled=view.acting.get() on:click=apply>
                    "Apply"
                </button>
            })}
            {error.map(|e| view! {
                <div class="mention-error">
                    <p class="field-error" role="alert" id=error_id data-testid="mention-error">
                        {e.message()}
                    </p>
                    {holder.map(|other| merge_offer(view, record, other, "mention"))}
                </div>
            })}
        </li>
    }
    .into_any()
}

#[component]
pub(super) fn DuplicatesSection(
    /// The page's state.
    view: ClientView,
) -> impl IntoView {
    view! {
        <section class="client-section" aria-labelledby="duplicates-title" data-testid="duplicates">
            <h2 id="duplicates-title">"Possible duplicates"</h2>
            {move || view.with(|r| duplicate_list(view, r))}
        </section>
    }
}

fn duplicate_list(view: ClientView, record: &ClientRecord) -> AnyView {
    if record.duplicates.is_empty() {
        return view! { <p class="muted">"None found."</p> }.into_any();
    }
    view! {
        <p class="hint">
            "Other clients whose email or phone number this customer mentioned, or who mentioned \
             this client's: they may be the same person."
        </p>
        <ul class="duplicates">
            {record.duplicates.iter().map(|other| {
                let contact = [other.email.as_deref(), other.phone.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                let id = other.id.clone();
                view! {
                    <li data-testid="duplicate" data-id=id.clone()>
                        <a id=format!("duplicate-{id}") href=client_href(&id)
                            on:click=go_on_click(view.session, Route::Client { id: id.clone() })>
                            {display_name(other)}
                        </a>
                        " "
                        <span class="muted">{contact}</span>
                        " "
                        {view.session.can_act().then(|| merge_offer(view, record, other, "duplicate"))}
                    </li>
                }
                .into_any()
            }).collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}

/// "Merge into this client" for `other`, behind a confirm step saying what a merge does. `place`
/// tells offers of the same client apart (a mention's and the duplicates list's): one confirm is
/// open at a time.
fn merge_offer(
    view: ClientView,
    record: &ClientRecord,
    other: &ClientBrief,
    place: &'static str,
) -> AnyView {
    let key = format!("{place}:{}", other.id);
    let offer_id = format!("merge-{place}-{}", other.id);
    let confirm_id = format!("{offer_id}-confirm");
    let acting = view.acting.get();
    if view.confirming.with(|c| c.as_deref() != Some(key.as_str())) {
        let open = move |_| {
            view.merge_error.set(None);
            view.confirming.set(Some(key.clone()));
            focus_by_id(confirm_id.clone());
        };
        return view! {
            <button type="button" id=offer_id data-testid="merge-offer"
                aria-describedby=format!("duplicate-{}", other.id) disabled=acting on:click=open>
                "Merge into this client"
            </button>
        }
        .into_any();
    }
    let (other_id, name) = (other.id.clone(), display_name(other));
    let merge = move |_| {
        let (Some(id), false) = (view.id.get_untracked(), view.acting.get_untracked()) else {
            return;
        };
        view.acting.set(true);
        let (other_id, name) = (other_id.clone(), name.clone());
        spawn_local(async move {
            let result = api::merge_clients(&id, &other_id).await;
            if view.record.is_disposed() {
                return;
            }
            view.acting.set(false);
            match result {
                Ok(record) => {
                    view.confirming.set(None);
                    view.merged
                        .set(Some(format!("{name} was merged into this client.")));
                    view.take(record);
                    focus_by_id("client-name".to_owned());
                }
                Err(e) => view.merge_error.set(view.failed(e)),
            }
        });
    };
    let cancel = move |_| {
        view.confirming.set(None);
        focus_by_id(offer_id.clone());
    };
    let warning_id = format!("merge-{place}-{}-warning", other.id);
    let labelled_by = warning_id.clone();
    view! {
        <div class="merge-confirm" role="group" aria-labelledby=labelled_by
            data-testid="merge-confirm">
            <p class="warning" id=warning_id>{merge_warning(other, &record.client)}</p>
            {view.merge_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            <button type="button" class="danger" id=confirm_id data-testid="merge-confirm-button"
                disabled=acting on:click=merge>
                {if acting { "Merging…" } else { "Merge" }}
            </button>
            " "
            <button type="button" class="secondary" data-testid="merge-cancel" on:click=cancel>
                "Cancel"
            </button>
        </div>
    }
    .into_any()
}
