//! `trawl db`: migrate the schema and show the database's status.

use anyhow::Result;
use clap::Subcommand;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create or upgrade the schema (also done on every connect)
    Migrate,
    /// Mode, server version, schema version and rows per table
    Status {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(ctx: &Context, cmd: DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Migrate => {
            ctx.with_db(|db| async move {
                let version = trawl_core::db::migrate::current_version(db.pool()).await?;
                println!(
                    "schema version {} ({})",
                    version.unwrap_or(0),
                    db.location()
                );
                Ok(())
            })
            .await
        }
        DbCommand::Status { json } => {
            let status = ctx
                .with_db(|db| async move { Ok(db.status().await?) })
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
                return Ok(());
            }
            println!("mode            {}", status.mode);
            println!("location        {}", status.location);
            println!("server version  {}", status.server_version);
            println!("schema version  {}", status.schema_version);
            println!();
            println!("{:<22} {:>10}", "table", "rows");
            for t in &status.tables {
                println!("{:<22} {:>10}", t.name, t.rows);
            }
            Ok(())
        }
    }
}
