//! Twilio's SMS wire format: reading the form-encoded webhooks Twilio posts for an incoming
//! message and for a delivery-status change, and sending a message through the REST API
//! (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth). Everything is
//! mapped onto the provider-neutral types in `wire`, so the conversation code does not care
//! which provider carried a message. Verify `X-Twilio-Signature` (see `signature`) before
//! parsing a webhook.

use std::fmt;

use serde::Deserialize;

use super::wire::{code_text, quote, retry_after_secs, ProviderFailure};
pub use super::wire::{DeliveryStatus, InboundSms, SendError, Sent, StatusUpdate, WireError};

/// Twilio's production REST API.
pub const API_BASE: &str = "https://api.twilio.com";

/// Twilio's error code for "Attempt to send to unsubscribed recipient": the recipient texted
/// STOP to this sender.
pub const OPT_OUT_ERROR_CODE: &str = "21610";

/// Credentials for one Twilio account. `Debug` never prints the auth token.
#[derive(Clone, PartialEq, Eq)]
pub struct TwilioAccount {
    /// `https://api.twilio.com` in production ([`API_BASE`]); a stub server's URL in tests. A
    /// trailing `/` is ignored.
    pub api_base: String,
    /// The account SID (`AC…`).
    pub account_sid: String,
    /// The auth token: the secret for the REST API and for webhook signatures.
    pub auth_token: String,
}

impl TwilioAccount {
    /// An account on Twilio's production API.
    pub fn production(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        TwilioAccount {
            api_base: API_BASE.to_owned(),
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
        }
    }
}

impl fmt::Debug for TwilioAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioAccount")
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .finish()
    }
}

/// A message to send. At least one of `from` and `messaging_service_sid` is required; given
/// both, Twilio sends from `from` with the messaging service's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundSms<'a> {
    /// Our sending number (E.164) or short code.
    pub from: Option<&'a str>,
    /// A messaging service (`MG…`) to pick the sender from its pool.
    pub messaging_service_sid: Option<&'a str>,
    /// The recipient (E.164).
    pub to: &'a str,
    pub body: &'a str,
    /// Where Twilio posts delivery-status changes for this message.
    pub status_callback: Option<&'a str>,
}

/// The first value of form field `key`, if present.
fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The first non-empty value among `keys` (trimmed).
fn first_nonempty<'a>(params: &'a [(String, String)], keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .filter_map(|k| param(params, k))
        .map(str::trim)
        .find(|v| !v.is_empty())
}

/// Reads the form Twilio posts to a number's "A message comes in" webhook: `MessageSid` (or the
/// older `SmsMessageSid`), `From`, `To`, `Body`, `MessagingServiceSid`, and `NumMedia` with
/// `MediaUrl0`…`MediaUrl{N-1}`. `Body` may be empty, and may be absent when media is attached.
/// Media URLs beyond `NumMedia` are ignored, and a missing one is skipped.
pub fn parse_inbound(params: &[(String, String)]) -> Result<InboundSms, WireError> {
    let provider_message_id = first_nonempty(params, &["MessageSid", "SmsMessageSid", "SmsSid"])
        .ok_or(WireError::MissingField("MessageSid"))?;
    let from = first_nonempty(params, &["From"]).ok_or(WireError::MissingField("From"))?;
    let to = first_nonempty(params, &["To"]).ok_or(WireError::MissingField("To"))?;

    let num_media = match param(params, "NumMedia").map(str::trim) {
        None | Some("") => 0,
        Some(n) => n.parse::<usize>().map_err(|_| WireError::InvalidField {
            field: "NumMedia",
            reason: format!("not a count: `{}`", quote(n)),
        })?,
    };
    let mut indexed: Vec<(usize, &str)> = params
        .iter()
        .filter_map(|(k, v)| {
            let index = k.strip_prefix("MediaUrl")?;
            let n: usize = index.parse().ok()?;
            // Only the canonical spelling: "MediaUrl1", not "MediaUrl01" or "MediaUrl+1".
            (n.to_string() == index && n < num_media && !v.trim().is_empty())
                .then_some((n, v.trim()))
        })
        .collect();
    indexed.sort_by_key(|(n, _)| *n);
    indexed.dedup_by_key(|(n, _)| *n);
    let media: Vec<String> = indexed.into_iter().map(|(_, v)| v.to_owned()).collect();

    let body = match param(params, "Body") {
        Some(body) => body.to_owned(),
        None if num_media > 0 => String::new(),
        None => return Err(WireError::MissingField("Body")),
    };
    let messaging_service_sid = first_nonempty(params, &["MessagingServiceSid"]).map(str::to_owned);

    Ok(InboundSms {
        provider_message_id: provider_message_id.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        body,
        messaging_service_sid,
        media,
    })
}

