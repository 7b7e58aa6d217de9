// The graph the view draws, built from what `graph_query` and `graph_neighbourhood` return:
// slices are merged by id (expanding a neighbourhood adds to what is shown), hubs can be
// collapsed (generic values, or nodes above a degree), and positions carry over from the graph
// drawn before so the picture does not jump when a filter or an expansion rebuilds it. Nothing
// here touches the DOM or WebGL; sigma and the layout worker read the graphology graph built here.

import Graph from "graphology";

import type { GraphNode, GraphSlice } from "../../../ipc";

/** Attributes of a drawn node (sigma reads x, y, size, color, label). */
export interface NodeAttributes {
  x: number;
  y: number;
  size: number;
  color: string;
  label: string;
  kind: string;
  campaign: string | null;
  degree: number;
  generic: boolean;
  /** Pinned by the analyst: the layout leaves it where it was dropped. */
  fixed: boolean;
}

/** Attributes of a drawn edge. */
export interface EdgeAttributes {
  kind: string;
  size: number;
  color: string;
}

/** The graph the view draws. */
export type DrawnGraph = Graph<NodeAttributes, EdgeAttributes>;

/** How hubs are collapsed: hidden when generic, or when their degree exceeds `maxDegree`. */
export interface HubOptions {
  collapse: boolean;
  maxDegree: number;
}

/** Colour of each node kind; kinds not listed use OTHER_COLOUR. */
export const KIND_COLOURS: Record<string, string> = {
  target: "#1f6feb",
  domain: "#2da44e",
  registered_domain: "#1a7f37",
  ip: "#d29922",
  certificate: "#e16f24",
  favicon_hash: "#bf3989",
  favicon_sha256: "#a0376e",
  jarm: "#8250df",
  dom_hash: "#0a8a8a",
  headers_hash: "#4e8fb8",
  html_tlsh: "#5e9e6e",
  asset_sha256: "#7d7f84",
  screenshot_phash: "#b35900",
  email: "#cf222e",
  phone: "#d1242f",
  wallet: "#9a6700",
};
const OTHER_COLOUR = "#8c959f";

/** Node kinds offered as filters, in the order the toolbar lists them. */
export const NODE_KINDS = Object.keys(KIND_COLOURS);

/** The key sigma and graphology use for a node or edge id. */
export const key = (id: number): string => String(id);

/** Node size from its degree in the whole graph: bigger hubs, bounded. */
export function nodeSize(degree: number): number {
  return Math.min(16, 2.5 + 1.6 * Math.log2(1 + Math.max(0, degree)));
}

/** Whether a node is hidden by hub collapsing. */
export function isCollapsedHub(node: Pick<GraphNode, "generic" | "degree">, hubs: HubOptions) {
  return hubs.collapse && (node.generic || node.degree > hubs.maxDegree);
}

/** `more` added to `base`: nodes and edges by id (the newer copy wins), counts kept honest. */
export function mergeSlices(base: GraphSlice, more: GraphSlice): GraphSlice {
  const nodes = new Map(base.nodes.map((n) => [n.id, n]));
  for (const n of more.nodes) nodes.set(n.id, n);
  const edges = new Map(base.edges.map((e) => [e.id, e]));
  for (const e of more.edges) edges.set(e.id, e);
  const added = nodes.size - base.nodes.length;
  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    truncated: base.truncated || more.truncated,
    total_nodes: Math.max(base.total_nodes + added, nodes.size),
  };
}

/** A deterministic point in the unit disc for a node id (the same id lands in the same place). */
export function seedPosition(id: number): { x: number; y: number } {
  let h = (id ^ 0x9e3779b9) >>> 0;
  const next = () => {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
    return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
  };
  const angle = next() * 2 * Math.PI;
  const radius = Math.sqrt(next());
  return { x: radius * Math.cos(angle) * 100, y: radius * Math.sin(angle) * 100 };
}

/**
 * The graph to draw for `slice` with hubs collapsed. Nodes already in `previous` keep their
 * position and pin; new nodes start next to a placed neighbour, else at their seed position.
 */
export function buildGraph(slice: GraphSlice, hubs: HubOptions, previous?: DrawnGraph): DrawnGraph {
  const graph: DrawnGraph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
  for (const node of slice.nodes) {
    if (isCollapsedHub(node, hubs)) continue;
    const k = key(node.id);
    const old = previous?.hasNode(k) ? previous.getNodeAttributes(k) : null;
    const seed = old ?? seedPosition(node.id);
    graph.addNode(k, {
      x: seed.x,
      y: seed.y,
      size: nodeSize(node.degree),
      color: KIND_COLOURS[node.kind] ?? OTHER_COLOUR,
      label: node.label,
      kind: node.kind,
      campaign: node.campaign,
      degree: node.degree,
      generic: node.generic,
      fixed: old?.fixed ?? false,
    });
  }
  for (const edge of slice.edges) {
    const [s, t] = [key(edge.source), key(edge.target)];
    if (s === t || !graph.hasNode(s) || !graph.hasNode(t) || graph.hasEdge(s, t)) continue;
    graph.addEdgeWithKey(key(edge.id), s, t, { kind: edge.kind, size: 1, color: "#b8c0c8" });
  }
  placeNewcomers(graph, previous);
  return graph;
}

/** Moves nodes that were not drawn before next to a neighbour that was, so expansions grow out. */
function placeNewcomers(graph: DrawnGraph, previous?: DrawnGraph) {
  if (!previous || previous.order === 0) return;
  graph.forEachNode((node) => {
    if (previous.hasNode(node)) return;
    const anchor = graph.findNeighbor(node, (n) => previous.hasNode(n));
    if (anchor === undefined) return;
    const at = graph.getNodeAttributes(anchor);
    const jitter = seedPosition(Number(node) || 0);
    graph.mergeNodeAttributes(node, { x: at.x + jitter.x / 20, y: at.y + jitter.y / 20 });
  });
}

/** Node ids whose label contains `text` (case-insensitive), best match (exact, then hubs) first. */
export function findNodes(graph: DrawnGraph, text: string, limit = 20): string[] {
  const needle = text.trim().toLowerCase();
  if (needle === "") return [];
  const hits: { node: string; exact: boolean; degree: number }[] = [];
  graph.forEachNode((node, attrs) => {
    const label = attrs.label.toLowerCase();
    if (label.includes(needle)) hits.push({ node, exact: label === needle, degree: attrs.degree });
  });
  hits.sort((a, b) => Number(b.exact) - Number(a.exact) || b.degree - a.degree);
  return hits.slice(0, limit).map((h) => h.node);
}
