//! Intent settings (`/settings/intents`), for admins and owners: the workspace's intents with
//! their example phrases, which the embedded classifier learns from. Agents and viewers get 403
//! on reads too, like every settings page.
//!
//! - `GET /api/dashboard/settings/intents` → [`IntentsPage`]: the intents (the defaults when
//!   never saved), the default keys, and the confidence threshold.
//! - `PUT` takes [`IntentsUpdate`], the whole list in order: keys and labels trimmed, example
//!   phrases trimmed with blank and repeated ones dropped, then a 422 naming the first bad field
//!   (`intents` for the list as a whole, else `intents[3].key`, `intents[3].label`,
//!   `intents[3].examples`). `general`, the catch-all, must stay. The classifier must train on
//!   the list before it is saved. Saving what is already stored writes no audit entry and
//!   announces nothing. Answers the page. A full list is far larger than the API's usual body
//!   limit, so this route takes up to [`PUT_MAX_BYTES`].
//! - `POST …/intents/test` {text} → [`IntentTestResult`]: every intent ranked by a classifier
//!   trained on the saved list (the "try it" box): the pipeline's own detector, trained once
//!   per change of the list, so it shows what the assistant will do.

use std::borrow::Cow;
use std::collections::HashSet;

use axum::extract::State;
use axum::http::StatusCode;
use shared::intents::{
    field, IntentTest, IntentTestResult, IntentView, IntentsPage, IntentsUpdate, RankedIntent,
    GENERAL, MAX_EXAMPLES, MAX_EXAMPLE_CHARS, MAX_INTENTS, MAX_LABEL_CHARS,
};
use shared::{MessageText, MessageTextError};
use tracing::instrument;

use super::DashboardUser;
use crate::ai::intent::{
    check_key, default_intents, store, Classifier, Intent, CONFIDENT, MAX_KEY_LEN,
};
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;

