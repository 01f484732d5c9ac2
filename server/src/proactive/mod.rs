//! Proactive messages: a workspace's rules for the bubble the widget's loader shows by the
//! launcher (time on page, scroll depth, idle, exit intent, page visit, returning visitor), and
//! how often visitors saw, opened and dismissed each one.
//!
//! The rules are parsed with [`shared::proactive`] (the settings page checks with the same code)
//! and kept as one normalised JSON document per workspace ([`store`]); each rule keeps its id
//! across saves, so its counts follow it. The widget gets only the active rules of a workspace
//! that turned the feature on ([`widget_rules`]), from a cache dropped when the settings change.

pub mod store;

use std::collections::HashSet;

use shared::proactive::{
    ProactiveSettingsView, Rule, RuleInput, WidgetProactive, WidgetRule, MAX_RULES,
};

use crate::db::new_id;
use crate::error::ApiError;

/// Checks `input` in form order and returns it normalised for storage: every field as the parser
/// read it (trimmed text, the pattern as it prints, the trigger's value only where it takes one)
/// and every rule with an id: its own when `stored` has it, else a new one. The first bad field
/// is a 422 naming it, e.g. `rules[2].message`.
pub fn normalise(
    input: &ProactiveSettingsView,
    stored: &ProactiveSettingsView,
) -> Result<ProactiveSettingsView, ApiError> {
    if input.rules.len() > MAX_RULES {
        return Err(ApiError::invalid_field(
            "rules",
            "too_many",
            format!("A workspace can have at most {MAX_RULES} proactive messages."),
        ));
    }
    let known: HashSet<&str> = stored
        .rules
        .iter()
        .filter_map(|r| r.id.as_deref())
        .collect();
    let mut taken = HashSet::new();
    let mut rules = Vec::with_capacity(input.rules.len());
    for (i, rule_input) in input.rules.iter().enumerate() {
        let rule = rule_input.parse().map_err(|e| ApiError::Client {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            code: e.code,
            message: format!("Rule {}: {}", i + 1, e.message),
            field: Some(format!("rules[{i}].{}", e.field).into()),
            retry_after_secs: None,
        })?;
        let id = rule_input
            .id
            .as_deref()
            .filter(|id| known.contains(id) && taken.insert(id.to_owned()))
            .map_or_else(|| new_id("pm"), str::to_owned);
        rules.push(stored_input(id, &rule));
    }
    Ok(ProactiveSettingsView {
        enabled: input.enabled,
        rules,
    })
}

/// A checked rule as it is stored (and as the settings page gets it back).
fn stored_input(id: String, rule: &Rule) -> RuleInput {
    let widget = WidgetRule::new(String::new(), rule);
    RuleInput {
        id: Some(id),
        name: rule.name.clone(),
        active: rule.active,
        trigger: widget.trigger,
        trigger_value: i64::from(widget.trigger_value),
        pages: widget.pages.unwrap_or_default(),
        message: rule.message.clone(),
        delay_seconds: i64::from(rule.delay_seconds),
        cap_days: widget.cap_days.map(i64::from),
    }
}

/// The rules the widget gets: none when the feature is off, else the active ones in order. A
/// stored rule that no longer parses (a limit tightened since) is left out, logged.
pub fn widget_rules(settings: &ProactiveSettingsView) -> WidgetProactive {
    if !settings.enabled {
        return WidgetProactive::default();
    }
    let rules = settings
        .rules
        .iter()
        .filter(|r| r.active)
        .filter_map(|input| {
            let id = input.id.clone()?;
            match input.parse() {
                Ok(rule) => Some(WidgetRule::new(id, &rule)),
                Err(error) => {
                    tracing::warn!(rule = %id, %error, "stored proactive rule does not parse; skipped");
                    None
                }
            }
        })
        .collect();
    WidgetProactive { rules }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str) -> RuleInput {
        RuleInput {
            name: format!("  {name} "),
            message: "Need a hand?".into(),
            ..RuleInput::default()
        }
    }

    fn field(e: ApiError) -> String {
        match e {
            ApiError::Client { field, .. } => field.unwrap_or_default().into_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn new_rules_get_ids_and_saved_ones_keep_theirs() {
        let first = normalise(
            &ProactiveSettingsView {
                enabled: true,
                rules: vec![rule("a"), rule("b")],
            },
            &ProactiveSettingsView::default(),
        )
        .unwrap();
        let ids: Vec<_> = first.rules.iter().map(|r| r.id.clone().unwrap()).collect();
        assert_ne!(ids[0], ids[1]);
        assert_eq!(first.rules[0].name, "a");

        // Reordered, one forged id, one copied id: the forged and the copy get new ones.
        let mut again = first.clone();
        again.rules.swap(0, 1);
        again.rules.push(RuleInput {
            id: Some("pm_forged".into()),
            ..rule("c")
        });
        again.rules.push(RuleInput {
            id: Some(ids[0].clone()),
            ..rule("d")
        });
        let second = normalise(&again, &first).unwrap();
        let got: Vec<_> = second.rules.iter().map(|r| r.id.clone().unwrap()).collect();
        assert_eq!(got[0], ids[1]);
        assert_eq!(got[1], ids[0]);
        assert!(!ids.contains(&got[2]) && got[2] != "pm_forged");
        assert!(!ids.contains(&got[3]));
        // Normalised input is stored as is: saving it again changes nothing.
        assert_eq!(normalise(&second, &second).unwrap(), second);
    }

    #[test]
    fn the_first_bad_field_is_named_with_its_rule() {
        let mut bad = rule("x");
        bad.message = " ".into();
        let e = normalise(
            &ProactiveSettingsView {
                enabled: true,
                rules: vec![rule("ok"), bad],
            },
            &ProactiveSettingsView::default(),
        )
        .unwrap_err();
        assert_eq!(field(e), "rules[1].message");

        let too_many = ProactiveSettingsView {
            enabled: true,
            rules: vec![rule("x"); MAX_RULES + 1],
        };
        let e = normalise(&too_many, &ProactiveSettingsView::default()).unwrap_err();
        assert_eq!(field(e), "rules");
    }

    #[test]
    fn the_widget_gets_active_rules_of_an_enabled_workspace_only() {
        let mut settings = normalise(
            &ProactiveSettingsView {
                enabled: true,
                rules: vec![
                    RuleInput {
                        trigger: "scroll_depth".into(),
                        trigger_value: 50,
                        pages: "/blog/".into(),
                        cap_days: Some(7),
                        ..rule("on")
                    },
                    RuleInput {
                        active: false,
                        ..rule("off")
                    },
                ],
            },
            &ProactiveSettingsView::default(),
        )
        .unwrap();
        let rules = widget_rules(&settings).rules;
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id, settings.rules[0].id.clone().unwrap());
        assert_eq!(rules[0].trigger, "scroll_depth");
        assert_eq!(rules[0].trigger_value, 50);
        assert_eq!(rules[0].pages.as_deref(), Some("/blog"));
        assert_eq!(rules[0].cap_days, Some(7));
        settings.enabled = false;
        assert!(widget_rules(&settings).rules.is_empty());
    }
}
