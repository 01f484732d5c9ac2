//! The reply pipeline: what happens to every inbound customer message, whatever its channel.
//!
//! A channel's handler parses and authenticates the message, stores it (before any AI work, so
//! a failing provider never loses it) and calls [`answer_once`]. The pipeline then runs its
//! steps and stores the reply together with its [`Decision`] (what each step decided, shown to
//! agents beside the reply) and the conversation's changes, in one transaction:
//!
//! 1. the answering assistant: the conversation's own, else the workspace's default;
//! 2. safety of the message ([`safety`]): a blocked phrase gets the workspace's action (hand to
//!    a person, the fallback message, or end the conversation); a serious situation (threat,
//!    self-harm, legal, medical) gets a careful reply and escalates the conversation; a
//!    medium-confidence one is confirmed by the provider's moderation endpoint when the
//!    workspace asks for it, else flagged for review;
//! 3. the intent ([`intent`](super::intent)): the message's intent and confidence; a confident
//!    one becomes the conversation's intent;
//! 4. routing ([`crate::routing`]): the workspace's rules pick an assistant or the team, else
//!    the channel's default assistant; a different assistant than the conversation's is a
//!    handoff (its message leads the new assistant's reply) within the workspace's guardrails;
//!    the team gets the conversation without an AI reply, told when someone will answer when
//!    outside business hours;
//! 5. the reply, from the provider (a remote model falls back to the embedded one); a remote
//!    model never sees card numbers, SSNs (and, if the workspace asks, emails and phone
//!    numbers): they are replaced by placeholders and put back in its reply;
//! 6. safety of the reply: a blocked phrase or a serious one replaces it;
//! 7. the handoff to the team when the customer asks for a person, or when the assistant could
//!    not answer `failures_before_human` times in a row (before that it says what it can help
//!    with and asks the customer to put it another way);
//! 8. store the reply and its decision, announce both.
//!
//! Copies of the same message (a client's retries, a double click) wait for the one reply being
//! produced instead of paying the provider twice.

use std::sync::Arc;

use shared::api::{Author, Channel, ConversationStatus};
use shared::decision::{
    Decision, HandoffReason, HandoffStep, IntentStep, ReplyStep, RoutingStep, SafetyStage,
    SafetyStep,
};

use tokio::sync::watch;

use crate::ai::drafts::Drafter;
use crate::ai::safety::{self, BlockedAction, Confidence, MergedLists, SafetySettings, Verdict};
use crate::ai::{ProviderKind, ReplyRequest, Turn};
use crate::assistants::roster::Roster;
use crate::assistants::LoadedAssistant;
use crate::conversations::{self, NewReply, ReplyEffects, RoutingState, Session, StoredMessage};
use crate::error::{ApiError, Result};
use crate::routing::handoff::{HandoffStep as HandoffStepKind, HumanReason};
use crate::routing::store::RoutingConfig;
use crate::routing::{self, RoutingInput, Target};
use crate::state::AppState;

/// Messages of context the assistant sees.
const HISTORY_FOR_AI: i64 = 20;

/// A stored customer message to answer.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub tenant_id: String,
    /// The visitor session whose widget should see the reply (web chat).
    pub session: Option<Session>,
    /// The client who wrote it.
    pub client_id: String,
    /// Where it came in (routing rules and per-channel default assistants depend on it).
    pub channel: Channel,
    pub message: StoredMessage,
    /// What routing needs of the conversation, when the caller read it along with the message
    /// (else the pipeline reads it).
    pub conversation: Option<RoutingState>,
    /// The caller has just stored the message: nothing can have answered it yet.
    pub fresh: bool,
    /// The conversation's message count with the message, when the caller has just stored it:
    /// the turns before it may then come from [`AppState::histories`].
    pub message_count: Option<i64>,
    /// Where the reply is sent (SMS, email), queued with it; `None` for web chat.
    pub delivery: Option<crate::channels::outbox::Delivery>,
}

impl Inbound {
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }
}

/// The stored reply and where the conversation stands after it.
#[derive(Debug, Clone)]
pub struct Answered {
    pub reply: StoredMessage,
    pub status: ConversationStatus,
    /// The configured remote provider failed and the embedded assistant answered instead.
    pub fallback: bool,
}

/// What one reply's work ends with, shared by every copy of the request waiting for it.
pub type ReplyResult = std::result::Result<Answered, Arc<ApiError>>;

