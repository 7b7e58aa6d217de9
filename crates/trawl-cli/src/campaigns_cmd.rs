//! `trawl campaigns`: campaigns with their evidence, and the analyst's decisions on them
//! (split, merge, pin, generic values), which persist across re-clustering. The graph and
//! pivot commands live in `graph_cmd`.

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use trawl_core::link::analysis::NODE_CAP;
use trawl_core::link::export::{campaigns, render_text};
use trawl_core::link::views::{
    CampaignView, SummaryQuery, SummarySort, campaign_graph, campaign_views,
};
use trawl_core::link::{self, ClusterSettings};

use crate::context::Context;
use crate::graph_cmd::{kind_names, print_subgraph};

/// `trawl campaigns …`
#[derive(Debug, Subcommand)]
pub enum CampaignsCommand {
    /// List campaigns: size, risk, first and last seen, the values most members share
    List {
        /// JSON instead of text (each campaign with its members and their evidence)
        #[arg(long)]
        json: bool,
        /// Order: size, risk, last-seen, first-seen or key
        #[arg(long, default_value = "size")]
        sort: String,
        /// Most campaigns listed
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Campaigns skipped
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// One campaign, each member with its evidence
    Show {
        key: String,
        /// JSON instead of text (summary, members, evidence, screenshot paths)
        #[arg(long)]
        json: bool,
    },
    /// Rebuild every campaign (pinned members, splits and merges hold)
    Recluster {
        /// Looser page similarity (TLSH up to 150 without the DOM condition)
        #[arg(long)]
        loose: bool,
    },
    /// Mark a value generic so it never links targets, then re-cluster
    Generic {
        kind: String,
        value: String,
        /// Why it is generic
        #[arg(long)]
        note: Option<String>,
        /// Only record the value (re-cluster later)
        #[arg(long)]
        no_recluster: bool,
    },
    /// Pin a target in its campaign (--off to unpin)
    Pin {
        target_id: i64,
        #[arg(long)]
        off: bool,
    },
    /// Move members out of a campaign for good (two or more form a new campaign)
    Split {
        key: String,
        #[arg(required = true)]
        target_ids: Vec<i64>,
    },
    /// Merge two campaigns for good (the older key survives)
    Merge { key: String, other: String },
    /// The graph around a campaign's members
    Graph {
        key: String,
        /// Hops from the members
        #[arg(long, default_value_t = 2)]
        depth: usize,
        /// Most nodes returned
        #[arg(long, default_value_t = NODE_CAP)]
        max_nodes: usize,
        /// JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(ctx: &Context, cmd: CampaignsCommand) -> Result<()> {
    ctx.with_db(|db| async move {
        let pool = db.pool();
        match cmd {
            CampaignsCommand::List {
                json,
                sort,
                limit,
                offset,
            } => {
                let Some(sort) = SummarySort::parse(&sort) else {
                    bail!("unknown order {sort:?}: size, risk, last-seen, first-seen or key");
                };
                let query = SummaryQuery {
                    sort,
                    limit,
                    offset,
                    ..SummaryQuery::default()
                };
                let (total, views) = campaign_views(pool, &query, None).await?;
                match json {
                    true => println!("{}", serde_json::to_string_pretty(&views)?),
                    false => print_summary(total, offset, &views),
                }
                Ok(())
            }
            CampaignsCommand::Show { key, json } => {
                let (_, views) = campaign_views(pool, &SummaryQuery::default(), Some(&key)).await?;
                let Some(view) = views.first() else {
                    bail!(
                        "no campaign {key:?} (keys look like c-967f2ce532; see `trawl campaigns \
                         list`)"
                    );
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(view)?);
                } else {
                    print_summary_line(view);
                    print!(
                        "{}",
                        render_text(&campaigns(pool, Some(&key)).await?, false)
                    );
                }
                Ok(())
            }
            CampaignsCommand::Recluster { loose } => {
                let settings = match loose {
                    true => ClusterSettings::loose(),
                    false => ClusterSettings::default(),
                };
                let r = link::recluster(pool, &settings).await?;
                println!(
                    "{} campaigns ({} kept their key), {} members, {} targets read",
                    r.campaigns, r.kept_keys, r.members, r.targets
                );
                Ok(())
            }
            CampaignsCommand::Generic {
                kind,
                value,
                note,
                no_recluster,
            } => {
                if kind != "library" && link::kinds::kind(&kind).is_none() {
                    bail!("unknown pivot kind {kind:?}; use one of {}", kind_names());
                }
                link::mark_generic(pool, &kind, &value, note.as_deref()).await?;
                if no_recluster {
                    println!("{kind} {value} is generic; run `trawl campaigns recluster`");
                    return Ok(());
                }
                let r = link::recluster(pool, &ClusterSettings::default()).await?;
                println!(
                    "{kind} {value} is generic; re-clustered: {} campaigns, {} members",
                    r.campaigns, r.members
                );
                Ok(())
            }
            CampaignsCommand::Pin { target_id, off } => {
                let exists = !link::store::target_urls(pool, &[target_id])
                    .await?
                    .is_empty();
                if !exists {
                    bail!("no target {target_id}");
                }
                if !link::pin(pool, target_id, !off).await? {
                    bail!("target {target_id} is in no campaign");
                }
                Ok(())
            }
            CampaignsCommand::Split { key, target_ids } => {
                let out = link::split(pool, &key, &target_ids)
                    .await
                    .with_context(|| format!("splitting campaign {key}"))?;
                match (&out.kept, &out.created) {
                    (Some(k), Some(c)) => println!("{k} keeps its other members; moved to {c}"),
                    (Some(k), None) => println!("{k} keeps its other members; moved out alone"),
                    (None, Some(c)) => println!("{key} dissolved; moved to {c}"),
                    (None, None) => println!("{key} dissolved"),
                }
                Ok(())
            }
            CampaignsCommand::Merge { key, other } => {
                let kept = link::merge(pool, &key, &other)
                    .await
                    .with_context(|| format!("merging campaigns {key} and {other}"))?;
                println!("merged into {kept}");
                Ok(())
            }
            CampaignsCommand::Graph {
                key,
                depth,
                max_nodes,
                json,
            } => {
                let sub = campaign_graph(pool, &key, depth, max_nodes).await?;
                print_subgraph(&db, &sub, json).await
            }
        }
    })
    .await
}

/// One line of a campaign: key, size, risk, last seen and the values most members share.
fn print_summary_line(c: &CampaignView) {
    let s = &c.summary;
    let risk = s.max_risk.map_or("-".to_string(), |r| r.to_string());
    let shared: Vec<String> = s
        .top_values
        .iter()
        .take(3)
        .map(|v| {
            let value: String = v.value.chars().take(16).collect();
            format!("{} {value} ({})", v.kind, v.members)
        })
        .collect();
    println!(
        "{:<14} {:>7} {:>5}  {:<16}  {:<20} {}",
        s.key,
        s.size,
        risk,
        s.last_seen.format("%Y-%m-%d %H:%M"),
        s.label.as_deref().unwrap_or("-"),
        shared.join(", ")
    );
}

/// The campaign table.
fn print_summary(total: i64, offset: i64, views: &[CampaignView]) {
    println!(
        "{:<14} {:>7} {:>5}  {:<16}  {:<20} shared by most members",
        "campaign", "members", "risk", "last seen", "label"
    );
    for c in views {
        print_summary_line(c);
    }
    let shown = views.len() as i64;
    println!(
        "\n{} of {total} campaigns (from {}); `trawl campaigns show KEY` gives each member's \
         evidence",
        shown,
        offset + 1
    );
}
