//! Paths answered before they reach a handler or the file system: a segment too long to be any
//! file name is a 404 (the file system would fail with `ENAMETOOLONG`, which `ServeDir` turns
//! into a 500), and a segment that does not percent-decode to printable UTF-8 is a 400, in the
//! API's error format (axum's `Path` would answer plain text, and PostgreSQL refuses NUL).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The longest file name Linux, macOS and Windows file systems allow, in bytes.
pub const MAX_SEGMENT_BYTES: usize = 255;
/// No file or route of ours is anywhere near this deep (`PATH_MAX` is 4096).
const MAX_PATH_BYTES: usize = 2048;

/// What is wrong with a request path, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    TooLong,
    Malformed,
}

/// Checks each `/`-separated segment of a raw (still percent-encoded) path.
pub fn check_path(raw: &str) -> Result<(), PathProblem> {
    if raw.len() > MAX_PATH_BYTES {
        return Err(PathProblem::TooLong);
    }
    for segment in raw.split('/') {
        let decoded: Vec<u8> = percent_encoding::percent_decode_str(segment).collect();
        if decoded.len() > MAX_SEGMENT_BYTES {
            return Err(PathProblem::TooLong);
        }
        match std::str::from_utf8(&decoded) {
            Ok(text) if !text.chars().any(char::is_control) => {}
            _ => return Err(PathProblem::Malformed),
        }
    }
    Ok(())
}

/// Middleware: answers the problems of [`check_path`] before routing goes further. Logged at
/// debug: a scanner's odd path is not an incident.
pub async fn guard_paths(request: Request, next: Next) -> Response {
    match check_path(request.uri().path()) {
        Ok(()) => next.run(request).await,
        Err(problem) => {
            tracing::debug!(
                path_bytes = request.uri().path().len(),
                ?problem,
                "path refused"
            );
            match problem {
                PathProblem::TooLong => {
                    ApiError::not_found("not_found", "No such file or resource.")
                }
                PathProblem::Malformed => ApiError::bad_request(
                    "invalid_path",
                    "The request path is not valid percent-encoded UTF-8 text.",
                ),
            }
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_paths_pass() {
        for ok in [
            "/",
            "/widget/web-widget.js",
            "/api/widgets/demo/sessions/se_1/events",
            "/conversations/cv%20x",
            "/caf%C3%A9",
            &format!("/widget/{}", "a".repeat(MAX_SEGMENT_BYTES)),
        ] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn a_segment_over_255_bytes_decoded_is_too_long() {
        let long = format!("/widget/{}", "a".repeat(MAX_SEGMENT_BYTES + 1));
        assert_eq!(check_path(&long), Err(PathProblem::TooLong));
        // 86 é's are 172 bytes of UTF-8 and 516 bytes encoded: decoded length counts.
        let encoded = format!("/x/{}", "%C3%A9".repeat(86));
        assert_eq!(check_path(&encoded), Ok(()));
        let encoded = format!("/x/{}", "%C3%A9".repeat(128));
        assert_eq!(check_path(&encoded), Err(PathProblem::TooLong));
        let deep = "/a".repeat(MAX_PATH_BYTES);
        assert_eq!(check_path(&deep), Err(PathProblem::TooLong));
    }

    #[test]
    fn bad_utf8_and_control_characters_are_malformed() {
        for bad in [
            "/api/dashboard/conversations/%FF",
            "/s/%C3",
            "/s/a%00b",
            "/s/%1B",
        ] {
            assert_eq!(check_path(bad), Err(PathProblem::Malformed), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn check_path_never_panics(s in "\\PC*") {
            let _ = check_path(&s);
        }
    }
}
