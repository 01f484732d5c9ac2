//! The server's `create-user` and `set-plan` subcommands, run as the real binary against the
//! test database.

use std::process::Command;

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::teammates::PASSWORD;

on_both_backends!(
    create_user_adds_a_teammate_who_can_sign_in,
    create_user_refuses_a_bad_role_or_a_short_password_and_creates_nothing,
    set_plan_puts_a_workspace_on_a_plan_of_the_plans_file,
);

/// The server binary running `command` with `args` against the app's database.
fn server(
    app: &TestApp,
    command: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg(command)
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .envs(env.iter().copied())
        .env("RUST_LOG", "error")
        .output()
        .expect("run the server binary")
}

fn create_user(app: &TestApp, args: &[&str], password: &str) -> std::process::Output {
    server(
        app,
        "create-user",
        args,
        &[("LIVECHAT_USER_PASSWORD", password)],
    )
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

fn set_plan(app: &TestApp, args: &[&str]) -> std::process::Output {
    let plans = concat!(env!("CARGO_MANIFEST_DIR"), "/plans.example.toml");
    server(app, "set-plan", args, &[("LIVECHAT_PLANS", plans)])
}

async fn set_plan_puts_a_workspace_on_a_plan_of_the_plans_file(app: TestApp) {
    let tenant = app.tenant.id.clone();
    let plan_of = || {
        let pool = app.db.pool.clone();
        let tenant = tenant.clone();
        async move {
            sqlx::query_as::<_, (Option<String>, i64)>(
                "SELECT plan_id, cycle_day FROM workspace_plans WHERE tenant_id = $1",
            )
            .bind(tenant)
            .fetch_optional(&pool)
            .await
            .expect("plan")
        }
    };
    let out = set_plan(&app, &["--tenant", &tenant, "--plan", "gold"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no plan \"gold\"") && err.contains("starter"),
        "{err}"
    );
    let out = set_plan(
        &app,
        &[
            "--tenant",
            &tenant,
            "--plan",
            "starter",
            "--cycle-day",
            "32",
        ],
    );
    assert!(!out.status.success());
    let out = set_plan(&app, &["--tenant", "t_nobody", "--plan", "starter"]);
    assert!(!out.status.success());
    assert_eq!(
        plan_of().await,
        None,
        "nothing written by a refused command"
    );

    let out = set_plan(
        &app,
        &[
            "--tenant",
            &tenant,
            "--plan",
            "starter",
            "--cycle-day",
            "15",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("plan Starter, cycles start on day 15"));
    assert_eq!(plan_of().await, Some((Some("starter".to_owned()), 15)));
    // `none` takes the plan away and keeps the cycle day.
    let out = set_plan(&app, &["--tenant", &tenant, "--plan", "none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(plan_of().await, Some((None, 15)));
}
