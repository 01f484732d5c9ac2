//! The SMS numbers: each with its provider's details, the webhook URLs, whether its secret is
//! set, "send a test" and disconnect; then the form that connects one ([`super::connect`]).

use leptos::prelude::*;
use shared::channels::{SmsChannelView, SmsProvider, SmsTest};

use super::super::tokens::CopyBlock;
use super::super::when;
use super::connect::{help, ConnectForm};
use super::parts::{testing, Disconnect, Listing, SendTest, TestForm, Tested};
use crate::api::channels as api;

#[component]
pub(super) fn SmsNumbers() -> impl IntoView {
    let listing = Listing::new(api::sms_channels, |id| async move {
        api::disconnect_sms(&id).await
    });
    view! {
        {listing.view("SMS numbers", "sms-numbers-title", "No number connected yet.", "sms-empty",
            |c, l| view! { <SmsCard channel=c listing=l/> }.into_any())}
        <ConnectForm on_connected=Callback::new(move |()| listing.reload.run(()))/>
    }
}

/// One connected number: its details, the URLs to paste, "send a test" and disconnect.
#[component]
fn SmsCard(channel: SmsChannelView, listing: Listing<SmsChannelView>) -> impl IntoView {
    // Whether the secret is stored: never the secret itself.
    let secret = match channel.provider {
        SmsProvider::Twilio => ("Auth token", channel.auth_token_set, "Token set"),
        SmsProvider::Telnyx => ("API key", channel.api_key_set, "Key set"),
    };
    let none = || "none".to_owned();
    let details = match channel.provider {
        SmsProvider::Twilio => [
            (
                "Account SID",
                channel.account_sid.clone().unwrap_or_default(),
            ),
            (
                "Messaging Service",
                channel.messaging_service_sid.clone().unwrap_or_else(none),
            ),
        ],
        SmsProvider::Telnyx => [
            (
                "Messaging profile",
                channel.messaging_profile_id.clone().unwrap_or_else(none),
            ),
            ("Public key", channel.public_key.clone().unwrap_or_default()),
        ],
    };
    let one_url = channel.inbound_url == channel.status_url;
    let id = channel.id.clone();
    let send: SendTest = Callback::new(move |to: String| {
        let id = id.clone();
        testing(async move {
            let test = SmsTest {
                to,
                body: String::new(),
            };
            let r = api::test_sms(&id, &test).await?;
            Ok(Tested {
                text: format!("Sent. The provider's message id: {}", r.provider_message_id),
                link: None,
            })
        })
    });
    let (data_id, test_input) = (channel.id.clone(), format!("sms-test-{}", channel.id));
    view! {
        <li class="channel-card" data-testid="sms-channel" data-id=data_id
            data-provider=channel.provider.as_str()>
            <h4>
                <span data-testid="sms-number">{channel.phone_number.clone()}</span>
                <span class="muted">{format!(" · {}", channel.provider.label())}</span>
            </h4>
            <dl class="client-details">
                {details.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                <dt>"Connected"</dt><dd>{when(channel.created_at)}</dd>
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
            <TestForm input_id=test_input testid="sms-test" label="Send a test text to"
                kind="tel" placeholder="+14155550100" button="Send a test" send/>
            <Disconnect id=channel.id confirming=listing.confirming disconnect=listing.disconnect
                testid="sms-disconnect"
                consequence="Disconnect this number? Texts to it stop reaching the inbox, and \
                             replies to its conversations can no longer be sent."/>
        </li>
    }
}
