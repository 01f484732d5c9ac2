//! The widget API client: one typed method per endpoint, over the browser's `fetch`.
//!
//! A thin `web-sys` fetch rather than gloo-net: the widget needs JSON in and out, a timeout and
//! the `Retry-After` header, nothing more, and every kilobyte ships to every page view.

use shared::api::{
    ChatRequest, ChatResponse, Contact, ErrorDetail, SessionCreated, SessionHistory, WidgetConfig,
};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, RequestMode, Response};

use crate::codec::{decode, encode, FromJson};
use crate::i18n::{fill, Strings};
use crate::options::WidgetOptions;

/// An AI reply can take a while; anything else should be quick.
const CHAT_TIMEOUT_MS: i32 = 60_000;
const TIMEOUT_MS: i32 = 20_000;

/// Why a request did not give the expected answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, DNS, CORS refusal, timeout.
    Network,
    /// A 2xx whose body we could not read.
    Unexpected,
    /// An error status, with the server's `ErrorBody` when it sent one.
    Status {
        status: u16,
        /// Seconds, from the `Retry-After` header of a 429.
        retry_after: Option<u64>,
        detail: Option<ErrorDetail>,
    },
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The machine-readable code of the server's error body.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Status {
                detail: Some(d), ..
            } => Some(&d.code),
            _ => None,
        }
    }

    /// A sentence for the visitor, in the panel's language. Network failures and server
    /// errors read alike ([`Strings::unreachable`]): the visitor can only retry either way.
    pub fn user_message(&self, t: &Strings) -> String {
        match self {
            Self::Network => t.unreachable.to_owned(),
            Self::Unexpected => t.unexpected.to_owned(),
            // The tenant can't answer chats yet: the server's sentence says so.
            Self::Status {
                detail: Some(d), ..
            } if d.code == "assistant_unavailable" => t.server_sentence(d),
            Self::Status { status, .. } if *status >= 500 => t.unreachable.to_owned(),
            Self::Status {
                status: 429,
                retry_after,
                detail,
            } => match (retry_after, detail) {
                (Some(secs), _) => fill(t.too_fast_wait, &t.wait_time(*secs)),
                (None, Some(d)) => t.server_sentence(d),
                (None, None) => t.too_fast.to_owned(),
            },
            Self::Status {
                detail: Some(d), ..
            } if !d.message.is_empty() => t.server_sentence(d),
            Self::Status { status, .. } => fill(t.error_status, &status.to_string()),
        }
    }
}

/// `Retry-After` in seconds; the HTTP-date form is rare on APIs and is ignored.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The widget API of one tenant. No `Debug`: it holds the widget token.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: String,
}

impl Api {
    pub fn new(options: &WidgetOptions) -> Self {
        Self {
            base: format!(
                "{}/api/widgets/{}",
                options.api_url,
                path_segment(&options.tenant_id)
            ),
            token: options.token.clone(),
        }
    }

    pub async fn config(&self) -> Result<WidgetConfig, ApiError> {
        parse(&self.call("GET", "/config", None, TIMEOUT_MS).await?)
    }

    pub async fn create_session(&self) -> Result<SessionCreated, ApiError> {
        parse(
            &self
                .call("POST", "/sessions", Some("{}".to_owned()), TIMEOUT_MS)
                .await?,
        )
    }

    pub async fn session(&self, session_id: &str) -> Result<SessionHistory, ApiError> {
        let path = format!("/sessions/{}", path_segment(session_id));
        parse(&self.call("GET", &path, None, TIMEOUT_MS).await?)
    }

    pub async fn put_contact(
        &self,
        session_id: &str,
        contact: &Contact,
    ) -> Result<Contact, ApiError> {
        let path = format!("/sessions/{}/contact", path_segment(session_id));
        parse(
            &self
                .call("PUT", &path, Some(encode(contact)), TIMEOUT_MS)
                .await?,
        )
    }

    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ApiError> {
        parse(
            &self
                .call("POST", "/chat", Some(encode(request)), CHAT_TIMEOUT_MS)
                .await?,
        )
    }

    /// Tells the dashboards the visitor is typing. Best effort: the answer is not awaited for
    /// anything, and a failure changes nothing for the visitor.
    pub async fn typing(&self, session_id: &str) {
        let path = format!("/sessions/{}/typing", path_segment(session_id));
        let _ = self.call("POST", &path, None, TIMEOUT_MS).await;
    }

    /// The session's event stream. `EventSource` cannot send headers, so the (public) widget
    /// token goes in the query; `after` is the last event already seen.
    pub fn events_url(&self, session_id: &str, after: Option<i64>) -> String {
        let mut url = format!(
            "{}/sessions/{}/events?token={}",
            self.base,
            path_segment(session_id),
            path_segment(&self.token)
        );
        if let Some(after) = after {
            url.push_str(&format!("&after={after}"));
        }
        url
    }

