//! The first run (`/api/setup`): a server with no workspace creates one with its owner, signed
//! in; afterwards only `LIVECHAT_SIGNUP=open` lets more be made that way. And the CLI's
//! `create-workspace`, run as the real binary.

use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{TestApp, TestTenant};
use crate::team_tests;
use crate::teammates::PASSWORD;

team_tests!(&[];
    first_run_creates_the_workspace_its_owner_and_assistant_and_signs_in,
    a_second_workspace_is_refused_while_signup_is_closed,
    bad_first_run_input_is_a_422_naming_the_field_and_creates_nothing,
    two_racing_first_runs_make_one_workspace,
    create_workspace_on_the_command_line_prints_ids_and_the_owner_can_sign_in,
);

team_tests!(&[("LIVECHAT_SIGNUP", "open")];
    open_signup_lets_anyone_create_a_workspace_but_not_with_a_taken_email,
);

fn workspace(company: &str, email: &str) -> Value {
    json!({
        "companyName": company,
        "name": "Ann Owner",
        "email": email,
        "password": PASSWORD,
    })
}

async fn first_run_creates_the_workspace_its_owner_and_assistant_and_signs_in(app: TestApp) {
    app.without_workspaces().await;
    let status = app.public_get("/api/setup").await;
    assert_eq!(status.status, 200);
    assert_eq!(
        status.body,
        json!({ "needsWorkspace": true, "signupOpen": false })
    );

    let created = app
        .public_post(
            "/api/setup/workspace",
            workspace("  Acme Bikes ", "ann@acme.example"),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["role"], "owner");
    assert_eq!(created.body["tenantName"], "Acme Bikes");
    assert_eq!(created.body["email"], "ann@acme.example");
    let tenant_id = created.body["tenantId"].as_str().unwrap().to_owned();
    assert!(tenant_id.starts_with("tn_"), "{tenant_id}");

    // Signed in: the cookie is a live session, and the owner can read the settings.
    let owner = app.signed_in(&created, "ann@acme.example");
    assert_eq!(owner.me().await.status, 200);
    let team = owner.get("/api/dashboard/teammates").await;
    assert_eq!(team.status, 200, "{:?}", team.body);
    assert_eq!(team.body["members"][0]["role"], "owner");

    // A default assistant that answers for the company and knows nothing yet.
    let row: (String, String, String) = sqlx::query_as(
        "SELECT name, greeting, instructions FROM assistants WHERE tenant_id = $1 AND is_default = 1",
    )
    .bind(&tenant_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(row.0, "Assistant");
    assert_eq!(row.1, "Hi! How can Acme Bikes help?");
    assert!(row.2.contains("Acme Bikes"), "{}", row.2);
    // The only workspace: every knowledge entry would be its own.
    assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_entries").await, 0);
    // No allowed origins and no widget token yet: the settings pages add them.
    assert_eq!(app.count("SELECT COUNT(*) FROM allowed_origins").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM widget_tokens").await, 0);
    assert_eq!(app.audit_actions(&tenant_id).await, ["workspace.created"]);

    let after = app.public_get("/api/setup").await;
    assert_eq!(after.body["needsWorkspace"], false);
}

async fn a_second_workspace_is_refused_while_signup_is_closed(app: TestApp) {
    let before = app.count("SELECT COUNT(*) FROM tenants").await;
    let refused = app
        .public_post(
            "/api/setup/workspace",
            workspace("Other Co", "bob@other.example"),
        )
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.code(), "signup_closed");
    assert!(refused.headers.get("set-cookie").is_none());
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, before);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

async fn open_signup_lets_anyone_create_a_workspace_but_not_with_a_taken_email(app: TestApp) {
    let status = app.public_get("/api/setup").await;
    assert_eq!(
        status.body,
        json!({ "needsWorkspace": false, "signupOpen": true })
    );
    let created = app
        .public_post(
            "/api/setup/workspace",
            workspace("Other Co", "bob@other.example"),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_ne!(created.body["tenantId"], app.tenant.id.as_str());
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, 2);

    // Emails are unique across the server, whatever the workspace.
    let taken = app
        .public_post(
            "/api/setup/workspace",
            workspace("Third Co", "BOB@other.example"),
        )
        .await;
    assert_eq!(taken.status, 409, "{:?}", taken.body);
    assert_eq!(taken.code(), "email_taken");
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, 2);
}

