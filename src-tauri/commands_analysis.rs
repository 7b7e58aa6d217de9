//! Tauri commands of the analysis views: campaigns (list, detail, split, merge, pin, generic
//! marks), the infrastructure graph (slices, neighbourhoods, one node, GEXF export, saving
//! images the UI made) and alerts; the Rules view's commands are in `commands_rules`. Thin
//! adapters over `trawl_core::link` and `trawl_core::analysis_views`; errors cross as
//! `IpcError`, nothing is retried.

use base64::Engine as _;
use tauri::State;
use trawl_core::analysis_views::{self as views, GraphQuery};
use trawl_core::link::{self, LinkError};
use trawl_core::targets;

use crate::commands::query_failed;
use crate::ipc_analysis::{
    AlertPage, CampaignDetail, CampaignPage, GraphNodeDetail, GraphView, SavedFile,
};
use crate::ipc_types::IpcError;
use crate::state::AppState;

/// Largest neighbourhood depth asked for.
const MAX_DEPTH: usize = 6;

/// A page of campaigns. `sort` is `size`, `risk`, `last_seen` or `first_seen`; the direction is
/// the useful one for each (largest, riskiest, latest, earliest first), so `descending` is
/// accepted but does not change the order.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn list_campaigns(
    state: State<'_, AppState>,
    offset: i64,
    limit: i64,
    sort: String,
    descending: bool,
) -> Result<CampaignPage, IpcError> {
    let db = state.database()?;
    let sort = match sort.as_str() {
        "size" => link::views::SummarySort::Size,
        "risk" => link::views::SummarySort::MaxRisk,
        "last_seen" => link::views::SummarySort::LastSeen,
        "first_seen" => link::views::SummarySort::FirstSeen,
        other => {
            return Err(IpcError::new(
                "invalid_sort",
                format!("cannot sort campaigns by `{other}`"),
            ));
        }
    };
    let query = link::views::SummaryQuery {
        sort,
        offset,
        limit: limit.clamp(1, 1000),
        top_values: 5,
    };
    let page = link::views::campaign_summaries(db.pool(), &query, None).await;
    Ok(page.map_err(link_error)?.into())
}

/// One campaign with its members. Fails with `campaign_not_found`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn campaign_detail(
    state: State<'_, AppState>,
    key: String,
) -> Result<CampaignDetail, IpcError> {
    let db = state.database()?;
    let query = link::views::SummaryQuery::default();
    let (_, views) = link::views::campaign_views(db.pool(), &query, Some(&key))
        .await
        .map_err(link_error)?;
    let view = views.into_iter().next().ok_or_else(|| no_campaign(&key))?;
    Ok(view.into())
}

/// Moves `target_ids` out of campaign `key`; returns the key of the campaign they now form
/// (`null` when a single target was moved out).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn campaign_split(
    state: State<'_, AppState>,
    key: String,
    target_ids: Vec<i64>,
) -> Result<Option<String>, IpcError> {
    let db = state.database()?;
    let outcome = link::split(db.pool(), &key, &target_ids)
        .await
        .map_err(link_error)?;
    state.changes().targets.extend(&target_ids);
    Ok(outcome.created)
}

/// Merges campaign `other` into `key`; returns the surviving key.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn campaign_merge(
    state: State<'_, AppState>,
    key: String,
    other: String,
) -> Result<String, IpcError> {
    let db = state.database()?;
    link::merge(db.pool(), &key, &other)
        .await
        .map_err(link_error)
}

/// Pins (or unpins) a member in its campaign so re-clustering never moves it.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn campaign_pin(
    state: State<'_, AppState>,
    key: String,
    target_id: i64,
    pinned: bool,
) -> Result<bool, IpcError> {
    let db = state.database()?;
    link::pin(db.pool(), target_id, pinned)
        .await
        .map_err(link_error)
}

/// Marks a value generic (it then links nothing), or removes the mark.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn mark_generic(
    state: State<'_, AppState>,
    kind: String,
    value: String,
    generic: bool,
) -> Result<(), IpcError> {
    let db = state.database()?;
    if link::kinds::kind(&kind).is_none() {
        return Err(IpcError::new(
            "invalid_kind",
            format!("unknown pivot kind `{kind}`"),
        ));
    }
    let done = if generic {
        link::mark_generic(db.pool(), &kind, &value, Some("marked in the app")).await
    } else {
        views::unmark_generic(db.pool(), &kind, &value)
            .await
            .map(|_| ())
    };
    done.map_err(|err| query_failed("marking the value", &err))
}

/// A slice of the graph: targets matching the filters and the values of `kinds` they link
/// to, at most `node_cap` nodes.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn graph_query(
    state: State<'_, AppState>,
    kinds: Option<Vec<String>>,
    campaign: Option<String>,
    since: Option<String>,
    until: Option<String>,
    node_cap: u32,
) -> Result<GraphView, IpcError> {
    let db = state.database()?;
    let query = GraphQuery {
        kinds: kinds.filter(|k| !k.is_empty()),
        campaign: campaign.filter(|c| !c.trim().is_empty()),
        since: crate::ipc_targets::parse_time("since", since.as_deref())?,
        until: crate::ipc_targets::parse_time("until", until.as_deref())?,
        node_cap: node_cap as usize,
    };
    let slice = views::graph_slice(db.pool(), &query).await;
    Ok(slice
        .map_err(|err| query_failed("reading the graph", &err))?
        .into())
}

