//! Typed requests of the channels (`/api/dashboard/settings/channels`, admins only), over the
//! generic fetch helpers, and an agent's first text to a number (`/api/dashboard/sms`). Shapes in
//! `shared::channels`.

use shared::channels::{
    EmailChannelCreated, EmailChannelForm, EmailChannelView, EmailTest, SmsChannelForm,
    SmsChannelView, SmsNumber, SmsTest, SmsTestResult, StartSms, StartedSms, VoiceChannelCreated,
    VoiceChannelForm, VoiceChannelView, VoiceTest, VoiceTestResult,
};

use super::{delete, get_json, post_json, ApiError};
use crate::query::encode_component;

const SMS: &str = "/api/dashboard/settings/channels/sms";
const EMAIL: &str = "/api/dashboard/settings/channels/email";
const VOICE: &str = "/api/dashboard/settings/channels/voice";

/// `{base}/{id}` with the id encoded, and `suffix` after it.
fn channel(base: &str, id: &str, suffix: &str) -> String {
    format!("{base}/{}{suffix}", encode_component(id))
}

/// The connected SMS numbers, oldest first; never their secrets.
pub async fn sms_channels() -> Result<Vec<SmsChannelView>, ApiError> {
    get_json(SMS).await
}

/// Connects a number (the form `SmsChannelForm::parse`d first).
pub async fn connect_sms(form: &SmsChannelForm) -> Result<SmsChannelView, ApiError> {
    post_json(SMS, form).await
}

pub async fn disconnect_sms(id: &str) -> Result<(), ApiError> {
    delete(&channel(SMS, id, "")).await
}

/// Sends a text now, straight through the provider: answers its message id or its refusal.
pub async fn test_sms(id: &str, test: &SmsTest) -> Result<SmsTestResult, ApiError> {
    post_json(&channel(SMS, id, "/test"), test).await
}

/// The connected email addresses; never their secrets.
pub async fn email_channels() -> Result<Vec<EmailChannelView>, ApiError> {
    get_json(EMAIL).await
}

/// Connects an address (the form `EmailChannelForm::parse`d first); answers its webhook secret,
/// this once.
pub async fn connect_email(form: &EmailChannelForm) -> Result<EmailChannelCreated, ApiError> {
    post_json(EMAIL, form).await
}

pub async fn disconnect_email(id: &str) -> Result<(), ApiError> {
    delete(&channel(EMAIL, id, "")).await
}

/// Sends a mail now through the address's SMTP account: `Ok` once the SMTP server took it.
pub async fn test_email(id: &str, test: &EmailTest) -> Result<(), ApiError> {
    super::post_json_no_content(&channel(EMAIL, id, "/test"), test).await
}

/// The numbers whose calls the workspace receives.
pub async fn voice_channels() -> Result<Vec<VoiceChannelView>, ApiError> {
    get_json(VOICE).await
}

/// Connects a number; answers its webhook secret, this once.
pub async fn connect_voice(form: &VoiceChannelForm) -> Result<VoiceChannelCreated, ApiError> {
    post_json(VOICE, form).await
}

pub async fn disconnect_voice(id: &str) -> Result<(), ApiError> {
    delete(&channel(VOICE, id, "")).await
}

/// Has the server post a signed sample call to the number's own webhook: answers the
/// conversation it opened.
pub async fn test_voice(id: &str, test: &VoiceTest) -> Result<VoiceTestResult, ApiError> {
    post_json(&channel(VOICE, id, "/test"), test).await
}

/// The workspace's SMS numbers to text from (any agent; just the numbers).
pub async fn sms_numbers() -> Result<Vec<SmsNumber>, ApiError> {
    get_json("/api/dashboard/sms/numbers").await
}

/// An agent texts a number first (any agent): answers the conversation and the queued message.
pub async fn start_sms(request: &StartSms) -> Result<StartedSms, ApiError> {
    post_json("/api/dashboard/sms/conversations", request).await
}
