//! Headers every response carries, and the dashboard page's Content-Security-Policy.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The dashboard's page runs only its own files: `boot.js` starts the WASM app (no inline
/// script), `'wasm-unsafe-eval'` lets it compile the `.wasm`, and it talks only to its own
/// origin (fetch and the WebSocket). Nothing may frame it, change its base URL or embed plugins.
pub const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// `X-Content-Type-Options: nosniff` and a `Referrer-Policy` on every response; `Cache-Control:
/// no-store` on the API (`/api/...`), whose answers carry messages, names and emails that no
/// shared or browser cache should keep, unless the handler chose its own (the widget's public
/// proactive rules, which every page view asks for).
pub async fn set_security_headers(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