/// [`answer`], once per customer message in this process. The work runs on its own, so the
/// reply is stored even if every requester disconnects; across processes the unique reply per
/// message keeps one stored reply.
pub async fn answer_once(state: &AppState, inbound: Inbound) -> Result<Answered> {
    let key = inbound.message.id.clone();
    let state = state.clone();
    let replies = state.replies.clone();
    let shared = replies
        .run(&key, move || async move {
            if inbound.fresh {
                return answer(&state, &inbound).await.map_err(Arc::new);
            }
            // The work that just ended may have stored it after the caller looked.
            let stored = conversations::find_reply(&state.db, &inbound.message.id).await;
            match stored.map_err(|e| Arc::new(e.into()))? {
                Some(reply) => {
                    let conversation = conversations::find_conversation(
                        &state.db,
                        &inbound.message.conversation_id,
                    )
                    .await
                    .map_err(|e| Arc::new(e.into()))?;
                    Ok(Answered {
                        reply,
                        status: conversation.status,
                        fallback: false,
                    })
                }
                None => answer(&state, &inbound).await.map_err(Arc::new),
            }
        })
        .await;
    match shared {
        Some(Ok(answered)) => Ok(answered),
        Some(Err(e)) => Err(copy_error(&e)),
        None => Err(anyhow::anyhow!("the reply task panicked").into()),
    }
}

/// The same error for every waiter (the original's cause stays in the log, once per waiter).
fn copy_error(error: &ApiError) -> ApiError {
    match error {
        ApiError::Client {
            status,
            code,
            message,
            field,
            retry_after_secs,
        } => ApiError::Client {
            status: *status,
            code,
            message: message.clone(),
            field: field.clone(),
            retry_after_secs: *retry_after_secs,
        },
        ApiError::Database(sqlx::Error::PoolTimedOut) => {
            ApiError::Database(sqlx::Error::PoolTimedOut)
        }
        other => ApiError::Internal(anyhow::anyhow!("{other:#}")),
    }
}

/// The workspace's assistants, from the cache (read from the store when it changed).
pub async fn roster(state: &AppState, tenant_id: &str) -> Result<Arc<Roster>> {
    state
        .assistants
        .get(tenant_id, || async {
            Ok::<_, ApiError>(Roster::load(&state.db, tenant_id).await?)
        })
        .await
}

/// The workspace's default assistant, for a new conversation; a workspace without one is a
/// setup gap the customer can be told about (a 503), not a server failure.
pub async fn default_assistant(state: &AppState, tenant_id: &str) -> Result<Arc<LoadedAssistant>> {
    roster(state, tenant_id)
        .await?
        .default_assistant()
        .ok_or_else(no_assistant)
}

fn no_assistant() -> ApiError {
    ApiError::unavailable(
        "assistant_unavailable",
        "Chat isn't available right now. Please try again later.",
    )
}

/// The conversation's assistant, else (deleted since) the workspace's default.
fn answering_assistant(
    roster: &Roster,
    current: &RoutingState,
    inbound: &Inbound,
) -> Result<Arc<LoadedAssistant>> {
    current
        .assistant_id
        .as_deref()
        .and_then(|id| roster.get(id))
        .or_else(|| roster.default_assistant())
        .ok_or_else(|| {
            tracing::warn!(tenant = %inbound.tenant_id, "no reply: the tenant has no default assistant");
            no_assistant()
        })
}

/// A workspace's safety settings with their lists compiled (merged with the system lists), as
/// the pipeline keeps them between messages ([`AppState::safety`]).
pub struct SafetyConfig {
    pub settings: SafetySettings,
    pub lists: MergedLists,
}

/// The text the pipeline sends when it hands the conversation to the team itself.
const TEAM_TEXT: &str =
    "I've asked a member of our team to join this conversation. They'll reply right here as soon as they can.";
/// Ends a reply that could not answer when the team is not asked to join yet.
const REPHRASE_TEXT: &str = "Could you put it another way, or ask about one of these?";
/// The model name of a reply the pipeline wrote itself (no provider was asked).
const PIPELINE_MODEL: &str = "pipeline";

/// A reply the pipeline writes instead of the provider's, and what it does to the conversation.
struct Intervention {
    text: String,
    effects: ReplyEffects,
    handoff: Option<HandoffStep>,
}

