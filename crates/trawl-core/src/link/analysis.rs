//! Graph analysis on petgraph: connected components, a target's neighbourhood to a depth, and
//! the shortest chain of shared values between two targets. The graph is read from
//! `graph_nodes` / `graph_edges` with generic values left out (they would connect everything
//! to everything), either whole ([`LinkGraph::load`]) or grown hop by hop around some targets
//! with a node cap ([`LinkGraph::load_around`]), so a query on a large database reads only
//! what it needs. Results name database node ids and carry kind and value, ready for the CLI
//! and the desktop app.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::EdgeRef as _;
use serde::Serialize;
use sqlx::PgPool;

use super::LinkError;
use super::generic::{self, GenericValues};
use super::graph::{Edge, Graph, Node};

/// Node kind of targets (value: the target id).
pub const TARGET_KIND: &str = "target";

/// A node of an analysis result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GraphNode {
    /// `graph_nodes.id`.
    pub id: i64,
    /// Pivot kind, or `target`.
    pub kind: String,
    /// The value (a target id for targets).
    pub value: String,
    /// Hops from the start (neighbourhoods; 0 elsewhere).
    pub depth: usize,
}

/// A subgraph: nodes (by depth, then id) and the edges among them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Subgraph {
    /// The nodes.
    pub nodes: Vec<GraphNode>,
    /// Edges between them (`from`/`to` are node ids), ordered.
    pub edges: Vec<Edge>,
    /// Whether the node cap cut the result short.
    pub truncated: bool,
}

/// The shortest chain linking two targets: alternating target and value nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkPath {
    /// Nodes from the first target to the second.
    pub nodes: Vec<GraphNode>,
    /// The edge kind of each step (`nodes.len() - 1` entries).
    pub steps: Vec<String>,
}

impl LinkPath {
    /// The values on the path (every node that is not a target).
    pub fn values(&self) -> impl Iterator<Item = &GraphNode> {
        self.nodes.iter().filter(|n| n.kind != TARGET_KIND)
    }
}

/// The link graph in memory (undirected), generic values excluded.
#[derive(Debug, Default)]
pub struct LinkGraph {
    graph: UnGraph<Node, String>,
    index: HashMap<i64, NodeIndex>,
    /// Whether growing it stopped at the node cap.
    pub truncated: bool,
}

impl LinkGraph {
    /// A link graph of `graph` without the values `generic` lists.
    pub fn from_graph(graph: &Graph, generic: &GenericValues) -> LinkGraph {
        let mut out = LinkGraph::default();
        for n in &graph.nodes {
            out.add_node(n, generic);
        }
        for e in &graph.edges {
            out.add_edge(e);
        }
        out
    }

    fn add_node(&mut self, n: &Node, generic: &GenericValues) {
        let generic_value = n.kind != TARGET_KIND && generic.contains(&n.kind, &n.value);
        if !generic_value && !self.index.contains_key(&n.id) {
            let ix = self.graph.add_node(n.clone());
            self.index.insert(n.id, ix);
        }
    }

    fn add_edge(&mut self, e: &Edge) {
        if let (Some(&a), Some(&b)) = (self.index.get(&e.from), self.index.get(&e.to))
            && self.graph.find_edge(a, b).is_none()
        {
            self.graph.add_edge(a, b, e.kind.clone());
        }
    }

    /// The whole stored graph.
    pub async fn load(pool: &PgPool) -> Result<LinkGraph, sqlx::Error> {
        let generic = generic::cached(pool).await?;
        Ok(LinkGraph::from_graph(&Graph::load(pool).await?, &generic))
    }

