//! Channels in the settings (admins): SMS numbers connected with their provider's credentials,
//! the webhook URLs to paste into the provider's console, and "send a test". Secrets are
//! write-only: answers say whether one is set, never what it is. Routes in
//! [`shared::channels`].

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use shared::channels::{
    EmailChannelCreated, EmailChannelForm, EmailChannelView, EmailTest, SmsChannelForm,
    SmsChannelView, SmsNumber, SmsTest, SmsTestResult, StartSms, StartedSms,
};
use tracing::instrument;

use super::{public_base, DashboardUser};
use crate::channels::email::store as email_store;
use crate::channels::sms::sender;
use crate::channels::sms::store::{self, ConnectError};
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;

fn channel_not_found() -> ApiError {
    ApiError::not_found("channel_not_found", "No such SMS number in this workspace.")
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list_sms(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
) -> Result<AppJson<Vec<SmsChannelView>>> {
    user.require_admin()?;
    let base = public_base(&state, &headers);
    let channels = store::list(&state.db, user.tenant_id()).await?;
    Ok(AppJson(
        channels.iter().map(|c| store::view(c, &base)).collect(),
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn connect_sms(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    AppJson(form): AppJson<SmsChannelForm>,
) -> Result<(StatusCode, AppJson<SmsChannelView>)> {
    user.require_admin()?;
    let form = form.parse()?;
    match store::connect(&state.db, user.tenant_id(), &form, user.actor()).await {
        Ok(channel) => Ok((
            StatusCode::CREATED,
            AppJson(store::view(&channel, &public_base(&state, &headers))),
        )),
        Err(ConnectError::NumberTaken) => Err(ApiError::conflict(
            "number_taken",
            "This number is connected already (here or in another workspace).",
        )),
        Err(ConnectError::Store(e)) => Err(e.into()),
    }
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn disconnect_sms(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require_admin()?;
    if store::disconnect(&state.db, user.tenant_id(), &id, user.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(channel_not_found())
    }
}

/// Sends a text now, straight through the provider, and answers what it said: the quickest way
/// to see the credentials work.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn test_sms(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(test): AppJson<SmsTest>,
) -> Result<AppJson<SmsTestResult>> {
    user.require_admin()?;
    let to = test.to.trim();
    if !shared::channels::is_e164(to) {
        return Err(ApiError::invalid_field(
            "to",
            "invalid_phone",
            "Write the number in E.164: + then country code and number, e.g. +14155550100.",
        ));
    }
    let channel = store::find(&state.db, user.tenant_id(), &id)
        .await?
        .ok_or_else(channel_not_found)?;
    let body = match test.body.trim() {
        "" => "This is a test message from your live chat settings.",
        body => body,
    };
    let http = sender::client().map_err(anyhow::Error::from)?;
    let sent = sender::send_text(&http, &state.config.sms_endpoints(), &channel, to, body).await;
    match sent {
        Ok(sent) => Ok(AppJson(SmsTestResult {
            provider_message_id: sent.provider_message_id,
        })),
        Err(e) => Err(ApiError::client(
            StatusCode::BAD_GATEWAY,
            "provider_refused",
            format!("The provider did not send it: {e}"),
        )),
    }
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list_email(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
) -> Result<AppJson<Vec<EmailChannelView>>> {
    user.require_admin()?;
    let base = public_base(&state, &headers);
    let channels = email_store::list(&state.db, user.tenant_id()).await?;
    Ok(AppJson(
        channels
            .iter()
            .map(|c| email_store::view(c, &base))
            .collect(),
    ))
}

/// Connects an address; the answer carries the webhook secret this once.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn connect_email(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    AppJson(form): AppJson<EmailChannelForm>,
) -> Result<(StatusCode, AppJson<EmailChannelCreated>)> {
    user.require_admin()?;
    let form = form.parse()?;
    if state.config.smtp_public_only() {
        let checked =
            crate::channels::email::outgoing::check_public(&form.smtp_host, form.smtp_port);
        if let Err(e) = checked.await {
            return Err(ApiError::invalid_field(
                "smtpHost",
                "private_host",
                e.to_string(),
            ));
        }
    }
    let channel = email_store::connect(&state.db, user.tenant_id(), &form, user.actor())
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "address_taken",
                "This address is connected already (here or in another workspace).",
            )
        })?;
    let view = email_store::view(&channel, &public_base(&state, &headers));
    Ok((
        StatusCode::CREATED,
        AppJson(EmailChannelCreated {
            channel: view,
            webhook_secret: channel.webhook_secret,
        }),
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn disconnect_email(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require_admin()?;
    if email_store::disconnect(&state.db, user.tenant_id(), &id, user.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "channel_not_found",
            "No such email address in this workspace.",
        ))
    }
}

/// The workspace's SMS numbers an agent can text from (agents and up; nothing but the number).
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn sms_numbers(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<Vec<SmsNumber>>> {
    user.require_agent()?;
    let channels = store::list(&state.db, user.tenant_id()).await?;
    Ok(AppJson(
        channels
            .into_iter()
            .map(|c| SmsNumber {
                id: c.id,
                phone_number: c.phone_number,
            })
            .collect(),
    ))
}

/// An agent texts a number first: the number's client (created when new) and its SMS
/// conversation (resumed within 30 days), with the agent's message queued to send.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn start_sms(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(request): AppJson<StartSms>,
) -> Result<(StatusCode, AppJson<StartedSms>)> {
    use crate::conversations::by_address::{self, Contact};
    user.require_agent()?;
    let to = request.to.trim();
    if !shared::channels::is_e164(to) {
        return Err(ApiError::invalid_field(
            "to",
            "invalid_phone",
            "Write the number in E.164: + then country code and number, e.g. +14155550100.",
        ));
    }
    let body = crate::error::message_text("body", &request.body)?;
    let client_message_id = crate::error::client_message_id(&request.client_message_id)?;
    let tenant_id = user.tenant_id();
    let channel = store::find(&state.db, tenant_id, &request.channel_id)
        .await?
        .ok_or_else(channel_not_found)?;
    let client_id = crate::clients::find_or_create_by_phone(&state.db, tenant_id, to).await?;
    let assistant = crate::ai::pipeline::default_assistant(&state, tenant_id).await?;
    let contact = Contact {
        tenant_id,
        channel: shared::api::Channel::Sms,
        channel_ref: &channel.id,
        address: to,
        client_id: &client_id,
        // An agent's own conversation: the cap is for the assistant's.
        to_team: false,
    };
    let conversation =
        by_address::open_for_contact(&state.db, &contact, &assistant.assistant.id).await?;
    let message = crate::conversations::actions::reply(
        &state.db,
        tenant_id,
        &conversation.id,
        &user.user,
        body.as_str(),
        client_message_id.as_str(),
    )
    .await?;
    state.outbox_wake.notify_waiters();
    Ok((
        StatusCode::CREATED,
        AppJson(StartedSms {
            conversation_id: conversation.id,
            message,
        }),
    ))
}

/// Sends a mail now through the channel's SMTP account and answers what the server said.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn test_email(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(test): AppJson<EmailTest>,
) -> Result<StatusCode> {
    use crate::channels::email::outgoing::{self, OutgoingReply};
    use crate::channels::email::parse::Mailbox;
    use crate::channels::email::thread;
    user.require_admin()?;
    let to = shared::Email::parse(&test.to)
        .map_err(|e| ApiError::invalid_field("to", "invalid_email", e.to_string()))?;
    let channel = email_store::find(&state.db, user.tenant_id(), &id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "channel_not_found",
                "No such email address in this workspace.",
            )
        })?;
    let domain = channel
        .inbound_address
        .rsplit('@')
        .next()
        .unwrap_or("localhost");
    let mail = OutgoingReply {
        from: Mailbox {
            name: (!channel.from_name.is_empty()).then(|| channel.from_name.clone()),
            address: channel.inbound_address.clone(),
        },
        to: vec![Mailbox {
            name: None,
            address: to.as_str().to_owned(),
        }],
        cc: Vec::new(),
        subject: "Test message from your live chat settings".to_owned(),
        body: "This is a test message: replies from this address will go out like this one."
            .to_owned(),
        signature: (!channel.signature.is_empty()).then(|| channel.signature.clone()),
        message_id: thread::new_message_id(domain),
        in_reply_to: None,
        references: Vec::new(),
    };
    let message = outgoing::build(&mail).map_err(anyhow::Error::from)?;
    outgoing::send(&channel.smtp(state.config.smtp_public_only()), message)
        .await
        .map_err(|e| {
            ApiError::client(
                StatusCode::BAD_GATEWAY,
                "provider_refused",
                format!("The SMTP server did not take it: {e}"),
            )
        })?;
    Ok(StatusCode::NO_CONTENT)
}
