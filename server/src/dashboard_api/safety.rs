//! Content safety settings (`/settings/safety`), for admins: the workspace's phrase lists, the
//! blocked-phrase action and fallback message, contact-detail redaction and moderation. Agents
//! and viewers get 403 on reads too, like every settings page.
//!
//! - `GET /api/dashboard/settings/safety` → [`SafetySettingsPage`]: the settings (the defaults
//!   when never saved), the read-only system lists, and whether moderation can run here.
//! - `PUT` takes [`SafetySettingsView`] whole: phrases trimmed and blank ones dropped, then 422
//!   naming the first bad field (`lists.blocked`, `lists.seriousHigh`, `lists.seriousMedium`,
//!   `blockedAction`, `fallbackMessage`); answers the page. Saving what is already stored
//!   writes no audit entry and announces nothing.
//!
//! The wire shape (camelCase, the action as text) is converted here to and from the server's
//! [`SafetySettings`], whose JSON is what `ai::safety::store` keeps.

use axum::extract::State;
use shared::safety::{
    clean_phrases, parse_fallback_message, BlockedActionChoice, SafetyListsView,
    SafetySettingsPage, SafetySettingsView, SystemListsView, SystemSeriousPhrase,
};
use tracing::instrument;

use super::DashboardUser;
use crate::ai::safety::{
    store, system_lists, BlockedAction, Category, Confidence, ListError, SafetyLists,
    SafetySettings,
};
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn get_safety(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<SafetySettingsPage>> {
    user.require_admin()?;
    let settings = store::load(&state.db, user.tenant_id()).await?;
    Ok(AppJson(page(&state, &settings)))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn put_safety(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(body): AppJson<SafetySettingsView>,
) -> Result<AppJson<SafetySettingsPage>> {
    user.require_admin()?;
    let settings = parse(&body)?;
    if store::load(&state.db, user.tenant_id()).await? != settings {
        store::save(&state.db, user.tenant_id(), &settings, user.actor()).await?;
    }
    Ok(AppJson(page(&state, &settings)))
}

fn page(state: &AppState, settings: &SafetySettings) -> SafetySettingsPage {
    SafetySettingsPage {
        settings: view(settings),
        system: system_view(),
        moderation_available: state.responder.provider_name() == "openai",
    }
}

/// The stored settings as the form shows them.
pub fn view(settings: &SafetySettings) -> SafetySettingsView {
    let lists = &settings.lists;
    SafetySettingsView {
        lists: SafetyListsView {
            blocked: lists.blocked.clone(),
            serious_high: lists.serious_high.clone(),
            serious_medium: lists.serious_medium.clone(),
        },
        blocked_action: action_choice(settings.blocked_action).as_str().to_owned(),
        fallback_message: settings.fallback_message.clone(),
        redact_contact_details: settings.redact_contact_details,
        moderation: settings.moderation,
    }
}

/// The form's settings checked in form order; the first bad field is the 422.
pub fn parse(body: &SafetySettingsView) -> Result<SafetySettings> {
    let lists = SafetyLists {
        blocked: clean_phrases(&body.lists.blocked),
        serious_high: clean_phrases(&body.lists.serious_high),
        serious_medium: clean_phrases(&body.lists.serious_medium),
    };
    lists.validate().map_err(|e| list_error(&lists, &e))?;
    let action = BlockedActionChoice::parse(&body.blocked_action).map_err(ApiError::from)?;
    let fallback_message =
        parse_fallback_message(&body.fallback_message).map_err(ApiError::from)?;
    Ok(SafetySettings {
        lists,
        blocked_action: blocked_action(action),
        fallback_message,
        redact_contact_details: body.redact_contact_details,
        moderation: body.moderation,
    })
}

/// A list's error named by its wire field, quoting the phrase at fault: the line number counts
/// phrases after blank lines were dropped, so it alone may not point at the right textarea line.
fn list_error(lists: &SafetyLists, e: &ListError) -> ApiError {
    let (field, what, phrases) = match e.field {
        "blocked" => ("lists.blocked", "Blocked phrases", &lists.blocked),
        "serious_high" => (
            "lists.seriousHigh",
            "Serious phrases (high confidence)",
            &lists.serious_high,
        ),
        _ => (
            "lists.seriousMedium",
            "Serious phrases (medium confidence)",
            &lists.serious_medium,
        ),
    };
    let culprit = phrases.iter().find(|phrase| {
        SafetyLists {
            blocked: vec![(*phrase).clone()],
            ..SafetyLists::default()
        }
        .validate()
        .is_err()
    });
    let message = match culprit.filter(|_| e.code != "too_many") {
        Some(phrase) => format!(
            "{what}: {} (\u{201c}{}\u{201d}).",
            e.phrase(),
            excerpt(phrase)
        ),
        None => format!("{what}: {}.", e.phrase()),
    };
    ApiError::invalid_field(field, e.code, message)
}

/// The first 40 characters of a phrase, for a message.
fn excerpt(phrase: &str) -> String {
    match phrase.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &phrase[..end]),
        None => phrase.to_owned(),
    }
}

