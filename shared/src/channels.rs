//! Connecting channels in the settings (issue 10): SMS numbers with their provider's
//! credentials. Secrets (Twilio's auth token, Telnyx's API key) are write-only: the server keeps
//! them and only ever says whether one is set.
//!
//! - `GET /api/dashboard/settings/channels/sms` → `Vec<`[`SmsChannelView`]`>` (admins).
//! - `POST /api/dashboard/settings/channels/sms` [`SmsChannelForm`] → [`SmsChannelView`], 201;
//!   409 `number_taken` when any workspace has the number.
//! - `DELETE /api/dashboard/settings/channels/sms/{id}` → 204.
//! - `POST /api/dashboard/settings/channels/sms/{id}/test` [`SmsTest`] → [`SmsTestResult`].
//! - `GET /api/dashboard/settings/channels/email` → `Vec<`[`EmailChannelView`]`>`;
//!   `POST` [`EmailChannelForm`] → [`EmailChannelCreated`] (the webhook secret, shown once), 201;
//!   409 `address_taken`; `DELETE /api/dashboard/settings/channels/email/{id}` → 204;
//!   `POST …/email/{id}/test` [`EmailTest`] → 204 once the SMTP server took it (502
//!   `provider_refused` with its answer otherwise).
//! - `GET /api/dashboard/settings/channels/voice` → `Vec<`[`VoiceChannelView`]`>`; `POST`
//!   [`VoiceChannelForm`] → [`VoiceChannelCreated`], 201; `DELETE …/voice/{id}` → 204.
//! - `POST /webhooks/voice` [`CallRecord`], signed like the email webhook.
//! - `POST /api/dashboard/sms/conversations` [`StartSms`] (agents) → [`StartedSms`], 201: an
//!   agent texts a number first.
//! - `GET /api/dashboard/voice/analytics/overview?start_date&end_date` → [`VoiceOverview`];
//!   `GET /api/dashboard/voice/analytics/timeline?start_date&end_date&bucket=day|hour` →
//!   [`VoiceTimeline`] (the seed's voice analytics API, snake_case like it).

use serde::{Deserialize, Serialize};

use crate::form::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    Twilio,
    Telnyx,
}

impl SmsProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Twilio => "twilio",
            Self::Telnyx => "telnyx",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Twilio => "Twilio",
            Self::Telnyx => "Telnyx",
        }
    }
}

/// A number to connect, as the admin typed it (empty strings: not given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsChannelForm {
    pub provider: SmsProvider,
    /// E.164, e.g. `+14155550100`.
    pub phone_number: String,
    /// Twilio: the Messaging Service (`MG…`) whose pool the number is in, if any.
    #[serde(default)]
    pub messaging_service_sid: String,
    /// Twilio: the account SID (`AC…`).
    #[serde(default)]
    pub account_sid: String,
    /// Twilio: the auth token (signs webhooks, authenticates sends). Write-only.
    #[serde(default)]
    pub auth_token: String,
    /// Telnyx: the API key. Write-only.
    #[serde(default)]
    pub api_key: String,
    /// Telnyx: the webhook signing public key (base64, from the portal).
    #[serde(default)]
    pub public_key: String,
    /// Telnyx: the messaging profile, if any.
    #[serde(default)]
    pub messaging_profile_id: String,
}