/// Produces, stores and returns the reply to a stored customer message.
async fn answer(state: &AppState, inbound: &Inbound) -> Result<Answered> {
    let visitor = &inbound.message;
    // The conversation as routing and the answering assistant need it: read once.
    let current = match &inbound.conversation {
        Some(known) => known.clone(),
        None => conversations::routing_state(&state.db, &visitor.conversation_id).await?,
    };
    let roster = roster(state, &inbound.tenant_id).await?;
    let mut loaded = answering_assistant(&roster, &current, inbound)?;
    let config = state
        .safety
        .get(&inbound.tenant_id, || async {
            let settings = safety::store::load(&state.db, &inbound.tenant_id).await?;
            let lists = safety::merged(&safety::system_lists(), &settings.lists);
            Ok::<_, ApiError>(SafetyConfig { settings, lists })
        })
        .await?;
    let (settings, lists) = (&config.settings, &config.lists);
    let mut decision = Decision::default();

    // The customer's message, before any provider sees it.
    let verdict = check_message(state, settings, lists, &visitor.body).await;
    if let Some(intervention) = intervene(settings, &verdict, SafetyStage::Message, &mut decision) {
        decision.reply = ReplyStep {
            model: PIPELINE_MODEL.to_owned(),
            answered: false,
            ..ReplyStep::default()
        };
        decision.handoff.clone_from(&intervention.handoff);
        return store(
            state,
            inbound,
            &loaded,
            &intervention.text,
            None,
            &decision,
            &intervention.effects,
            false,
            None,
        )
        .await;
    }
    let review = flag_for_review(&verdict, &mut decision);

    let history = history_before(state, inbound).await?;
    // Only what this customer said, or proved: a claimed email never lends a stored name.
    let visitor_name = match &inbound.session {
        Some(session) => {
            conversations::name_to_address(
                &state.db,
                &inbound.tenant_id,
                session,
                &inbound.client_id,
            )
            .await?
        }
        None => None,
    };
    // Personal data never reaches an outside model.
    let remote = state.config.ai.provider == ProviderKind::OpenAi;
    let redacted = remote
        .then(|| redact_conversation(&history, &visitor.body, settings.redact_contact_details));
    let (history_sent, message) = match &redacted {
        Some(r) => (&r.history[..], r.message.as_str()),
        None => (&history[..], visitor.body.as_str()),
    };

    let detector = state.intents.for_workspace(&inbound.tenant_id).await?;
    let detected = detector.detect(message).await;
    let confident = detected.classification.is_confident();
    decision.intent = Some(IntentStep {
        key: detected.classification.intent.clone(),
        confidence: detected.classification.confidence,
        confident,
        by: detected.by.to_owned(),
        fallback: detected.fallback.clone(),
    });
    let intent = confident.then(|| detected.classification.intent.clone());

    // Which assistant (or the team) should have it now.
    let routing = routing_config(state, &inbound.tenant_id).await?;
    let handoff_settings = &routing.handoff;
    let routed = route(
        inbound,
        &roster,
        &current,
        &routing,
        &detected.classification,
        &mut decision,
    );
    let mut assistant_change = None;
    let mut handoff_note = None;
    match routed {
        Routed::Stay => {}
        Routed::First(next) => {
            assistant_change = Some((next.assistant.id.clone(), false));
            loaded = next;
        }
        Routed::Handoff(next) => {
            // The rule that routed it names the task ("Billing questions"); without one, the
            // intent does, as a phrase ("general questions", not "who handles general").
            let task = decision
                .routing
                .as_ref()
                .and_then(|r| r.rule_name.clone())
                .unwrap_or_else(|| intent_task(&detected.classification.intent));
            let line = state
                .responder
                .handoff_message(
                    handoff_settings,
                    &next.assistant.name,
                    &detected.classification.intent,
                    &task.to_lowercase(),
                )
                .await;
            decision.handoff = Some(HandoffStep {
                to_human: false,
                assistant_name: Some(next.assistant.name.clone()),
                reason: HandoffReason::Assistant,
                detail: format!(
                    "{} → {}: \u{201c}{}\u{201d} ({})",
                    loaded.assistant.name, next.assistant.name, line.text, line.worded_by
                ),
            });
            assistant_change = Some((next.assistant.id.clone(), true));
            handoff_note = Some(line.text);
            loaded = next;
        }
        Routed::Human(reason) => {
            let detail = match reason {
                HandoffReason::Limit => format!(
                    "The conversation reached {} handoffs between assistants.",
                    handoff_settings.max_handoffs
                ),
                _ => decision
                    .routing
                    .as_ref()
                    .map_or_else(String::new, |r| r.why.clone()),
            };
            decision.handoff = Some(HandoffStep {
                to_human: true,
                assistant_name: None,
                reason,
                detail,
            });
            decision.reply = ReplyStep {
                model: PIPELINE_MODEL.to_owned(),
                answered: false,
                ..ReplyStep::default()
            };
            let text = with_hours(TEAM_TEXT.to_owned(), &routing);
            let effects = ReplyEffects {
                hand_to_human: true,
                flag_reason: review,
                intent,
                ..ReplyEffects::default()
            };
            return store(
                state,
                inbound,
                &loaded,
                &text,
                None,
                &decision,
                &effects,
                false,
                Some(&history),
            )
            .await;
        }
    }

    let request = ReplyRequest {
        assistant: &loaded.assistant,
        knowledge: &loaded.knowledge,
        history: history_sent,
        message,
        visitor_name: visitor_name.as_deref(),
    };
    // A remote model's reply reaches the open widget while it is written, under the id the
    // stored reply will have.
    let reply_id = crate::db::new_message_id();
    let outcome = match inbound.session_id().filter(|_| remote) {
        Some(session_id) => {
            let (progress, raw) = watch::channel(String::new());
            let drafter = Drafter {
                state,
                tenant_id: &inbound.tenant_id,
                session_id,
                conversation_id: &visitor.conversation_id,
                reply_id: &reply_id,
                author_name: &loaded.assistant.name,
                note: handoff_note.as_deref(),
                placeholders: redacted.as_ref().map_or(&[], |r| r.placeholders.as_slice()),
                lists,
            };
            let writer = async move {
                // `progress` is dropped when the reply is done: the drafter then stops.
                state.responder.reply_live(&request, &progress).await
            };
            tokio::join!(writer, drafter.run(raw)).0
        }
        None => state.responder.reply(&request).await,
    };
    let mut reply = outcome.reply;
    if let Some(r) = &redacted {
        reply.text = safety::restore(&reply.text, &r.placeholders);
    }
    // The reply safety check reads the assistant's own words; the handoff note is ours.
    let note_prefix = |text: &str| match &handoff_note {
        Some(note) => format!("{note}\n\n{text}"),
        None => text.to_owned(),
    };
    decision.reply = ReplyStep {
        model: reply.model.clone(),
        tokens: reply.tokens,
        fallback: outcome.provider_error.clone(),
        used_entries: reply.used_entries.clone(),
        answered: !reply.needs_human,
    };
    let provider_flag = outcome
        .provider_error
        .as_ref()
        .map(|e| format!("AI provider failed: {e}"));

    // The candidate reply, before the customer sees it.
    let reply_verdict = safety::check_reply(lists, &reply.text);
    if let Some(mut intervention) =
        intervene(settings, &reply_verdict, SafetyStage::Reply, &mut decision)
    {
        decision.handoff.clone_from(&intervention.handoff);
        if intervention.effects.flag_reason.is_none() {
            intervention.effects.flag_reason = provider_flag;
        }
        intervention.effects.intent = intent;
        intervention.effects.assistant = assistant_change;
        let fallback = outcome.provider_error.is_some();
        return store(
            state,
            inbound,
            &loaded,
            &intervention.text,
            Some((&reply_id, &reply)),
            &decision,
            &intervention.effects,
            fallback,
            Some(&history),
        )
        .await;
    }

    let explicit = reply.needs_human
        && reply.used_entries.is_empty()
        && super::embedded::wants_human(&visitor.body);
    let mut hand_over = reply.needs_human;
    // Not yet after fewer replies in a row that could not answer: the customer may put it
    // another way.
    if reply.needs_human
        && !explicit
        && current.unanswered + 1 < u32::from(handoff_settings.failures_before_human)
    {
        hand_over = false;
        if let Some(topics) = reply.text.strip_suffix(super::embedded::TEAMMATE_TEXT) {
            reply.text = format!("{}{REPHRASE_TEXT}", topics);
        }
    }
    if hand_over {
        // A handoff between assistants before it matters less than the team taking over.
        decision.handoff = Some(HandoffStep {
            to_human: true,
            assistant_name: None,
            reason: if explicit {
                HandoffReason::ExplicitRequest
            } else {
                HandoffReason::Unanswered
            },
            detail: if explicit {
                "The customer asked for a person.".to_owned()
            } else {
                format!(
                    "{} could not answer {} questions in a row.",
                    loaded.assistant.name, handoff_settings.failures_before_human
                )
            },
        });
    }
    if hand_over {
        reply.text = with_hours(reply.text, &routing);
    }
    let reply_text = note_prefix(&reply.text);
    let effects = ReplyEffects {
        hand_to_human: hand_over,
        flag_reason: review.or(provider_flag),
        intent,
        assistant: assistant_change,
        ..ReplyEffects::default()
    };
    let fallback = outcome.provider_error.is_some();
    store(
        state,
        inbound,
        &loaded,
        &reply_text,
        Some((&reply_id, &reply)),
        &decision,
        &effects,
        fallback,
        Some(&history),
    )
    .await
}