/// The graph within `depth` hops of a node (generic values left out), at most `node_cap`
/// nodes. Fails with `node_not_found`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn graph_neighbourhood(
    state: State<'_, AppState>,
    node_id: i64,
    depth: u32,
    node_cap: u32,
) -> Result<GraphView, IpcError> {
    let db = state.database()?;
    let pool = db.pool();
    let failed = || db_failed("reading the neighbourhood");
    let starts = views::start_targets(pool, node_id)
        .await
        .map_err(failed())?;
    if starts.is_empty() {
        return Err(IpcError::new(
            "node_not_found",
            format!("no graph node {node_id}"),
        ));
    }
    let (depth, cap) = (
        (depth as usize).min(MAX_DEPTH),
        (node_cap as usize).clamp(1, 50_000),
    );
    let graph = link::analysis::LinkGraph::load_around(pool, &starts, depth, cap).await;
    let sub = graph
        .map_err(link_error)?
        .around_targets(&starts, depth, cap);

    let ids: Vec<i64> = sub.nodes.iter().map(|n| n.id).collect();
    let nodes = views::describe_nodes(pool, &ids).await.map_err(failed())?;
    let edges = views::edges_among(pool, &ids).await.map_err(failed())?;
    let slice = views::GraphSlice {
        total_nodes: nodes.len() as i64,
        truncated: sub.truncated,
        nodes,
        edges,
    };
    Ok(slice.into())
}

/// One node with its targets and the pivot that opens them in the target table. Fails with
/// `node_not_found`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn graph_node_detail(
    state: State<'_, AppState>,
    node_id: i64,
) -> Result<GraphNodeDetail, IpcError> {
    let db = state.database()?;
    let failed = || db_failed("reading the node");
    let node = views::node_targets(db.pool(), node_id)
        .await
        .map_err(failed())?;
    let node =
        node.ok_or_else(|| IpcError::new("node_not_found", format!("no graph node {node_id}")))?;
    let rows = targets::summaries(db.pool(), &node.target_ids)
        .await
        .map_err(failed())?;
    let pivot = node.kind != "target";
    Ok(GraphNodeDetail {
        id: node.id,
        pivot_kind: pivot.then(|| node.kind.clone()),
        pivot_value: pivot.then(|| node.value.clone()),
        kind: node.kind,
        value: node.value,
        targets: rows.into_iter().map(Into::into).collect(),
    })
}

/// Writes the whole graph as GEXF (for Gephi) to `path`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn export_graph_gexf(
    state: State<'_, AppState>,
    path: String,
) -> Result<SavedFile, IpcError> {
    let db = state.database()?;
    let graph = link::graph::Graph::load(db.pool()).await;
    let graph = graph.map_err(|err| query_failed("reading the graph", &err))?;
    write_file(&path, link::export::graph_gexf(&graph).as_bytes())
}

/// Writes bytes the UI made (a PNG or SVG of the graph), given in base64, to `path`.
#[tauri::command]
#[tracing::instrument(skip(data_base64))]
pub fn save_export(path: String, data_base64: String) -> Result<SavedFile, IpcError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data_base64.trim())
        .map_err(|err| {
            IpcError::new("invalid_request", format!("the data is not base64: {err}"))
        })?;
    write_file(&path, &bytes)
}

/// Alerts, acknowledged or not (`null`: both), newest first.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn list_alerts(
    state: State<'_, AppState>,
    acknowledged: Option<bool>,
    offset: i64,
    limit: i64,
) -> Result<AlertPage, IpcError> {
    let db = state.database()?;
    let page = views::list_alerts(db.pool(), acknowledged, offset, limit).await;
    Ok(page
        .map_err(|err| query_failed("listing alerts", &err))?
        .into())
}

/// Acknowledges alerts; returns how many were not acknowledged before.
#[tauri::command]
#[tracing::instrument(skip_all, fields(alerts = ids.len()))]
pub async fn ack_alerts(state: State<'_, AppState>, ids: Vec<i64>) -> Result<u64, IpcError> {
    let db = state.database()?;
    let done = views::ack_alerts(db.pool(), &ids).await;
    done.map_err(|err| query_failed("acknowledging alerts", &err))
}

fn write_file(path: &str, bytes: &[u8]) -> Result<SavedFile, IpcError> {
    std::fs::write(path, bytes).map_err(|err| {
        tracing::warn!(path, error = %err, "saving an export failed");
        IpcError::new("export_failed", format!("writing {path} failed: {err}"))
    })?;
    Ok(SavedFile {
        path: path.to_string(),
    })
}

fn no_campaign(key: &str) -> IpcError {
    IpcError::new("campaign_not_found", format!("no campaign {key}"))
}

fn link_error(err: LinkError) -> IpcError {
    match err {
        LinkError::NoCampaign(key) => no_campaign(&key),
        LinkError::UnknownKind(kind) => {
            IpcError::new("invalid_kind", format!("unknown pivot kind `{kind}`"))
        }
        other => query_failed("a campaign query", &other),
    }
}

/// A converter of a failed query into the UI's error, naming what was being done.
fn db_failed<E: std::error::Error>(doing: &'static str) -> impl Fn(E) -> IpcError {
    move |err| query_failed(doing, &err)
}
