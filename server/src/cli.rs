//! Server subcommands for scripted installs:
//!
//! - `server create-workspace --company <name> --name <owner name> --email <owner email>
//!   [--origin <url>]... [--token]`: a workspace, its owner and default assistant (the same code
//!   path as the dashboard's first run); prints the ids and, with `--token`, a widget token.
//! - `server create-user --tenant <id> --email <email> --name <name> --role <role>`.
//! - `server set-plan --tenant <id> --plan <plan id | none> [--cycle-day <1-31>]`: puts a
//!   workspace on a plan of the plans file (`LIVECHAT_PLANS`), or on none (unlimited).
//!
//! Passwords come from `LIVECHAT_USER_PASSWORD` or, when that is unset, the first line of
//! standard input (so they never sit in the shell history or `ps`).

use std::io::BufRead;

use anyhow::bail;
use clap::{Parser, Subcommand};
use shared::dashboard::Role;
use shared::origin::AllowedOrigin;
use shared::workspace::CompanyName;
use shared::{Email, PersonName};

use crate::accounts::{self, Password};
use crate::audit::Actor;
use crate::config::Config;
use crate::db::Db;
use crate::workspaces::{self, NewWorkspace, Signup};
use crate::{origins, widget_tokens};

/// How long a widget token from `create-workspace --token` lasts.
const TOKEN_DAYS: i64 = 30;

#[derive(Debug, Parser)]
#[command(
    name = "server",
    about = "The live chat server. Without a command it serves; with one it runs that and exits.",
    after_help = "Passwords come from LIVECHAT_USER_PASSWORD, or the first line of standard input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates a workspace with its owner and default assistant; prints their ids.
    CreateWorkspace {
        /// The company's name, as the widget and the dashboard show it.
        #[arg(long, value_parser = company)]
        company: CompanyName,
        /// The owner's name.
        #[arg(long, value_parser = person_name)]
        name: PersonName,
        /// The owner's email (their sign-in).
        #[arg(long, value_parser = email)]
        email: Email,
        /// A site allowed to embed the widget, like https://shop.example.com (repeatable).
        #[arg(long = "origin", value_parser = origin)]
        origins: Vec<AllowedOrigin>,
        /// Also issue a widget token (valid 30 days) and print it.
        #[arg(long)]
        token: bool,
    },
    /// Adds a teammate to a workspace.
    CreateUser {
        /// The workspace (tenant) id.
        #[arg(long)]
        tenant: String,
        #[arg(long, value_parser = email)]
        email: Email,
        #[arg(long, value_parser = person_name)]
        name: PersonName,
        /// owner, admin, agent or viewer.
        #[arg(long, value_parser = role)]
        role: Role,
    },
    /// Puts a workspace on a plan of the plans file (LIVECHAT_PLANS), or `none` (unlimited).
    SetPlan {
        /// The workspace (tenant) id.
        #[arg(long)]
        tenant: String,
        /// A plan id of the plans file, or `none`.
        #[arg(long)]
        plan: String,
        /// The day of the month its billing cycles start (1 to 31; the last day of a shorter
        /// month). Kept when not given; 1 for a workspace never on a plan.
        #[arg(long, value_parser = clap::value_parser!(i8).range(1..=31))]
        cycle_day: Option<i8>,
    },
}

fn company(s: &str) -> Result<CompanyName, String> {
    CompanyName::parse(s).map_err(|e| e.to_string())
}

fn person_name(s: &str) -> Result<PersonName, String> {
    PersonName::parse(s).map_err(|e| e.to_string())
}

fn email(s: &str) -> Result<Email, String> {
    Email::parse(s).map_err(|e| e.to_string())
}

fn role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "the role must be owner, admin, agent or viewer".to_owned())
}

/// An allowed domain, by the same rules as the dashboard's (`shared::origin`).
fn origin(s: &str) -> Result<AllowedOrigin, String> {
    AllowedOrigin::parse(s).map_err(|e| e.to_string())
}

/// Runs the command in `args` (the arguments after the program name).
pub async fn run(config: Config, args: &[String]) -> anyhow::Result<()> {
    let cli = match Cli::try_parse_from(std::iter::once("server".to_owned()).chain(args.to_vec())) {
        Ok(cli) => cli,
        // `--help` and `--version` are answers, not failures.
        Err(e) if !e.use_stderr() => {
            print!("{e}");
            return Ok(());
        }
        Err(e) => bail!("{e}"),
    };
    match cli.command {
        Command::CreateWorkspace {
            company,
            name,
            email,
            origins,
            token,
        } => {
            let new = NewWorkspace {
                company,
                owner_name: name,
                owner_email: email,
                password: read_password()?,
            };
            create_workspace(config, new, &origins, token).await
        }
        Command::CreateUser {
            tenant,
            email,
            name,
            role,
        } => {
            let password = read_password()?;
            let db = Db::connect(&config.database.0, 2).await?;
            let user = accounts::create_user(&db, &tenant, &email, &name, role, &password).await?;
            println!(
                "created {} ({}) in tenant {} as {}",
                user.email,
                user.id,
                user.tenant_id,
                role.as_str()
            );
            Ok(())
        }
        Command::SetPlan {
            tenant,
            plan,
            cycle_day,
        } => set_plan(config, &tenant, &plan, cycle_day).await,
    }
}

async fn set_plan(
    config: Config,
    tenant: &str,
    plan: &str,
    cycle_day: Option<i8>,
) -> anyhow::Result<()> {
    let plan_id = match plan {
        "none" => None,
        id if config.plans.contains_key(id) => Some(id),
        id => {
            let known: Vec<&str> = config.plans.keys().map(String::as_str).collect();
            bail!(
                "no plan {id:?} in the plans file (LIVECHAT_PLANS); its plans: {}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        }
    };
    let db = Db::connect(&config.database.0, 2).await?;
    if !crate::usage::set_plan(&db, tenant, plan_id, cycle_day).await? {
        bail!("no workspace {tenant:?}");
    }
    let billing = crate::usage::billing(&db, &config, tenant).await?;
    println!(
        "tenant {tenant}: plan {}, cycles start on day {}",
        billing
            .plan
            .as_ref()
            .map_or("none (unlimited)", |p| p.name.as_str()),
        billing.cycle_day
    );
    Ok(())
}

fn read_password() -> anyhow::Result<Password> {
    let password = match std::env::var("LIVECHAT_USER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    Password::parse(&password).map_err(anyhow::Error::msg)
}

async fn create_workspace(
    config: Config,
    new: NewWorkspace,
    origins: &[AllowedOrigin],
    token: bool,
) -> anyhow::Result<()> {
    let db = Db::connect(&config.database.0, 2).await?;
    // The operator at the command line may always add a workspace.
    let owner = workspaces::create(&db, &new, Signup::Open).await?;
    // The same audited writes as the dashboard's, by the command line.
    for origin in origins {
        origins::add(&db, &owner.tenant_id, origin, Actor::CLI).await?;
    }
    println!("tenant: {}", owner.tenant_id);
    println!("owner: {} ({})", owner.id, owner.email);
    if token {
        let (_, issued) = widget_tokens::issue(
            &db,
            &owner.tenant_id,
            "command line",
            Some(TOKEN_DAYS),
            Actor::CLI,
        )
        .await?;
        println!("widget token: {}", issued.token);
    }
    Ok(())
}
