//! The voice numbers: each with the webhook URL the voice provider (or its bridge) posts every
//! finished call's record to, how to sign it, "send a test" (a signed sample call through that
//! URL, which lands in the inbox) and disconnect; then the form that connects one and, right
//! after, the webhook secret, shown once.

use leptos::html::Input;
use leptos::prelude::*;
use shared::channels::{VoiceChannelForm, VoiceChannelView, VoiceTest};

use super::super::tokens::CopyBlock;
use super::super::when;
use super::parts::{testing, Disconnect, Listing, OnceSecret, SendTest, TestForm, Tested};
use crate::api::{channels as api, ApiError};
use crate::components::conversation_href;
use crate::components::form::{value_of, Field, Submission};

#[component]
pub(super) fn VoiceNumbers() -> impl IntoView {
    let listing = Listing::new(api::voice_channels, |id| async move {
        api::disconnect_voice(&id).await
    });
    // The number just connected and its webhook secret.
    let created = RwSignal::new(None::<(String, String)>);
    view! {
        {listing.view("Voice numbers", "voice-numbers-title", "No number connected yet.",
            "voice-empty", |c, l| view! { <VoiceCard channel=c listing=l/> }.into_any())}
        {move || created.get().map(|(name, secret)| view! {
            <OnceSecret name secret testid="voice-secret"
                usage="Every call record posted to the webhook URL is signed with it."
                on_close=Callback::new(move |()| created.set(None))/>
        })}
        <VoiceForm on_connected=Callback::new(move |c: (String, String)| {
            created.set(Some(c));
            listing.reload.run(());
        })/>
    }
}

/// One connected number: its URL and how to sign what is posted there, "send a test" and
/// disconnect.
#[component]
fn VoiceCard(channel: VoiceChannelView, listing: Listing<VoiceChannelView>) -> impl IntoView {
    let id = channel.id.clone();
    let send: SendTest = Callback::new(move |from: String| {
        let id = id.clone();
        testing(async move {
            let test = VoiceTest { from: from.clone() };
            let r = api::test_voice(&id, &test).await?;
            Ok(Tested {
                text: format!("A test call from {from} is in the inbox."),
                link: Some(conversation_href(&r.conversation_id)),
            })
        })
    });
    let (data_id, test_input) = (channel.id.clone(), format!("voice-test-{}", channel.id));
    view! {
        <li class="channel-card" data-testid="voice-channel" data-id=data_id>
            <h4 data-testid="voice-number">{channel.phone_number.clone()}</h4>
            <dl class="client-details">
                <dt>"Connected"</dt><dd>{when(channel.created_at)}</dd>
            </dl>
            <p class="label">"Webhook URL"</p>
            <CopyBlock code=channel.webhook_url.clone() testid="voice-webhook-url" copy_testid="copy-voice-webhook-url"/>
            <p class="hint">
                "When a call to this number ends, your voice provider (or the bridge in front of \
                 it) posts the call record here as JSON: callId, from, to, startedAt, endedAt \
                 (RFC 3339), transcript [{speaker, text}], summary, outcome (resolved, \
                 transferred or abandoned) and an optional recordingUrl. Sign it with the \
                 webhook secret: X-Livechat-Timestamp (Unix seconds) and X-Livechat-Signature: \
                 sha256= then the hex HMAC-SHA256 of \"{timestamp}.{body}\"."
            </p>
            <TestForm input_id=test_input testid="voice-test" label="Place a test call from"
                kind="tel" placeholder="+14155550100" button="Send a test call" send/>
            <Disconnect id=channel.id confirming=listing.confirming disconnect=listing.disconnect
                testid="voice-disconnect"
                consequence="Disconnect this number? Its calls stop reaching the inbox."/>
        </li>
    }
}

/// Connects a number: checked with `VoiceChannelForm::parse` before sending.
#[component]
fn VoiceForm(
    /// Called with the number connected and its webhook secret.
    on_connected: Callback<(String, String)>,
) -> impl IntoView {
    let form = Submission::new();
    let phone = NodeRef::<Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = match (VoiceChannelForm {
            phone_number: value_of(phone),
        })
        .parse()
        {
            Ok(body) => body,
            Err(e) => {
                form.error.set(Some(ApiError::from(e)));
                return;
            }
        };
        form.send(
            async move { api::connect_voice(&body).await },
            move |created| {
                if let Some(i) = phone.get_untracked() {
                    i.set_value("");
                }
                on_connected.run((created.channel.phone_number, created.webhook_secret));
            },
        );
    };
    view! {
        <form class="form" novalidate on:submit=submit data-testid="voice-form"
            aria-labelledby="voice-connect-title">
            <h3 id="voice-connect-title">"Connect a voice number"</h3>
            <div class="form-row">
                <Field form field="phoneNumber" id="voice-phone" label="Phone number" node_ref=phone
                    kind="tel" autocomplete="off" testid="voice-phone"
                    hint="The number customers call, in E.164, e.g. +14155550100."/>
            </div>
            {form.form_error(&["phoneNumber"])}
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="voice-connect"
                    disabled=move || form.busy.get()>
                    {form.label("Connect number", "Connecting…")}
                </button>
            </div>
        </form>
    }
}