/// The largest `PUT` body: the longest list the limits allow ([`MAX_INTENTS`] ×
/// [`MAX_EXAMPLES`] × [`MAX_EXAMPLE_CHARS`] characters is 3 million) in plain ASCII with its
/// JSON, or a fairly full list in other scripts. The usual limit (32 KiB) fits about 700
/// phrases.
pub const PUT_MAX_BYTES: usize = 4 * 1024 * 1024;

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn get_intents(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<IntentsPage>> {
    user.require_admin()?;
    let intents = store::load(&state.db, user.tenant_id()).await?;
    Ok(AppJson(page(&intents)))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn put_intents(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(body): AppJson<IntentsUpdate>,
) -> Result<AppJson<IntentsPage>> {
    user.require_admin()?;
    let intents = parse(&body)?;
    let intents = tokio::task::spawn_blocking(move || Classifier::train(&intents).map(|_| intents))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| {
            invalid(
                "intents",
                "untrainable",
                format!("These intents cannot be learnt: {e}."),
            )
        })?;
    if store::load(&state.db, user.tenant_id()).await? != intents {
        store::save(&state.db, user.tenant_id(), &intents, user.actor()).await?;
    }
    Ok(AppJson(page(&intents)))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn test_intents(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(body): AppJson<IntentTest>,
) -> Result<AppJson<IntentTestResult>> {
    user.require_admin()?;
    let text = MessageText::parse(&body.text).map_err(|e| {
        let message = match e {
            MessageTextError::Empty => "Type a message to try.".to_owned(),
            MessageTextError::TooLong { chars } => {
                format!("The message is {chars} characters long; that is longer than a visitor may send.")
            }
            MessageTextError::ControlCharacter => {
                "The message contains an invisible control character.".to_owned()
            }
        };
        invalid("text", "invalid_text", message)
    })?;
    // The detector the pipeline uses, trained once on the saved list (not per try).
    let detector = state.intents.for_workspace(user.tenant_id()).await?;
    let ranked = detector.rank(text.as_str());
    Ok(AppJson(result(ranked)))
}

fn page(intents: &[Intent]) -> IntentsPage {
    IntentsPage {
        intents: intents.iter().map(view).collect(),
        defaults: default_intents().into_iter().map(|i| i.key).collect(),
        confident: CONFIDENT,
    }
}

/// The classifier's ranking as the "try it" box shows it.
pub fn result(ranked: Vec<(String, f32)>) -> IntentTestResult {
    let confident = ranked.first().is_some_and(|(_, p)| *p >= CONFIDENT);
    IntentTestResult {
        ranked: ranked
            .into_iter()
            .map(|(key, confidence)| RankedIntent { key, confidence })
            .collect(),
        confident,
    }
}

fn view(intent: &Intent) -> IntentView {
    IntentView {
        key: intent.key.clone(),
        label: intent.label.clone(),
        examples: intent.examples.clone(),
    }
}

/// The form's list checked in form order, cleaned; the first bad field is the 422.
pub fn parse(body: &IntentsUpdate) -> Result<Vec<Intent>> {
    if body.intents.len() > MAX_INTENTS {
        return Err(invalid(
            "intents",
            "too_many",
            format!(
                "A workspace has at most {MAX_INTENTS} intents; this list has {}.",
                body.intents.len()
            ),
        ));
    }
    let mut keys = HashSet::new();
    let mut intents = Vec::with_capacity(body.intents.len());
    for (i, intent) in body.intents.iter().enumerate() {
        let key = intent.key.trim();
        match check_key(key) {
            Ok(()) if !keys.insert(key) => {
                return Err(invalid(
                    field(i, "key"),
                    "duplicate",
                    format!("Another intent already has the key \u{201c}{key}\u{201d}."),
                ))
            }
            Ok(()) => {}
            Err(_) => {
                return Err(invalid(
                    field(i, "key"),
                    "invalid_key",
                    format!(
                        "A key is 1 to {MAX_KEY_LEN} characters of lowercase a-z, 0-9 and _ \
                         (like \u{201c}returns\u{201d})."
                    ),
                ))
            }
        }
        let label = intent.label.trim();
        if label.is_empty() {
            return Err(invalid(
                field(i, "label"),
                "empty",
                format!("Intent \u{201c}{key}\u{201d} needs a label."),
            ));
        }
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(invalid(
                field(i, "label"),
                "too_long",
                format!("A label is at most {MAX_LABEL_CHARS} characters."),
            ));
        }
        let mut seen = HashSet::new();
        let examples: Vec<String> = intent
            .examples
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty() && seen.insert(*e))
            .map(str::to_owned)
            .collect();
        let examples_field = || field(i, "examples");
        if examples.is_empty() {
            return Err(invalid(
                examples_field(),
                "empty",
                format!(
                    "Intent \u{201c}{key}\u{201d} needs at least one example phrase to learn from."
                ),
            ));
        }
        if examples.len() > MAX_EXAMPLES {
            return Err(invalid(
                examples_field(),
                "too_many",
                format!(
                    "An intent has at most {MAX_EXAMPLES} example phrases; \u{201c}{key}\u{201d} has {}.",
                    examples.len()
                ),
            ));
        }
        if let Some((line, long)) = examples
            .iter()
            .enumerate()
            .find(|(_, e)| e.chars().count() > MAX_EXAMPLE_CHARS)
        {
            return Err(invalid(
                examples_field(),
                "too_long",
                format!(
                    "Example {} of \u{201c}{key}\u{201d} is {} characters long; the limit is \
                     {MAX_EXAMPLE_CHARS} (\u{201c}{}\u{201d}).",
                    line + 1,
                    long.chars().count(),
                    excerpt(long)
                ),
            ));
        }
        intents.push(Intent {
            key: key.to_owned(),
            label: label.to_owned(),
            examples,
        });
    }
    if !intents.iter().any(|i| i.key == GENERAL) {
        return Err(invalid(
            "intents",
            "general_required",
            "The \u{201c}general\u{201d} intent must stay: it catches every message no other \
             intent fits.",
        ));
    }
    Ok(intents)
}

/// A 422 naming `field`, which may be built at run time (`intents[3].key`).
fn invalid(
    field: impl Into<Cow<'static, str>>,
    code: &'static str,
    message: impl Into<String>,
) -> ApiError {
    ApiError::Client {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message: message.into(),
        field: Some(field.into()),
        retry_after_secs: None,
    }
}