    /// Sends one request and answers the body of a 2xx. Not generic, so the fetch code exists
    /// once in the binary rather than once per response type.
    #[inline(never)]
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        timeout_ms: i32,
    ) -> Result<String, ApiError> {
        let window = web_sys::window().ok_or(ApiError::Network)?;
        let headers = Headers::new().map_err(|_| ApiError::Network)?;
        let _ = headers.set("Authorization", &format!("Bearer {}", self.token));
        let _ = headers.set("Accept", "application/json");
        let init = RequestInit::new();
        init.set_method(method);
        init.set_mode(RequestMode::Cors);
        if let Some(body) = body {
            let _ = headers.set("Content-Type", "application/json");
            init.set_body(&JsValue::from_str(&body));
        }
        init.set_headers(&headers);

        // Abort after the timeout so a hung connection ends in a retry button, not a spinner.
        let controller = AbortController::new().ok();
        let abort = controller
            .clone()
            .map(|c| Closure::<dyn FnMut()>::once(move || c.abort()));
        let timer = abort.as_ref().and_then(|abort| {
            window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    abort.as_ref().unchecked_ref(),
                    timeout_ms,
                )
                .ok()
        });
        if let Some(c) = &controller {
            init.set_signal(Some(&c.signal()));
        }

        let url = format!("{}{path}", self.base);
        let result = fetch(&window, &url, &init).await;
        if let Some(timer) = timer {
            window.clear_timeout_with_handle(timer);
        }
        drop(abort);
        let (response, text) = result?;

        let status = response.status();
        if (200..300).contains(&status) {
            return Ok(text);
        }
        let retry_after = response
            .headers()
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|v| parse_retry_after(&v));
        let detail = decode::<ErrorDetail>(&text);
        Err(ApiError::Status {
            status,
            retry_after,
            detail,
        })
    }
}

fn parse<T: FromJson>(text: &str) -> Result<T, ApiError> {
    decode(text).ok_or(ApiError::Unexpected)
}

async fn fetch(
    window: &web_sys::Window,
    url: &str,
    init: &RequestInit,
) -> Result<(Response, String), ApiError> {
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(|_| ApiError::Network)?;
    let text = JsFuture::from(response.text().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .unwrap_or_default();
    Ok((response, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ES};

    fn status(status: u16, retry_after: Option<u64>, message: Option<&str>) -> ApiError {
        ApiError::Status {
            status,
            retry_after,
            detail: message.map(|m| ErrorDetail {
                code: "x".into(),
                message: m.into(),
                field: None,
            }),
        }
    }

    #[test]
    fn failures_become_sentences_a_visitor_can_act_on() {
        assert_eq!(ApiError::Network.user_message(&EN), EN.unreachable);
        assert_eq!(
            status(503, None, Some("db down")).user_message(&EN),
            EN.unreachable
        );
        let unavailable = ApiError::Status {
            status: 503,
            retry_after: None,
            detail: Some(ErrorDetail {
                code: "assistant_unavailable".into(),
                message: "Chat isn't available right now. Please try again later.".into(),
                field: None,
            }),
        };
        assert_eq!(
            unavailable.user_message(&EN),
            "Chat isn't available right now. Please try again later."
        );
        assert_eq!(
            status(429, Some(30), None).user_message(&EN),
            "You're sending messages too quickly. Please wait 30 seconds and try again."
        );
        assert!(status(429, Some(125), None)
            .user_message(&EN)
            .contains("3 minutes"));
        assert_eq!(
            status(429, None, Some("Usage limit reached.")).user_message(&EN),
            "Usage limit reached."
        );
        assert_eq!(
            status(400, None, Some("The message is empty.")).user_message(&EN),
            "The message is empty."
        );
        assert!(status(403, None, None).user_message(&EN).contains("403"));
    }

    #[test]
    fn failures_are_told_in_the_panel_s_language() {
        assert_eq!(ApiError::Network.user_message(&ES), ES.unreachable);
        assert_eq!(
            status(429, Some(30), None).user_message(&ES),
            "Estás enviando mensajes demasiado rápido. Espera 30 segundos e inténtalo de nuevo."
        );
        assert_eq!(
            status(403, None, None).user_message(&ES),
            "Algo salió mal (error 403). Inténtalo de nuevo."
        );
        let required = ApiError::Status {
            status: 409,
            retry_after: None,
            detail: Some(ErrorDetail {
                code: "contact_required".into(),
                message: "Please tell us your name and email before sending a message.".into(),
                field: None,
            }),
        };
        assert_eq!(
            required.user_message(&ES),
            "Dinos tu nombre y tu correo antes de enviar un mensaje."
        );
        // A code the widget doesn't know: the server's sentence is all there is.
        assert_eq!(
            status(400, None, Some("The message is empty.")).user_message(&ES),
            "The message is empty."
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        assert_eq!(parse_retry_after(" 12 "), Some(12));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn the_event_stream_url_carries_the_token_and_the_resume_point() {
        let options = WidgetOptions::new(
            "acme",
            "https://api.example.com/",
            "t k+n",
            None,
            None,
            None,
        )
        .unwrap();
        let api = Api::new(&options);
        assert_eq!(
            api.events_url("s/1", Some(42)),
            "https://api.example.com/api/widgets/acme/sessions/s%2F1/events?token=t%20k%2Bn&after=42"
        );
        assert_eq!(
            api.events_url("s1", None),
            "https://api.example.com/api/widgets/acme/sessions/s1/events?token=t%20k%2Bn"
        );
    }

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(path_segment("acme-01_x.y~"), "acme-01_x.y~");
        assert_eq!(path_segment("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
    }
}