impl SmsChannelForm {
    /// The form trimmed and checked: every field the provider needs, in its shape.
    pub fn parse(self) -> Result<Self, FieldError> {
        let trim = |s: String| s.trim().to_owned();
        let form = Self {
            provider: self.provider,
            phone_number: trim(self.phone_number),
            messaging_service_sid: trim(self.messaging_service_sid),
            account_sid: trim(self.account_sid),
            auth_token: trim(self.auth_token),
            api_key: trim(self.api_key),
            public_key: trim(self.public_key),
            messaging_profile_id: trim(self.messaging_profile_id),
        };
        if !is_e164(&form.phone_number) {
            return Err(FieldError::new(
                "phoneNumber",
                "invalid_phone",
                "Write the number in E.164: + then country code and number, e.g. +14155550100.",
            ));
        }
        let token_like = |s: &str| s.len() <= 200 && s.chars().all(|c| c.is_ascii_graphic());
        match form.provider {
            SmsProvider::Twilio => {
                if !sid(&form.account_sid, "AC") {
                    return Err(FieldError::new(
                        "accountSid",
                        "invalid_sid",
                        "The account SID is AC followed by 32 letters and digits.",
                    ));
                }
                if form.auth_token.is_empty() || !token_like(&form.auth_token) {
                    return Err(FieldError::new(
                        "authToken",
                        "required",
                        "The auth token is needed to check Twilio's signatures and to send.",
                    ));
                }
                if !form.messaging_service_sid.is_empty() && !sid(&form.messaging_service_sid, "MG")
                {
                    return Err(FieldError::new(
                        "messagingServiceSid",
                        "invalid_sid",
                        "A Messaging Service SID is MG followed by 32 letters and digits.",
                    ));
                }
            }
            SmsProvider::Telnyx => {
                if form.api_key.is_empty() || !token_like(&form.api_key) {
                    return Err(FieldError::new(
                        "apiKey",
                        "required",
                        "The API key is needed to send through Telnyx.",
                    ));
                }
                if !base64_key(&form.public_key) {
                    return Err(FieldError::new(
                        "publicKey",
                        "invalid_key",
                        "The public key is the 44-character base64 key from Telnyx's portal (Keys & Credentials).",
                    ));
                }
                if !form.messaging_profile_id.is_empty() && !token_like(&form.messaging_profile_id)
                {
                    return Err(FieldError::new(
                        "messagingProfileId",
                        "invalid",
                        "The messaging profile id has characters it cannot have.",
                    ));
                }
            }
        }
        Ok(form)
    }
}

/// `+`, a country code not starting with 0, 7 to 15 digits in all.
pub fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

fn sid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 32 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// 32 bytes in standard base64: 43 characters and one `=` (or 43 without padding).
fn base64_key(s: &str) -> bool {
    let body = s.strip_suffix('=').unwrap_or(s);
    body.len() == 43
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

/// A connected number as the settings show it: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsChannelView {
    pub id: String,
    pub provider: SmsProvider,
    pub phone_number: String,
    pub messaging_service_sid: Option<String>,
    pub account_sid: Option<String>,
    /// Whether a Twilio auth token is stored (it is never shown again).
    pub auth_token_set: bool,
    /// Whether a Telnyx API key is stored (it is never shown again).
    pub api_key_set: bool,
    pub public_key: Option<String>,
    pub messaging_profile_id: Option<String>,
    /// The URL to paste into the provider's console for incoming messages.
    pub inbound_url: String,
    /// Where delivery reports go (Twilio's status callback; Telnyx posts both to one URL).
    pub status_url: String,
    pub created_at: i64,
}

/// "Send a test": a text to `to` from the channel, now, not through the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsTest {
    pub to: String,
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsTestResult {
    pub provider_message_id: String,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same machine or private network.
    None,
    /// STARTTLS upgrade (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl SmtpTls {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::StartTls => "starttls",
            Self::Tls => "tls",
        }
    }
}

/// An inbound address to connect and the SMTP account replies go out through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailChannelForm {
    /// Where customers write (and replies come from), e.g. `support@shop.example`.
    pub inbound_address: String,
    /// The sender name on replies, e.g. "Northwind Support".
    #[serde(default)]
    pub from_name: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    #[serde(default)]
    pub smtp_username: String,
    /// Write-only.
    #[serde(default)]
    pub smtp_password: String,
    pub smtp_tls: SmtpTls,
    /// After "-- " under every reply; empty: the assistant's name and the company.
    #[serde(default)]
    pub signature: String,
    /// How long the assistant's replies wait before they are sent (0 to 86,400 seconds).
    #[serde(default = "default_reply_delay")]
    pub reply_delay_secs: u32,
    /// Mailgun's HTTP webhook signing key, when Mailgun forwards the mail (its route posts to
    /// the channel's Mailgun URL, signed with this key). Write-only; empty: not used.
    #[serde(default)]
    pub mailgun_signing_key: String,
}

fn default_reply_delay() -> u32 {
    300
}

impl EmailChannelForm {
    pub const MAX_REPLY_DELAY_SECS: u32 = 86_400;

