//! `/api/dashboard/settings/routing`: routing rules, handoff settings with business hours, and a
//! "test a message" box. Admins and owners only, reads included (agents and viewers 403);
//! another workspace's rule ids are 404, its assistants an unknown target. The JSON shapes and
//! the parsers are in [`shared::routing`]; the logic in [`crate::routing`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::api::Channel;
use shared::routing::{
    parse_intent, HandoffForm, HandoffPage, HandoffSettings, RuleCheckView, RuleInput, RuleOrder,
    RuleView, TestIntent, TestRequest, TestResult, TestTarget,
};
use shared::text::MAX_MESSAGE_CHARS;
use shared::{MessageText, MessageTextError};
use tracing::instrument;

use super::DashboardUser;
use crate::assistants;
use crate::db::now_ms;
use crate::error::{ApiError, AppJson, Result};
use crate::routing::store::{self, RoutingError};
use crate::routing::{self, hours, BusinessHours, RoutingInput, Target};
use crate::state::AppState;

impl From<RoutingError> for ApiError {
    fn from(error: RoutingError) -> Self {
        match error {
            RoutingError::NotFound => ApiError::not_found("rule_not_found", "No such rule."),
            RoutingError::UnknownAssistant => ApiError::invalid_field(
                "targetAssistantId",
                "unknown_assistant",
                "That assistant is not one of this workspace's.",
            ),
            RoutingError::BadOrder(message) => {
                ApiError::invalid_field("ids", "invalid_order", message)
            }
            RoutingError::Database(e) => ApiError::Database(e),
        }
    }
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list_rules(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<Vec<RuleView>>> {
    user.require_admin()?;
    Ok(AppJson(
        store::list_rules(&state.db, user.tenant_id()).await?,
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn create_rule(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(input): AppJson<RuleInput>,
) -> Result<(StatusCode, AppJson<RuleView>)> {
    user.require_admin()?;
    let rule = input.parse().map_err(ApiError::from)?;
    let created = store::create_rule(&state.db, user.tenant_id(), &rule, user.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(created)))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn update_rule(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(input): AppJson<RuleInput>,
) -> Result<AppJson<RuleView>> {
    user.require_admin()?;
    let rule = input.parse().map_err(ApiError::from)?;
    let updated = store::update_rule(&state.db, user.tenant_id(), &id, &rule, user.actor()).await?;
    Ok(AppJson(updated))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn delete_rule(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require_admin()?;
    store::delete_rule(&state.db, user.tenant_id(), &id, user.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn reorder_rules(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(order): AppJson<RuleOrder>,
) -> Result<AppJson<Vec<RuleView>>> {
    user.require_admin()?;
    let rules = store::reorder(&state.db, user.tenant_id(), &order.ids, user.actor()).await?;
    Ok(AppJson(rules))
}

fn handoff_page(settings: &HandoffSettings) -> HandoffPage {
    let hours = BusinessHours::from_settings(settings);
    let now = now_ms();
    HandoffPage {
        settings: settings.to_form(),
        open_now: routing::is_open(&hours, now),
        closed_message: hours::closed_message(&hours, now),
    }
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn get_handoff(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<HandoffPage>> {
    user.require_admin()?;
    let settings = store::load_settings(&state.db, user.tenant_id()).await?;
    Ok(AppJson(handoff_page(&settings)))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn put_handoff(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(form): AppJson<HandoffForm>,
) -> Result<AppJson<HandoffPage>> {
    user.require_admin()?;
    let settings = form.parse().map_err(ApiError::from)?;
    // Only the server holds the time zone database.
    BusinessHours::new(&settings.time_zone, settings.weekly_hours.clone())
        .map_err(ApiError::from)?;
    let saved = store::save_settings(&state.db, user.tenant_id(), &settings, user.actor()).await?;
    Ok(AppJson(handoff_page(&saved)))
}

fn parse_test_message(text: &str) -> Result<MessageText> {
    MessageText::parse(text).map_err(|e| {
        let message = match e {
            MessageTextError::Empty => "Type a message to test.".to_owned(),
            MessageTextError::TooLong { chars } => {
                format!("The message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}.")
            }
            MessageTextError::ControlCharacter => {
                "The message contains an invisible control character.".to_owned()
            }
        };
        ApiError::invalid_field("message", "invalid_message", message)
    })
}

/// How a message would be routed now (or at `at`), with its intent and every rule's check; the
/// intent is the classifier's unless the request names one. Writes nothing.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn test_message(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(request): AppJson<TestRequest>,
) -> Result<AppJson<TestResult>> {
    user.require_admin()?;
    let message = parse_test_message(&request.message)?;
    let channel = match request.channel.trim() {
        "" => Channel::Web,
        name => Channel::parse(name).ok_or_else(|| {
            ApiError::invalid_field(
                "channel",
                "unknown_channel",
                format!("{name:?} is not a channel; choose from web, sms, email and voice."),
            )
        })?,
    };
    let (intent, detected_by) = match &request.intent {
        // As the reply pipeline would read it: the workspace's classifier.
        None => {
            let detector = state.intents.for_workspace(user.tenant_id()).await?;
            let detected = detector.detect(message.as_str()).await;
            let by = detected.by.to_owned();
            let found = detected.classification;
            ((found.intent, found.confidence), Some(by))
        }
        Some(guess) => {
            let key = parse_intent(&guess.key)
                .map_err(ApiError::from)?
                .ok_or_else(|| ApiError::invalid_field("intent", "required", "Name the intent."))?;
            if !(0.0..=1.0).contains(&guess.confidence) {
                return Err(ApiError::invalid_field(
                    "intent",
                    "out_of_range",
                    "The confidence is from 0 to 1.",
                ));
            }
            ((key, guess.confidence), None)
        }
    };
    let now = request.at.unwrap_or_else(now_ms);
    let tenant = user.tenant_id();
    let config = store::load_config(&state.db, tenant).await?;
    let assistants = assistants::summaries(&state.db, tenant).await?;
    let (rules, hours) = (&config.rules, &config.hours);
    let input = RoutingInput {
        text: message.as_str(),
        intent: Some((intent.0.as_str(), intent.1)),
        channel,
        now_ms: now,
    };
    let decision = routing::evaluate(rules, &input, hours, routing::DEFAULT_MIN_CONFIDENCE);
    let name_of = |id: &str| {
        assistants
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
    };
    let target = match &decision.target {
        Target::Assistant(id) => TestTarget::Assistant {
            assistant_name: name_of(id).unwrap_or_default(),
            assistant_id: id.clone(),
        },
        Target::Human => TestTarget::Human,
        Target::Default => {
            let fallback = routing::resolve_default(&assistants, channel);
            TestTarget::Default {
                assistant_id: fallback.map(|a| a.id.clone()),
                assistant_name: fallback.map(|a| a.name.clone()),
            }
        }
    };
    let closed_message = (decision.target == Target::Human)
        .then(|| hours::closed_message(hours, now))
        .flatten();
    Ok(AppJson(TestResult {
        rule_id: decision.rule.as_ref().map(|r| r.id.clone()),
        rule_name: decision.rule.map(|r| r.name),
        target,
        intent: TestIntent {
            confident: intent.1 >= routing::DEFAULT_MIN_CONFIDENCE,
            key: intent.0,
            confidence: intent.1,
            detected_by,
        },
        checks: decision
            .explanation
            .into_iter()
            .map(|check| RuleCheckView {
                rule_id: check.rule.id,
                rule_name: check.rule.name,
                matched: check.matched,
                why: check.why,
            })
            .collect(),
        business_hours: routing::is_open(hours, now),
        business_hours_set: hours.is_set(),
        closed_message,
    }))
}
