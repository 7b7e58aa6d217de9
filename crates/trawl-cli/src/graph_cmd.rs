//! `trawl graph` and `trawl pivot`: the infrastructure graph for other tools, its analysis
//! (how two targets connect, what surrounds a target), and the targets sharing one value.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use trawl_core::db::Database;
use trawl_core::link::analysis::{LinkGraph, NODE_CAP, Subgraph, TARGET_KIND};
use trawl_core::link::export::{graph_gexf, graph_json};
use trawl_core::link::graph::Graph;
use trawl_core::link::{self, analysis, store};

use crate::context::Context;

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
    /// The shortest chain of shared values between two targets
    Path {
        from: i64,
        to: i64,
        /// Most nodes read while searching
        #[arg(long, default_value_t = 20 * NODE_CAP)]
        max_nodes: usize,
        /// JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Everything within some hops of a target (generic values left out)
    Neighbours {
        target: i64,
        /// Hops from the target
        #[arg(long, default_value_t = 2)]
        depth: usize,
        /// Most nodes returned
        #[arg(long, default_value_t = NODE_CAP)]
        max_nodes: usize,
        /// JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Groups of targets connected through non-generic values, largest first
    Components {
        /// JSON instead of text
        #[arg(long)]
        json: bool,
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

/// The pivot kind names, for error messages.
pub fn kind_names() -> String {
    link::kinds::KINDS
        .iter()
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// URLs of the target nodes among `nodes` (value = target id).
async fn urls<'a>(
    db: &Database,
    nodes: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<HashMap<String, String>> {
    let ids: Vec<i64> = nodes
        .filter(|(kind, _)| *kind == TARGET_KIND)
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let rows = store::target_urls(db.pool(), &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(id, url)| (id.to_string(), url))
        .collect())
}

fn label(kind: &str, value: &str, urls: &HashMap<String, String>) -> String {
    match (kind, urls.get(value)) {
        (TARGET_KIND, Some(url)) => format!("target {value} {url}"),
        _ => format!("{kind} {value}"),
    }
}

/// Prints a subgraph: nodes by depth, then edges (text), or the JSON value.
pub async fn print_subgraph(db: &Database, sub: &Subgraph, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(sub)?);
        return Ok(());
    }
    let urls = urls(
        db,
        sub.nodes
            .iter()
            .map(|n| (n.kind.as_str(), n.value.as_str())),
    )
    .await?;
    for n in &sub.nodes {
        println!(
            "{:>2}  #{:<8} {}",
            n.depth,
            n.id,
            label(&n.kind, &n.value, &urls)
        );
    }
    println!("\n{} nodes, {} edges", sub.nodes.len(), sub.edges.len());
    if sub.truncated {
        println!("(cut at the node cap: raise --max-nodes to see more)");
    }
    Ok(())
}

pub async fn run_graph(ctx: &Context, cmd: GraphCommand) -> Result<()> {
    ctx.with_db(|db| async move {
        let pool = db.pool();
        match cmd {
            GraphCommand::Export { format, output } => {
                let graph = Graph::load(pool).await?;
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
            }
            GraphCommand::Path {
                from,
                to,
                max_nodes,
                json,
            } => {
                let path = analysis::link_path(pool, from, to, max_nodes).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&path)?);
                    return Ok(());
                }
                let Some(path) = path else {
                    println!("targets {from} and {to} are not connected by non-generic values");
                    return Ok(());
                };
                let nodes = path
                    .nodes
                    .iter()
                    .map(|n| (n.kind.as_str(), n.value.as_str()));
                let urls = urls(&db, nodes).await?;
                for (i, n) in path.nodes.iter().enumerate() {
                    let via = if i == 0 {
                        String::new()
                    } else {
                        format!("  --{}--> ", path.steps[i - 1])
                    };
                    println!("{via}{}", label(&n.kind, &n.value, &urls));
                }
            }
            GraphCommand::Neighbours {
                target,
                depth,
                max_nodes,
                json,
            } => {
                let sub = analysis::neighbourhood(pool, target, depth, max_nodes).await?;
                print_subgraph(&db, &sub, json).await?;
            }
            GraphCommand::Components { json } => {
                let parts = LinkGraph::load(pool).await?.components();
                match json {
                    true => println!("{}", serde_json::to_string(&parts)?),
                    false => {
                        for p in &parts {
                            let ids: Vec<String> = p.iter().map(i64::to_string).collect();
                            println!("{} targets: {}", p.len(), ids.join(" "));
                        }
                    }
                }
            }
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
