//! `trawl campaigns`, `trawl graph export` and `trawl pivot`: campaigns with their evidence,
//! the infrastructure graph for other tools, and targets sharing one value.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use trawl_core::link::export::{campaigns, graph_gexf, graph_json, render_text};
use trawl_core::link::graph::Graph;
use trawl_core::link::{self, ClusterSettings};

use crate::context::Context;

/// `trawl campaigns …`
#[derive(Debug, Subcommand)]
pub enum CampaignsCommand {
    /// List campaigns with their members
    List {
        /// JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// One campaign, each member with its evidence
    Show {
        key: String,
        /// JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the graph and every campaign (pinned members stay)
    Recluster {
        /// Looser page similarity (TLSH up to 150 without the DOM condition)
        #[arg(long)]
        loose: bool,
    },
    /// Mark a value generic so it never links targets (then recluster)
    Generic {
        kind: String,
        value: String,
        /// Why it is generic
        #[arg(long)]
        note: Option<String>,
    },
    /// Pin a target in its campaign (--off to unpin)
    Pin {
        target_id: i64,
        #[arg(long)]
        off: bool,
    },
}

/// `trawl graph …`
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Write the whole graph
    Export {
        /// json or gexf
        #[arg(long, default_value = "json")]
        format: String,
        /// Write here instead of standard output
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// `trawl pivot KIND VALUE`
#[derive(Debug, Args)]
pub struct PivotArgs {
    /// Pivot kind (favicon_sha256, ip, jarm, asset_sha256, email, …)
    kind: String,
    value: String,
    /// JSON lines instead of text
    #[arg(long)]
    json: bool,
}

pub async fn run(ctx: &Context, cmd: CampaignsCommand) -> Result<()> {
    ctx.with_db(|db| async move {
        let pool = db.pool();
        match cmd {
            CampaignsCommand::List { json } => {
                let found = campaigns(pool, None).await?;
                if json {
                    return print(&found, true);
                }
                print_summary(&found);
                Ok(())
            }
            CampaignsCommand::Show { key, json } => {
                let found = campaigns(pool, Some(&key)).await?;
                if found.is_empty() {
                    bail!("no campaign {key:?} (keys look like c-967f2ce532; see `trawl campaigns list`)");
                }
                print(&found, json)
            }
            CampaignsCommand::Recluster { loose } => {
                let settings = if loose {
                    ClusterSettings::loose()
                } else {
                    ClusterSettings::default()
                };
                let n = link::recluster(pool, &settings).await?;
                println!("{n} campaigns");
                Ok(())
            }
            CampaignsCommand::Generic { kind, value, note } => {
                if kind != "library" && link::kinds::kind(&kind).is_none() {
                    bail!("unknown pivot kind {kind:?}; use one of {}", kind_names());
                }
                link::mark_generic(pool, &kind, &value, note.as_deref()).await?;
                println!("{kind} {value} is generic; run `trawl campaigns recluster`");
                Ok(())
            }
            CampaignsCommand::Pin { target_id, off } => {
                if !link::pin(pool, target_id, !off).await? {
                    bail!("target {target_id} is in no campaign");
                }
                Ok(())
            }
        }
    })
    .await
}

/// One line per campaign: key, size, label and the kinds of evidence that bind it.
fn print_summary(found: &[link::export::Campaign]) {
    println!(
        "{:<14} {:>7}  {:<28} linked by",
        "campaign", "members", "label"
    );
    for c in found {
        let mut kinds: Vec<&str> = c
            .members
            .iter()
            .flat_map(|m| m.evidence.iter().map(|e| e.kind.as_str()))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let label = c.label.as_deref().unwrap_or("-");
        println!(
            "{:<14} {:>7}  {:<28} {}",
            c.key,
            c.members.len(),
            label,
            kinds.join(", ")
        );
    }
    println!(
        "\n{} campaigns; `trawl campaigns show KEY` gives each member's evidence",
        found.len()
    );
}

/// The pivot kind names, for error messages.
fn kind_names() -> String {
    link::kinds::KINDS
        .iter()
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn print(found: &[link::export::Campaign], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(found)?);
    } else {
        print!("{}", render_text(found, false));
    }
    Ok(())
}

pub async fn run_graph(ctx: &Context, cmd: GraphCommand) -> Result<()> {
    let GraphCommand::Export { format, output } = cmd;
    ctx.with_db(|db| async move {
        let graph = Graph::load(db.pool()).await?;
        let text = match format.as_str() {
            "json" => serde_json::to_string_pretty(&graph_json(&graph))?,
            "gexf" => graph_gexf(&graph),
            other => bail!("unknown graph format {other} (json or gexf)"),
        };
        match output {
            Some(path) => std::fs::write(&path, text)
                .with_context(|| format!("writing {}", path.display()))?,
            None => println!("{text}"),
        }
        Ok(())
    })
    .await
}

pub async fn run_pivot(ctx: &Context, args: PivotArgs) -> Result<()> {
    if link::kinds::kind(&args.kind).is_none() {
        bail!(
            "unknown pivot kind {:?}; use one of {}",
            args.kind,
            kind_names()
        );
    }
    ctx.with_db(|db| async move {
        for (id, url) in link::pivot(db.pool(), &args.kind, &args.value).await? {
            match args.json {
                true => println!("{}", serde_json::json!({ "target_id": id, "url": url })),
                false => println!("{id}\t{url}"),
            }
        }
        Ok(())
    })
    .await
}
