//! The form that connects an email address: where customers write, the SMTP account replies go
//! out through, the signature, how long replies wait, and Mailgun's signing key when Mailgun
//! forwards the mail. Checked with `EmailChannelForm::parse` before sending; the secrets are
//! password inputs, and every input goes back to its start once the address is connected.

use leptos::html::{Input, Textarea};
use leptos::prelude::*;
use shared::channels::SmtpTls;

use crate::api::{channels as api, ApiError};
use crate::channel_forms::{EmailTyped, DEFAULT_REPLY_DELAY, DEFAULT_SMTP_PORT, SMTP_TLS};
use crate::components::form::{error_id, value_of, Field, Submission};

const FIELDS: &[&str] = &[
    "inboundAddress",
    "fromName",
    "smtpHost",
    "smtpPort",
    "smtpTls",
    "smtpUsername",
    "smtpPassword",
    "signature",
    "replyDelaySecs",
    "mailgunSigningKey",
];

#[component]
pub(super) fn EmailForm(
    /// Called with the address connected and its webhook secret.
    on_connected: Callback<(String, String)>,
) -> impl IntoView {
    let form = Submission::new();
    let tls = RwSignal::new(SmtpTls::StartTls.as_str().to_owned());
    let address = NodeRef::<Input>::new();
    let from_name = NodeRef::<Input>::new();
    let host = NodeRef::<Input>::new();
    let port = NodeRef::<Input>::new();
    let username = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let delay = NodeRef::<Input>::new();
    let mailgun_key = NodeRef::<Input>::new();
    let signature = NodeRef::<Textarea>::new();
    let inputs = [
        (address, ""),
        (from_name, ""),
        (host, ""),
        (port, DEFAULT_SMTP_PORT),
        (username, ""),
        (password, ""),
        (delay, DEFAULT_REPLY_DELAY),
        (mailgun_key, ""),
    ];

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = EmailTyped {
            inbound_address: value_of(address),
            from_name: value_of(from_name),
            smtp_host: value_of(host),
            smtp_port: value_of(port),
            smtp_tls: tls.get_untracked(),
            smtp_username: value_of(username),
            smtp_password: value_of(password),
            signature: signature
                .get_untracked()
                .map(|t| t.value())
                .unwrap_or_default(),
            reply_delay_secs: value_of(delay),
            mailgun_signing_key: value_of(mailgun_key),
        };
        let body = match typed.parse() {
            Ok(body) => body,
            Err(e) => {
                form.error.set(Some(ApiError::from(e)));
                return;
            }
        };
        form.send(
            async move { api::connect_email(&body).await },
            move |created| {
                // Secrets included: nothing typed stays in the form.
                for (input, start) in inputs {
                    if let Some(i) = input.get_untracked() {
                        i.set_value(start);
                    }
                }
                if let Some(t) = signature.get_untracked() {
                    t.set_value("");
                }
                tls.set(SmtpTls::StartTls.as_str().to_owned());
                on_connected.run((created.channel.inbound_address, created.webhook_secret));
            },
        );
    };
    let signature_invalid = move || {
        form.error
            .with(|e| e.as_ref().is_some_and(|e| e.field() == Some("signature")))
    };

    view! {
        <form class="form" novalidate on:submit=submit data-testid="email-form"
            aria-labelledby="email-connect-title">
            <h3 id="email-connect-title">"Connect an address"</h3>
            <div class="form-row">
                <Field form field="inboundAddress" id="email-address" label="Inbound address"
                    node_ref=address kind="email" autocomplete="off" testid="email-inbound"
                    hint="Where customers write, e.g. support@shop.example; replies come from it."/>
            </div>
            <div class="form-row">
                <Field form field="fromName" id="email-from-name" label="From name (optional)"
                    node_ref=from_name optional=true autocomplete="off" testid="email-from-name"
                    hint="The sender name on replies, e.g. Northwind Support."/>
            </div>
            <div class="form-row">
                <Field form field="smtpHost" id="email-smtp-host" label="SMTP host" node_ref=host
                    autocomplete="off" testid="email-smtp-host" hint="e.g. smtp.mailgun.org"/>
            </div>
            <div class="form-row">
                <Field form field="smtpPort" id="email-smtp-port" label="SMTP port" node_ref=port
                    kind="number" value=DEFAULT_SMTP_PORT autocomplete="off" testid="email-smtp-port"/>
            </div>
            <div class="form-row">
                <label for="email-smtp-tls">"TLS"</label>
                <select id="email-smtp-tls" name="smtpTls" data-testid="email-smtp-tls"
                    prop:value=move || tls.get() on:change=move |ev| tls.set(event_target_value(&ev))>
                    {SMTP_TLS.into_iter().map(|(t, label)| view! {
                        <option value=t.as_str()>{label}</option>
                    }).collect_view()}
                </select>
                {form.field_error("smtpTls")}
            </div>
            <div class="form-row">
                <Field form field="smtpUsername" id="email-smtp-username" label="SMTP username (optional)"
                    node_ref=username optional=true autocomplete="off" testid="email-smtp-username"/>
            </div>
            <div class="form-row">
                <Field form field="smtpPassword" id="email-smtp-password" label="SMTP password (optional)"
                    node_ref=password kind="password" optional=true autocomplete="new-password"
                    testid="email-smtp-password" hint="Kept by the server and never shown again."/>
            </div>
            <div class="form-row">
                <label for="email-signature">"Signature (optional)"</label>
                <textarea id="email-signature" name="signature" rows="3" maxlength="1000"
                    node_ref=signature data-testid="email-signature"
                    aria-describedby=move || if signature_invalid() {
                        format!("email-signature-hint {}", error_id("signature"))
                    } else {
                        "email-signature-hint".to_owned()
                    }
                    aria-invalid=move || signature_invalid().then_some("true")></textarea>
                <p class="hint" id="email-signature-hint">
                    "Under every reply, after \u{201c}-- \u{201d}. Empty: the assistant's name and the company."
                </p>
                {form.field_error("signature")}
            </div>
            <div class="form-row">
                <Field form field="replyDelaySecs" id="email-reply-delay" label="Reply delay (seconds)"
                    node_ref=delay kind="number" value=DEFAULT_REPLY_DELAY autocomplete="off"
                    testid="email-reply-delay"
                    hint="How long the assistant's replies wait before they are sent, so a teammate can step in (0 to 86400)."/>
            </div>
            <div class="form-row">
                <Field form field="mailgunSigningKey" id="email-mailgun-key"
                    label="Mailgun signing key (optional)" node_ref=mailgun_key kind="password"
                    optional=true autocomplete="new-password" testid="email-mailgun-key"
                    hint="Only when Mailgun forwards the mail: its HTTP webhook signing key. Kept by the server and never shown again."/>
            </div>
            {form.form_error(FIELDS)}
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="email-connect"
                    disabled=move || form.busy.get()>
                    {form.label("Connect address", "Connecting…")}
                </button>
            </div>
        </form>
    }
}
