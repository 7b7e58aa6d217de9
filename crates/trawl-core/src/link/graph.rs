//! The infrastructure graph in `graph_nodes` / `graph_edges`: one node per target
//! (kind `target`, value its id) and per pivot value, an edge from a target to each of its
//! values (edge kind = pivot kind), and `redirects_to` edges between the domains of
//! consecutive hops of a redirect chain. Indexing a target again replaces its edges, so the
//! stage is idempotent. Analysis (components, neighbourhoods, shortest links) lives in
//! [`super::analysis`].

use sqlx::PgPool;

use super::kinds::{StoredTarget, values_of};

/// Edge kind between the domains of consecutive redirect hops.
pub const REDIRECT_EDGE: &str = "redirects_to";

async fn node(tx: &mut sqlx::PgConnection, kind: &str, value: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO graph_nodes (kind, value) VALUES ($1, $2) \
         ON CONFLICT (kind, value) DO UPDATE SET kind = EXCLUDED.kind RETURNING id",
    )
    .bind(kind)
    .bind(value)
    .fetch_one(tx)
    .await
}

async fn edge(
    tx: &mut sqlx::PgConnection,
    from: i64,
    to: i64,
    kind: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO graph_edges (from_node, to_node, kind) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(from)
    .bind(to)
    .bind(kind)
    .execute(tx)
    .await?;
    Ok(())
}

/// Writes the target's node, its value nodes and edges, and its redirect edges (in one
/// transaction; the target's old edges are replaced).
pub async fn index_target(pool: &PgPool, target: &StoredTarget) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let me = node(&mut tx, "target", &target.id.to_string()).await?;
    sqlx::query("DELETE FROM graph_edges WHERE from_node = $1")
        .bind(me)
        .execute(&mut *tx)
        .await?;
    for (kind, value) in values_of(target) {
        let to = node(&mut tx, kind.name, &value).await?;
        edge(&mut tx, me, to, kind.name).await?;
    }

    // Redirect hops: domain → next domain.
    for pair in target.chain_hosts.windows(2) {
        let from = node(&mut tx, "domain", &pair[0]).await?;
        let to = node(&mut tx, "domain", &pair[1]).await?;
        edge(&mut tx, from, to, REDIRECT_EDGE).await?;
    }
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
