// The renderer's and the layout's settings in one place, shared by the graph view and the
// rendering benchmark (bench/graph_render/) so the benchmark measures what the app runs.

import { inferSettings } from "graphology-layout-forceatlas2";
import type { ForceAtlas2Settings } from "graphology-layout-forceatlas2";
import { EdgeLineProgram } from "sigma/rendering";

import type { DrawnGraph } from "./graphModel";

/** Rendered node size (pixels) from which sigma draws a label: labels appear on zoom. */
export const LABEL_SIZE = 9;

/** Above this many edges they are drawn as one-pixel lines (cheaper than sigma's quads). */
export const THIN_EDGES_ABOVE = 5_000;

/** Sigma settings for a graph of `edges` edges. */
export function sigmaSettings(edges: number) {
  return {
    ...(edges > THIN_EDGES_ABOVE ? { edgeProgramClasses: { line: EdgeLineProgram } } : {}),
    labelRenderedSizeThreshold: LABEL_SIZE,
    labelDensity: 0.5,
    hideEdgesOnMove: edges > 20_000,
    zIndex: true,
    defaultEdgeColor: "#b8c0c8",
  };
}

/** ForceAtlas2 settings for `graph`: inferred from its size, Barnes–Hut above 1,500 nodes. */
export function layoutSettings(graph: DrawnGraph): ForceAtlas2Settings {
  return { ...inferSettings(graph), barnesHutOptimize: graph.order > 1500, slowDown: 2 };
}