    /// The graph grown from `targets` (target ids) `depth` hops out, through non-generic values
    /// only, stopping once it holds `max_nodes` nodes.
    pub async fn load_around(
        pool: &PgPool,
        targets: &[i64],
        depth: usize,
        max_nodes: usize,
    ) -> Result<LinkGraph, LinkError> {
        let generic = generic::cached(pool).await?;
        let mut out = LinkGraph::default();
        let names: Vec<String> = targets.iter().map(i64::to_string).collect();
        let starts: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, kind, value FROM graph_nodes WHERE kind = 'target' AND value = ANY($1)",
        )
        .bind(&names)
        .fetch_all(pool)
        .await?;
        if let Some(missing) = targets
            .iter()
            .find(|t| !starts.iter().any(|s| s.2 == t.to_string()))
        {
            return Err(LinkError::NoTarget(*missing));
        }
        let mut frontier: Vec<i64> = Vec::new();
        for (id, kind, value) in starts {
            out.add_node(&Node { id, kind, value }, &generic);
            frontier.push(id);
        }
        for _ in 0..depth {
            if frontier.is_empty() || out.graph.node_count() >= max_nodes {
                break;
            }
            frontier = out.grow(pool, &generic, &frontier, max_nodes).await?;
        }
        Ok(out)
    }

    /// One hop: edges touching `frontier`, and their new nodes (up to the cap). Returns the
    /// new nodes.
    async fn grow(
        &mut self,
        pool: &PgPool,
        generic: &GenericValues,
        frontier: &[i64],
        max_nodes: usize,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let edges: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT from_node, to_node, kind FROM graph_edges \
             WHERE from_node = ANY($1) OR to_node = ANY($1) ORDER BY id LIMIT $2",
        )
        .bind(frontier)
        .bind((max_nodes * 8) as i64)
        .fetch_all(pool)
        .await?;
        let mut wanted: Vec<i64> = edges
            .iter()
            .flat_map(|(a, b, _)| [*a, *b])
            .filter(|id| !self.index.contains_key(id))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let nodes: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, kind, value FROM graph_nodes WHERE id = ANY($1) ORDER BY id",
        )
        .bind(&wanted)
        .fetch_all(pool)
        .await?;
        let mut added = Vec::new();
        for (id, kind, value) in nodes {
            if self.graph.node_count() >= max_nodes {
                self.truncated = true;
                break;
            }
            let before = self.graph.node_count();
            self.add_node(&Node { id, kind, value }, generic);
            if self.graph.node_count() > before {
                added.push(id);
            }
        }
        for (from, to, kind) in edges {
            self.add_edge(&Edge { from, to, kind });
        }
        Ok(added)
    }

    fn node(&self, ix: NodeIndex, depth: usize) -> GraphNode {
        let n = &self.graph[ix];
        GraphNode {
            id: n.id,
            kind: n.kind.clone(),
            value: n.value.clone(),
            depth,
        }
    }

    fn target_index(&self, target: i64) -> Option<NodeIndex> {
        let name = target.to_string();
        self.graph
            .node_indices()
            .find(|&ix| self.graph[ix].kind == TARGET_KIND && self.graph[ix].value == name)
    }

    /// Connected components with two or more targets, as sorted target-id lists, largest
    /// first.
    pub fn components(&self) -> Vec<Vec<i64>> {
        let mut out: Vec<Vec<i64>> = petgraph::algo::tarjan_scc(&self.graph)
            .into_iter()
            .map(|part| {
                let mut targets: Vec<i64> = part
                    .iter()
                    .filter(|&&ix| self.graph[ix].kind == TARGET_KIND)
                    .filter_map(|&ix| self.graph[ix].value.parse().ok())
                    .collect();
                targets.sort_unstable();
                targets
            })
            .filter(|t| t.len() > 1)
            .collect();
        out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        out
    }

    /// Everything within `depth` hops of `target`, at most `max_nodes` nodes (nearest first),
    /// with the edges among them. `None` when the target is not in the graph.
    pub fn neighbourhood(&self, target: i64, depth: usize, max_nodes: usize) -> Option<Subgraph> {
        let start = self.target_index(target)?;
        self.around(&[start], depth, max_nodes)
    }

    /// Everything within `depth` hops of any of `starts`, capped, with the edges among them.
    fn around(&self, starts: &[NodeIndex], depth: usize, max_nodes: usize) -> Option<Subgraph> {
        let mut dist: BTreeMap<NodeIndex, usize> = starts.iter().map(|&s| (s, 0)).collect();
        let mut queue: VecDeque<NodeIndex> = starts.iter().copied().collect();
        let mut truncated = self.truncated;
        while let Some(x) = queue.pop_front() {
            let d = dist[&x];
            if d == depth {
                continue;
            }
            let mut next: Vec<NodeIndex> = self.graph.neighbors(x).collect();
            next.sort_unstable_by_key(|&n| self.graph[n].id);
            for y in next {
                if dist.contains_key(&y) {
                    continue;
                }
                if dist.len() >= max_nodes {
                    truncated = true;
                    break;
                }
                dist.insert(y, d + 1);
                queue.push_back(y);
            }
        }
        let mut nodes: Vec<GraphNode> = dist.iter().map(|(&ix, &d)| self.node(ix, d)).collect();
        nodes.sort_by_key(|n| (n.depth, n.id));
        let kept: HashSet<NodeIndex> = dist.keys().copied().collect();
        let mut edges: Vec<Edge> = self
            .graph
            .edge_references()
            .filter(|e| kept.contains(&e.source()) && kept.contains(&e.target()))
            .map(|e| Edge {
                from: self.graph[e.source()].id,
                to: self.graph[e.target()].id,
                kind: e.weight().clone(),
            })
            .collect();
        edges.sort_by(|a, b| (a.from, a.to, &a.kind).cmp(&(b.from, b.to, &b.kind)));
        Some(Subgraph {
            nodes,
            edges,
            truncated,
        })
    }

    /// The subgraph around several targets (a campaign's members), capped.
    pub fn around_targets(&self, targets: &[i64], depth: usize, max_nodes: usize) -> Subgraph {
        let starts: Vec<NodeIndex> = targets
            .iter()
            .filter_map(|&t| self.target_index(t))
            .collect();
        self.around(&starts, depth, max_nodes).unwrap_or_default()
    }

    /// The shortest chain of shared values from target `a` to target `b`, if they connect.
    pub fn shortest_path(&self, a: i64, b: i64) -> Option<LinkPath> {
        let (start, goal) = (self.target_index(a)?, self.target_index(b)?);
        let (_, path) =
            petgraph::algo::astar(&self.graph, start, |n| n == goal, |_| 1usize, |_| 0)?;
        let steps = path
            .windows(2)
            .map(|w| {
                let e = self
                    .graph
                    .find_edge(w[0], w[1])
                    .expect("consecutive on a path");
                self.graph[e].clone()
            })
            .collect();
        Some(LinkPath {
            nodes: path.iter().map(|&ix| self.node(ix, 0)).collect(),
            steps,
        })
    }
}

