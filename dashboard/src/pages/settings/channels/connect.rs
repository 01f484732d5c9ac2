//! The form that connects an SMS number: the provider chosen shows its fields (Twilio: number,
//! account SID, auth token, messaging service; Telnyx: number, API key, public key, messaging
//! profile) and says where its console takes the webhook URLs. Checked with
//! `SmsChannelForm::parse` before sending; the secrets are password inputs, and every input is
//! emptied once the number is connected.

use leptos::html::Input;
use leptos::prelude::*;
use shared::channels::{SmsChannelForm, SmsProvider};

use crate::api::{channels as api, ApiError};
use crate::components::form::{value_of, Field, Submission};

const FIELDS: &[&str] = &[
    "phoneNumber",
    "accountSid",
    "authToken",
    "messagingServiceSid",
    "apiKey",
    "publicKey",
    "messagingProfileId",
];

/// Where each provider's console takes the URLs.
pub(super) fn help(provider: SmsProvider) -> &'static str {
    match provider {
        SmsProvider::Twilio => {
            "Once connected, paste the incoming-messages URL into Twilio's console: Phone \
             Numbers → Manage → Active numbers → this number → Messaging configuration → \
             \u{201c}A message comes in\u{201d}, Webhook, HTTP POST (or the Messaging Service's \
             Integration → \u{201c}Send a webhook\u{201d} when the number is in one). Put the \
             delivery-status URL in the Messaging Service's \u{201c}Delivery Status \
             Callback\u{201d}, so the inbox learns which replies arrived."
        }
        SmsProvider::Telnyx => {
            "Once connected, paste the webhook URL into the Telnyx portal: Messaging → your \
             messaging profile → Inbound → \u{201c}Send a webhook to this URL\u{201d}; incoming \
             messages and delivery reports both go there. Assign this number to that profile. \
             The public key is under Keys & Credentials → Public Key."
        }
    }
}

#[component]
pub(super) fn ConnectForm(
    /// Called once a number is connected.
    on_connected: Callback<()>,
) -> impl IntoView {
    let provider = RwSignal::new(SmsProvider::Twilio);
    let form = Submission::new();
    let connected = RwSignal::new(None::<String>);
    let phone = NodeRef::<Input>::new();
    let account_sid = NodeRef::<Input>::new();
    let auth_token = NodeRef::<Input>::new();
    let service_sid = NodeRef::<Input>::new();
    let api_key = NodeRef::<Input>::new();
    let public_key = NodeRef::<Input>::new();
    let profile_id = NodeRef::<Input>::new();
    let inputs = [
        phone,
        account_sid,
        auth_token,
        service_sid,
        api_key,
        public_key,
        profile_id,
    ];

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        connected.set(None);
        let typed = SmsChannelForm {
            provider: provider.get_untracked(),
            phone_number: value_of(phone),
            messaging_service_sid: value_of(service_sid),
            account_sid: value_of(account_sid),
            auth_token: value_of(auth_token),
            api_key: value_of(api_key),
            public_key: value_of(public_key),
            messaging_profile_id: value_of(profile_id),
        };
        let body = match typed.parse() {
            Ok(body) => body,
            Err(e) => {
                form.error.set(Some(ApiError::from(e)));
                return;
            }
        };
        form.send(
            async move { api::connect_sms(&body).await },
            move |channel| {
                // Secrets included: nothing typed stays in the form.
                for input in inputs.iter().filter_map(|i| i.get_untracked()) {
                    input.set_value("");
                }
                connected.set(Some(format!(
                    "{} is connected. Paste its webhook URLs into {}'s console (above).",
                    channel.phone_number,
                    channel.provider.label()
                )));
                on_connected.run(());
            },
        );
    };
    let choose = move |p: SmsProvider| {
        provider.set(p);
        form.error.set(None);
    };
    let radio = move |p: SmsProvider| {
        let id = format!("sms-provider-{}", p.as_str());
        let (label_for, testid) = (id.clone(), id.clone());
        view! {
            <label for=label_for>
                <input type="radio" name="provider" id=id value=p.as_str() data-testid=testid
                    prop:checked=move || provider.get() == p on:change=move |_| choose(p)/>
                {p.label()}
            </label>
        }
    };

    view! {
        <form class="form" novalidate on:submit=submit data-testid="sms-form"
            aria-labelledby="sms-connect-title">
            <h3 id="sms-connect-title">"Connect a number"</h3>
            <fieldset class="provider-choice">
                <legend>"Provider"</legend>
                {radio(SmsProvider::Twilio)}
                {radio(SmsProvider::Telnyx)}
            </fieldset>
            <p class="hint" data-testid="sms-provider-help">{move || help(provider.get())}</p>
            <div class="form-row">
                <Field form field="phoneNumber" id="sms-phone" label="Phone number" node_ref=phone
                    kind="tel" autocomplete="off" testid="sms-phone"
                    hint="In E.164: + then country code and number, e.g. +14155550100."/>
            </div>
            {move || match provider.get() {
                SmsProvider::Twilio => view! {
                    <div class="form-row">
                        <Field form field="accountSid" id="sms-account-sid" label="Account SID"
                            node_ref=account_sid autocomplete="off" testid="sms-account-sid"
                            hint="AC followed by 32 letters and digits (Twilio console → Account info)."/>
                    </div>
                    <div class="form-row">
                        <Field form field="authToken" id="sms-auth-token" label="Auth token"
                            node_ref=auth_token kind="password" autocomplete="new-password"
                            testid="sms-auth-token"
                            hint="Kept by the server and never shown again."/>
                    </div>
                    <div class="form-row">
                        <Field form field="messagingServiceSid" id="sms-service-sid"
                            label="Messaging Service SID (optional)" node_ref=service_sid
                            optional=true autocomplete="off" testid="sms-messaging-service-sid"
                            hint="MG… when the number is in a Messaging Service's sender pool."/>
                    </div>
                }
                .into_any(),
                SmsProvider::Telnyx => view! {
                    <div class="form-row">
                        <Field form field="apiKey" id="sms-api-key" label="API key" node_ref=api_key
                            kind="password" autocomplete="new-password" testid="sms-api-key"
                            hint="Kept by the server and never shown again."/>
                    </div>
                    <div class="form-row">
                        <Field form field="publicKey" id="sms-public-key" label="Public key"
                            node_ref=public_key autocomplete="off" testid="sms-public-key"
                            hint="The 44-character base64 key that signs Telnyx's webhooks."/>
                    </div>
                    <div class="form-row">
                        <Field form field="messagingProfileId" id="sms-profile-id"
                            label="Messaging profile id (optional)" node_ref=profile_id
                            optional=true autocomplete="off" testid="sms-messaging-profile-id"/>
                    </div>
                }
                .into_any(),
            }}
            {form.form_error(FIELDS)}
            {move || connected.get().map(|c| view! {
                <p class="saved" role="status" data-testid="sms-connected">{c}</p>
            })}
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="sms-connect"
                    disabled=move || form.busy.get()>
                    {form.label("Connect number", "Connecting…")}
                </button>
            </div>
        </form>
    }
}
