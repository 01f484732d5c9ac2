use shared::api::Channel;
use shared::assistant_settings::AssistantSummary;
use shared::routing::{Opening, RuleTarget, TimeWindow};

use super::*;
use crate::routing::hours::BusinessHours;

/// 2026-12-02 (a Wednesday) 10:00 UTC.
const WEDNESDAY_10_UTC: i64 = 1_796_205_600_000;
const HOUR: i64 = 3_600_000;

fn hours() -> BusinessHours {
    let openings = (0..5)
        .map(|weekday| Opening {
            weekday,
            open_min: 9 * 60,
            close_min: 17 * 60,
        })
        .collect();
    BusinessHours::new("UTC", openings).unwrap()
}

fn rule(id: &str, priority: u8) -> Rule {
    Rule {
        id: id.into(),
        name: format!("rule {id}"),
        priority,
        active: true,
        keywords: vec![],
        intent: None,
        channels: vec![],
        time_window: TimeWindow::Any,
        target: RuleTarget::Assistant {
            assistant_id: format!("as_{id}"),
        },
        target_name: Some(format!("Assistant {id}")),
        position: 0,
        created_at: 0,
        updated_at: 0,
    }
}

fn input(text: &str) -> RoutingInput<'_> {
    RoutingInput {
        text,
        intent: None,
        channel: Channel::Web,
        now_ms: WEDNESDAY_10_UTC,
    }
}

fn route(rules: &[Rule], input: &RoutingInput<'_>) -> RoutingDecision {
    evaluate(rules, input, &hours(), 0.6)
}

fn winner(decision: &RoutingDecision) -> Option<&str> {
    decision.rule.as_ref().map(|r| r.id.as_str())
}

#[test]
fn keywords_match_whole_words_and_phrases_case_insensitively() {
    let rules = [Rule {
        keywords: vec!["refund".into(), "speak to a human".into()],
        ..rule("a", 50)
    }];
    for text in [
        "I want a REFUND!",
        "can I speak to a   human, please?",
        "refund",
    ] {
        let decision = route(&rules, &input(text));
        assert_eq!(winner(&decision), Some("a"), "{text}");
        assert!(decision.explanation[0].why.contains("found"));
    }
    for text in ["refunds are slow", "prefund", "speak to a humanoid", ""] {
        let decision = route(&rules, &input(text));
        assert_eq!(decision.target, Target::Default, "{text}");
        assert!(decision.explanation[0].why.contains("none of the keywords"));
    }
}

#[test]
fn intent_needs_the_same_key_at_the_threshold() {
    let rules = [Rule {
        intent: Some("billing".into()),
        ..rule("a", 50)
    }];
    let at = |intent| RoutingInput {
        intent,
        ..input("hello")
    };
    assert_eq!(
        winner(&route(&rules, &at(Some(("billing", 0.6))))),
        Some("a")
    );
    assert_eq!(
        winner(&route(&rules, &at(Some(("billing", 0.95))))),
        Some("a")
    );
    let low = route(&rules, &at(Some(("billing", 0.59))));
    assert_eq!(low.target, Target::Default);
    assert!(
        low.explanation[0].why.contains("only at 0.59"),
        "{:?}",
        low.explanation
    );
    let other = route(&rules, &at(Some(("sales", 0.99))));
    assert!(other.explanation[0]
        .why
        .contains("intent is sales, not billing"));
    let unknown = route(&rules, &at(None));
    assert!(unknown.explanation[0].why.contains("intent unknown"));
    // The threshold is the caller's.
    assert!(evaluate(&rules, &at(Some(("billing", 0.3))), &hours(), 0.2)
        .rule
        .is_some());
}

#[test]
fn channels_limit_a_rule_and_an_empty_list_means_every_channel() {
    let sms_only = Rule {
        channels: vec![Channel::Sms, Channel::Email],
        ..rule("a", 50)
    };
    let on = |channel| RoutingInput {
        channel,
        ..input("hi")
    };
    assert_eq!(
        winner(&route(std::slice::from_ref(&sms_only), &on(Channel::Sms))),
        Some("a")
    );
    let web = route(&[sms_only], &on(Channel::Web));
    assert_eq!(web.target, Target::Default);
    assert_eq!(web.explanation[0].why, "channel web not in sms, email");
    assert_eq!(
        winner(&route(&[rule("b", 1)], &on(Channel::Voice))),
        Some("b")
    );
}

#[test]
fn time_windows_follow_business_hours() {
    let rules = [
        Rule {
            time_window: TimeWindow::BusinessHours,
            ..rule("office", 60)
        },
        Rule {
            time_window: TimeWindow::AfterHours,
            target: RuleTarget::Human,
            ..rule("night", 50)
        },
    ];
    let at = |now_ms| RoutingInput {
        now_ms,
        ..input("hi")
    };
    assert_eq!(
        winner(&route(&rules, &at(WEDNESDAY_10_UTC))),
        Some("office")
    );
    let evening = route(&rules, &at(WEDNESDAY_10_UTC + 8 * HOUR));
    assert_eq!(winner(&evening), Some("night"));
    assert_eq!(evening.target, Target::Human);
    assert_eq!(evening.explanation[0].why, "outside business hours");
    // Saturday 10:00 is after hours too.
    assert_eq!(
        winner(&route(&rules, &at(WEDNESDAY_10_UTC + 72 * HOUR))),
        Some("night")
    );
    // A workspace without business hours is always within them: the after-hours rule never
    // matches, and the explanation says why.
    let unset = BusinessHours::unset();
    let saturday = evaluate(&rules, &at(WEDNESDAY_10_UTC + 72 * HOUR), &unset, 0.6);
    assert_eq!(winner(&saturday), Some("office"));
    assert_eq!(
        saturday.explanation[0].why,
        "no business hours set: always within hours"
    );
}

