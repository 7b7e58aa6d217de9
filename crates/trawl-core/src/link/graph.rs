//! The infrastructure graph in `graph_nodes` / `graph_edges`: one node per target
//! (kind `target`, value its id) and per pivot value, an edge from a target to each of its
//! values (edge kind = pivot kind), and `redirects_to` edges between the domains of
//! consecutive hops of a redirect chain. Indexing a target again replaces its edges, so the
//! stage is idempotent. Analysis (components, neighbourhoods, shortest links) lives in
//! [`super::analysis`].

use std::collections::{BTreeSet, HashMap};

use sqlx::PgPool;

use super::kinds::{StoredTarget, values_of};

/// Edge kind between the domains of consecutive redirect hops.
pub const REDIRECT_EDGE: &str = "redirects_to";

/// Writes the target's node, its value nodes and edges, and its redirect edges (in one
/// transaction; the target's old edges are replaced). Nodes are written in one statement, in
/// (kind, value) order so that concurrent writers lock them in the same order, and edges in
/// another.
pub async fn index_target(pool: &PgPool, target: &StoredTarget) -> Result<(), sqlx::Error> {
    let me_key = ("target", target.id.to_string());
    let values: Vec<(&str, String)> = values_of(target)
        .into_iter()
        .map(|(kind, value)| (kind.name, value))
        .collect();
    let hops: Vec<(&str, String)> = target
        .chain_hosts
        .iter()
        .map(|host| ("domain", host.clone()))
        .collect();
    let keys: BTreeSet<&(&str, String)> = values
        .iter()
        .chain(&hops)
        .chain(std::iter::once(&me_key))
        .collect();
    let (kinds, texts): (Vec<&str>, Vec<&str>) = keys.iter().map(|(k, v)| (*k, v.as_str())).unzip();

    let mut tx = pool.begin().await?;
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "INSERT INTO graph_nodes (kind, value) \
         SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1, 2 \
         ON CONFLICT (kind, value) DO UPDATE SET kind = EXCLUDED.kind RETURNING id, kind, value",
    )
    .bind(&kinds)
    .bind(&texts)
    .fetch_all(&mut *tx)
    .await?;
    let id: HashMap<(String, String), i64> =
        rows.into_iter().map(|(id, k, v)| ((k, v), id)).collect();
    let id_of = |(kind, value): &(&str, String)| id[&(kind.to_string(), value.clone())];
    let me = id_of(&me_key);

    // Edges: the target to each value; redirect hops, domain to next domain.
    let mut edges: BTreeSet<(i64, i64, &str)> =
        values.iter().map(|key| (me, id_of(key), key.0)).collect();
    for pair in hops.windows(2) {
        edges.insert((id_of(&pair[0]), id_of(&pair[1]), REDIRECT_EDGE));
    }
    let from: Vec<i64> = edges.iter().map(|e| e.0).collect();
    let to: Vec<i64> = edges.iter().map(|e| e.1).collect();
    let kind: Vec<&str> = edges.iter().map(|e| e.2).collect();
    sqlx::query("DELETE FROM graph_edges WHERE from_node = $1")
        .bind(me)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO graph_edges (from_node, to_node, kind) \
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(&from)
    .bind(&to)
    .bind(&kind)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A graph node as exported.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    /// `graph_nodes.id`.
    pub id: i64,
    /// Pivot kind, or `target`.
    pub kind: String,
    /// The value (a target id for `target` nodes).
    pub value: String,
}

/// A graph edge as exported.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Edge {
    /// Source node id.
    pub from: i64,
    /// Destination node id.
    pub to: i64,
    /// Pivot kind, or [`REDIRECT_EDGE`].
    pub kind: String,
}

/// The whole graph in memory, for export and analysis.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Graph {
    /// Nodes ordered by id.
    pub nodes: Vec<Node>,
    /// Edges ordered by (from, to, kind).
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Reads every node and edge.
    pub async fn load(pool: &PgPool) -> Result<Graph, sqlx::Error> {
        let nodes: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, kind, value FROM graph_nodes ORDER BY id")
                .fetch_all(pool)
                .await?;
        let edges: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT from_node, to_node, kind FROM graph_edges ORDER BY from_node, to_node, kind",
        )
        .fetch_all(pool)
        .await?;
        Ok(Graph {
            nodes: nodes
                .into_iter()
                .map(|(id, kind, value)| Node { id, kind, value })
                .collect(),
            edges: edges
                .into_iter()
                .map(|(from, to, kind)| Edge { from, to, kind })
                .collect(),
        })
    }
}