/// A workspace's routing rules, handoff settings and business hours, from the cache.
async fn routing_config(state: &AppState, tenant_id: &str) -> Result<Arc<RoutingConfig>> {
    state
        .routing
        .get(tenant_id, || async {
            Ok::<_, ApiError>(routing::store::load_config(&state.db, tenant_id).await?)
        })
        .await
}

/// What routing decided for this message.
enum Routed {
    /// The conversation's assistant keeps it.
    Stay,
    /// The conversation's first reply: routing picks its assistant, no handoff.
    First(Arc<LoadedAssistant>),
    /// Another assistant takes over (a handoff, with its message).
    Handoff(Arc<LoadedAssistant>),
    /// The human team takes over.
    Human(HandoffReason),
}

/// Evaluates the workspace's rules for this message (recording the rule and why in
/// `decision`), resolves no match to the channel's default assistant, and applies the handoff
/// guardrails (handoffs on or off, their maximum).
fn route(
    inbound: &Inbound,
    roster: &Roster,
    current: &RoutingState,
    config: &RoutingConfig,
    intent: &crate::ai::intent::Classification,
    decision: &mut Decision,
) -> Routed {
    let now = crate::db::now_ms();
    let outcome = routing::evaluate(
        &config.rules,
        &RoutingInput {
            text: &inbound.message.body,
            intent: Some((intent.intent.as_str(), intent.confidence)),
            channel: inbound.channel,
            now_ms: now,
        },
        &config.hours,
        routing::DEFAULT_MIN_CONFIDENCE,
    );
    // Pleasantries once an assistant has answered ("thanks!", "hi again") are no reason to
    // change assistants: with no rule matched, the one that has the conversation keeps it, where
    // the channel's default would take it back (a handoff message, and one more handoff
    // counted against the workspace's maximum).
    let keeper = match (&outcome.target, &current.assistant_id) {
        (Target::Default, Some(id))
            if current.started && super::embedded::is_small_talk(&inbound.message.body) =>
        {
            Some(id.clone())
        }
        _ => None,
    };
    let target = match (&outcome.target, &keeper) {
        (_, Some(id)) => Target::Assistant(id.clone()),
        (Target::Default, None) => routing::resolve_default(&roster.summaries, inbound.channel)
            .map_or(Target::Default, |a| Target::Assistant(a.id.clone())),
        (other, None) => other.clone(),
    };
    let matched = outcome.rule.as_ref().and_then(|rule| {
        outcome
            .explanation
            .iter()
            .find(|check| check.rule.id == rule.id)
            .map(|check| (rule, check.why.clone()))
    });
    let assistant = match &target {
        Target::Assistant(id) => roster.get(id),
        _ => None,
    };
    decision.routing = Some(RoutingStep {
        rule_id: matched.as_ref().map(|(r, _)| r.id.clone()),
        rule_name: matched.as_ref().map(|(r, _)| r.name.clone()),
        assistant_id: assistant.as_ref().map(|a| a.assistant.id.clone()),
        assistant_name: assistant.as_ref().map(|a| a.assistant.name.clone()),
        why: matched.map_or_else(
            || match keeper {
                Some(_) => "no rule matched, and small talk: the assistant that has the \
                            conversation keeps it"
                    .to_owned(),
                None => "no rule matched: the channel's default assistant".to_owned(),
            },
            |(_, why)| why,
        ),
    });

    let step = routing::handoff::next_step(
        &config.handoff,
        &routing::handoff::ConversationState {
            // A conversation nobody answered yet takes the routed assistant without a handoff.
            assistant_id: current
                .started
                .then_some(current.assistant_id.as_deref())
                .flatten(),
            handoffs: current.handoffs,
            failures_in_a_row: 0,
            asked_for_human: false,
        },
        &target,
    );
    match step {
        HandoffStepKind::Stay => match assistant {
            Some(next)
                if !current.started
                    && current.assistant_id.as_deref() != Some(&next.assistant.id) =>
            {
                Routed::First(next)
            }
            _ => Routed::Stay,
        },
        HandoffStepKind::ToAssistant(id) => roster.get(&id).map_or(Routed::Stay, Routed::Handoff),
        HandoffStepKind::ToHuman(reason) => Routed::Human(match reason {
            HumanReason::Rule => HandoffReason::Rule,
            HumanReason::Requested => HandoffReason::ExplicitRequest,
            HumanReason::RepeatedFailure => HandoffReason::Unanswered,
            HumanReason::HandoffLimit => HandoffReason::Limit,
        }),
    }
}