#[test]
fn a_rule_matches_only_when_every_condition_holds() {
    let rules = [Rule {
        keywords: vec!["charged twice".into()],
        intent: Some("billing".into()),
        channels: vec![Channel::Web],
        time_window: TimeWindow::BusinessHours,
        ..rule("all", 90)
    }];
    let full = RoutingInput {
        intent: Some(("billing", 0.9)),
        ..input("I was charged twice for order 1234")
    };
    let decision = route(&rules, &full);
    assert_eq!(decision.target, Target::Assistant("as_all".into()));
    assert_eq!(
        decision.explanation[0].why,
        "keyword \"charged twice\" found; intent billing (0.90 ≥ 0.60); channel web allowed; \
         within business hours"
    );
    let broken = [
        RoutingInput {
            text: "I was charged once",
            ..full
        },
        RoutingInput {
            intent: Some(("sales", 0.9)),
            ..full
        },
        RoutingInput {
            channel: Channel::Sms,
            ..full
        },
        RoutingInput {
            now_ms: WEDNESDAY_10_UTC - 2 * HOUR,
            ..full
        },
    ];
    for one_off in broken {
        assert_eq!(
            route(&rules, &one_off).target,
            Target::Default,
            "{one_off:?}"
        );
    }
}

#[test]
fn priority_then_position_decides_and_the_first_match_wins() {
    let rules = [
        Rule {
            position: 0,
            ..rule("low", 10)
        },
        Rule {
            position: 2,
            ..rule("high_later", 80)
        },
        Rule {
            position: 1,
            ..rule("high_first", 80)
        },
        Rule {
            position: 0,
            active: false,
            ..rule("off", 100)
        },
    ];
    let decision = route(&rules, &input("anything"));
    assert_eq!(winner(&decision), Some("high_first"));
    let order: Vec<&str> = decision
        .explanation
        .iter()
        .map(|c| c.rule.id.as_str())
        .collect();
    assert_eq!(order, ["high_first", "high_later", "low", "off"]);
    assert_eq!(
        decision.explanation.iter().filter(|c| c.matched).count(),
        1,
        "only the first match is a match"
    );
    assert!(decision.explanation[1].why.starts_with("not tried"));
    assert_eq!(decision.explanation[3].why, "inactive: skipped");
}

#[test]
fn inactive_rules_and_rules_whose_assistant_is_gone_are_skipped() {
    let rules = [
        Rule {
            active: false,
            ..rule("off", 100)
        },
        Rule {
            target_name: None,
            ..rule("orphan", 90)
        },
        rule("fallback", 1),
    ];
    let decision = route(&rules, &input("hi"));
    assert_eq!(winner(&decision), Some("fallback"));
    assert!(decision.explanation[0].why.contains("deleted"));
    assert_eq!(route(&[], &input("hi")).target, Target::Default);
}

fn assistant(id: &str, name: &str, is_default: bool, channels: &[Channel]) -> AssistantSummary {
    AssistantSummary {
        id: id.into(),
        name: name.into(),
        is_default,
        channels: channels.to_vec(),
        knowledge_count: 0,
        model: None,
        updated_at: 0,
    }
}

#[test]
fn the_default_is_the_channels_own_else_the_workspace_default() {
    let assistants = [
        assistant("sms2", "Zed texts", false, &[Channel::Sms]),
        assistant("main", "Main", true, &[Channel::Web, Channel::Email]),
        assistant("sms1", "Ann texts", false, &[Channel::Sms]),
    ];
    let pick = |channel| resolve_default(&assistants, channel).map(|a| a.id.as_str());
    assert_eq!(pick(Channel::Web), Some("main"));
    assert_eq!(pick(Channel::Email), Some("main"));
    assert_eq!(
        pick(Channel::Sms),
        Some("sms1"),
        "first by name among SMS assistants"
    );
    assert_eq!(
        pick(Channel::Voice),
        Some("main"),
        "nobody on voice: the workspace default"
    );
    assert_eq!(resolve_default(&[], Channel::Web), None);
}

#[test]
fn first_match_picks_what_evaluate_picks() {
    let rules = [
        Rule {
            keywords: vec!["refund".into()],
            position: 1,
            ..rule("kw", 80)
        },
        Rule {
            intent: Some("billing".into()),
            position: 0,
            ..rule("intent", 80)
        },
        Rule {
            channels: vec![Channel::Sms],
            ..rule("sms", 90)
        },
        Rule {
            time_window: TimeWindow::AfterHours,
            ..rule("night", 95)
        },
        Rule {
            active: false,
            ..rule("off", 100)
        },
        Rule {
            keywords: vec!["hello there".into()],
            ..rule("phrase", 5)
        },
    ];
    let texts = [
        "refund please",
        "hello there",
        "hello",
        "there hello there",
        "",
    ];
    let intents = [None, Some(("billing", 0.9)), Some(("billing", 0.1))];
    let channels = [Channel::Web, Channel::Sms];
    let times = [WEDNESDAY_10_UTC, WEDNESDAY_10_UTC + 10 * HOUR];
    for text in texts {
        for intent in intents {
            for channel in channels {
                for now_ms in times {
                    let input = RoutingInput {
                        text,
                        intent,
                        channel,
                        now_ms,
                    };
                    let full = route(&rules, &input);
                    let quick = first_match(&rules, &input, &hours(), 0.6);
                    assert_eq!(quick.map(|r| r.id.as_str()), winner(&full), "{input:?}");
                }
            }
        }
    }
}