/// The first 40 characters of a phrase, for a message.
fn excerpt(phrase: &str) -> String {
    match phrase.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &phrase[..end]),
        None => phrase.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> IntentsUpdate {
        IntentsUpdate {
            intents: default_intents().iter().map(view).collect(),
        }
    }

    fn error_of(body: &IntentsUpdate) -> (String, &'static str) {
        match parse(body) {
            Err(ApiError::Client {
                field,
                code,
                status,
                ..
            }) => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
                (field.expect("a field").into_owned(), code)
            }
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn the_defaults_parse_to_themselves() {
        assert_eq!(parse(&body()).expect("valid"), default_intents());
    }

    #[test]
    fn keys_labels_and_examples_are_cleaned() {
        let mut b = body();
        b.intents.push(IntentView {
            key: "  returns ".into(),
            label: " Returns ".into(),
            examples: vec![
                " send it back ".into(),
                "".into(),
                "\t".into(),
                "send it back".into(),
                "refund my order".into(),
            ],
        });
        let intents = parse(&b).expect("valid");
        let returns = intents.last().unwrap();
        assert_eq!(returns.key, "returns");
        assert_eq!(returns.label, "Returns");
        assert_eq!(returns.examples, ["send it back", "refund my order"]);
    }

    #[test]
    fn each_bad_field_is_named_by_its_index() {
        type Change = fn(&mut IntentsUpdate);
        let cases: [(&str, &str, Change); 10] = [
            ("intents[1].key", "invalid_key", |b| {
                b.intents[1].key = "Bad Key".into()
            }),
            ("intents[0].key", "invalid_key", |b| {
                b.intents[0].key = "".into()
            }),
            ("intents[2].key", "invalid_key", |b| {
                b.intents[2].key = "x".repeat(MAX_KEY_LEN + 1)
            }),
            ("intents[3].key", "duplicate", |b| {
                b.intents[3].key = " sales".into()
            }),
            ("intents[1].label", "empty", |b| {
                b.intents[1].label = "  ".into()
            }),
            ("intents[4].label", "too_long", |b| {
                b.intents[4].label = "L".repeat(MAX_LABEL_CHARS + 1)
            }),
            ("intents[2].examples", "empty", |b| {
                b.intents[2].examples = vec!["   ".into()]
            }),
            ("intents[0].examples", "too_many", |b| {
                b.intents[0].examples = (0..=MAX_EXAMPLES).map(|i| format!("phrase {i}")).collect()
            }),
            ("intents[3].examples", "too_long", |b| {
                b.intents[3]
                    .examples
                    .push("é".repeat(MAX_EXAMPLE_CHARS + 1))
            }),
            ("intents", "general_required", |b| {
                b.intents.retain(|i| i.key != GENERAL)
            }),
        ];
        for (field, code, change) in cases {
            let mut b = body();
            change(&mut b);
            assert_eq!(error_of(&b), (field.to_owned(), code), "{field}");
        }
        let mut b = body();
        b.intents = (0..=MAX_INTENTS)
            .map(|i| IntentView {
                key: if i == 0 {
                    GENERAL.into()
                } else {
                    format!("intent_{i}")
                },
                label: format!("Intent {i}"),
                examples: vec![format!("phrase {i}")],
            })
            .collect();
        assert_eq!(error_of(&b), ("intents".to_owned(), "too_many"));
        // Exactly at the limits is fine.
        b.intents.pop();
        b.intents[0].examples = (0..MAX_EXAMPLES).map(|i| format!("phrase {i}")).collect();
        b.intents[1].examples = vec!["é".repeat(MAX_EXAMPLE_CHARS)];
        assert_eq!(parse(&b).expect("at the limits").len(), MAX_INTENTS);
    }

    #[test]
    fn the_settings_page_checks_new_keys_as_the_server_does() {
        assert_eq!(shared::intents::MAX_KEY_CHARS, MAX_KEY_LEN);
        let long = "k".repeat(MAX_KEY_LEN + 1);
        for key in [
            "returns",
            "a_1",
            "",
            "Returns",
            "gift cards",
            "é",
            &long,
            &long[1..],
        ] {
            assert_eq!(
                shared::intents::new_key_problem(key, std::iter::empty()).is_none(),
                check_key(key).is_ok(),
                "{key:?}"
            );
        }
    }

    #[test]
    fn a_ranking_is_confident_from_the_threshold() {
        let r = result(vec![("billing".into(), CONFIDENT), ("general".into(), 0.3)]);
        assert!(r.confident);
        assert_eq!(r.ranked[0].key, "billing");
        let r = result(vec![
            ("billing".into(), CONFIDENT - 0.01),
            ("general".into(), 0.3),
        ]);
        assert!(!r.confident);
        assert!(!result(Vec::new()).confident);
    }
}
