//! The signed-in user's own account: changing the password (other sessions end) and signing out
//! everywhere (every session and socket ends).

use serde_json::json;
use shared::dashboard::Role;

use crate::helpers::TestApp;
use crate::team_tests;
use crate::teammates::{close_code, PASSWORD};

team_tests!(&[];
    changing_your_password_keeps_this_session_and_ends_the_others,
    signing_out_everywhere_ends_every_session_and_socket,
);

const NEW_PASSWORD: &str = "another long password";

async fn changing_your_password_keeps_this_session_and_ends_the_others(app: TestApp) {
    let here = app.teammate(Role::Viewer).await;
    let elsewhere = app.sign_in_again(&here, PASSWORD).await;
    let mut socket = elsewhere.socket(None).await;

    let wrong = here
        .post(
            "/api/dashboard/me/password",
            json!({ "currentPassword": "not my password", "newPassword": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(wrong.status, 422, "{:?}", wrong.body);
    assert_eq!(wrong.body["error"]["field"], "currentPassword");
    let short = here
        .post(
            "/api/dashboard/me/password",
            json!({ "currentPassword": PASSWORD, "newPassword": "short" }),
        )
        .await;
    assert_eq!(short.status, 422);
    assert_eq!(short.body["error"]["field"], "newPassword");
    assert_eq!(elsewhere.me().await.status, 200);

    let changed = here
        .post(
            "/api/dashboard/me/password",
            json!({ "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    assert_eq!(here.me().await.status, 200);
    assert_eq!(elsewhere.me().await.status, 401);
    assert_eq!(close_code(&mut socket).await, Some(4001));
    assert_eq!(app.sign_in(&here.email, PASSWORD).await.status, 401);
    assert_eq!(app.sign_in(&here.email, NEW_PASSWORD).await.status, 200);
}

async fn signing_out_everywhere_ends_every_session_and_socket(app: TestApp) {
    let here = app.teammate(Role::Agent).await;
    let elsewhere = app.sign_in_again(&here, PASSWORD).await;
    let mut own_socket = here.socket(None).await;
    let mut other_socket = elsewhere.socket(None).await;
    let bystander = app.teammate(Role::Agent).await;

    let out = here
        .post_empty("/api/dashboard/me/sign-out-everywhere")
        .await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    let cleared = out.headers["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(close_code(&mut own_socket).await, Some(4001));
    assert_eq!(close_code(&mut other_socket).await, Some(4001));
    assert_eq!(here.me().await.status, 401);
    assert_eq!(elsewhere.me().await.status, 401);
    // Only this user's sessions: another teammate stays signed in.
    assert_eq!(bystander.me().await.status, 200);
    assert_eq!(app.sign_in(&here.email, PASSWORD).await.status, 200);
}
