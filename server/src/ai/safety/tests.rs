//! The lists, their merging, the checks of messages and replies, the actions and the careful
//! replies.

use super::*;

fn system() -> MergedLists {
    merged(&system_lists(), &SafetyLists::default())
}

fn workspace(blocked: &[&str], high: &[&str], medium: &[&str]) -> SafetyLists {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    SafetyLists {
        blocked: owned(blocked),
        serious_high: owned(high),
        serious_medium: owned(medium),
    }
}

fn serious(verdict: &Verdict) -> (Category, Confidence) {
    let serious = verdict.serious.as_ref().expect("a serious verdict");
    (serious.category, serious.confidence)
}

// Lists and validation.

#[test]
fn every_system_phrase_has_words_and_fits_the_limits() {
    let lists = system_lists();
    let as_workspace = SafetyLists {
        blocked: lists.blocked.iter().map(|s| s.to_string()).collect(),
        serious_high: lists.serious.iter().map(|e| e.phrase.to_string()).collect(),
        serious_medium: Vec::new(),
    };
    assert_eq!(as_workspace.validate(), Ok(()));
    for category in [
        Category::Threat,
        Category::SelfHarm,
        Category::Legal,
        Category::Medical,
    ] {
        assert!(
            lists.serious.iter().any(|e| e.category == category),
            "{category:?} has no system phrase"
        );
    }
}

#[test]
fn validation_names_the_list_and_line_of_an_empty_phrase() {
    let lists = workspace(&["refund scam"], &["ok", "   "], &[]);
    let error = lists.validate().expect_err("empty phrase");
    assert_eq!(error.field, "serious_high");
    assert_eq!(error.code, "empty_phrase");
    assert_eq!(error.phrase(), "line 2 is empty");
}

#[test]
fn validation_rejects_a_phrase_over_100_characters() {
    let long = "a".repeat(101);
    let error = workspace(&[], &[], &[&long])
        .validate()
        .expect_err("too long");
    assert_eq!((error.field, error.code), ("serious_medium", "too_long"));
    let exactly = "é".repeat(100);
    assert_eq!(workspace(&[], &[], &[&exactly]).validate(), Ok(()));
}

#[test]
fn validation_rejects_more_than_500_entries() {
    let many: Vec<String> = (0..501).map(|i| format!("phrase {i}")).collect();
    let lists = SafetyLists {
        blocked: many.clone(),
        ..SafetyLists::default()
    };
    let error = lists.validate().expect_err("too many");
    assert_eq!((error.field, error.code), ("blocked", "too_many"));
    let lists = SafetyLists {
        blocked: many[..500].to_vec(),
        ..SafetyLists::default()
    };
    assert_eq!(lists.validate(), Ok(()));
}

#[test]
fn validation_rejects_a_phrase_with_nothing_to_match() {
    let error = workspace(&["?!", "fine"], &[], &[])
        .validate()
        .expect_err("no words");
    assert_eq!((error.field, error.code), ("blocked", "no_words"));
    assert_eq!(error.phrase(), "line 1 has no letters or digits to match");
}