/// Maps a Twilio message status onto [`DeliveryStatus`]: `accepted`, `scheduled`, `queued` and
/// `sending` are `Queued`; `sent` and `partially_delivered` are `Sent`; `delivered` and `read`
/// are `Delivered`; `undelivered` is `Undelivered`; `failed` and `canceled` are `Failed`. The
/// inbound-only statuses (`receiving`, `received`) and anything else are an error.
pub fn delivery_status(status: &str) -> Result<DeliveryStatus, WireError> {
    let s = status.trim().to_ascii_lowercase();
    Ok(match s.as_str() {
        "accepted" | "scheduled" | "queued" | "sending" => DeliveryStatus::Queued,
        "sent" | "partially_delivered" => DeliveryStatus::Sent,
        "delivered" | "read" => DeliveryStatus::Delivered,
        "undelivered" => DeliveryStatus::Undelivered,
        "failed" | "canceled" => DeliveryStatus::Failed,
        _ => return Err(WireError::UnknownStatus(quote(status))),
    })
}

/// Reads the form Twilio posts to a message's `StatusCallback`: `MessageSid` (or `SmsSid`),
/// `MessageStatus` (or `SmsStatus`), and `ErrorCode` / `ErrorMessage` when it failed.
pub fn parse_status(params: &[(String, String)]) -> Result<StatusUpdate, WireError> {
    let provider_message_id = first_nonempty(params, &["MessageSid", "SmsSid", "SmsMessageSid"])
        .ok_or(WireError::MissingField("MessageSid"))?;
    let status = first_nonempty(params, &["MessageStatus", "SmsStatus"])
        .ok_or(WireError::MissingField("MessageStatus"))?;
    let status = delivery_status(status)?;
    let error_code = first_nonempty(params, &["ErrorCode"]).map(str::to_owned);
    let error_message = first_nonempty(params, &["ErrorMessage"]).map(str::to_owned);
    let opted_out = error_code.as_deref() == Some(OPT_OUT_ERROR_CODE);
    Ok(StatusUpdate {
        provider_message_id: provider_message_id.to_owned(),
        status,
        error_code,
        error_message,
        opted_out,
    })
}

/// `s` trimmed, unless that leaves nothing.
fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The parts of Twilio's Message resource we read after creating one.
#[derive(Deserialize)]
struct CreatedMessage {
    sid: Option<String>,
    status: Option<String>,
}

/// Twilio's REST error body: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: serde_json::Value,
    message: Option<String>,
}

