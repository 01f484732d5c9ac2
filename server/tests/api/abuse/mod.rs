//! Abuse and AI cost: limits on new sessions and messages per client address and per tenant,
//! the client address behind trusted proxies (and not otherwise) and the sign-in limit per
//! forwarded address ([`limits`]); one provider call per visitor message however often it is
//! sent ([`replies`]); caps on open widget event streams, each of which hears only its own
//! session ([`streams`]).

mod limits;
mod replies;
mod streams;

use crate::helpers::Answer;

use crate::on_each_backend as on_both;

/// The `Retry-After` of an answer, in seconds (0 when absent).
pub fn seconds(answer: &Answer) -> u64 {
    answer
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
