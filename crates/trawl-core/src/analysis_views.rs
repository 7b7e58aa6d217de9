//! What the desktop app's analysis views read and change that the link and rules modules do not
//! offer as such: a capped slice of the infrastructure graph filtered by value kind, campaign
//! and time; one graph node with its targets; the rule lists of the three editors; alerts and
//! their acknowledgement.
//!
//! The graph is read from `graph_nodes` / `graph_edges` as the link stage writes them; node and
//! edge ids are the tables' ids. A slice grows target by target (oldest first) until the node
//! cap, so the same query always gives the same slice, and says when it was cut. Read-only
//! except [`ack_alerts`]; database errors go to the caller.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

/// Most nodes a graph query may return.
pub const MAX_GRAPH_NODES: usize = 50_000;

/// Longest node label, in characters.
const LABEL_CHARS: usize = 48;

/// Which part of the graph to read.
#[derive(Debug, Clone, Default)]
pub struct GraphQuery {
    /// Value kinds to include (targets always are); `None` for every kind.
    pub kinds: Option<Vec<String>>,
    /// Only members of this campaign.
    pub campaign: Option<String>,
    /// Only targets created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only targets created before this time.
    pub until: Option<DateTime<Utc>>,
    /// Most nodes returned, clamped to 1..=[`MAX_GRAPH_NODES`].
    pub node_cap: usize,
}

/// A node of a graph slice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SliceNode {
    pub id: i64,
    /// Pivot kind, or `target`.
    pub kind: String,
    /// The target's URL or the value, shortened (untrusted text).
    pub label: String,
    /// Campaign key of a target node.
    pub campaign: Option<String>,
    /// Edges of the node in the whole graph.
    pub degree: i64,
    /// Whether the value is marked generic.
    pub generic: bool,
}

/// An edge of a graph slice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SliceEdge {
    pub id: i64,
    pub source: i64,
    pub target: i64,
    /// Pivot kind, or `redirect`.
    pub kind: String,
}

/// A capped slice of the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GraphSlice {
    pub nodes: Vec<SliceNode>,
    pub edges: Vec<SliceEdge>,
    /// Whether nodes were left out to stay under the cap.
    pub truncated: bool,
    /// Nodes the query matched before the cap.
    pub total_nodes: i64,
}

/// (target id, target node id, edge id, value node id, edge kind) of the selected targets.
type LinkRow = (i64, i64, Option<i64>, Option<i64>, Option<String>);

/// The slice of the graph `query` selects: target nodes of DONE targets matching its filters,
/// the value nodes of the wanted kinds they link to, and redirect edges among those values.
pub async fn graph_slice(pool: &PgPool, query: &GraphQuery) -> Result<GraphSlice, sqlx::Error> {
    let cap = query.node_cap.clamp(1, MAX_GRAPH_NODES);
    let rows: Vec<LinkRow> = sqlx::query_as(
        "SELECT t.id, tn.id, e.id, e.to_node, e.kind FROM targets t \
         JOIN graph_nodes tn ON tn.kind = 'target' AND tn.value = t.id::text \
         LEFT JOIN graph_edges e ON e.from_node = tn.id \
           AND ($1::text[] IS NULL OR e.kind = ANY($1)) \
         WHERE t.status = 'DONE' \
         AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM campaign_members cm \
             JOIN campaigns c ON c.id = cm.campaign_id WHERE cm.target_id = t.id AND c.key = $2)) \
         AND ($3::timestamptz IS NULL OR t.created_at >= $3) \
         AND ($4::timestamptz IS NULL OR t.created_at < $4) \
         ORDER BY t.id, e.id",
    )
    .bind(&query.kinds)
    .bind(&query.campaign)
    .bind(query.since)
    .bind(query.until)
    .fetch_all(pool)
    .await?;

    // Every node the query matches, then the slice: whole targets in id order under the cap.
    let all: BTreeSet<i64> = rows
        .iter()
        .flat_map(|r| [Some(r.1), r.3].into_iter().flatten())
        .collect();
    let mut included: BTreeSet<i64> = BTreeSet::new();
    let mut edges: Vec<SliceEdge> = Vec::new();
    let mut truncated = false;
    let mut start = 0;
    while start < rows.len() {
        let target = rows[start].0;
        let end = start + rows[start..].iter().take_while(|r| r.0 == target).count();
        let group = &rows[start..end];
        let fresh: BTreeSet<i64> = group
            .iter()
            .flat_map(|r| [Some(r.1), r.3].into_iter().flatten())
            .filter(|n| !included.contains(n))
            .collect();
        if included.len() + fresh.len() > cap {
            truncated = true;
            break;
        }
        included.extend(fresh);
        edges.extend(group.iter().filter_map(|r| {
            Some(SliceEdge {
                id: r.2?,
                source: r.1,
                target: r.3?,
                kind: r.4.clone()?,
            })
        }));
        start = end;
    }

    let ids: Vec<i64> = included.iter().copied().collect();
    edges.extend(edges_of_kind_among(pool, &ids, Some("redirect")).await?);
    let nodes = describe_nodes(pool, &ids).await?;
    Ok(GraphSlice {
        nodes,
        edges,
        truncated,
        total_nodes: all.len() as i64,
    })
}

