//! `/settings/channels`: the SMS numbers connected to the workspace, each with the webhook URLs
//! to paste into the provider's console (copy buttons), whether its secret is set (never the
//! secret: it is write-only), "send a test" and a disconnect behind a confirm; and the form that
//! connects a number ([`connect`]). Reloads when anyone changes the channels.

mod connect;

use leptos::html::{Input, H3};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::channels::{SmsChannelView, SmsProvider, SmsTest, SmsTestResult};
use shared::dashboard::SettingsArea;

use super::tokens::CopyBlock;
use super::{when, SettingsEvents};
use crate::api::{channels as api, ApiError};
use crate::components::form::{value_of, Submission};
use connect::{help, ConnectForm};

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let list = RwSignal::new(None::<Result<Vec<SmsChannelView>, ApiError>>);
    let action_error = RwSignal::new(None::<ApiError>);
    // The number whose disconnect awaits confirmation: here, so a reload keeps it.
    let confirming = RwSignal::new(None::<String>);
    let list_heading = NodeRef::<H3>::new();

    let reload = move || {
        spawn_local(async move {
            let result = api::sms_channels().await;
            if !list.is_disposed() {
                list.set(Some(result));
            }
        });
    };
    Effect::new(move |_| {
        events.version(SettingsArea::Channels);
        reload();
    });

    let disconnect = move |id: String| {
        spawn_local(async move {
            let result = api::disconnect_sms(&id).await;
            if list.is_disposed() {
                return;
            }
            confirming.set(None);
            match result {
                Ok(()) => {
                    action_error.set(None);
                    list.update(|l| {
                        if let Some(Ok(l)) = l {
                            l.retain(|c| c.id != id);
                        }
                    });
                    // The row and its buttons are gone: the list's heading takes the focus.
                    if let Some(h) = list_heading.get_untracked() {
                        let _ = h.focus();
                    }
                }
                Err(e) => action_error.set(Some(e)),
            }
            reload();
        });
    };

    view! {
        <section class="settings-section" data-testid="channels-page" aria-labelledby="channels-title">
            <h2 id="channels-title">"Channels"</h2>
            <p class="hint">
                "Customers can text the workspace: connect an SMS number from Twilio or Telnyx, \
                 then paste its webhook URLs into the provider's console. Texts land in the inbox \
                 beside web chats, and replies go out from the same number."
            </p>
            <h3 id="sms-numbers-title" tabindex="-1" node_ref=list_heading>"SMS numbers"</h3>
            {move || action_error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="channel-error">{e.message()}</p>
            })}
            {move || match list.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! {
                    <p class="empty" data-testid="sms-empty">"No number connected yet."</p>
                }
                .into_any(),
                Some(Ok(l)) => view! {
                    <ul class="channel-list" aria-labelledby="sms-numbers-title">
                        {l.into_iter().map(|c| view! {
                            <ChannelCard channel=c confirming disconnect=Callback::new(disconnect)/>
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <ConnectForm on_connected=Callback::new(move |()| reload())/>
        </section>
    }
}

/// One connected number: its details, the URLs to paste, "send a test" and disconnect.
#[component]
fn ChannelCard(
    channel: SmsChannelView,
    /// The number whose disconnect awaits confirmation.
    confirming: RwSignal<Option<String>>,
    /// Disconnects the number of this id.
    disconnect: Callback<String>,
) -> impl IntoView {
    let id = StoredValue::new(channel.id.clone());
    let is_confirming = move || confirming.with(|c| c.as_deref() == Some(id.get_value().as_str()));
    // Whether the secret is stored: never the secret itself.
    let secret = match channel.provider {
        SmsProvider::Twilio => ("Auth token", channel.auth_token_set, "Token set"),
        SmsProvider::Telnyx => ("API key", channel.api_key_set, "Key set"),
    };
    let mut details: Vec<(&'static str, String)> = Vec::new();
    match channel.provider {
        SmsProvider::Twilio => {
            details.push((
                "Account SID",
                channel.account_sid.clone().unwrap_or_default(),
            ));
            details.push((
                "Messaging Service",
                channel
                    .messaging_service_sid
                    .clone()
                    .unwrap_or_else(|| "none".to_owned()),
            ));
        }
        SmsProvider::Telnyx => {
            details.push((
                "Messaging profile",
                channel
                    .messaging_profile_id
                    .clone()
                    .unwrap_or_else(|| "none".to_owned()),
            ));
            details.push(("Public key", channel.public_key.clone().unwrap_or_default()));
        }
    }
    details.push(("Connected", when(channel.created_at)));
    let one_url = channel.inbound_url == channel.status_url;
    let title_id = format!("sms-{}-title", channel.id);
    view! {
        <li class="channel-card" data-testid="sms-channel" data-id=channel.id.clone()
            data-provider=channel.provider.as_str()>
            <h4 id=title_id>
                <span data-testid="sms-number">{channel.phone_number.clone()}</span>
                <span class="muted">{format!(" · {}", channel.provider.label())}</span>
            </h4>
            <dl class="client-details">
                {details.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                <dt>{secret.0}</dt>
                <dd data-testid="secret-state" data-set=secret.1.to_string()>
                    {if secret.1 { secret.2 } else { "Not set" }}
                </dd>
            </dl>
            <p class="label">{if one_url { "Webhook URL" } else { "Incoming messages URL" }}</p>
            <CopyBlock code=channel.inbound_url.clone() testid="inbound-url" copy_testid="copy-inbound-url"/>
            {(!one_url).then(|| view! {
                <p class="label">"Delivery status URL"</p>
                <CopyBlock code=channel.status_url.clone() testid="status-url" copy_testid="copy-status-url"/>
            })}
            <p class="hint">{help(channel.provider)}</p>
            <TestSend channel_id=channel.id.clone()/>
            <div class="form-actions">
                <Show when=is_confirming fallback=move || view! {
                    <button type="button" class="secondary" data-testid="sms-disconnect"
                        on:click=move |_| confirming.set(Some(id.get_value()))>"Disconnect"</button>
                }>
                    <span class="confirm" role="group" aria-label="Confirm disconnecting">
                        "Disconnect this number? Texts to it stop reaching the inbox, and replies \
                         to its conversations can no longer be sent. "
                        <button type="button" class="danger" data-testid="confirm-disconnect"
                            on:click=move |_| disconnect.run(id.get_value())>"Disconnect"</button>
                        <button type="button" class="secondary" data-testid="cancel-disconnect"
                            on:click=move |_| confirming.set(None)>"Cancel"</button>
                    </span>
                </Show>
            </div>
        </li>
    }
}

/// "Send a test": a text to a number, now, and what the provider answered.
#[component]
fn TestSend(
    /// The channel sending it.
    channel_id: String,
) -> impl IntoView {
    let form = Submission::new();
    let to = NodeRef::<Input>::new();
    let sent = RwSignal::new(None::<SmsTestResult>);
    let input_id = format!("sms-test-{channel_id}");
    let error_id = format!("{input_id}-error");
    let channel_id = StoredValue::new(channel_id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sent.set(None);
        let test = SmsTest {
            to: value_of(to).trim().to_owned(),
            body: String::new(),
        };
        let id = channel_id.get_value();
        form.send(async move { api::test_sms(&id, &test).await }, move |r| {
            sent.set(Some(r));
        });
    };
    let error = move || form.error.get();
    let described = {
        let error_id = error_id.clone();
        move || form.error.with(Option::is_some).then(|| error_id.clone())
    };
    view! {
        <form class="form-row" novalidate on:submit=submit data-testid="sms-test-form">
            <label for=input_id.clone()>"Send a test text to"</label>
            <div class="form-row--inline">
                <input id=input_id type="tel" name="to" node_ref=to autocomplete="off"
                    placeholder="+14155550100" data-testid="sms-test-to"
                    aria-invalid=move || form.error.with(Option::is_some).then_some("true")
                    aria-describedby=described/>
                <button type="submit" data-testid="sms-test-send" disabled=move || form.busy.get()>
                    {form.label("Send a test", "Sending…")}
                </button>
            </div>
            {move || error().map(|e| view! {
                <p class="field-error" role="alert" id=error_id.clone() data-testid="sms-test-error">
                    {e.message()}
                </p>
            })}
            {move || sent.get().map(|r| view! {
                <p class="saved" role="status" data-testid="sms-test-sent">
                    {format!("Sent. The provider's message id: {}", r.provider_message_id)}
                </p>
            })}
        </form>
    }
}
