//! Routing rules and handoff: which assistant (or the human team) should answer a customer
//! message, and how a handoff is worded.
//!
//! - [`rules`]: [`evaluate`] tries the active rules by priority (higher first), then position
//!   (lower first); the first whose every condition holds wins, with a [`RuleCheck`] saying why
//!   for each rule. [`resolve_default`] picks the assistant when no rule matched.
//! - [`hours`]: business hours in the workspace's IANA time zone (jiff with its bundled
//!   database): [`is_open`], [`next_opening`] and the sentence a visitor gets outside them.
//! - [`handoff`]: the handoff message ([`render_template`]) and the guardrails (handoffs per
//!   conversation, failed replies before a human) as one pure decision, [`handoff::next_step`].
//! - [`store`]: rules and settings per tenant; every write is audited
//!   (`SettingsArea::Routing`) in its own transaction.
//!
//! All but `store` is pure: the reply pipeline loads the rules and the settings, then calls
//! [`evaluate`] for each customer message while the AI has the conversation.

pub mod handoff;
pub mod hours;
pub mod rules;
pub mod store;

pub use handoff::{handoff_message, render_template};
pub use hours::{is_open, next_opening, BusinessHours};
pub use rules::{
    evaluate, first_match, resolve_default, RoutingDecision, RoutingInput, RuleCheck, RuleRef,
    Target,
};
/// A stored rule, as [`evaluate`] takes it.
pub use shared::routing::RuleView as Rule;
/// The intent confidence a rule's intent condition needs unless the caller says otherwise.
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.6;
