//! `trawl settings`: list, get, set, unset and rotate-key over the encrypted settings.
//!
//! The master key comes from `APP_SECRET_KEY` or the OS keyring (see
//! `trawl_core::settings::key`). Secrets are printed masked unless `get --reveal` asks for
//! one; `set` takes the value as an argument or, with `--stdin`, from standard input so it
//! stays out of the shell history. No value is ever logged.

use std::io::Read;

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use trawl_core::settings::key::NEW_SECRET_KEY_ENV;
use trawl_core::settings::{KeyOptions, SettingValue, SettingsStore};

use crate::context::Context;

/// `trawl settings …`
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Every setting with its type, value (secrets masked) and description
    List,
    /// One setting's value (secrets masked unless --reveal)
    Get {
        /// The setting, e.g. capture.concurrency
        key: String,
        /// Print a secret in clear
        #[arg(long)]
        reveal: bool,
    },
    /// Store a value (checked against the setting's type, encrypted)
    Set {
        /// The setting
        key: String,
        /// The value; omit it with --stdin
        #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
        value: Option<String>,
        /// Read the value from standard input (one line; keeps secrets out of the history)
        #[arg(long)]
        stdin: bool,
    },
    /// Remove a stored value (the default applies again)
    Unset {
        /// The setting
        key: String,
    },
    /// Re-encrypt every value under a new master key (keyring: a new random key; under
    /// APP_SECRET_KEY: the key or passphrase in APP_SECRET_KEY_NEW)
    RotateKey,
}

/// Run one settings command.
pub async fn run(ctx: &Context, cmd: SettingsCommand) -> Result<()> {
    ctx.with_db(|db| async move {
        let mut store = SettingsStore::open(&db, KeyOptions::from_env()).await?;
        match cmd {
            SettingsCommand::List => {
                for s in store.list().await? {
                    println!("{}", list_line(&s));
                }
            }
            SettingsCommand::Get { key, reveal } => {
                println!("{}", store.get(&key).await?.shown(reveal));
            }
            SettingsCommand::Set { key, value, stdin } => {
                let value = match value {
                    Some(v) if !stdin => v,
                    _ => read_stdin()?,
                };
                let saved = store.set(&key, &value).await?;
                println!("{} = {}", saved.def.name, saved.shown(false));
            }
            SettingsCommand::Unset { key } => {
                let removed = store.unset(&key).await?;
                let value = store.get(&key).await?;
                let what = if removed { "unset" } else { "was not set" };
                println!("{key} {what}; now {}", value.shown(false));
            }
            SettingsCommand::RotateKey => {
                let new_secret = std::env::var(NEW_SECRET_KEY_ENV)
                    .ok()
                    .filter(|v| !v.is_empty());
                let from_env = new_secret.is_some();
                let done = store.rotate_key(new_secret).await?;
                println!(
                    "re-encrypted {} values under a new key ({})",
                    done.values, done.source
                );
                if from_env {
                    println!("set APP_SECRET_KEY to the value of {NEW_SECRET_KEY_ENV} from now on");
                }
            }
        }
        Ok(())
    })
    .await
}

fn list_line(s: &SettingValue) -> String {
    let marker = if s.is_set { "" } else { " (default)" };
    format!(
        "{} = {}{marker}\t[{}] {}",
        s.def.name,
        s.shown(false),
        s.def.kind.name(),
        s.def.description
    )
}

fn read_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the value from standard input")?;
    let value = text.trim_end_matches(['\r', '\n']).to_string();
    if value.is_empty() {
        bail!("no value on standard input");
    }
    Ok(value)
}
