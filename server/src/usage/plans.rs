//! Plans, defined by whoever runs the server in a TOML file (`LIVECHAT_PLANS`), and assigned to
//! workspaces with `server set-plan`. A workspace without a plan is unlimited (usage is still
//! counted). Money is in cents, never floating point.
//!
//! ```toml
//! [plans.starter]
//! name = "Starter"
//! price_cents = 29900
//! conversations = 250
//! voice_minutes = 100
//! conversation_overage_cents = 50
//! voice_minute_overage_cents = 30
//! at_limit = "overage"   # or "cap": past the included conversations, no more are started
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use shared::usage::{AtLimit, Plan};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    plans: BTreeMap<String, PlanEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanEntry {
    name: String,
    #[serde(default)]
    price_cents: u64,
    conversations: u64,
    #[serde(default)]
    voice_minutes: u64,
    #[serde(default)]
    conversation_overage_cents: u64,
    #[serde(default)]
    voice_minute_overage_cents: u64,
    #[serde(default = "overage")]
    at_limit: String,
}

fn overage() -> String {
    "overage".to_owned()
}

/// The plans of a plans file, by id; the error names the plan and what is wrong with it.
pub fn parse(text: &str) -> Result<BTreeMap<String, Plan>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut plans = BTreeMap::new();
    for (id, entry) in file.plans {
        let id_ok = !id.is_empty()
            && id.len() <= 40
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !id_ok {
            return Err(format!(
                "plan id {id:?}: use 1 to 40 lower-case letters, digits, - or _"
            ));
        }
        let name = entry.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(format!("plan {id}: the name is 1 to 60 characters"));
        }
        let at_limit = match entry.at_limit.as_str() {
            "overage" => AtLimit::Overage,
            "cap" => AtLimit::Cap,
            other => {
                return Err(format!(
                    "plan {id}: at_limit is \"overage\" or \"cap\", not {other:?}"
                ))
            }
        };
        plans.insert(
            id.clone(),
            Plan {
                id,
                name: name.to_owned(),
                price_cents: entry.price_cents,
                conversations: entry.conversations,
                voice_minutes: entry.voice_minutes,
                conversation_overage_cents: entry.conversation_overage_cents,
                voice_minute_overage_cents: entry.voice_minute_overage_cents,
                at_limit,
            },
        );
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's example: the seed's three plans.
    const SEED_PLANS: &str = include_str!("../../plans.example.toml");

    #[test]
    fn the_readmes_plans_read() {
        let plans = parse(SEED_PLANS).expect("plans");
        assert_eq!(
            plans.keys().map(String::as_str).collect::<Vec<_>>(),
            ["business", "professional", "starter"]
        );
        let starter = &plans["starter"];
        assert_eq!(starter.name, "Starter");
        assert_eq!(starter.price_cents, 29_900);
        assert_eq!((starter.conversations, starter.voice_minutes), (250, 100));
        assert_eq!(
            (
                starter.conversation_overage_cents,
                starter.voice_minute_overage_cents
            ),
            (50, 30)
        );
        assert_eq!(starter.at_limit, AtLimit::Overage);
        assert_eq!(plans["business"].conversations, 5_000);
    }

    #[test]
    fn a_bad_plan_says_what_is_wrong() {
        let err = |text: &str| parse(text).expect_err(text);
        assert!(err("[plans.Big]\nname = \"Big\"\nconversations = 1").contains("plan id"));
        assert!(err("[plans.big]\nname = \"\"\nconversations = 1").contains("name"));
        assert!(
            err("[plans.big]\nname = \"Big\"\nconversations = 1\nat_limit = \"stop\"")
                .contains("at_limit")
        );
        // A typo in a field is not silently ignored.
        assert!(err("[plans.big]\nname = \"Big\"\nconversation = 1").contains("conversation"));
        assert!(err("[plans.big]\nname = \"Big\"\nconversations = -1").contains("conversations"));
        let capped = parse("[plans.free]\nname = \"Free\"\nconversations = 50\nat_limit = \"cap\"")
            .expect("capped");
        assert_eq!(capped["free"].at_limit, AtLimit::Cap);
        assert_eq!(capped["free"].price_cents, 0);
    }
}