/// Default hops searched for a link path.
pub const PATH_DEPTH: usize = 8;

/// Default node cap of graph queries.
pub const NODE_CAP: usize = 2_000;

/// The neighbourhood of `target` in the stored graph: nodes within `depth` hops (generic values
/// left out), at most `max_nodes`.
pub async fn neighbourhood(
    pool: &PgPool,
    target: i64,
    depth: usize,
    max_nodes: usize,
) -> Result<Subgraph, LinkError> {
    let graph = LinkGraph::load_around(pool, &[target], depth, max_nodes).await?;
    graph
        .neighbourhood(target, depth, max_nodes)
        .ok_or(LinkError::NoTarget(target))
}

/// The shortest chain of shared values between targets `a` and `b` in the stored graph
/// (searched up to [`PATH_DEPTH`] hops from each, at most `max_nodes` nodes), or `None`.
pub async fn link_path(
    pool: &PgPool,
    a: i64,
    b: i64,
    max_nodes: usize,
) -> Result<Option<LinkPath>, LinkError> {
    let graph = LinkGraph::load_around(pool, &[a, b], PATH_DEPTH / 2, max_nodes).await?;
    Ok(graph.shortest_path(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, kind: &str, value: &str) -> Node {
        Node {
            id,
            kind: kind.into(),
            value: value.into(),
        }
    }

    fn edge(from: i64, to: i64, kind: &str) -> Edge {
        Edge {
            from,
            to,
            kind: kind.into(),
        }
    }

    /// Targets 1–2 share an IP, 2–3 a favicon, 4 shares only a generic (empty) favicon.
    fn sample() -> LinkGraph {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let graph = Graph {
            nodes: vec![
                node(1, "target", "1"),
                node(2, "target", "2"),
                node(3, "target", "3"),
                node(4, "target", "4"),
                node(10, "ip", "192.0.2.1"),
                node(11, "favicon_sha256", "aa"),
                node(12, "favicon_sha256", empty),
            ],
            edges: vec![
                edge(1, 10, "ip"),
                edge(2, 10, "ip"),
                edge(2, 11, "favicon_sha256"),
                edge(3, 11, "favicon_sha256"),
                edge(3, 12, "favicon_sha256"),
                edge(4, 12, "favicon_sha256"),
            ],
        };
        LinkGraph::from_graph(&graph, &GenericValues::shipped())
    }

    #[test]
    fn generic_values_do_not_connect_components() {
        assert_eq!(sample().components(), vec![vec![1, 2, 3]]);
    }

    #[test]
    fn paths_name_the_values_that_connect() {
        let path = sample().shortest_path(1, 3).expect("connected");
        let values: Vec<&str> = path.values().map(|n| n.value.as_str()).collect();
        assert_eq!(values, ["192.0.2.1", "aa"]);
        assert_eq!(path.steps, ["ip", "ip", "favicon_sha256", "favicon_sha256"]);
        assert!(sample().shortest_path(1, 4).is_none());
    }

    #[test]
    fn neighbourhoods_stop_at_depth_and_cap() {
        let g = sample();
        let two = g.neighbourhood(1, 2, 100).unwrap();
        let ids: Vec<i64> = two.nodes.iter().map(|n| n.id).collect();
        assert_eq!(ids, [1, 10, 2]);
        assert_eq!(two.edges.len(), 2);
        assert!(!two.truncated);
        let capped = g.neighbourhood(1, 4, 2).unwrap();
        assert_eq!(capped.nodes.len(), 2);
        assert!(capped.truncated);
        assert!(g.neighbourhood(99, 1, 10).is_none());
    }
}