fn action_choice(action: BlockedAction) -> BlockedActionChoice {
    match action {
        BlockedAction::HandToHuman => BlockedActionChoice::HandToHuman,
        BlockedAction::FallbackMessage => BlockedActionChoice::FallbackMessage,
        BlockedAction::EndConversation => BlockedActionChoice::EndConversation,
    }
}

fn blocked_action(choice: BlockedActionChoice) -> BlockedAction {
    match choice {
        BlockedActionChoice::HandToHuman => BlockedAction::HandToHuman,
        BlockedActionChoice::FallbackMessage => BlockedAction::FallbackMessage,
        BlockedActionChoice::EndConversation => BlockedAction::EndConversation,
    }
}

/// The built-in lists, for reading beside the workspace's own.
fn system_view() -> SystemListsView {
    let lists = system_lists();
    SystemListsView {
        blocked: lists.blocked.iter().map(|p| (*p).to_owned()).collect(),
        serious: lists
            .serious
            .iter()
            .map(|entry| SystemSeriousPhrase {
                phrase: entry.phrase.to_owned(),
                category: category_name(entry.category).to_owned(),
                confidence: match entry.confidence {
                    Confidence::High => "high",
                    Confidence::Medium => "medium",
                }
                .to_owned(),
            })
            .collect(),
    }
}

/// The category's wire name (its serde name in the stored verdicts).
fn category_name(category: Category) -> &'static str {
    match category {
        Category::Threat => "threat",
        Category::SelfHarm => "self_harm",
        Category::Legal => "legal",
        Category::Medical => "medical",
        Category::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::safety;

    fn body() -> SafetySettingsView {
        SafetySettingsView {
            lists: SafetyListsView {
                blocked: vec![" refund scam ".into(), "".into(), "  ".into()],
                serious_high: vec!["chargeback*".into()],
                serious_medium: vec![],
            },
            blocked_action: "end_conversation".into(),
            fallback_message: " Sorry, not here. ".into(),
            redact_contact_details: true,
            moderation: false,
        }
    }

    #[test]
    fn a_form_parses_cleaned_and_reads_back_the_same() {
        let settings = parse(&body()).expect("valid");
        assert_eq!(settings.lists.blocked, ["refund scam"]);
        assert_eq!(settings.blocked_action, BlockedAction::EndConversation);
        assert_eq!(settings.fallback_message, "Sorry, not here.");
        assert!(settings.redact_contact_details);
        assert_eq!(parse(&view(&settings)).expect("again"), settings);
    }

    #[test]
    fn the_defaults_show_as_hand_to_human_with_the_default_message() {
        let shown = view(&SafetySettings::default());
        assert_eq!(shown.blocked_action, "hand_to_human");
        assert_eq!(shown.fallback_message, safety::DEFAULT_FALLBACK_MESSAGE);
        assert_eq!(shown.lists, SafetyListsView::default());
    }

    fn field_of(body: &SafetySettingsView) -> String {
        match parse(body) {
            Err(ApiError::Client { field, .. }) => field.expect("a field").into_owned(),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn each_bad_field_is_named_and_a_bad_phrase_is_quoted() {
        type Change = fn(&mut SafetySettingsView);
        let cases: [(&str, Change); 6] = [
            ("lists.blocked", |b| b.lists.blocked.push("x".repeat(101))),
            ("lists.seriousHigh", |b| {
                b.lists.serious_high.push("?!".into())
            }),
            ("lists.seriousMedium", |b| {
                b.lists.serious_medium = vec!["ok".into(); safety::MAX_ENTRIES + 1]
            }),
            ("blockedAction", |b| b.blocked_action = "shout".into()),
            ("fallbackMessage", |b| b.fallback_message = "  ".into()),
            ("fallbackMessage", |b| b.fallback_message = "x".repeat(501)),
        ];
        for (field, change) in cases {
            let mut b = body();
            change(&mut b);
            assert_eq!(field_of(&b), field);
        }
        let mut b = body();
        b.lists.serious_high = vec!["fine".into(), "...".into()];
        let Err(ApiError::Client { message, .. }) = parse(&b) else {
            panic!("expected a 422");
        };
        assert!(message.contains("\u{201c}...\u{201d}"), "{message}");
        assert!(
            message.starts_with("Serious phrases (high confidence): line 2"),
            "{message}"
        );
    }

    #[test]
    fn the_system_lists_carry_every_phrase_with_its_category() {
        let system = system_view();
        assert_eq!(system.blocked.len(), system_lists().blocked.len());
        assert!(system.serious.iter().any(|p| p.category == "self_harm"
            && p.confidence == "high"
            && p.phrase == "kill myself"));
        assert!(system.serious.iter().any(|p| p.confidence == "medium"));
    }
}