    /// The form trimmed and checked; the address lower-cased.
    pub fn parse(self) -> Result<Self, FieldError> {
        let address = self.inbound_address.trim().to_ascii_lowercase();
        if crate::Email::parse(&address).is_err() {
            return Err(FieldError::new(
                "inboundAddress",
                "invalid_email",
                "Write the address customers write to, e.g. support@shop.example.",
            ));
        }
        let host = self.smtp_host.trim().to_owned();
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !host_ok {
            return Err(FieldError::new(
                "smtpHost",
                "invalid_host",
                "Write the SMTP server's host name, e.g. smtp.mailgun.org.",
            ));
        }
        if self.smtp_port == 0 {
            return Err(FieldError::new(
                "smtpPort",
                "invalid_port",
                "The SMTP port is a number from 1 to 65535 (587 for STARTTLS, 465 for TLS).",
            ));
        }
        if self.reply_delay_secs > Self::MAX_REPLY_DELAY_SECS {
            return Err(FieldError::new(
                "replyDelaySecs",
                "out_of_range",
                "The reply delay is at most a day (86400 seconds).",
            ));
        }
        let from_name = self.from_name.trim().to_owned();
        if from_name.chars().count() > 100 || from_name.chars().any(char::is_control) {
            return Err(FieldError::new(
                "fromName",
                "invalid",
                "The sender name is one line of at most 100 characters.",
            ));
        }
        let signature = self.signature.trim().to_owned();
        if signature.chars().count() > 1000 {
            return Err(FieldError::new(
                "signature",
                "too_long",
                "The signature is at most 1000 characters.",
            ));
        }
        Ok(Self {
            inbound_address: address,
            from_name,
            smtp_host: host,
            smtp_port: self.smtp_port,
            smtp_username: self.smtp_username.trim().to_owned(),
            smtp_password: self.smtp_password,
            smtp_tls: self.smtp_tls,
            signature,
            reply_delay_secs: self.reply_delay_secs,
            mailgun_signing_key: self.mailgun_signing_key.trim().to_owned(),
        })
    }
}

/// A connected address as the settings show it: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailChannelView {
    pub id: String,
    pub inbound_address: String,
    pub from_name: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_username: Option<String>,
    pub smtp_password_set: bool,
    pub smtp_tls: SmtpTls,
    pub signature: String,
    pub reply_delay_secs: u32,
    /// Where the mail provider posts inbound mail (raw `message/rfc822` or a JSON envelope),
    /// signed with the webhook secret.
    pub webhook_url: String,
    /// Where a Mailgun route forwards inbound mail (`forward("<this URL>")`), signed with the
    /// Mailgun signing key.
    pub mailgun_webhook_url: String,
    pub mailgun_signing_key_set: bool,
    pub created_at: i64,
}

/// The answer to connecting an address: its webhook secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailChannelCreated {
    pub channel: EmailChannelView,
    pub webhook_secret: String,
}

/// "Send a test": a mail to `to` through the channel's SMTP account, now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailTest {
    pub to: String,
}

/// A number whose calls a workspace receives from its voice provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceChannelForm {
    pub phone_number: String,
}

impl VoiceChannelForm {
    pub fn parse(self) -> Result<Self, FieldError> {
        let phone_number = self.phone_number.trim().to_owned();
        if !is_e164(&phone_number) {
            return Err(FieldError::new(
                "phoneNumber",
                "invalid_phone",
                "Write the number in E.164: + then country code and number, e.g. +14155550100.",
            ));
        }
        Ok(Self { phone_number })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceChannelView {
    pub id: String,
    pub phone_number: String,
    /// Where the voice provider (or its bridge) posts each finished call's record.
    pub webhook_url: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceChannelCreated {
    pub channel: VoiceChannelView,
    /// Signs the webhook; shown this once.
    pub webhook_secret: String,
}

/// "Send a test": the server posts a signed sample call record from `from` to the channel's own
/// webhook URL, as a provider's bridge would, so the whole path is tried: the public URL reaches
/// this server, the signature checks out, the call lands in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceTest {
    /// The caller's number (E.164): the test call lands on that client.
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceTestResult {
    /// The conversation the test call opened.
    pub conversation_id: String,
}

/// Who spoke a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    Customer,
    Assistant,
    Agent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptLine {
    pub speaker: Speaker,
    pub text: String,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallOutcome {
    /// The AI assistant resolved it.
    Resolved,
    /// Transferred to an agent.
    Transferred,
    /// The caller hung up before it was resolved.
    Abandoned,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Transferred => "transferred",
            Self::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resolved" => Some(Self::Resolved),
            "transferred" => Some(Self::Transferred),
            "abandoned" => Some(Self::Abandoned),
            _ => None,
        }
    }

    /// As the timeline says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Resolved => "resolved by the AI",
            Self::Transferred => "transferred to an agent",
            Self::Abandoned => "abandoned",
        }
    }
}