#[test]
fn lists_read_from_json_with_missing_lists_empty() {
    let lists: SafetyLists = serde_json::from_str(r#"{"blocked":["refund scam"]}"#).expect("json");
    assert_eq!(lists, workspace(&["refund scam"], &[], &[]));
}

// Merging.

#[test]
fn workspace_phrases_extend_the_system_lists_as_other() {
    let lists = merged(
        &system_lists(),
        &workspace(
            &["competitor.com"],
            &["chargeback"],
            &["cancel my subscription"],
        ),
    );
    assert_eq!(lists.len(), system().len() + 3);
    let verdict = check_message(&lists, "I'll file a CHARGEBACK today");
    assert_eq!(serious(&verdict), (Category::Other, Confidence::High));
    let verdict = check_message(&lists, "please cancel my subscription");
    assert_eq!(serious(&verdict), (Category::Other, Confidence::Medium));
    let verdict = check_message(&lists, "is competitor.com cheaper?");
    assert_eq!(verdict.blocked.as_deref(), Some("competitor.com"));
}

#[test]
fn a_workspace_cannot_downgrade_a_system_phrase() {
    let lists = merged(
        &system_lists(),
        &workspace(&[], &[], &["sue you", "Kill Myself"]),
    );
    let verdict = check_message(&lists, "I will sue you");
    assert_eq!(serious(&verdict), (Category::Legal, Confidence::High));
    let verdict = check_message(&lists, "I want to kill myself");
    assert_eq!(serious(&verdict), (Category::SelfHarm, Confidence::High));
}

#[test]
fn a_workspace_can_raise_a_system_phrase_and_it_keeps_its_category() {
    let verdict = check_message(&system(), "my lawyer friend says hi");
    assert_eq!(serious(&verdict).1, Confidence::High);
    let verdict = check_message(&system(), "should I ask a lawyer?");
    assert_eq!(serious(&verdict), (Category::Legal, Confidence::Medium));
    let lists = merged(&system_lists(), &workspace(&[], &["lawyer*"], &[]));
    let verdict = check_message(&lists, "should I ask a lawyer?");
    assert_eq!(serious(&verdict), (Category::Legal, Confidence::High));
}

#[test]
fn a_phrase_listed_high_and_medium_by_a_workspace_is_high_and_counted_once() {
    let lists = merged(
        &system_lists(),
        &workspace(&[], &["price gouging"], &["Price  gouging!"]),
    );
    assert_eq!(lists.len(), system().len() + 1);
    let verdict = check_message(&lists, "this is price gouging");
    assert_eq!(serious(&verdict), (Category::Other, Confidence::High));
}

#[test]
fn a_phrase_can_be_both_blocked_and_serious() {
    let lists = merged(&system_lists(), &workspace(&["sue you"], &[], &[]));
    let verdict = check_message(&lists, "I'm going to sue you");
    assert_eq!(verdict.blocked.as_deref(), Some("sue you"));
    assert_eq!(serious(&verdict), (Category::Legal, Confidence::High));
}

#[test]
fn empty_workspace_phrases_are_skipped_when_merging() {
    let lists = merged(&system_lists(), &workspace(&["", "  ", "**"], &[], &[]));
    assert_eq!(lists.len(), system().len());
    assert!(check_message(&lists, "hello there").is_clean());
}

// Matching.

#[test]
fn each_category_is_found_with_high_confidence() {
    let cases = [
        ("I'm going to kill you", Category::Threat),
        ("honestly I want to end my life", Category::SelfHarm),
        ("I've been having suicidal thoughts", Category::SelfHarm),
        ("You'll be hearing from my lawyer.", Category::Legal),
        ("I will take legal action", Category::Legal),
        ("my husband is having a heart attack", Category::Medical),
        (
            "I think I'm having an allergic reaction to the beans",
            Category::Medical,
        ),
    ];
    for (text, category) in cases {
        let verdict = check_message(&system(), text);
        assert_eq!(serious(&verdict), (category, Confidence::High), "{text}");
        assert_eq!(verdict.blocked, None, "{text}");
    }
}

#[test]
fn medium_phrases_are_found_with_medium_confidence() {
    let cases = [
        ("I know where you live", Category::Threat),
        ("I just can't go on like this", Category::SelfHarm),
        (
            "I'll report you to the Better Business Bureau",
            Category::Legal,
        ),
        ("my kid got sick after drinking it", Category::Medical),
    ];
    for (text, category) in cases {
        let verdict = check_message(&system(), text);
        assert_eq!(serious(&verdict), (category, Confidence::Medium), "{text}");
    }
}

#[test]
fn figures_of_speech_and_ordinary_questions_do_not_flag() {
    for text in [
        "this coffee is killer",
        "I'd kill for a discount",
        "the Harbour Blend is to die for",
        "Sue from your team was very helpful",
        "what's the best grind for a French press?",
        "my order 1234 was charged twice",
        "prices shoot up every winter",
        "I killed it at the barista course",
        "",
        "   ",
    ] {
        assert!(check_message(&system(), text).is_clean(), "{text}");
    }
}

#[test]
fn matching_ignores_case_accents_punctuation_and_spacing() {
    for text in [
        "I WILL SUE YOU",
        "i will... sue,   you!!",
        "I will súe yóu",
        "I will\nsue\tyou",
        "I will sue-you",
    ] {
        let verdict = check_message(&system(), text);
        assert_eq!(
            serious(&verdict),
            (Category::Legal, Confidence::High),
            "{text}"
        );
    }
}

#[test]
fn matching_is_on_whole_words() {
    let lists = merged(&system_lists(), &workspace(&["ass"], &[], &[]));
    assert!(check_message(&lists, "a class assignment, passed").is_clean());
    assert_eq!(
        check_message(&lists, "you ass").blocked.as_deref(),
        Some("ass")
    );
    assert!(check_message(&system(), "they sued your competitor").is_clean());
}

#[test]
fn a_star_matches_word_endings() {
    let lists = merged(&system_lists(), &workspace(&[], &["refund*"], &[]));
    for text in ["refunds please", "REFUNDING", "refund"] {
        assert_eq!(
            serious(&check_message(&lists, text)).0,
            Category::Other,
            "{text}"
        );
    }
    assert!(check_message(&lists, "a re-fund").is_clean());
}

#[test]
fn simple_obfuscation_is_seen_through() {
    for text in [
        "I will k i l l you",
        "I will k.i.l.l you",
        "i will k1ll u",
        "ｋｉｌｌ ｙｏｕ",
    ] {
        let verdict = check_message(&system(), text);
        assert_eq!(
            serious(&verdict),
            (Category::Threat, Confidence::High),
            "{text}"
        );
    }
}

#[test]
fn a_negated_serious_phrase_is_still_flagged_but_only_medium() {
    for (text, category) in [
        ("I'm not going to sue you, relax", Category::Legal),
        ("I would never hurt myself", Category::SelfHarm),
        ("don't worry, I won't kill you", Category::Threat),
    ] {
        let verdict = check_message(&system(), text);
        assert_eq!(serious(&verdict), (category, Confidence::Medium), "{text}");
    }
    // A negation inside the phrase is part of it.
    let verdict = check_message(&system(), "I don't want to live anymore");
    assert_eq!(serious(&verdict), (Category::SelfHarm, Confidence::High));
}

#[test]
fn a_negation_far_before_the_phrase_does_not_count() {
    let verdict = check_message(&system(), "I did not like the beans, so I will sue you");
    assert_eq!(serious(&verdict), (Category::Legal, Confidence::High));
}

#[test]
fn the_most_urgent_situation_wins() {
    let verdict = check_message(&system(), "my lawyer knows I want to kill myself");
    assert_eq!(serious(&verdict), (Category::SelfHarm, Confidence::High));
    // High before medium, whatever the category.
    let verdict = check_message(&system(), "I feel hopeless and my lawyer will call");
    assert_eq!(serious(&verdict), (Category::Legal, Confidence::High));
    assert_eq!(verdict.serious.expect("serious").phrase, "my lawyer");
}

#[test]
fn the_first_blocked_phrase_is_reported() {
    let lists = merged(&system_lists(), &workspace(&["scam"], &[], &[]));
    let verdict = check_message(&lists, "this is a scam, fuck you");
    assert_eq!(verdict.blocked.as_deref(), Some("scam"));
    assert_eq!(verdict.serious, None);
    let verdict = check_message(&system(), "F*ck you... no, FUCK YOU");
    assert_eq!(verdict.blocked.as_deref(), Some("fuck you"));
}

#[test]
fn a_reply_is_checked_for_blocked_and_high_serious_phrases_only() {
    let lists = merged(&system_lists(), &workspace(&["competitor.com"], &[], &[]));
    let verdict = check_reply(&lists, "You could try competitor.com instead.");
    assert_eq!(verdict.blocked.as_deref(), Some("competitor.com"));
    let verdict = check_reply(&lists, "Maybe just kill yourself");
    assert_eq!(verdict.blocked.as_deref(), Some("kill yourself"));
    let verdict = check_reply(&lists, "We will take legal action against you.");
    assert_eq!(serious(&verdict), (Category::Legal, Confidence::High));
    // Naming a topic while declining it is not a serious situation in a reply.
    assert!(check_reply(&lists, "I can't give advice; a lawyer can help.").is_clean());
    assert!(check_reply(&lists, "We would never take legal action over this.").is_clean());
    // The same texts from a visitor are.
    assert!(!check_message(&lists, "I can't give advice; a lawyer can help.").is_clean());
}

#[test]
fn verdicts_serialize_for_storage_with_snake_case_names() {
    let verdict = check_message(&system(), "I want to hurt myself");
    let json = serde_json::to_value(&verdict).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "blocked": null,
            "serious": {"category": "self_harm", "confidence": "high", "phrase": "hurt myself"}
        })
    );
    let back: Verdict = serde_json::from_value(json).expect("back");
    assert_eq!(back, verdict);
}

