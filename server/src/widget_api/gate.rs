//! Tenant lookup, origin enforcement and CORS for the widget API.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

const ALLOWED_METHODS: &str = "GET, POST, PUT, OPTIONS";
const ALLOWED_HEADERS: &str = "authorization, content-type, accept";
/// Browsers cache a preflight answer this long (seconds).
const PREFLIGHT_MAX_AGE: &str = "600";

pub async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let mut origins = request.headers().get_all(header::ORIGIN).iter();
    let origin = match (origins.next(), origins.next()) {
        (None, _) => None,
        (Some(value), None) => match value.to_str() {
            Ok(origin) => Some(origin.to_owned()),
            Err(_) => return bad_origin(),
        },
        (Some(_), Some(_)) => return bad_origin(),
    };
    let Some(tenant_id) = tenant_in_path(request.uri().path()) else {
        return next.run(request).await;
    };
    let access = match state.access.get(tenant_id).await {
        Ok(Some(access)) => access,
        Ok(None) => {
            let mut response =
                ApiError::not_found("tenant_not_found", "No such tenant.").into_response();
            // Let the widget read why it failed; nothing about any tenant is revealed.
            allow(response.headers_mut(), origin.as_deref());
            return response;
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Some(origin) = origin.as_deref() {
        if !access.origin_allowed(origin) {
            return ApiError::forbidden(
                "origin_not_allowed",
                format!("The origin {origin} is not allowed to use this widget. Add it to the tenant's allowed domains."),
            )
            .into_response();
        }
    }
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        allow(headers, origin.as_deref());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE),
        );
        return response;
    }
    request.extensions_mut().insert(access);
    let mut response = next.run(request).await;
    allow(response.headers_mut(), origin.as_deref());
    response
}

fn bad_origin() -> Response {
    ApiError::bad_request(
        "invalid_origin",
        "The request must carry at most one readable Origin header.",
    )
    .into_response()
}

/// `/api/widgets/{tenant_id}/...` → `tenant_id`.
fn tenant_in_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/widgets/")?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

/// CORS headers for an origin that passed the check (or any origin on a 404).
fn allow(headers: &mut HeaderMap, origin: Option<&str>) {
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return;
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after"),
    );
}

#[cfg(test)]
mod tests {
    use super::tenant_in_path;

    #[test]
    fn tenant_is_the_segment_after_widgets() {
        assert_eq!(tenant_in_path("/api/widgets/demo/chat"), Some("demo"));
        assert_eq!(tenant_in_path("/api/widgets/demo"), Some("demo"));
        assert_eq!(tenant_in_path("/api/widgets//chat"), None);
        assert_eq!(tenant_in_path("/widget/web-widget.js"), None);
    }
}
