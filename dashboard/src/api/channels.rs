//! Typed requests of the channels settings (`/api/dashboard/settings/channels`), over the generic
//! fetch helpers. Shapes in `shared::channels`; admins only.

use shared::channels::{SmsChannelForm, SmsChannelView, SmsTest, SmsTestResult};

use super::{delete, get_json, post_json, ApiError};
use crate::query::encode_component;

const SMS: &str = "/api/dashboard/settings/channels/sms";

fn sms_channel(id: &str) -> String {
    format!("{SMS}/{}", encode_component(id))
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
    delete(&sms_channel(id)).await
}

/// Sends a text now, straight through the provider: answers its message id or its refusal.
pub async fn test_sms(id: &str, test: &SmsTest) -> Result<SmsTestResult, ApiError> {
    post_json(&format!("{}/test", sms_channel(id)), test).await
}