/// (id, kind, value, target URL, campaign, degree, generic) of a node.
type NodeRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    bool,
);

/// The nodes `ids` with their labels, campaigns, whole-graph degrees and generic marks.
pub async fn describe_nodes(pool: &PgPool, ids: &[i64]) -> Result<Vec<SliceNode>, sqlx::Error> {
    let rows: Vec<NodeRow> = sqlx::query_as(
        "SELECT n.id, n.kind, n.value, t.url, \
           (SELECT c.key FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id \
            WHERE n.kind = 'target' AND cm.target_id = t.id ORDER BY cm.id LIMIT 1), \
           (SELECT count(*) FROM graph_edges e WHERE e.from_node = n.id) \
             + (SELECT count(*) FROM graph_edges e WHERE e.to_node = n.id), \
           EXISTS (SELECT 1 FROM generic_values g WHERE g.kind = n.kind AND g.value = n.value) \
         FROM graph_nodes n \
         LEFT JOIN targets t ON n.kind = 'target' AND t.id::text = n.value \
         WHERE n.id = ANY($1) ORDER BY n.id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, value, url, campaign, degree, generic)| SliceNode {
                label: shorten(url.as_deref().unwrap_or(&value)),
                id,
                kind,
                campaign,
                degree,
                generic,
            },
        )
        .collect())
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_string();
    }
    let mut short: String = text.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// A graph node with the ids of the targets linked to it (itself for a target node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeTargets {
    pub id: i64,
    pub kind: String,
    pub value: String,
    /// Target ids, ascending.
    pub target_ids: Vec<i64>,
}

/// Node `id` and its targets; `None` when there is no such node.
pub async fn node_targets(pool: &PgPool, id: i64) -> Result<Option<NodeTargets>, sqlx::Error> {
    let node: Option<(String, String)> =
        sqlx::query_as("SELECT kind, value FROM graph_nodes WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let Some((kind, value)) = node else {
        return Ok(None);
    };
    let target_ids = if kind == "target" {
        value.parse::<i64>().into_iter().collect()
    } else {
        sqlx::query_scalar(
            "SELECT t.value::bigint FROM graph_edges e \
             JOIN graph_nodes t ON t.id = e.from_node AND t.kind = 'target' \
             WHERE e.to_node = $1 ORDER BY 1",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
    };
    Ok(Some(NodeTargets {
        id,
        kind,
        value,
        target_ids,
    }))
}

/// The targets (ids) a neighbourhood starts from: the node's target, or every target linked to
/// a value node.
pub async fn start_targets(pool: &PgPool, node_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    Ok(node_targets(pool, node_id)
        .await?
        .map(|n| n.target_ids)
        .unwrap_or_default())
}

/// Node ids of targets, by target id.
pub async fn target_node_ids(
    pool: &PgPool,
    targets: &[i64],
) -> Result<BTreeMap<i64, i64>, sqlx::Error> {
    let texts: Vec<String> = targets.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, value FROM graph_nodes WHERE kind = 'target' AND value = ANY($1)",
    )
    .bind(&texts)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, value)| Some((value.parse().ok()?, id)))
        .collect())
}

