//! The infrastructure graph in `graph_nodes` / `graph_edges`: one node per target
//! (kind `target`, value its id) and per pivot value, an edge from a target to each of its
//! values (edge kind = pivot kind), and `redirects_to` edges between the domains of
//! consecutive hops of a redirect chain. Indexing a target again replaces its edges, so the
//! stage is idempotent. Analysis (components, neighbourhoods, shortest links) runs in memory
//! on [`Graph`].

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

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
#[derive(Clone, Debug, serde::Serialize)]
pub struct Node {
    /// `graph_nodes.id`.
    pub id: i64,
    /// Pivot kind, or `target`.
    pub kind: String,
    /// The value (a target id for `target` nodes).
    pub value: String,
}

/// A graph edge as exported.
#[derive(Clone, Debug, serde::Serialize)]
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

    fn adjacency(&self) -> HashMap<i64, BTreeSet<i64>> {
        let mut adj: HashMap<i64, BTreeSet<i64>> = HashMap::new();
        for e in &self.edges {
            adj.entry(e.from).or_default().insert(e.to);
            adj.entry(e.to).or_default().insert(e.from);
        }
        adj
    }

    /// Connected components (undirected) as sorted node-id lists, largest first.
    pub fn components(&self) -> Vec<Vec<i64>> {
        let adj = self.adjacency();
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for n in &self.nodes {
            if !seen.insert(n.id) {
                continue;
            }
            let mut part = vec![n.id];
            let mut queue = VecDeque::from([n.id]);
            while let Some(x) = queue.pop_front() {
                for &y in adj.get(&x).into_iter().flatten() {
                    if seen.insert(y) {
                        part.push(y);
                        queue.push_back(y);
                    }
                }
            }
            part.sort_unstable();
            out.push(part);
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        out
    }

    /// Nodes within `depth` steps of `start`, with their distance.
    pub fn neighbourhood(&self, start: i64, depth: usize) -> BTreeMap<i64, usize> {
        let adj = self.adjacency();
        let mut dist = BTreeMap::from([(start, 0)]);
        let mut queue = VecDeque::from([start]);
        while let Some(x) = queue.pop_front() {
            let d = dist[&x];
            if d == depth {
                continue;
            }
            for &y in adj.get(&x).into_iter().flatten() {
                if let std::collections::btree_map::Entry::Vacant(slot) = dist.entry(y) {
                    slot.insert(d + 1);
                    queue.push_back(y);
                }
            }
        }
        dist
    }

    /// A shortest path of node ids from `a` to `b` (breadth first), if connected.
    pub fn shortest_path(&self, a: i64, b: i64) -> Option<Vec<i64>> {
        let adj = self.adjacency();
        let mut parent = HashMap::from([(a, a)]);
        let mut queue = VecDeque::from([a]);
        while let Some(x) = queue.pop_front() {
            if x == b {
                let mut path = vec![b];
                while *path.last()? != a {
                    path.push(parent[path.last()?]);
                }
                path.reverse();
                return Some(path);
            }
            for &y in adj.get(&x).into_iter().flatten() {
                if let std::collections::hash_map::Entry::Vacant(slot) = parent.entry(y) {
                    slot.insert(x);
                    queue.push_back(y);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(i64, i64)]) -> Graph {
        let mut ids: Vec<i64> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        ids.extend([9]);
        ids.sort_unstable();
        ids.dedup();
        Graph {
            nodes: ids
                .iter()
                .map(|&id| Node {
                    id,
                    kind: "k".into(),
                    value: id.to_string(),
                })
                .collect(),
            edges: edges
                .iter()
                .map(|&(from, to)| Edge {
                    from,
                    to,
                    kind: "k".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn components_neighbourhoods_and_paths() {
        let g = graph(&[(1, 2), (2, 3), (3, 4), (5, 6)]);
        assert_eq!(g.components(), vec![vec![1, 2, 3, 4], vec![5, 6], vec![9]]);
        assert_eq!(
            g.neighbourhood(2, 1).keys().copied().collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(g.shortest_path(1, 4), Some(vec![1, 2, 3, 4]));
        assert_eq!(g.shortest_path(1, 5), None);
    }
}
