//! "Text a number": an agent texts a customer first. A dialog with the workspace's SMS number to
//! send from, the number to text and the message; once sent, the inbox opens the conversation.
//! A failed send keeps what was typed and its client message id, so a retry of the same text is
//! stored (and sent) once.
//!
//! The numbers come from `GET /api/dashboard/sms/numbers`, which every agent may read (just the
//! numbers, none of their settings).

use leptos::html::{Dialog, Input, Textarea};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::channels::{SmsNumber, StartSms as StartSmsRequest};

use crate::api::{channels as api, ApiError};
use crate::channel_forms::{attempt_id, opted_out, start_sms};
use crate::components::form::{error_id, value_of, Field, Submission};
use crate::desk::Desk;
use crate::ids::new_client_message_id;
use crate::route::Route;

const FIELDS: &[&str] = &["channelId", "to", "body"];

#[component]
pub fn StartSms(
    /// The inbox state.
    desk: Desk,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let numbers = RwSignal::new(None::<Result<Vec<SmsNumber>, ApiError>>);
    let from = RwSignal::new(String::new());
    let to = NodeRef::<Input>::new();
    let body = NodeRef::<Textarea>::new();
    let form = Submission::new();
    // The last attempt, id included: sending the same text again is its retry.
    let last = StoredValue::new(None::<StartSmsRequest>);

    let open = move |_| {
        form.error.set(None);
        spawn_local(async move {
            let result = api::sms_numbers().await;
            if numbers.is_disposed() {
                return;
            }
            if let Ok(l) = &result {
                if !l.iter().any(|c| from.with_untracked(|f| *f == c.id)) {
                    from.set(l.first().map(|c| c.id.clone()).unwrap_or_default());
                }
            }
            numbers.set(Some(result));
        });
        if let Some(d) = dialog.get_untracked() {
            let _ = d.show_modal();
        }
    };
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked().map(|t| t.value()).unwrap_or_default();
        let mut request = match start_sms(&from.get_untracked(), &value_of(to), &text) {
            Ok(r) => r,
            Err(e) => {
                form.error.set(Some(ApiError::from(e)));
                return;
            }
        };
        request.client_message_id =
            last.with_value(|l| attempt_id(l.as_ref(), &request, new_client_message_id));
        last.set_value(Some(request.clone()));
        form.send(
            async move {
                api::start_sms(&request).await.map_err(|e| match e.code() {
                    Some("opted_out") => ApiError::from(opted_out(&request.to)),
                    _ => e,
                })
            },
            move |started| {
                last.set_value(None);
                if let Some(i) = to.get_untracked() {
                    i.set_value("");
                }
                if let Some(t) = body.get_untracked() {
                    t.set_value("");
                }
                close();
                desk.session.navigate(&Route::Inbox {
                    open: Some(started.conversation_id),
                });
            },
        );
    };
    let body_invalid = move || {
        form.error
            .with(|e| e.as_ref().is_some_and(|e| e.field() == Some("body")))
    };
    let can_send = move || numbers.with(|n| matches!(n, Some(Ok(l)) if !l.is_empty()));

    view! {
        <div class="list-actions">
            <button type="button" class="secondary" data-testid="start-sms-open" aria-haspopup="dialog"
                on:click=open>"Text a number"</button>
        </div>
        <dialog class="start-sms" node_ref=dialog data-testid="start-sms-dialog"
            aria-labelledby="start-sms-title">
            <form class="form" novalidate on:submit=submit data-testid="start-sms-form">
                <h2 id="start-sms-title">"Text a number"</h2>
                <div class="form-row">
                    {move || match numbers.get() {
                        None => view! { <p class="loading">"From: loading the workspace's numbers…"</p> }.into_any(),
                        Some(Err(e)) => view! {
                            <p class="error" role="alert" data-testid="start-sms-numbers-error">
                                {format!("The workspace's SMS numbers couldn't be loaded: {}", e.message())}
                            </p>
                        }
                        .into_any(),
                        Some(Ok(l)) if l.is_empty() => view! {
                            <p class="empty" data-testid="start-sms-no-number">
                                "No SMS number is connected: an admin can connect one in Settings → Channels."
                            </p>
                        }
                        .into_any(),
                        Some(Ok(l)) => view! {
                            <label for="start-sms-from">"From"</label>
                            <select id="start-sms-from" name="channelId" data-testid="start-sms-from"
                                on:change=move |ev| from.set(event_target_value(&ev))>
                                {l.into_iter().map(|c| {
                                    let selected = from.with_untracked(|f| *f == c.id);
                                    view! { <option value=c.id selected=selected>{c.phone_number}</option> }
                                }).collect_view()}
                            </select>
                        }
                        .into_any(),
                    }}
                    {form.field_error("channelId")}
                </div>
                <div class="form-row">
                    <Field form field="to" id="start-sms-to" label="To" node_ref=to kind="tel"
                        autocomplete="off" testid="start-sms-to" autofocus=true
                        hint="In E.164: + then country code and number, e.g. +14155550100."/>
                </div>
                <div class="form-row">
                    <label for="start-sms-body">"Message"</label>
                    <textarea id="start-sms-body" name="body" rows="4" node_ref=body
                        data-testid="start-sms-body"
                        aria-invalid=move || body_invalid().then_some("true")
                        aria-describedby=move || body_invalid().then(|| error_id("body"))></textarea>
                    {form.field_error("body")}
                </div>
                {form.form_error(FIELDS)}
                <div class="form-actions">
                    <button type="submit" class="primary" data-testid="start-sms-send"
                        disabled=move || form.busy.get() || !can_send()>
                        {form.label("Send", "Sending…")}
                    </button>
                    <button type="button" class="secondary" data-testid="start-sms-cancel"
                        on:click=move |_| close()>"Cancel"</button>
                </div>
            </form>
        </dialog>
    }
}
