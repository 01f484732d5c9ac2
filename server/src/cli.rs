//! Server subcommands: `server create-user --tenant <id> --email <email> --name <name>
//! --role <admin|agent|viewer>`. The password comes from `LIVECHAT_USER_PASSWORD` or, when that
//! is unset, the first line of standard input (so it never sits in the shell history or `ps`).

use std::collections::HashMap;
use std::io::BufRead;

use anyhow::{bail, Context};
use shared::dashboard::Role;
use shared::{Email, PersonName};

use crate::accounts::{self, Password};
use crate::config::Config;
use crate::db::Db;

const USAGE: &str = "usage: server create-user --tenant <id> --email <email> --name <name> --role <admin|agent|viewer>
       (password from LIVECHAT_USER_PASSWORD, or the first line of standard input)";

pub async fn run(config: Config, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("create-user") => create_user(config, &args[1..]).await,
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n{USAGE}"),
        None => bail!("{USAGE}"),
    }
}

fn flags(args: &[String]) -> anyhow::Result<HashMap<&str, &str>> {
    let mut flags = HashMap::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let Some(name) = flag.strip_prefix("--") else {
            bail!("unexpected argument `{flag}`\n{USAGE}");
        };
        let value = it
            .next()
            .with_context(|| format!("--{name} needs a value\n{USAGE}"))?;
        flags.insert(name, value.as_str());
    }
    Ok(flags)
}

async fn create_user(config: Config, args: &[String]) -> anyhow::Result<()> {
    let flags = flags(args)?;
    let get = |name: &str| {
        flags
            .get(name)
            .copied()
            .with_context(|| format!("--{name} is required\n{USAGE}"))
    };
    let tenant = get("tenant")?;
    let email = Email::parse(get("email")?).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = PersonName::parse(get("name")?).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let role = Role::parse(get("role")?)
        .with_context(|| "--role must be admin, agent or viewer".to_owned())?;
    let password = match std::env::var("LIVECHAT_USER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let password = Password::parse(&password).map_err(anyhow::Error::msg)?;
    let db = Db::connect(&config.database.0, 2).await?;
    let user = accounts::create_user(&db, tenant, &email, &name, role, &password).await?;
    println!(
        "created {} ({}) in tenant {} as {}",
        user.email,
        user.id,
        user.tenant_id,
        role.as_str()
    );
    Ok(())
}
