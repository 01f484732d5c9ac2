//! `/settings/channels`: the workspace's SMS numbers ([`sms`], connected with [`connect`]),
//! email addresses ([`email`]) and voice numbers ([`voice`]). Each section lists its channels
//! with the webhook URLs to paste into the provider's console (copy buttons), whether each
//! secret is set (never the secret: it is write-only, or shown once right after connecting),
//! "send a test" and a disconnect behind a confirm, then the form that connects one. Every
//! section reloads when anyone changes the channels.

mod connect;
mod email;
mod email_form;
mod parts;
mod sms;
mod voice;

use leptos::prelude::*;

#[component]
pub fn ChannelsPage() -> impl IntoView {
    view! {
        <section class="settings-section" data-testid="channels-page" aria-labelledby="channels-title">
            <h2 id="channels-title">"Channels"</h2>
            <p class="hint">
                "Customers can text, mail and call the workspace: connect a number or an address, \
                 then paste its webhook URLs into the provider's console. Texts, mails and calls \
                 land in the inbox beside web chats, and replies go out the way they came."
            </p>
            <sms::SmsNumbers/>
            <email::EmailAddresses/>
            <voice::VoiceNumbers/>
        </section>
    }
}
