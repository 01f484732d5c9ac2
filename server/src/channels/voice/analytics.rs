//! The seed's voice analytics over a workspace's calls: an overview of a period (calls,
//! completed and abandoned, average duration, recordings, minutes as billed: start to end,
//! rounded up per call) and a timeline by day or hour, in UTC.

use jiff::Timestamp;
use shared::channels::{VoiceMetrics, VoiceTimelinePoint};
use sqlx::Row;

use crate::db::Db;

/// Minutes a call is billed: from start to end, rounded up.
fn minutes(duration_secs: i64) -> i64 {
    (duration_secs.max(0) + 59) / 60
}

/// The calls started in `[from_ms, to_ms)`: their durations, outcomes and recordings.
async fn calls(
    db: &Db,
    tenant_id: &str,
    from_ms: i64,
    to_ms: i64,
) -> sqlx::Result<Vec<(i64, i64, bool, bool)>> {
    let rows = sqlx::query(
        "SELECT started_at, duration_secs, outcome, recording_url FROM calls
          WHERE tenant_id = $1 AND started_at >= $2 AND started_at < $3
          ORDER BY started_at",
    )
    .bind(tenant_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let outcome: String = r.try_get("outcome")?;
            let recording: Option<String> = r.try_get("recording_url")?;
            Ok((
                r.try_get("started_at")?,
                r.try_get("duration_secs")?,
                outcome != "abandoned",
                recording.is_some(),
            ))
        })
        .collect()
}

pub async fn overview(
    db: &Db,
    tenant_id: &str,
    from_ms: i64,
    to_ms: i64,
) -> sqlx::Result<VoiceMetrics> {
    let calls = calls(db, tenant_id, from_ms, to_ms).await?;
    let total = i64::try_from(calls.len()).unwrap_or(i64::MAX);
    let completed = i64::try_from(calls.iter().filter(|c| c.2).count()).unwrap_or(0);
    let recorded = calls.iter().filter(|c| c.3).count();
    let seconds: i64 = calls.iter().map(|c| c.1).sum();
    let ratio = |n: f64| if total == 0 { 0.0 } else { n / total as f64 };
    Ok(VoiceMetrics {
        total_calls: total,
        completed_calls: completed,
        incomplete_calls: total - completed,
        avg_duration_seconds: ratio(seconds as f64),
        recording_availability_rate: ratio(recorded as f64),
        total_minutes: calls.iter().map(|c| minutes(c.1)).sum(),
    })
}

/// Buckets of `bucket_ms` from `from_ms` (aligned to UTC midnight or the hour by the caller),
/// every bucket of the period listed, empty ones included.
pub async fn timeline(
    db: &Db,
    tenant_id: &str,
    from_ms: i64,
    to_ms: i64,
    bucket_ms: i64,
) -> sqlx::Result<Vec<VoiceTimelinePoint>> {
    let calls = calls(db, tenant_id, from_ms, to_ms).await?;
    let mut points = Vec::new();
    let mut start = from_ms;
    while start < to_ms {
        let end = start.saturating_add(bucket_ms);
        let inside: Vec<&(i64, i64, bool, bool)> =
            calls.iter().filter(|c| c.0 >= start && c.0 < end).collect();
        let n = inside.len();
        let seconds: i64 = inside.iter().map(|c| c.1).sum();
        points.push(VoiceTimelinePoint {
            start: Timestamp::from_millisecond(start)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            total_calls: i64::try_from(n).unwrap_or(0),
            avg_duration_seconds: if n == 0 {
                0.0
            } else {
                seconds as f64 / n as f64
            },
            total_minutes: inside.iter().map(|c| minutes(c.1)).sum(),
        });
        start = end;
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::minutes;

    #[test]
    fn a_started_minute_is_a_billed_minute() {
        assert_eq!(minutes(0), 0);
        assert_eq!(minutes(1), 1);
        assert_eq!(minutes(60), 1);
        assert_eq!(minutes(61), 2);
    }
}
