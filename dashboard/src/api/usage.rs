//! The usage page's calls (the routes of `shared::usage`), owners and admins only.

use shared::usage::UsageReport;

use super::{get_json, ApiError};

/// The cycle's conversations per day and channel as a CSV attachment: a plain link downloads it.
pub const USAGE_CSV: &str = "/api/dashboard/usage.csv";

/// The current billing cycle's usage, plan and projection.
pub async fn usage() -> Result<UsageReport, ApiError> {
    get_json("/api/dashboard/usage").await
}