/// Sends `sms` through `account`. Set a timeout on `http`: a request that times out is
/// reported as retryable [`SendError::Network`], though Twilio may have created the message.
///
/// 200 and 201 answers give the new message's SID and initial status (an unrecognised status
/// reads as `Queued`: the message exists either way). Other answers become a [`SendError`]:
/// 429 and 5xx are retryable; other 4xx are permanent and keep Twilio's `code` and `message`;
/// code 21610 is [`SendError::OptedOut`].
pub async fn send(
    http: &reqwest::Client,
    account: &TwilioAccount,
    sms: &OutboundSms<'_>,
) -> Result<Sent, SendError> {
    let sid = account.account_sid.trim();
    if sid.is_empty() || !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(SendError::InvalidRequest(
            "the Twilio account SID must be non-empty and alphanumeric",
        ));
    }
    if account.auth_token.is_empty() {
        return Err(SendError::InvalidRequest("the Twilio auth token is empty"));
    }
    let to = nonempty(Some(sms.to)).ok_or(SendError::InvalidRequest("no recipient"))?;
    if sms.body.trim().is_empty() {
        return Err(SendError::InvalidRequest("the message body is empty"));
    }
    let from = nonempty(sms.from);
    let service = nonempty(sms.messaging_service_sid);
    if from.is_none() && service.is_none() {
        return Err(SendError::InvalidRequest(
            "either a sending number or a messaging service is required",
        ));
    }

    let mut form: Vec<(&str, &str)> = vec![("To", to)];
    if let Some(from) = from {
        form.push(("From", from));
    }
    if let Some(service) = service {
        form.push(("MessagingServiceSid", service));
    }
    form.push(("Body", sms.body));
    if let Some(callback) = nonempty(sms.status_callback) {
        form.push(("StatusCallback", callback));
    }

    let url = format!(
        "{}/2010-04-01/Accounts/{sid}/Messages.json",
        account.api_base.trim_end_matches('/')
    );
    let response = http
        .post(url)
        .basic_auth(sid, Some(&account.auth_token))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(SendError::Network)?;

    let status = response.status();
    let retry_after = retry_after_secs(response.headers());
    if status.is_success() {
        let bytes = response.bytes().await.map_err(|e| {
            SendError::InvalidResponse(format!("reading Twilio's answer failed: {e}"))
        })?;
        let created: CreatedMessage = serde_json::from_slice(&bytes)
            .map_err(|e| SendError::InvalidResponse(format!("Twilio's answer is not JSON: {e}")))?;
        let provider_message_id = created
            .sid
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| SendError::InvalidResponse("Twilio's answer has no `sid`".to_owned()))?;
        let status = created
            .status
            .as_deref()
            .and_then(|s| delivery_status(s).ok())
            .unwrap_or(DeliveryStatus::Queued);
        return Ok(Sent {
            provider_message_id,
            status,
        });
    }

    // A failure: the body is Twilio's error JSON when there is one; a body that cannot be read
    // or parsed still leaves the HTTP status to go on.
    let bytes = response.bytes().await.unwrap_or_default();
    let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => (
            code_text(&body.code),
            body.message.filter(|m| !m.trim().is_empty()),
        ),
        Err(_) => (None, None),
    };
    Err(ProviderFailure {
        status: status.as_u16(),
        opted_out: code.as_deref() == Some(OPT_OUT_ERROR_CODE),
        code,
        message,
        retry_after_secs: retry_after,
    }
    .into_error())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use std::time::Duration;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// An SMS webhook as Twilio posts it (all the fields it sends, in its order).
    fn inbound_sms_form() -> Vec<(String, String)> {
        p(&[
            ("ToCountry", "US"),
            ("ToState", "CA"),
            ("SmsMessageSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"),
            ("NumMedia", "0"),
            ("ToCity", "SAN FRANCISCO"),
            ("FromZip", "94105"),
            ("SmsSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"),
            ("FromState", "CA"),
            ("SmsStatus", "received"),
            ("FromCity", "SAN FRANCISCO"),
            ("Body", "Hi, is my order on its way? 📦"),
            ("FromCountry", "US"),
            ("To", "+14155550100"),
            ("MessagingServiceSid", "MG9752274e9e519418a7406176694466fa"),
            ("ToZip", "94105"),
            ("NumSegments", "1"),
            ("MessageSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"),
            ("AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
            ("From", "+14155550199"),
            ("ApiVersion", "2010-04-01"),
        ])
    }

    #[test]
    fn parses_an_inbound_sms() {
        let sms = parse_inbound(&inbound_sms_form()).unwrap();
        assert_eq!(
            sms,
            InboundSms {
                provider_message_id: "SM1f0e8ae6ade43cb3c0ce4525424e404f".to_owned(),
                from: "+14155550199".to_owned(),
                to: "+14155550100".to_owned(),
                body: "Hi, is my order on its way? 📦".to_owned(),
                messaging_service_sid: Some("MG9752274e9e519418a7406176694466fa".to_owned()),
                media: vec![],
            }
        );
    }

    #[test]
    fn parses_an_inbound_mms_with_empty_body() {
        let form = p(&[
            ("MessageSid", "MM800f449d0399ed014aae2bcc0cc2f2ec"),
            ("From", "+14155550199"),
            ("To", "+14155550100"),
            ("Body", ""),
            ("NumMedia", "2"),
            ("MediaContentType1", "image/png"),
            (
                "MediaUrl1",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM8/Media/ME2",
            ),
            ("MediaContentType0", "image/jpeg"),
            (
                "MediaUrl0",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM8/Media/ME1",
            ),
        ]);
        let sms = parse_inbound(&form).unwrap();
        assert_eq!(sms.body, "");
        assert_eq!(sms.messaging_service_sid, None);
        assert_eq!(
            sms.media,
            vec![
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM8/Media/ME1",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM8/Media/ME2",
            ]
        );
        // Body may be absent altogether when media is attached.
        let no_body: Vec<_> = form.into_iter().filter(|(k, _)| k != "Body").collect();
        assert_eq!(parse_inbound(&no_body).unwrap().body, "");
    }

    #[test]
    fn media_beyond_num_media_or_oddly_named_is_ignored() {
        let form = p(&[
            ("MessageSid", "MM1"),
            ("From", "+1"),
            ("To", "+2"),
            ("Body", "x"),
            ("NumMedia", "1"),
            ("MediaUrl0", "https://a/0"),
            ("MediaUrl1", "https://a/1"),
            ("MediaUrl01", "https://a/01"),
            ("MediaUrl+0", "https://a/plus"),
            ("MediaUrl0", "https://a/0-again"),
            ("MediaUrl99999999999999999999999", "https://a/huge"),
        ]);
        assert_eq!(parse_inbound(&form).unwrap().media, vec!["https://a/0"]);
        // NumMedia larger than the URLs present: the present ones are kept.
        let form = p(&[
            ("MessageSid", "MM1"),
            ("From", "+1"),
            ("To", "+2"),
            ("NumMedia", "18446744073709551615"),
            ("MediaUrl3", "https://a/3"),
        ]);
        assert_eq!(parse_inbound(&form).unwrap().media, vec!["https://a/3"]);
    }

    #[test]
    fn inbound_errors_name_the_field() {
        let without = |key: &str| -> Vec<(String, String)> {
            inbound_sms_form()
                .into_iter()
                .filter(|(k, _)| k != key)
                .collect()
        };
        let no_sid: Vec<_> = inbound_sms_form()
            .into_iter()
            .filter(|(k, _)| !k.contains("Sid") || k == "MessagingServiceSid")
            .collect();
        assert_eq!(
            parse_inbound(&no_sid),
            Err(WireError::MissingField("MessageSid"))
        );
        assert_eq!(
            parse_inbound(&without("From")),
            Err(WireError::MissingField("From"))
        );
        assert_eq!(
            parse_inbound(&without("To")),
            Err(WireError::MissingField("To"))
        );
        assert_eq!(
            parse_inbound(&without("Body")),
            Err(WireError::MissingField("Body"))
        );
        let mut blank_from = inbound_sms_form();
        for (k, v) in &mut blank_from {
            if k == "From" {
                *v = "  ".to_owned();
            }
        }
        assert_eq!(
            parse_inbound(&blank_from),
            Err(WireError::MissingField("From"))
        );
        let mut bad_count = inbound_sms_form();
        bad_count.retain(|(k, _)| k != "NumMedia");
        bad_count.push(("NumMedia".to_owned(), "-1".to_owned()));
        assert!(matches!(
            parse_inbound(&bad_count),
            Err(WireError::InvalidField {
                field: "NumMedia",
                ..
            })
        ));
        assert_eq!(
            parse_inbound(&[]),
            Err(WireError::MissingField("MessageSid"))
        );
    }

    #[test]
    fn only_message_sid_from_older_field_name() {
        let form = p(&[
            ("SmsMessageSid", "SM9"),
            ("From", "+1"),
            ("To", "+2"),
            ("Body", "hi"),
        ]);
        assert_eq!(parse_inbound(&form).unwrap().provider_message_id, "SM9");
    }

    #[test]
    fn parses_status_callbacks() {
        let form = p(&[
            ("SmsSid", "SM5ef8732a3c49700934481addd5ce1659"),
            ("SmsStatus", "delivered"),
            ("MessageStatus", "delivered"),
            ("To", "+14155550199"),
            ("MessageSid", "SM5ef8732a3c49700934481addd5ce1659"),
            ("AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
            ("From", "+14155550100"),
            ("ApiVersion", "2010-04-01"),
        ]);
        assert_eq!(
            parse_status(&form).unwrap(),
            StatusUpdate {
                provider_message_id: "SM5ef8732a3c49700934481addd5ce1659".to_owned(),
                status: DeliveryStatus::Delivered,
                error_code: None,
                error_message: None,
                opted_out: false,
            }
        );

        let failed = p(&[
            ("MessageSid", "SM1"),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
        ]);
        let update = parse_status(&failed).unwrap();
        assert_eq!(update.status, DeliveryStatus::Undelivered);
        assert_eq!(update.error_code.as_deref(), Some("30003"));
        assert!(!update.opted_out);

        let opted_out = p(&[
            ("MessageSid", "SM1"),
            ("MessageStatus", "failed"),
            ("ErrorCode", "21610"),
            ("ErrorMessage", "Attempt to send to unsubscribed recipient"),
        ]);
        let update = parse_status(&opted_out).unwrap();
        assert_eq!(update.status, DeliveryStatus::Failed);
        assert!(update.opted_out);
        assert_eq!(
            update.error_message.as_deref(),
            Some("Attempt to send to unsubscribed recipient")
        );

        // An empty ErrorCode (Twilio sends one on some callbacks) is no error.
        let empty_code = p(&[
            ("MessageSid", "SM1"),
            ("MessageStatus", "sent"),
            ("ErrorCode", ""),
        ]);
        assert_eq!(parse_status(&empty_code).unwrap().error_code, None);
    }

    #[test]
    fn status_errors() {
        assert_eq!(
            parse_status(&p(&[("MessageStatus", "sent")])),
            Err(WireError::MissingField("MessageSid"))
        );
        assert_eq!(
            parse_status(&p(&[("MessageSid", "SM1")])),
            Err(WireError::MissingField("MessageStatus"))
        );
        assert_eq!(
            parse_status(&p(&[("MessageSid", "SM1"), ("MessageStatus", "received")])),
            Err(WireError::UnknownStatus("received".to_owned()))
        );
        let long = "x".repeat(10_000);
        match parse_status(&p(&[("MessageSid", "SM1"), ("MessageStatus", &long)])) {
            Err(WireError::UnknownStatus(s)) => assert!(s.chars().count() <= 65),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_twilio_status_maps() {
        use DeliveryStatus::*;
        for (s, want) in [
            ("accepted", Queued),
            ("scheduled", Queued),
            ("queued", Queued),
            ("sending", Queued),
            ("sent", Sent),
            ("partially_delivered", Sent),
            ("delivered", Delivered),
            ("read", Delivered),
            ("undelivered", Undelivered),
            ("failed", Failed),
            ("canceled", Failed),
            (" Delivered ", Delivered),
        ] {
            assert_eq!(delivery_status(s), Ok(want), "{s}");
        }
        for s in ["receiving", "received", "", "done"] {
            assert!(delivery_status(s).is_err(), "{s}");
        }
    }

    #[test]
    fn debug_redacts_the_auth_token() {
        let account = TwilioAccount::production("AC123", "super-secret-token");
        let shown = format!("{account:?} {account:#?}");
        assert!(!shown.contains("super-secret-token"));
        assert!(shown.contains("<redacted>"));
        assert!(shown.contains("AC123"));
        assert!(shown.contains(API_BASE));
    }

    // ---- sending ----

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "the-auth-token";

    fn account(server: &MockServer) -> TwilioAccount {
        TwilioAccount {
            api_base: format!("{}/", server.uri()),
            account_sid: SID.to_owned(),
            auth_token: TOKEN.to_owned(),
        }
    }

    fn messages_path() -> String {
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    }

    fn basic_auth() -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
        )
    }

    fn sms<'a>() -> OutboundSms<'a> {
        OutboundSms {
            from: Some("+14155550100"),
            messaging_service_sid: None,
            to: "+14155550199",
            body: "Your order shipped & is on its way: 100% 🎉",
            status_callback: Some("https://chat.example.com/sms/twilio/status?ws=1"),
        }
    }

    fn created() -> serde_json::Value {
        serde_json::json!({
            "account_sid": SID,
            "api_version": "2010-04-01",
            "body": "Your order shipped & is on its way: 100% 🎉",
            "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
            "direction": "outbound-api",
            "error_code": null,
            "error_message": null,
            "from": "+14155550100",
            "messaging_service_sid": null,
            "num_media": "0",
            "num_segments": "1",
            "price": null,
            "sid": "SM3e8b2c5fd4b5d4e2d0a1b7b5c0e1f2a3",
            "status": "queued",
            "to": "+14155550199",
            "uri": "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM3e8b2c5fd4b5d4e2d0a1b7b5c0e1f2a3.json"
        })
    }

    async fn sent_form(server: &MockServer) -> Vec<(String, String)> {
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        // `query_pairs` decodes application/x-www-form-urlencoded (`+` as space, %XX).
        let body = std::str::from_utf8(&requests[0].body).unwrap();
        reqwest::Url::parse(&format!("http://form.invalid/?{body}"))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[tokio::test]
    async fn sends_and_reads_the_created_message() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(messages_path()))
            .and(header("authorization", basic_auth().as_str()))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .respond_with(ResponseTemplate::new(201).set_body_json(created()))
            .expect(1)
            .mount(&server)
            .await;

        let sent = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap();
        assert_eq!(
            sent,
            Sent {
                provider_message_id: "SM3e8b2c5fd4b5d4e2d0a1b7b5c0e1f2a3".to_owned(),
                status: DeliveryStatus::Queued,
            }
        );
        assert_eq!(
            sent_form(&server).await,
            p(&[
                ("To", "+14155550199"),
                ("From", "+14155550100"),
                ("Body", "Your order shipped & is on its way: 100% 🎉"),
                (
                    "StatusCallback",
                    "https://chat.example.com/sms/twilio/status?ws=1"
                ),
            ])
        );
    }

    #[tokio::test]
    async fn sends_through_a_messaging_service() {
        let server = MockServer::start().await;
        let mut body = created();
        body["status"] = serde_json::json!("accepted");
        Mock::given(method("POST"))
            .and(path(messages_path()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let msg = OutboundSms {
            from: None,
            messaging_service_sid: Some("MG9752274e9e519418a7406176694466fa"),
            status_callback: None,
            ..sms()
        };
        let sent = send(&reqwest::Client::new(), &account(&server), &msg)
            .await
            .unwrap();
        assert_eq!(sent.status, DeliveryStatus::Queued);
        assert_eq!(
            sent_form(&server).await,
            p(&[
                ("To", "+14155550199"),
                ("MessagingServiceSid", "MG9752274e9e519418a7406176694466fa"),
                ("Body", "Your order shipped & is on its way: 100% 🎉"),
            ])
        );
    }

    #[tokio::test]
    async fn a_400_keeps_twilios_code_and_message() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "code": 21211,
                "message": "The 'To' number +1415555 is not a valid phone number.",
                "more_info": "https://www.twilio.com/docs/errors/21211",
                "status": 400
            })))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(
            matches!(err, SendError::Rejected { status: 400, .. }),
            "{err:?}"
        );
        assert!(!err.is_retryable());
        assert!(!err.is_opted_out());
        assert_eq!(err.code(), Some("21211"));
        assert_eq!(
            err.provider_message(),
            Some("The 'To' number +1415555 is not a valid phone number.")
        );
    }

    #[tokio::test]
    async fn unsubscribed_recipient_is_opted_out() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "code": 21610,
                "message": "Attempt to send to unsubscribed recipient",
                "more_info": "https://www.twilio.com/docs/errors/21610",
                "status": 400
            })))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(err.is_opted_out(), "{err:?}");
        assert!(!err.is_retryable());
        assert_eq!(err.code(), Some(OPT_OUT_ERROR_CODE));
    }

    #[tokio::test]
    async fn a_500_is_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                SendError::Server {
                    status: 500,
                    code: None,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn a_429_is_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "7")
                    .set_body_json(serde_json::json!({
                        "code": 20429,
                        "message": "Too Many Requests",
                        "more_info": "https://www.twilio.com/docs/errors/20429",
                        "status": 429
                    })),
            )
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                SendError::RateLimited {
                    retry_after_secs: Some(7),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_retryable());
        assert_eq!(err.code(), Some("20429"));
    }

    #[tokio::test]
    async fn a_401_is_permanent() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "code": 20003, "message": "Authenticate", "status": 401
            })))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Rejected { status: 401, .. }));
        assert!(!err.is_retryable());
        // The token is not in the error.
        assert!(!format!("{err} {err:?}").contains(TOKEN));
    }

    #[tokio::test]
    async fn unreadable_success_is_not_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_string("not json"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(serde_json::json!({"status": "queued"})),
            )
            .mount(&server)
            .await;
        for _ in 0..2 {
            let err = send(&reqwest::Client::new(), &account(&server), &sms())
                .await
                .unwrap_err();
            assert!(matches!(err, SendError::InvalidResponse(_)), "{err:?}");
            assert!(!err.is_retryable());
        }
    }

    #[tokio::test]
    async fn unknown_initial_status_reads_as_queued() {
        let server = MockServer::start().await;
        let mut body = created();
        body["status"] = serde_json::json!("something-new");
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_json(body))
            .mount(&server)
            .await;
        let sent = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap();
        assert_eq!(sent.status, DeliveryStatus::Queued);
    }

    #[tokio::test]
    async fn network_failures_are_retryable() {
        // Nothing listens on a port whose listener has been closed. (A dropped MockServer
        // goes back to wiremock's pool and keeps answering.)
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let acct = TwilioAccount {
            api_base: format!("http://127.0.0.1:{port}"),
            account_sid: SID.to_owned(),
            auth_token: TOKEN.to_owned(),
        };
        let err = send(&reqwest::Client::new(), &acct, &sms())
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Network(_)), "{err:?}");
        assert!(err.is_retryable());

        // A timeout.
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(created())
                    .set_delay(Duration::from_secs(5)),
            )
            .mount(&server)
            .await;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let err = send(&http, &account(&server), &sms()).await.unwrap_err();
        match &err {
            SendError::Network(e) => assert!(e.is_timeout()),
            other => panic!("{other:?}"),
        }
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn a_malformed_api_base_is_not_retryable() {
        let acct = TwilioAccount {
            api_base: "not a url".to_owned(),
            account_sid: SID.to_owned(),
            auth_token: TOKEN.to_owned(),
        };
        let err = send(&reqwest::Client::new(), &acct, &sms())
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Network(_)), "{err:?}");
        assert!(!err.is_retryable());
    }

    #[tokio::test]
    async fn invalid_requests_never_reach_twilio() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_json(created()))
            .expect(0)
            .mount(&server)
            .await;
        let http = reqwest::Client::new();
        let cases: Vec<(TwilioAccount, OutboundSms<'_>)> = vec![
            (
                account(&server),
                OutboundSms {
                    from: None,
                    messaging_service_sid: Some(" "),
                    ..sms()
                },
            ),
            (account(&server), OutboundSms { to: "", ..sms() }),
            (
                account(&server),
                OutboundSms {
                    body: " \n",
                    ..sms()
                },
            ),
            (
                TwilioAccount {
                    account_sid: "AC1/../../evil".to_owned(),
                    ..account(&server)
                },
                sms(),
            ),
            (
                TwilioAccount {
                    account_sid: String::new(),
                    ..account(&server)
                },
                sms(),
            ),
            (
                TwilioAccount {
                    auth_token: String::new(),
                    ..account(&server)
                },
                sms(),
            ),
        ];
        for (acct, msg) in &cases {
            let err = send(&http, acct, msg).await.unwrap_err();
            assert!(matches!(err, SendError::InvalidRequest(_)), "{err:?}");
            assert!(!err.is_retryable());
        }
    }
}
