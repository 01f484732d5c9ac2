//! The one error type of the HTTP API. Every error answers a status and an [`ErrorBody`] naming
//! what was wrong with the caller's input; internal details go to the log (by the
//! [`log_server_errors`] middleware, at the edge), never into the response.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::api::{ErrorBody, ErrorDetail};

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Something about the request: the caller can fix it.
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
        field: Option<Cow<'static, str>>,
        retry_after_secs: Option<u64>,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Client {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after_secs: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, code, message)
    }

    /// A well-formed request whose value is not acceptable, naming the field.
    pub fn invalid_field(
        field: &'static str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::Client {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message: message.into(),
            field: Some(Cow::Borrowed(field)),
            retry_after_secs: None,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNAUTHORIZED, "invalid_token", message)
    }

    pub fn unauthorized_with(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNAUTHORIZED, code, message)
    }

    /// No live dashboard login: sign in (again).
    pub fn not_signed_in() -> Self {
        Self::client(StatusCode::UNAUTHORIZED, "not_signed_in", "Please sign in.")
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::CONFLICT, code, message)
    }

    /// What the request names existed but is no more (an expired or used link).
    pub fn gone(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::GONE, code, message)
    }

    /// The request is fine but the tenant is not set up to answer it yet.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::Client {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "rate_limited",
            message: format!(
                "Too many messages in a short time. Please wait {retry_after_secs} s and try again."
            ),
            field: None,
            retry_after_secs: Some(retry_after_secs),
        }
    }

    /// Too many login attempts: says when to try again.
    pub fn too_many_attempts(retry_after_secs: u64) -> Self {
        Self::Client {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "too_many_attempts",
            message: format!(
                "Too many sign-in attempts. Please wait {retry_after_secs} s and try again."
            ),
            field: None,
            retry_after_secs: Some(retry_after_secs),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Client { status, .. } => *status,
            Self::Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Put into the extensions of a server-error response so the logging middleware can report
/// what really happened while the client sees only a generic sentence.
#[derive(Clone, Debug)]
pub struct ServerErrorReport(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, message, field, retry_after) = match &self {
            Self::Client {
                code,
                message,
                field,
                retry_after_secs,
                ..
            } => (*code, message.clone(), field.clone(), *retry_after_secs),
            Self::Database(sqlx::Error::PoolTimedOut) => (
                "busy",
                "The server is busy. Please try again in a moment.".to_owned(),
                None,
                Some(1),
            ),
            Self::Database(_) | Self::Internal(_) => (
                "internal_error",
                "Something went wrong on our side. Please try again.".to_owned(),
                None,
                None,
            ),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                field: field.map(Cow::into_owned),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED && code == "invalid_token" {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status.is_server_error() {
            response
                .extensions_mut()
                .insert(ServerErrorReport(format!("{self:#}")));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        match rejection {
            JsonRejection::JsonDataError(e) => Self::bad_request("invalid_body", e.body_text()),
            JsonRejection::JsonSyntaxError(_) => {
                Self::bad_request("malformed_json", "The request body is not valid JSON.")
            }
            JsonRejection::MissingJsonContentType(_) => Self::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with `Content-Type: application/json`.",
            ),
            other if status == StatusCode::PAYLOAD_TOO_LARGE => Self::client(
                status,
                "payload_too_large",
                format!("The request body is too large ({}).", other.body_text()),
            ),
            other => Self::client(status, "invalid_body", other.body_text()),
        }
    }
}

/// `Json` that answers malformed bodies in the API's error format, and refuses a NUL character
/// in any string of the body with a 422 naming its field: SQLite would store it and PostgreSQL
/// refuse it, so neither gets it.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(Self::Rejection::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with `Content-Type: application/json`.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::client(
                    status,
                    "payload_too_large",
                    format!("The request body is too large ({}).", e.body_text()),
                )
            } else {
                ApiError::client(status, "invalid_body", e.body_text())
            }
        })?;
        let Json(value) = Json::<T>::from_bytes(&bytes)?;
        // JSON can only spell NUL as an escape; look closer only when one may be there.
        if bytes.windows(6).any(|w| w == b"\\u0000") {
            if let Ok(body) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                if let Some(field) = field_with_nul(&body, None) {
                    return Err(ApiError::Client {
                        status: StatusCode::UNPROCESSABLE_ENTITY,
                        code: "invalid_character",
                        message: format!("`{field}` contains a NUL character."),
                        field: Some(Cow::Owned(field)),
                        retry_after_secs: None,
                    });
                }
            }
        }
        Ok(Self(value))
    }
}

/// `application/json` or a `+json` type, as axum's `Json` accepts.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The key of the first string holding NUL (the body itself is `body`).
fn field_with_nul(value: &serde_json::Value, key: Option<&str>) -> Option<String> {
    let name = || key.unwrap_or("body").to_owned();
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(name()),
        serde_json::Value::Array(items) => items.iter().find_map(|v| field_with_nul(v, key)),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(name())
            } else {
                field_with_nul(v, Some(k))
            }
        }),
        _ => None,
    }
}

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// A message text from the request's `field`, or the 422 naming it.
pub fn message_text(field: &'static str, raw: &str) -> Result<shared::MessageText> {
    shared::MessageText::parse(raw)
        .map_err(|e| ApiError::invalid_field(field, "invalid_message", e.to_string()))
}

/// The request's `clientMessageId`, or the 422 naming it.
pub fn client_message_id(raw: &str) -> Result<shared::ClientMessageId> {
    shared::ClientMessageId::parse(raw).map_err(|e| {
        ApiError::invalid_field(
            "clientMessageId",
            "invalid_client_message_id",
            e.to_string(),
        )
    })
}

/// `Query` that answers bad query strings in the API's error format.
pub struct AppQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for AppQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

/// Logs the real cause of every 5xx once, at the edge.
pub async fn log_server_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if let Some(ServerErrorReport(report)) = response.extensions().get::<ServerErrorReport>() {
        tracing::error!(%method, %path, status = %response.status(), error = %report, "request failed");
    }
    response
}

/// JSON 404 for paths no route matches.
pub async fn route_not_found() -> ApiError {
    ApiError::not_found("route_not_found", "No such endpoint.")
}

/// JSON 405 for a known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::client(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not accept that method.",
    )
}

/// A form's field that failed its check: a 422 naming the field.
impl From<shared::form::FieldError> for ApiError {
    fn from(e: shared::form::FieldError) -> Self {
        Self::invalid_field(e.field, e.code, e.message)
    }
}
