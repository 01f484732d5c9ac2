//! The server's `create-user` subcommand, run as the real binary against the test database.

use std::process::Command;

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::teammates::PASSWORD;

on_both_backends!(
    create_user_adds_a_teammate_who_can_sign_in,
    create_user_refuses_a_bad_role_or_a_short_password_and_creates_nothing,
);

fn create_user(app: &TestApp, args: &[&str], password: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("create-user")
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("LIVECHAT_USER_PASSWORD", password)
        .env("RUST_LOG", "error")
        .output()
        .expect("run the server binary")
}

async fn create_user_adds_a_teammate_who_can_sign_in(app: TestApp) {
    let tenant = app.tenant.id.clone();
    let output = create_user(
        &app,
        &[
            "--tenant",
            &tenant,
            "--email",
            "Cli.User@Example.com",
            "--name",
            "Cli User",
            "--role",
            "viewer",
        ],
        PASSWORD,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("as viewer"));
    let answer = app.sign_in("cli.user@example.com", PASSWORD).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["role"], "viewer");
    assert_eq!(answer.body["name"], "Cli User");
    // The same address again is refused.
    let again = create_user(
        &app,
        &[
            "--tenant",
            &tenant,
            "--email",
            "cli.user@example.com",
            "--name",
            "Other",
            "--role",
            "agent",
        ],
        PASSWORD,
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

async fn create_user_refuses_a_bad_role_or_a_short_password_and_creates_nothing(app: TestApp) {
    let tenant = app.tenant.id.clone();
    let base = [
        "--tenant",
        &tenant,
        "--email",
        "x@example.com",
        "--name",
        "X Y",
    ];
    let bad_role = create_user(&app, &[&base[..], &["--role", "boss"]].concat(), PASSWORD);
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("owner, admin, agent or viewer"));
    let short = create_user(&app, &[&base[..], &["--role", "agent"]].concat(), "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}