/// Removes an analyst's generic mark from a value (values are stored lower-case); true when
/// one was removed. Marking goes through `link::mark_generic`.
pub async fn unmark_generic(pool: &PgPool, kind: &str, value: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM generic_values WHERE kind = $1 AND value = $2")
        .bind(kind)
        .bind(value.to_ascii_lowercase())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Edges among the nodes `ids` (both ends in the set), by id.
pub async fn edges_among(pool: &PgPool, ids: &[i64]) -> Result<Vec<SliceEdge>, sqlx::Error> {
    edges_of_kind_among(pool, ids, None).await
}

/// Edges among the nodes `ids` (both ends in the set), of `kind` when given, by id.
async fn edges_of_kind_among(
    pool: &PgPool,
    ids: &[i64],
    kind: Option<&str>,
) -> Result<Vec<SliceEdge>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "SELECT id, from_node, to_node, kind FROM graph_edges \
         WHERE from_node = ANY($1) AND to_node = ANY($1) AND ($2::text IS NULL OR kind = $2) \
         ORDER BY id",
    )
    .bind(ids)
    .bind(kind)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, source, target, kind)| SliceEdge {
            id,
            source,
            target,
            kind,
        })
        .collect())
}

/// A rule of one of the editors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RuleSummary {
    pub id: i64,
    pub name: String,
    /// The text the editor shows (pattern or YARA source).
    pub source: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// Matches (signatures, YARA) or alerts raised (alert rules).
    pub match_count: i64,
}

/// The rule families the editors show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleFamily {
    /// `signatures`.
    Signature,
    /// `yara_rules`.
    Yara,
    /// `alert_rules`.
    Alert,
}

impl RuleFamily {
    /// `signature`, `yara` or `alert`.
    pub fn parse(name: &str) -> Option<RuleFamily> {
        Some(match name {
            "signature" => RuleFamily::Signature,
            "yara" => RuleFamily::Yara,
            "alert" => RuleFamily::Alert,
            _ => return None,
        })
    }
}

/// One alert with its target's URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AlertEntry {
    pub id: i64,
    pub target_id: i64,
    pub url: String,
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A page of alerts, newest first, and the number matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertList {
    pub rows: Vec<AlertEntry>,
    pub total: i64,
}

/// Alerts, acknowledged or not (`None`: both), newest first.
pub async fn list_alerts(
    pool: &PgPool,
    acknowledged: Option<bool>,
    offset: i64,
    limit: i64,
) -> Result<AlertList, sqlx::Error> {
    const FILTER: &str = "WHERE ($1::bool IS NULL OR (a.acknowledged_at IS NOT NULL) = $1)";
    let rows = sqlx::query_as(&format!(
        "SELECT a.id, a.target_id, t.url, a.kind, a.message, a.created_at, a.acknowledged_at \
         FROM alerts a JOIN targets t ON t.id = a.target_id {FILTER} \
         ORDER BY a.created_at DESC, a.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(acknowledged)
    .bind(limit.clamp(1, 1000))
    .bind(offset.max(0))
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT count(*) FROM alerts a {FILTER}"))
        .bind(acknowledged)
        .fetch_one(pool)
        .await?;
    Ok(AlertList { rows, total })
}

/// Acknowledges the alerts `ids` not acknowledged yet; returns how many changed.
pub async fn ack_alerts(pool: &PgPool, ids: &[i64]) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE alerts SET acknowledged_at = now() WHERE id = ANY($1) AND acknowledged_at IS NULL",
    )
    .bind(ids)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_are_shortened_with_an_ellipsis() {
        assert_eq!(shorten("short"), "short");
        let long = "x".repeat(100);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), LABEL_CHARS);
        assert!(short.ends_with('…'));
    }

    #[test]
    fn rule_families_parse_by_name() {
        assert_eq!(RuleFamily::parse("yara"), Some(RuleFamily::Yara));
        assert_eq!(RuleFamily::parse("sigma"), None);
    }
}
