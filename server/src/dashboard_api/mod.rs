//! The API the agents' dashboard calls, under `/api/dashboard`. Every handler takes a
//! [`DashboardUser`] (the session cookie) and reads or changes only that user's tenant: another
//! tenant's ids answer 404, never data. Viewers read; changes need an admin or agent.

mod assistants;
mod audit;
mod channels;
mod clients;
mod conversations;
mod export;
mod intents;
mod proactive;
mod routing;
mod safety;
mod session;
mod settings;
mod setup;
mod socket;
mod teammates;
mod usage;
mod voice;
mod widget_settings;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::{delete, get, post, put};
use axum::Router;
use shared::dashboard::ConversationAction;
use widget_settings as widget;

use crate::state::AppState;
pub use session::{check_same_origin, own_origins, public_base, DashboardUser, COOKIE};

pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for action in ConversationAction::ALL {
        router = router.route(
            &format!("/api/dashboard/conversations/{{id}}/{}", action.path()),
            post(
                move |State(state): State<AppState>,
                      user: DashboardUser,
                      Path(id): Path<String>| {
                    conversations::act(state, user, id, action)
                },
            ),
        );
    }
    router
        .route("/api/dashboard/login", post(session::login))
        .route("/api/dashboard/logout", post(session::logout))
        .route("/api/dashboard/me", get(session::me))
        .route("/api/dashboard/assistants", get(conversations::assistants))
        .route("/api/dashboard/conversations", get(conversations::list))
        .route(
            "/api/dashboard/conversations/{id}",
            get(conversations::detail),
        )
        .route(
            "/api/dashboard/conversations/{id}/messages",
            post(conversations::reply),
        )
        .route(
            "/api/dashboard/conversations/{id}/typing",
            post(conversations::typing),
        )
        .route(
            "/api/dashboard/clients/{client_id}",
            get(clients::get_client),
        )
        .route(
            "/api/dashboard/clients/{client_id}/profile",
            put(clients::put_profile),
        )
        .route(
            "/api/dashboard/clients/{client_id}/merge",
            post(clients::merge_clients),
        )
        .route(
            "/api/dashboard/clients/{client_id}/mentions/{mention_id}/apply",
            post(clients::apply_mention),
        )
        .route("/api/dashboard/export.csv", get(export::csv))
        .route("/api/dashboard/usage", get(usage::report))
        .route("/api/dashboard/usage.csv", get(usage::csv))
        .route(
            "/api/dashboard/settings/channels/sms",
            get(channels::list_sms).post(channels::connect_sms),
        )
        .route(
            "/api/dashboard/settings/channels/sms/{id}",
            delete(channels::disconnect_sms),
        )
        .route(
            "/api/dashboard/settings/channels/sms/{id}/test",
            post(channels::test_sms),
        )
        .route(
            "/api/dashboard/sms/conversations",
            post(channels::start_sms),
        )
        .route("/api/dashboard/sms/numbers", get(channels::sms_numbers))
        .route(
            "/api/dashboard/settings/channels/email",
            get(channels::list_email).post(channels::connect_email),
        )
        .route(
            "/api/dashboard/settings/channels/email/{id}",
            delete(channels::disconnect_email),
        )
        .route(
            "/api/dashboard/settings/channels/email/{id}/test",
            post(channels::test_email),
        )
        .route(
            "/api/dashboard/settings/channels/voice",
            get(voice::list).post(voice::connect),
        )
        .route(
            "/api/dashboard/settings/channels/voice/{id}",
            delete(voice::disconnect),
        )
        .route(
            "/api/dashboard/settings/channels/voice/{id}/test",
            post(voice::test),
        )
        .route(
            "/api/dashboard/voice/analytics/overview",
            get(voice::overview),
        )
        .route(
            "/api/dashboard/voice/analytics/timeline",
            get(voice::timeline),
        )
        .route(
            "/api/dashboard/settings/identity-secret",
            get(settings::identity_secret).post(settings::rotate_identity_secret),
        )
        .route(
            "/api/dashboard/settings/widget",
            get(widget::get_widget).put(widget::put_widget),
        )
        .route(
            "/api/dashboard/settings/proactive",
            get(proactive::get_proactive).put(proactive::put_proactive),
        )
        .route(
            "/api/dashboard/settings/safety",
            get(safety::get_safety).put(safety::put_safety),
        )
        .route(
            "/api/dashboard/settings/intents",
            get(intents::get_intents)
                .put(intents::put_intents)
                .layer(DefaultBodyLimit::max(intents::PUT_MAX_BYTES)),
        )
        .route(
            "/api/dashboard/settings/intents/test",
            post(intents::test_intents),
        )
        .route(
            "/api/dashboard/settings/domains",
            get(widget::list_domains)
                .post(widget::add_domain)
                .delete(widget::remove_domain),
        )
        .route(
            "/api/dashboard/settings/tokens",
            get(widget::list_tokens).post(widget::issue_token),
        )
        .route(
            "/api/dashboard/settings/tokens/{id}/revoke",
            post(widget::revoke_token),
        )
        .route(
            "/api/dashboard/settings/assistants",
            get(assistants::list).post(assistants::create),
        )
        .route(
            "/api/dashboard/settings/assistants/{id}",
            get(assistants::detail)
                .put(assistants::update)
                .delete(assistants::delete),
        )
        .route(
            "/api/dashboard/settings/assistants/{id}/default",
            post(assistants::make_default),
        )
        .route(
            "/api/dashboard/settings/assistants/{id}/knowledge",
            get(assistants::knowledge_list).post(assistants::knowledge_create),
        )
        .route(
            "/api/dashboard/settings/assistants/{id}/knowledge/{entry_id}",
            put(assistants::knowledge_update).delete(assistants::knowledge_delete),
        )
        .route(
            "/api/dashboard/settings/assistants/{id}/knowledge/import",
            post(assistants::knowledge_import)
                .layer(DefaultBodyLimit::max(assistants::IMPORT_MAX_BYTES)),
        )
        .route(
            "/api/dashboard/settings/assistants/{id}/try",
            post(assistants::try_question),
        )
        .route(
            "/api/dashboard/settings/routing/rules",
            get(routing::list_rules).post(routing::create_rule),
        )
        .route(
            "/api/dashboard/settings/routing/rules/order",
            put(routing::reorder_rules),
        )
        .route(
            "/api/dashboard/settings/routing/rules/{id}",
            put(routing::update_rule).delete(routing::delete_rule),
        )
        .route(
            "/api/dashboard/settings/routing/handoff",
            get(routing::get_handoff).put(routing::put_handoff),
        )
        .route(
            "/api/dashboard/settings/routing/test",
            post(routing::test_message),
        )
        .route("/api/dashboard/audit", get(audit::list))
        .route("/api/dashboard/ws", get(socket::upgrade))
        .merge(teammates::router())
        .merge(setup::router())
        .layer(DefaultBodyLimit::max(state.config.limits.max_body_bytes))
}