/// `POST /webhooks/voice`: a finished call. Times are RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// The provider's id of the call: the same call posted twice is stored once.
    pub call_id: String,
    /// The caller's number.
    pub from: String,
    /// The workspace's number that was called.
    pub to: String,
    pub started_at: String,
    pub ended_at: String,
    #[serde(default)]
    pub recording_url: Option<String>,
    #[serde(default)]
    pub transcript: Vec<TranscriptLine>,
    #[serde(default)]
    pub summary: String,
    pub outcome: CallOutcome,
}

/// The seed's `overview` metrics over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceOverview {
    pub metrics: VoiceMetrics,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceMetrics {
    pub total_calls: i64,
    /// Resolved or transferred.
    pub completed_calls: i64,
    /// Abandoned.
    pub incomplete_calls: i64,
    pub avg_duration_seconds: f64,
    /// Share of calls with a recording, 0 to 1.
    pub recording_availability_rate: f64,
    /// Minutes from start to end, rounded up per call (as billed).
    pub total_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceTimeline {
    /// `day` or `hour`.
    pub bucket: String,
    pub points: Vec<VoiceTimelinePoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceTimelinePoint {
    /// The bucket's start, RFC 3339 UTC.
    pub start: String,
    pub total_calls: i64,
    pub avg_duration_seconds: f64,
    pub total_minutes: i64,
}

/// One of the workspace's SMS numbers, as every agent may see it (to text from): no provider,
/// no credentials. `GET /api/dashboard/sms/numbers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsNumber {
    pub id: String,
    pub phone_number: String,
}

/// An agent starts (or continues) the SMS conversation with a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartSms {
    /// The workspace's SMS number to send from.
    pub channel_id: String,
    /// E.164.
    pub to: String,
    pub body: String,
    /// Chosen by the dashboard, reused on retries.
    pub client_message_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartedSms {
    pub conversation_id: String,
    pub message: crate::dashboard::TimelineMessage,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twilio() -> SmsChannelForm {
        SmsChannelForm {
            provider: SmsProvider::Twilio,
            phone_number: " +14155550100 ".into(),
            messaging_service_sid: String::new(),
            account_sid: format!("AC{}", "a".repeat(32)),
            auth_token: "secret".into(),
            api_key: String::new(),
            public_key: String::new(),
            messaging_profile_id: String::new(),
        }
    }

    #[test]
    fn a_twilio_number_needs_its_account_and_token() {
        assert_eq!(twilio().parse().unwrap().phone_number, "+14155550100");
        let field = |f: SmsChannelForm| f.parse().unwrap_err().field;
        assert_eq!(
            field(SmsChannelForm {
                phone_number: "4155550100".into(),
                ..twilio()
            }),
            "phoneNumber"
        );
        assert_eq!(
            field(SmsChannelForm {
                account_sid: "AC123".into(),
                ..twilio()
            }),
            "accountSid"
        );
        assert_eq!(
            field(SmsChannelForm {
                auth_token: " ".into(),
                ..twilio()
            }),
            "authToken"
        );
        assert_eq!(
            field(SmsChannelForm {
                messaging_service_sid: "MGx".into(),
                ..twilio()
            }),
            "messagingServiceSid"
        );
    }

    #[test]
    fn a_telnyx_number_needs_its_key_and_public_key() {
        let telnyx = SmsChannelForm {
            provider: SmsProvider::Telnyx,
            api_key: "KEY0123".into(),
            public_key: format!("{}=", "A".repeat(43)),
            ..twilio()
        };
        assert!(telnyx.clone().parse().is_ok());
        let e = SmsChannelForm {
            public_key: "short".into(),
            ..telnyx.clone()
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.field, "publicKey");
        let e = SmsChannelForm {
            api_key: String::new(),
            ..telnyx
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.field, "apiKey");
    }

    #[test]
    fn e164_is_plus_and_seven_to_fifteen_digits() {
        assert!(is_e164("+14155550100"));
        assert!(!is_e164("+04155550100"));
        assert!(!is_e164("+1415"));
        assert!(!is_e164("+1415555010012345"));
        assert!(!is_e164("14155550100"));
    }
}