#[test]
fn a_serious_situation_reads_as_an_escalation_reason() {
    let verdict = check_message(&system(), "You'll hear from my lawyer");
    let reason = verdict.serious.expect("serious").to_string();
    assert_eq!(reason, "legal, high confidence: \"my lawyer\"");
    let verdict = check_message(&system(), "I would never hurt myself");
    let reason = verdict.serious.expect("serious").to_string();
    assert_eq!(reason, "self-harm, medium confidence: \"hurt myself\"");
}

// Actions and settings.

#[test]
fn blocked_actions_use_snake_case() {
    for (action, name) in [
        (BlockedAction::HandToHuman, "hand_to_human"),
        (BlockedAction::FallbackMessage, "fallback_message"),
        (BlockedAction::EndConversation, "end_conversation"),
    ] {
        assert_eq!(serde_json::to_value(action).expect("json"), name);
        let back: BlockedAction = serde_json::from_value(name.into()).expect("back");
        assert_eq!(back, action);
    }
    assert!(serde_json::from_value::<BlockedAction>("ignore".into()).is_err());
}

#[test]
fn default_settings_hand_to_a_human_and_redact_only_card_numbers_and_ssns() {
    let settings = SafetySettings::default();
    assert_eq!(settings.blocked_action, BlockedAction::HandToHuman);
    assert_eq!(settings.fallback_message, DEFAULT_FALLBACK_MESSAGE);
    assert!(!settings.redact_contact_details);
    assert!(!settings.moderation);
    assert_eq!(settings.lists, SafetyLists::default());
}

