// The graph model: building the drawn graph from slices, hub collapsing, positions carried
// over, merging expansions, and finding nodes by label.

import { describe, expect, it } from "vitest";

import type { GraphSlice } from "../../../ipc";
import { buildGraph, findNodes, mergeSlices, nodeSize, seedPosition } from "./graphModel";

const NO_HUBS = { collapse: false, maxDegree: 100 };

function slice(): GraphSlice {
  return {
    nodes: [
      {
        id: 1,
        kind: "target",
        label: "https://a.example/",
        campaign: "c1",
        degree: 2,
        generic: false,
      },
      { id: 2, kind: "ip", label: "10.0.0.1", campaign: null, degree: 150, generic: false },
      { id: 3, kind: "favicon_hash", label: "-123", campaign: null, degree: 3, generic: true },
      {
        id: 4,
        kind: "target",
        label: "https://b.example/",
        campaign: "c1",
        degree: 2,
        generic: false,
      },
    ],
    edges: [
      { id: 10, source: 1, target: 2, kind: "ip" },
      { id: 11, source: 4, target: 2, kind: "ip" },
      { id: 12, source: 1, target: 3, kind: "favicon_hash" },
      { id: 13, source: 1, target: 1, kind: "loop" },
      { id: 14, source: 1, target: 99, kind: "dangling" },
    ],
    truncated: true,
    total_nodes: 40,
  };
}

describe("graphModel", () => {
  it("builds nodes and edges, dropping loops and edges to nodes not drawn", () => {
    const g = buildGraph(slice(), NO_HUBS);
    expect(g.order).toBe(4);
    expect(g.size).toBe(3);
    expect(g.getNodeAttribute("2", "size")).toBeGreaterThan(g.getNodeAttribute("1", "size"));
    expect(g.getNodeAttribute("1", "color")).not.toBe(g.getNodeAttribute("2", "color"));
  });

  it("collapses generic values and nodes above the degree threshold", () => {
    const g = buildGraph(slice(), { collapse: true, maxDegree: 100 });
    expect(g.nodes().sort()).toEqual(["1", "4"]);
    expect(g.size).toBe(0);
  });

  it("keeps positions and pins of nodes drawn before", () => {
    const first = buildGraph(slice(), NO_HUBS);
    first.mergeNodeAttributes("1", { x: 42, y: -7, fixed: true });
    const second = buildGraph(slice(), { collapse: true, maxDegree: 100 }, first);
    expect(second.getNodeAttributes("1")).toMatchObject({ x: 42, y: -7, fixed: true });
    expect(seedPosition(5)).toEqual(seedPosition(5));
    expect(seedPosition(5)).not.toEqual(seedPosition(6));
  });

  it("merges an expansion by id and places newcomers near a drawn neighbour", () => {
    const base = slice();
    const first = buildGraph(base, NO_HUBS);
    first.mergeNodeAttributes("2", { x: 500, y: 500 });
    const more: GraphSlice = {
      nodes: [
        base.nodes[1],
        {
          id: 5,
          kind: "target",
          label: "https://c.example/",
          campaign: null,
          degree: 1,
          generic: false,
        },
      ],
      edges: [{ id: 15, source: 5, target: 2, kind: "ip" }],
      truncated: false,
      total_nodes: 2,
    };
    const merged = mergeSlices(base, more);
    expect(merged.nodes).toHaveLength(5);
    expect(merged.edges).toHaveLength(6);
    expect(merged.total_nodes).toBe(41);
    const second = buildGraph(merged, NO_HUBS, first);
    const { x, y } = second.getNodeAttributes("5");
    expect(Math.hypot(x - 500, y - 500)).toBeLessThan(10);
  });

  it("finds nodes by label, exact matches and hubs first", () => {
    const g = buildGraph(slice(), NO_HUBS);
    expect(findNodes(g, "EXAMPLE")).toEqual(["1", "4"]);
    expect(findNodes(g, "10.0.0.1")).toEqual(["2"]);
    expect(findNodes(g, "  ")).toEqual([]);
    expect(nodeSize(1_000_000)).toBe(16);
  });
});
