//! Connecting channels in the settings (issue 10): SMS numbers with their provider's
//! credentials. Secrets (Twilio's auth token, Telnyx's API key) are write-only: the server keeps
//! them and only ever says whether one is set.
//!
//! - `GET /api/dashboard/settings/channels/sms` → `Vec<`[`SmsChannelView`]`>` (admins).
//! - `POST /api/dashboard/settings/channels/sms` [`SmsChannelForm`] → [`SmsChannelView`], 201;
//!   409 `number_taken` when any workspace has the number.
//! - `DELETE /api/dashboard/settings/channels/sms/{id}` → 204.
//! - `POST /api/dashboard/settings/channels/sms/{id}/test` [`SmsTest`] → [`SmsTestResult`].

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