#[test]
fn settings_read_partial_json_with_defaults_for_the_rest() {
    let settings: SafetySettings = serde_json::from_str(
        r#"{"blocked_action":"end_conversation","redact_contact_details":true}"#,
    )
    .expect("json");
    assert_eq!(settings.blocked_action, BlockedAction::EndConversation);
    assert!(settings.redact_contact_details);
    assert_eq!(settings.fallback_message, DEFAULT_FALLBACK_MESSAGE);
    let round: SafetySettings =
        serde_json::from_value(serde_json::to_value(&settings).expect("json")).expect("back");
    assert_eq!(round, settings);
}

// Careful replies.

#[test]
fn the_self_harm_reply_points_to_help() {
    let reply = careful_reply(Category::SelfHarm);
    assert!(reply.contains("emergency number"), "{reply}");
    assert!(reply.contains("988"), "{reply}");
}

#[test]
fn every_careful_reply_says_a_teammate_will_follow_up_and_is_distinct() {
    let categories = [
        Category::Threat,
        Category::SelfHarm,
        Category::Legal,
        Category::Medical,
        Category::Other,
    ];
    let replies: Vec<&str> = categories.iter().map(|c| careful_reply(*c)).collect();
    for (category, reply) in categories.iter().zip(&replies) {
        assert!(
            reply.contains("member of our team"),
            "{category:?}: {reply}"
        );
    }
    let mut distinct = replies.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), replies.len());
}

#[test]
fn no_careful_reply_trips_the_reply_check() {
    for category in [
        Category::Threat,
        Category::SelfHarm,
        Category::Legal,
        Category::Medical,
        Category::Other,
    ] {
        let reply = careful_reply(category);
        assert!(check_reply(&system(), reply).is_clean(), "{category:?}");
    }
    assert!(check_reply(&system(), DEFAULT_FALLBACK_MESSAGE).is_clean());
}
