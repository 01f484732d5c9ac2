//! What a workspace uses in a billing cycle, its plan, and the seed's pricing rules: overage
//! per conversation and voice minute past the included ones, and the projection (usage ÷ days
//! used × days in the cycle). Money is in cents.

use serde::{Deserialize, Serialize};

/// What happens past a plan's included conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AtLimit {
    /// Each one past them is priced.
    Overage,
    /// No new conversation is started for the assistant: the widget says so (429
    /// `usage_limit`); SMS and email still land, for the team, without an AI reply.
    Cap,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub price_cents: u64,
    /// Conversations included per cycle.
    pub conversations: u64,
    /// Voice minutes included per cycle.
    pub voice_minutes: u64,
    pub conversation_overage_cents: u64,
    pub voice_minute_overage_cents: u64,
    pub at_limit: AtLimit,
}

impl Plan {
    /// The overage of a cycle's usage: what is past the included amounts, at the plan's rates.
    pub fn overage_cents(&self, conversations: u64, voice_minutes: u64) -> u64 {
        conversations
            .saturating_sub(self.conversations)
            .saturating_mul(self.conversation_overage_cents)
            .saturating_add(
                voice_minutes
                    .saturating_sub(self.voice_minutes)
                    .saturating_mul(self.voice_minute_overage_cents),
            )
    }
}

/// The seed's projection: `used / days_used × days_total`, rounded up (a cycle's first day
/// counts as one day used).
pub fn project(used: u64, days_used: u64, days_total: u64) -> u64 {
    let days_used = days_used.clamp(1, days_total.max(1));
    used.saturating_mul(days_total).div_ceil(days_used)
}

/// Counts per channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerChannel {
    pub web: u64,
    pub sms: u64,
    pub email: u64,
    pub voice: u64,
}

impl PerChannel {
    pub fn total(&self) -> u64 {
        self.web + self.sms + self.email + self.voice
    }

    /// Adds `n` to `channel`'s count (`web`, `sms`, `email`, `voice`; anything else is ignored).
    pub fn add(&mut self, channel: &str, n: u64) {
        match channel {
            "web" => self.web += n,
            "sms" => self.sms += n,
            "email" => self.email += n,
            "voice" => self.voice += n,
            _ => {}
        }
    }
}

/// Conversations started on one day of the cycle, per channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageDay {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub conversations: PerChannel,
}

/// `GET /api/dashboard/usage` (owners and admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    /// The cycle's first day and the next cycle's (`YYYY-MM-DD`, UTC; the end excluded).
    pub cycle_start: String,
    pub cycle_end: String,
    /// Days of the cycle so far, today included, and in all.
    pub days_used: u64,
    pub days_total: u64,
    /// `None`: no plan, unlimited (usage is still counted).
    pub plan: Option<Plan>,
    /// Conversations started in the cycle, each counted once whatever its channel.
    pub conversations: PerChannel,
    /// Messages in the cycle per channel (not limited by plans).
    pub messages: PerChannel,
    pub ai_tokens: u64,
    /// Calls in the cycle from start to end, each rounded up to the minute.
    pub voice_minutes: u64,
    pub projected_conversations: u64,
    pub projected_voice_minutes: u64,
    /// With a plan: the overage so far, and projected at the end of the cycle.
    pub overage_cents: Option<u64>,
    pub projected_overage_cents: Option<u64>,
    /// The plan's price plus the projected overage.
    pub projected_total_cents: Option<u64>,
    /// A capped plan's included conversations are used up: no new ones start.
    pub limit_reached: bool,
    /// Every day of the cycle so far, oldest first.
    pub days: Vec<UsageDay>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starter() -> Plan {
        Plan {
            id: "starter".into(),
            name: "Starter".into(),
            price_cents: 29_900,
            conversations: 250,
            voice_minutes: 100,
            conversation_overage_cents: 50,
            voice_minute_overage_cents: 30,
            at_limit: AtLimit::Overage,
        }
    }

    #[test]
    fn the_seeds_worked_example_prices_its_overage() {
        // Starter with 275 conversations and 120 minutes: 25 × $0.50 + 20 × $0.30 = $18.50.
        assert_eq!(starter().overage_cents(275, 120), 1_850);
        assert_eq!(starter().overage_cents(250, 100), 0);
        assert_eq!(starter().overage_cents(10, 101), 30);
    }

    #[test]
    fn the_projection_scales_usage_to_the_whole_cycle() {
        // 100 conversations in 10 of 30 days: 300 by the end.
        assert_eq!(project(100, 10, 30), 300);
        // Rounded up, and the first day counts as a day.
        assert_eq!(project(10, 3, 31), 104);
        assert_eq!(project(7, 0, 30), 210);
        assert_eq!(project(0, 5, 30), 0);
        let plan = starter();
        let projected = project(200, 15, 30);
        assert_eq!(plan.overage_cents(projected, 0), 150 * 50);
    }

    #[test]
    fn channel_counts_add_up() {
        let mut c = PerChannel::default();
        c.add("web", 3);
        c.add("sms", 2);
        c.add("voice", 1);
        c.add("fax", 9);
        assert_eq!(c.total(), 6);
        assert_eq!(
            serde_json::to_value(c).unwrap(),
            serde_json::json!({"web": 3, "sms": 2, "email": 0, "voice": 1})
        );
    }
}
