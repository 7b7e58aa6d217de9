//! `trawl targets`: list, show and export captured targets.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;
use trawl_core::targets::{self, ExportFormat, TargetFilter, TargetSummary};

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum TargetsCommand {
    /// List targets
    List {
        /// Only targets of this scan
        #[arg(long)]
        scan: Option<i64>,
        /// Only targets in this state (DONE, FAILED, …)
        #[arg(long)]
        status: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 200)]
        limit: i64,
        /// JSON lines instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Everything captured for one target
    Show {
        id: i64,
        /// JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Export targets with their assets, indicators and matches
    Export {
        /// jsonl or csv
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Only targets of this scan
        #[arg(long)]
        scan: Option<i64>,
        /// Write here instead of standard output
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub async fn run(ctx: &Context, cmd: TargetsCommand) -> Result<()> {
    match cmd {
        TargetsCommand::List {
            scan,
            status,
            limit,
            json,
        } => {
            let filter = TargetFilter {
                scan_id: scan,
                status: status.map(|s| s.to_uppercase()),
                limit,
            };
            let rows = ctx
                .with_db(|db| async move { Ok(targets::list(db.pool(), &filter).await?) })
                .await?;
            if json {
                for r in &rows {
                    println!("{}", serde_json::to_string(r)?);
                }
            } else {
                print_table(&rows);
            }
            Ok(())
        }
        TargetsCommand::Show { id, json } => {
            let target = ctx
                .with_db(|db| async move { Ok(targets::detail(db.pool(), id).await?) })
                .await?;
            let Some(target) = target else {
                bail!("no target with id {id}")
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&target)?);
            } else {
                crate::show::print_target(&target);
            }
            Ok(())
        }
        TargetsCommand::Export {
            format,
            scan,
            output,
        } => {
            let format = match format.as_str() {
                "jsonl" => ExportFormat::Jsonl,
                "csv" => ExportFormat::Csv,
                other => bail!("unknown export format {other:?}; use jsonl or csv"),
            };
            let filter = TargetFilter {
                scan_id: scan,
                ..TargetFilter::default()
            };
            let n = ctx
                .with_db(|db| async move {
                    let mut out: Box<dyn std::io::Write> = match &output {
                        Some(path) => {
                            Box::new(std::io::BufWriter::new(std::fs::File::create(path)?))
                        }
                        None => Box::new(std::io::stdout().lock()),
                    };
                    targets::export(db.pool(), &filter, format, &mut out).await
                })
                .await?;
            eprintln!("exported {n} targets");
            Ok(())
        }
    }
}

/// The summary table: status, risk, domain, ip, title, favicon hash, reason.
pub fn print_table(rows: &[TargetSummary]) {
    println!(
        "{:>6}  {:<7} {:>4}  {:<32} {:<15} {:<28} {:>12}  reason",
        "id", "status", "risk", "domain", "ip", "title", "favicon"
    );
    for r in rows {
        let risk = r
            .risk_score
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-".into());
        println!(
            "{:>6}  {:<7} {:>4}  {:<32} {:<15} {:<28} {:>12}  {}",
            r.id,
            r.status,
            risk,
            clip(r.domain.as_deref().unwrap_or("-"), 32),
            clip(r.ip.as_deref().unwrap_or("-"), 15),
            clip(r.title.as_deref().unwrap_or("-"), 28),
            r.favicon_hash.as_deref().unwrap_or("-"),
            clip(r.reason.as_deref().unwrap_or(""), 70),
        );
    }
}

/// At most `n` characters, with an ellipsis when cut; control characters removed.
pub fn clip(text: &str, n: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= n {
        return clean;
    }
    let mut cut: String = clean.chars().take(n.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
