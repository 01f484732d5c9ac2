//! The CSV export through the real HTTP endpoint: rows per second and the process's peak RSS
//! while the body streams (counted, never held).

use std::time::{Duration, Instant};

use anyhow::bail;
use server::accounts::{self, Password};
use server::db::Db;
use shared::dashboard::Role;
use shared::{Email, PersonName};

use crate::support::status_kib;

pub struct ExportFigures {
    pub rows: u64,
    pub bytes: u64,
    pub took: Duration,
    pub rss_before_kib: u64,
    pub peak_rss_kib: u64,
}

/// Resets VmHWM to the current RSS (Linux `clear_refs` 5), so the peak is the export's own.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Creates an admin of `tenant_id`, signs in and answers the session cookie.
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    db: &Db,
    tenant_id: &str,
) -> anyhow::Result<String> {
    let email = format!("bench-{:08x}@example.com", rand::random::<u32>());
    let password = "bench password, long enough";
    accounts::create_user(
        db,
        tenant_id,
        &Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?,
        &PersonName::parse("Bench Admin").map_err(|e| anyhow::anyhow!("{e}"))?,
        Role::Admin,
        &Password::parse(password).map_err(|e| anyhow::anyhow!("{e}"))?,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::support::sign_in(http, base, &email, password).await
}

/// Downloads `export.csv?{query}`, counting rows (lines after the header) and bytes.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    query: &str,
) -> anyhow::Result<ExportFigures> {
    let peak_reset = reset_peak_rss();
    let rss_before_kib = status_kib("self", "VmRSS:");
    let start = Instant::now();
    let mut response = http
        .get(format!("{base}/api/dashboard/export.csv?{query}"))
        .header("Cookie", cookie)
        .header("Origin", base)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("export answered {}", response.status());
    }
    let (mut lines, mut bytes) = (0_u64, 0_u64);
    while let Some(chunk) = response.chunk().await? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let took = start.elapsed();
    let peak_rss_kib = if peak_reset {
        status_kib("self", "VmHWM:")
    } else {
        0
    };
    Ok(ExportFigures {
        rows: lines.saturating_sub(1),
        bytes,
        took,
        rss_before_kib,
        peak_rss_kib,
    })
}