async fn bad_first_run_input_is_a_422_naming_the_field_and_creates_nothing(app: TestApp) {
    app.without_workspaces().await;
    let good = workspace("Acme", "ann@acme.example");
    let cases = [
        ("companyName", json!("   ")),
        ("companyName", json!("x".repeat(101))),
        ("name", json!("")),
        ("email", json!("not an email")),
        ("password", json!("short")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        let answer = app.public_post("/api/setup/workspace", body).await;
        assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, 0);
    // Another site's page can't create one.
    let foreign = app
        .http
        .post(app.url("/api/setup/workspace"))
        .header("Origin", "https://evil.example")
        .json(&good);
    assert_eq!(app.send(foreign).await.status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, 0);
}

async fn two_racing_first_runs_make_one_workspace(app: TestApp) {
    app.without_workspaces().await;
    let (a, b) = tokio::join!(
        app.public_post(
            "/api/setup/workspace",
            workspace("First", "a@first.example")
        ),
        app.public_post(
            "/api/setup/workspace",
            workspace("Second", "b@second.example")
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 403], "{:?} / {:?}", a.body, b.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("LIVECHAT_USER_PASSWORD", PASSWORD)
        .env("RUST_LOG", "error")
        .output()
        .expect("run the server binary")
}

/// The value after `label: ` on its line of `stdout`.
fn printed<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .map(|rest| rest.split_whitespace().next().unwrap_or_default())
        .unwrap_or_else(|| panic!("no `{label}` in {stdout}"))
}

async fn create_workspace_on_the_command_line_prints_ids_and_the_owner_can_sign_in(app: TestApp) {
    let output = cli(
        &app,
        &[
            "create-workspace",
            "--company",
            "Acme Bikes",
            "--name",
            "Ann Owner",
            "--email",
            "ann@acme.example",
            "--origin",
            "https://acme.example/",
            "--token",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tenant_id = printed(&stdout, "tenant: ").to_owned();
    let owner_id = printed(&stdout, "owner: ").to_owned();
    let token = printed(&stdout, "widget token: ").to_owned();
    assert!(
        tenant_id.starts_with("tn_") && owner_id.starts_with("usr_"),
        "{stdout}"
    );

    let signed_in = app.sign_in("ann@acme.example", PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["role"], "owner");
    assert_eq!(signed_in.body["userId"], owner_id.as_str());
    assert_eq!(signed_in.body["tenantId"], tenant_id.as_str());

    // The token and the origin work for the widget right away.
    let tenant = TestTenant {
        id: tenant_id,
        token,
        origin: "https://acme.example".to_owned(),
    };
    let config = app
        .send(app.widget_as(&tenant, reqwest::Method::GET, "/config"))
        .await;
    assert_eq!(config.status, 200, "{:?}", config.body);

    // Both were written to the workspace's audit log, by the command line.
    let audit = app
        .signed_in(&signed_in, "ann@acme.example")
        .get("/api/dashboard/audit")
        .await;
    assert_eq!(audit.status, 200, "{:?}", audit.body);
    let entries = audit.body["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for action in ["domain.added", "token.issued"] {
        let entry = entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {entries:?}"));
        assert_eq!(entry["actorName"], "command line", "{entry}");
    }

    // Bad input is refused, naming the flag, and creates nothing.
    let bad = cli(
        &app,
        &[
            "create-workspace",
            "--company",
            "X",
            "--name",
            "Y Z",
            "--email",
            "nope",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--email"));
    // A bare `*` is no allowed domain, as in the dashboard.
    let star = cli(
        &app,
        &[
            "create-workspace",
            "--company",
            "X",
            "--name",
            "Y Z",
            "--email",
            "y@x.example",
            "--origin",
            "*",
        ],
    );
    assert!(!star.status.success());
    assert!(String::from_utf8_lossy(&star.stderr).contains("--origin"));
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, 2);
}
