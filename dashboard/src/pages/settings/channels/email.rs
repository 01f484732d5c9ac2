//! The email addresses: each with its SMTP account (whether its password and Mailgun signing key
//! are set, never them), the reply delay, the two webhook URLs and what each is for, "send a
//! test" and disconnect; then the form that connects one ([`super::email_form`]) and, right
//! after, the webhook secret, shown once.

use leptos::prelude::*;
use shared::channels::{EmailChannelView, EmailTest};

use super::super::tokens::CopyBlock;
use super::super::when;
use super::email_form::EmailForm;
use super::parts::{testing, Disconnect, Listing, OnceSecret, SendTest, TestForm, Tested};
use crate::api::channels as api;
use crate::channel_forms::{reply_delay, tls_name};

#[component]
pub(super) fn EmailAddresses() -> impl IntoView {
    let listing = Listing::new(api::email_channels, |id| async move {
        api::disconnect_email(&id).await
    });
    // The address just connected and its webhook secret.
    let created = RwSignal::new(None::<(String, String)>);
    view! {
        {listing.view("Email addresses", "email-addresses-title", "No address connected yet.",
            "email-empty", |c, l| view! { <EmailCard channel=c listing=l/> }.into_any())}
        {move || created.get().map(|(name, secret)| view! {
            <OnceSecret name secret testid="email-secret"
                usage="Mail posted to the signed webhook URL is signed with it (X-Livechat-Signature)."
                on_close=Callback::new(move |()| created.set(None))/>
        })}
        <EmailForm on_connected=Callback::new(move |c: (String, String)| {
            created.set(Some(c));
            listing.reload.run(());
        })/>
    }
}

/// One connected address: its details, the URLs to paste, "send a test" and disconnect.
#[component]
fn EmailCard(channel: EmailChannelView, listing: Listing<EmailChannelView>) -> impl IntoView {
    let set = |on: bool| if on { "Set" } else { "Not set" };
    let smtp = format!(
        "{}:{} ({})",
        channel.smtp_host,
        channel.smtp_port,
        tls_name(channel.smtp_tls)
    );
    let id = channel.id.clone();
    let send: SendTest = Callback::new(move |to: String| {
        let id = id.clone();
        testing(async move {
            api::test_email(&id, &EmailTest { to: to.clone() }).await?;
            Ok(Tested {
                text: format!("Sent: the SMTP server took it. Check {to}'s mailbox."),
                link: None,
            })
        })
    });
    let (data_id, test_input) = (channel.id.clone(), format!("email-test-{}", channel.id));
    view! {
        <li class="channel-card" data-testid="email-channel" data-id=data_id>
            <h4 data-testid="email-address">{channel.inbound_address.clone()}</h4>
            <dl class="client-details">
                <dt>"From name"</dt>
                <dd>{if channel.from_name.is_empty() { "the assistant's name".to_owned() } else { channel.from_name.clone() }}</dd>
                <dt>"SMTP server"</dt><dd data-testid="email-smtp">{smtp}</dd>
                <dt>"SMTP username"</dt><dd>{channel.smtp_username.clone().unwrap_or_else(|| "none".to_owned())}</dd>
                <dt>"SMTP password"</dt>
                <dd data-testid="smtp-password-state" data-set=channel.smtp_password_set.to_string()>
                    {set(channel.smtp_password_set)}
                </dd>
                <dt>"Mailgun signing key"</dt>
                <dd data-testid="mailgun-key-state" data-set=channel.mailgun_signing_key_set.to_string()>
                    {set(channel.mailgun_signing_key_set)}
                </dd>
                <dt>"Reply delay"</dt><dd data-testid="email-delay">{reply_delay(channel.reply_delay_secs)}</dd>
                <dt>"Connected"</dt><dd>{when(channel.created_at)}</dd>
            </dl>
            <p class="label">"Signed webhook URL"</p>
            <CopyBlock code=channel.webhook_url.clone() testid="email-webhook-url" copy_testid="copy-email-webhook-url"/>
            <p class="hint">
                "For a mail provider or your own mail server: post each message here raw \
                 (Content-Type: message/rfc822) or as a JSON envelope {\"recipient\", \"raw\"}, \
                 signed with the webhook secret: X-Livechat-Timestamp (Unix seconds) and \
                 X-Livechat-Signature: sha256= then the hex HMAC-SHA256 of \"{timestamp}.{body}\"."
            </p>
            <p class="label">"Mailgun URL"</p>
            <CopyBlock code=channel.mailgun_webhook_url.clone() testid="email-mailgun-url" copy_testid="copy-email-mailgun-url"/>
            <p class="hint">
                "For Mailgun: paste it into the forward() action of a route matching this \
                 address (Receiving → Routes). Mailgun signs what it forwards with your HTTP \
                 webhook signing key, which the address needs (given when connecting)."
            </p>
            <TestForm input_id=test_input testid="email-test" label="Send a test email to"
                kind="email" placeholder="you@example.com" button="Send a test" send/>
            <Disconnect id=channel.id confirming=listing.confirming disconnect=listing.disconnect
                testid="email-disconnect"
                consequence="Disconnect this address? Mail to it stops reaching the inbox, and \
                             replies to its conversations can no longer be sent."/>
        </li>
    }
}