/// `text`, and when the team is away, when someone will answer.
fn with_hours(text: String, config: &RoutingConfig) -> String {
    match routing::hours::closed_message(&config.hours, crate::db::now_ms()) {
        Some(closed) => format!("{text} {closed}"),
        None => text,
    }
}

/// The safety verdict on the customer's message: the workspace's lists, and when it asks for
/// it and a remote provider is configured, the provider's moderation for what the lists did not
/// find with confidence (its answer can only make the verdict stricter; its failure is logged
/// and the lists' verdict stands).
async fn check_message(
    state: &AppState,
    settings: &SafetySettings,
    lists: &MergedLists,
    text: &str,
) -> Verdict {
    let mut verdict = safety::check_message(lists, text);
    let sure = verdict
        .serious
        .as_ref()
        .is_some_and(|s| s.confidence == Confidence::High);
    let ai = &state.config.ai;
    if settings.moderation
        && ai.provider == ProviderKind::OpenAi
        && verdict.blocked.is_none()
        && !sure
    {
        match safety::moderate(&ai.base_url, ai.api_key.as_deref(), text).await {
            Ok(result) => {
                if let Some(found) = result.serious() {
                    let stricter = verdict
                        .serious
                        .as_ref()
                        .is_none_or(|s| found.confidence > s.confidence);
                    if stricter {
                        verdict.serious = Some(found);
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "the moderation endpoint failed; the safety lists' verdict stands");
            }
        }
    }
    verdict
}

/// What a verdict makes the pipeline do instead of (or to) the reply, recorded in `decision`:
/// a blocked phrase gets the workspace's action; a serious situation with high confidence a
/// careful reply, escalated. `None`: carry on.
fn intervene(
    settings: &SafetySettings,
    verdict: &Verdict,
    stage: SafetyStage,
    decision: &mut Decision,
) -> Option<Intervention> {
    if let Some(serious) = verdict
        .serious
        .as_ref()
        .filter(|s| s.confidence == Confidence::High)
    {
        decision.safety.push(SafetyStep {
            stage,
            verdict: "serious".to_owned(),
            category: category_name(serious.category),
            trigger: serious.phrase.clone(),
            action: "careful_reply".to_owned(),
        });
        return Some(Intervention {
            text: safety::careful_reply(serious.category).to_owned(),
            effects: ReplyEffects {
                escalate: true,
                flag_reason: Some(format!("Escalated: {serious}")),
                ..ReplyEffects::default()
            },
            handoff: Some(HandoffStep {
                to_human: true,
                assistant_name: None,
                reason: HandoffReason::Safety,
                detail: format!("Escalated to the team: {serious}."),
            }),
        });
    }
    let phrase = verdict.blocked.as_ref()?;
    let (action, intervention) = match settings.blocked_action {
        BlockedAction::HandToHuman => (
            "hand_to_human",
            Intervention {
                text: TEAM_TEXT.to_owned(),
                effects: ReplyEffects {
                    hand_to_human: true,
                    ..ReplyEffects::default()
                },
                handoff: Some(HandoffStep {
                    to_human: true,
                    assistant_name: None,
                    reason: HandoffReason::Safety,
                    detail: format!("A blocked phrase: \"{phrase}\"."),
                }),
            },
        ),
        BlockedAction::FallbackMessage => (
            "fallback_message",
            Intervention {
                text: settings.fallback_message.clone(),
                effects: ReplyEffects::default(),
                handoff: None,
            },
        ),
        BlockedAction::EndConversation => (
            "end_conversation",
            Intervention {
                text: settings.fallback_message.clone(),
                effects: ReplyEffects {
                    resolve: true,
                    ..ReplyEffects::default()
                },
                handoff: None,
            },
        ),
    };
    decision.safety.push(SafetyStep {
        stage,
        verdict: "blocked".to_owned(),
        category: String::new(),
        trigger: phrase.clone(),
        action: action.to_owned(),
    });
    Some(intervention)
}

/// A serious situation the lists found with medium confidence (and moderation did not confirm):
/// the assistant answers, and the conversation is flagged for an agent to look at.
fn flag_for_review(verdict: &Verdict, decision: &mut Decision) -> Option<String> {
    let serious = verdict.serious.as_ref()?;
    decision.safety.push(SafetyStep {
        stage: SafetyStage::Message,
        verdict: "serious".to_owned(),
        category: category_name(serious.category),
        trigger: serious.phrase.clone(),
        action: "flagged_for_review".to_owned(),
    });
    Some(format!("Review: {serious}"))
}

fn category_name(category: safety::Category) -> String {
    serde_json::to_value(category)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The conversation as a remote model may see it, and how to put the originals back.
struct RedactedConversation {
    history: Vec<Turn>,
    message: String,
    placeholders: Vec<(String, String)>,
}

/// Redacts every turn and the message with one set of placeholders: the same value gets the
/// same placeholder everywhere, and two values never share one (each text is redacted on its
/// own, then its placeholders are renamed into the conversation's set).
fn redact_conversation(history: &[Turn], message: &str, contact: bool) -> RedactedConversation {
    let mut placeholders: Vec<(String, String)> = Vec::new();
    let mut redact_one = |text: &str| {
        let redacted = safety::redact(text, contact);
        let mut out = redacted.text;
        // Rename longest first, so `[CARD]` never rewrites part of `[CARD_2]`.
        let mut local = redacted.placeholders;
        local.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        let mut renames = Vec::new();
        for (name, original) in local {
            let global = match placeholders.iter().find(|(_, o)| *o == original) {
                Some((known, _)) => known.clone(),
                None => {
                    let fresh = unique_name(&name, &placeholders);
                    placeholders.push((fresh.clone(), original));
                    fresh
                }
            };
            if global != name {
                // Through a marker no text contains, so renames never chain.
                let marker = format!("\u{1}{}\u{1}", renames.len());
                out = out.replace(&name, &marker);
                renames.push((marker, global));
            }
        }
        for (marker, global) in renames {
            out = out.replace(&marker, &global);
        }
        out
    };
    let history = history
        .iter()
        .map(|turn| Turn {
            author: turn.author,
            body: redact_one(&turn.body).into(),
        })
        .collect();
    let message = redact_one(message);
    RedactedConversation {
        history,
        message,
        placeholders,
    }
}

/// `name` if no placeholder has it yet, else `name` numbered: `[EMAIL]` → `[EMAIL_2]`, `[EMAIL_3]` …
fn unique_name(name: &str, taken: &[(String, String)]) -> String {
    let free = |candidate: &str| taken.iter().all(|(n, _)| n != candidate);
    if free(name) {
        return name.to_owned();
    }
    let stem = name.trim_start_matches('[').trim_end_matches(']');
    let stem = stem
        .rsplit_once('_')
        .filter(|(_, n)| n.chars().all(|c| c.is_ascii_digit()))
        .map_or(stem, |(s, _)| s);
    (2..)
        .map(|n| format!("[{stem}_{n}]"))
        .find(|candidate| free(candidate))
        .unwrap_or_else(|| name.to_owned())
}

/// Stores the reply (the provider's, with the id its drafts carried, or the pipeline's own
/// text), its decision and the conversation's changes, and answers where the conversation
/// stands.
#[allow(clippy::too_many_arguments)]
async fn store(
    state: &AppState,
    inbound: &Inbound,
    loaded: &LoadedAssistant,
    text: &str,
    provider_reply: Option<(&str, &crate::ai::Reply)>,
    decision: &Decision,
    effects: &ReplyEffects,
    fallback: bool,
    history: Option<&[Turn]>,
) -> Result<Answered> {
    let visitor = &inbound.message;
    // The provider is still named (and its tokens counted) when its reply was replaced.
    let (model, tokens) = provider_reply.map_or((PIPELINE_MODEL, None), |(_, r)| {
        (r.model.as_str(), r.tokens)
    });
    let (stored, status, reply_count) = conversations::insert_reply(
        &state.db,
        NewReply {
            // The id its drafts carried, so the stored reply replaces them.
            id: provider_reply.map(|(id, _)| id.to_owned()),
            tenant_id: inbound.tenant_id.clone(),
            conversation_id: visitor.conversation_id.clone(),
            session_id: inbound.session_id().map(str::to_owned),
            reply_to: visitor.clone(),
            author: Author::Assistant,
            author_name: Some(loaded.assistant.name.clone()),
            body: text.to_owned(),
            model: model.to_owned(),
            tokens,
            decision: Some(decision.clone()),
            channel: inbound.channel,
            delivery: inbound.delivery.clone(),
        },
        effects,
    )
    .await?;
    // The next message's history, when nothing came in between.
    match (history, inbound.message_count, reply_count) {
        (Some(earlier), Some(message_count), Some(reply_count)) => state.histories.answered(
            &visitor.conversation_id,
            earlier,
            Turn {
                author: visitor.author,
                body: visitor.body.as_str().into(),
            },
            message_count,
            Turn {
                author: stored.author,
                body: stored.body.as_str().into(),
            },
            reply_count,
        ),
        _ => state.histories.forget(&visitor.conversation_id),
    }
    Ok(Answered {
        reply: stored,
        status,
        fallback,
    })
}

/// The turns before the customer's message, oldest first: kept since the last reply when
/// nothing came in between (see [`crate::ai::history`]), else read from the store.
async fn history_before(state: &AppState, inbound: &Inbound) -> Result<Arc<[Turn]>> {
    let visitor = &inbound.message;
    // The conversation's first message: nothing came before it to read.
    if inbound.message_count == Some(1) {
        return Ok(Arc::from([]));
    }
    let kept = inbound
        .message_count
        .and_then(|count| state.histories.before(&visitor.conversation_id, count));
    if let Some(turns) = kept {
        return Ok(turns);
    }
    Ok(conversations::recent_messages(
        &state.db,
        &visitor.conversation_id,
        Some(visitor.seq),
        HISTORY_FOR_AI,
    )
    .await?
    .into_iter()
    .map(|m| Turn {
        author: m.author,
        body: m.body.into(),
    })
    .collect())
}

/// What an assistant chosen for an intent handles, as the handoff message says it.
fn intent_task(intent: &str) -> String {
    format!("{} questions", intent.trim().replace(['_', '-'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_intent_names_the_task_as_a_phrase() {
        assert_eq!(intent_task("general"), "general questions");
        assert_eq!(intent_task("order_status"), "order status questions");
    }

    #[test]
    fn kept_histories_are_as_long_as_the_history_read_from_the_store() {
        assert_eq!(
            usize::try_from(HISTORY_FOR_AI).ok(),
            Some(crate::ai::history::MOST_TURNS)
        );
    }

    fn turn(body: &str) -> Turn {
        Turn {
            author: Author::Visitor,
            body: body.into(),
        }
    }

    #[test]
    fn a_conversation_is_redacted_with_one_set_of_placeholders() {
        let history = [
            turn("my card is 4111 1111 1111 1111"),
            turn("and the other one 5500 0000 0000 0004"),
        ];
        let r = redact_conversation(
            &history,
            "charge 4111 1111 1111 1111 not 5500 0000 0000 0004",
            false,
        );
        let all = format!("{} {} {}", r.history[0].body, r.history[1].body, r.message);
        assert!(!all.contains("4111") && !all.contains("5500"), "{all}");
        assert_eq!(r.placeholders.len(), 2, "{:?}", r.placeholders);
        let (first, second) = (&r.placeholders[0].0, &r.placeholders[1].0);
        assert_ne!(first, second);
        assert!(
            r.history[0].body.contains(first.as_str()),
            "{}",
            r.history[0].body
        );
        assert!(
            r.history[1].body.contains(second.as_str()),
            "{}",
            r.history[1].body
        );
        assert_eq!(r.message, format!("charge {first} not {second}"));
        // A model repeating them gets the right originals back.
        let back = safety::restore(&format!("{second} and {first}"), &r.placeholders);
        assert_eq!(back, "5500 0000 0000 0004 and 4111 1111 1111 1111");
    }

    #[test]
    fn placeholder_names_are_numbered_when_taken() {
        let taken = vec![("[EMAIL]".to_owned(), "a@x.test".to_owned())];
        assert_eq!(unique_name("[EMAIL]", &taken), "[EMAIL_2]");
        assert_eq!(unique_name("[SSN]", &taken), "[SSN]");
        let taken = vec![
            ("[EMAIL]".to_owned(), "a".to_owned()),
            ("[EMAIL_2]".to_owned(), "b".to_owned()),
        ];
        assert_eq!(unique_name("[EMAIL_2]", &taken), "[EMAIL_3]");
    }
}
