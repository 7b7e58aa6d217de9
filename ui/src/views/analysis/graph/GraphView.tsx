// The Graph view: the infrastructure graph drawn with sigma (WebGL) and laid out by ForceAtlas2
// in a worker. Filters ask `graph_query` for a part of the graph under a node cap ("showing
// 5,000 of 48,211 nodes"); hubs collapse on demand; a click opens the node's panel, from which
// its neighbourhood is added. Without WebGL, or when a query is too large to draw honestly,
// the same nodes show as a table.

import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";

import { getGraphNeighbourhood, queryGraph, type GraphSlice } from "../../../ipc";
import type { ViewProps } from "../../../navigation";
import { formatCount } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { useCommand } from "../shared/useCommand";
import { DrawingBoundary } from "./DrawingBoundary";
import { GraphExport } from "./GraphExport";
import { GraphFilters, type GraphQueryState } from "./GraphFilters";
import {
  buildGraph,
  findNodes,
  isCollapsedHub,
  key,
  mergeSlices,
  type DrawnGraph,
} from "./graphModel";
import { NodePanel } from "./NodePanel";
import { NodeTable } from "./NodeTable";
import type { GraphCanvasHandle } from "./SigmaGraph";
import { webglAvailable } from "./webgl";
import "../analysis.css";

const SigmaGraph = lazy(async () => ({ default: (await import("./SigmaGraph")).SigmaGraph }));

/** A query whose nodes exceed the cap this many times is shown as a table unless forced. */
export const TOO_LARGE_FACTOR = 10;

/** The Graph view; `params.campaign` opens it on one campaign. */
export function GraphView({ params }: Partial<ViewProps>) {
  const [query, setQuery] = useState<GraphQueryState>({
    kinds: null,
    campaign: params?.campaign ?? null,
    since: null,
    until: null,
    nodeCap: 5_000,
  });
  const [hubs, setHubs] = useState({ collapse: false, maxDegree: 200 });
  const [locked, setLocked] = useState(false);
  const [forceDraw, setForceDraw] = useState(false);
  const [failure, setFailure] = useState<string | null>(() =>
    webglAvailable() ? null : "no WebGL",
  );
  const [expanded, setExpanded] = useState<GraphSlice | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [find, setFind] = useState("");
  const [canvas, setCanvas] = useState<GraphCanvasHandle | null>(null);
  const base = useCommand(() => queryGraph(query), [query]);
  const previous = useRef<DrawnGraph | undefined>(undefined);

  useEffect(() => setExpanded(null), [base.value]);
  const slice = expanded ?? base.value;
  const graph = useMemo(() => {
    if (!slice) return null;
    const built = buildGraph(slice, hubs, previous.current);
    previous.current = built;
    return built;
  }, [slice, hubs]);

  const tooLarge = !!slice && slice.total_nodes > TOO_LARGE_FACTOR * query.nodeCap && !forceDraw;
  const asTable = failure !== null || tooLarge;
  const shownNodes = slice ? slice.nodes.filter((n) => !isCollapsedHub(n, hubs)) : [];
  const selectedNode = slice?.nodes.find((n) => key(n.id) === selected) ?? null;

  const expand = async () => {
    if (!selectedNode || !slice) return;
    const more = await getGraphNeighbourhood(selectedNode.id, 1, query.nodeCap);
    setExpanded(mergeSlices(slice, more));
  };

  const applyQuery = (next: GraphQueryState) => {
    setQuery(next);
    setSelected(null);
  };

  const focusFound = (event: React.FormEvent) => {
    event.preventDefault();
    const [hit] = graph ? findNodes(graph, find, 1) : [];
    if (hit && canvas?.focus(hit)) return;
    if (hit && asTable) setSelected(hit);
  };

  return (
    <section className="view analysis-view graph-view" aria-labelledby="graph-title">
      <div className="analysis-toolbar">
        <h2 id="graph-title">Graph</h2>
        <span className="muted" data-testid="node-count">
          {slice
            ? `Showing ${formatCount(asTable ? shownNodes.length : (graph?.order ?? 0))} of ${formatCount(slice.total_nodes)} nodes`
            : "Loading…"}
        </span>
        <label>
          <input
            type="checkbox"
            checked={hubs.collapse}
            onChange={(e) => setHubs({ ...hubs, collapse: e.target.checked })}
          />{" "}
          Collapse hubs above{" "}
          <input
            type="number"
            min={1}
            value={hubs.maxDegree}
            aria-label="Hub degree"
            style={{ width: "5em" }}
            onChange={(e) => setHubs({ ...hubs, maxDegree: Math.max(1, Number(e.target.value)) })}
          />{" "}
          links
        </label>
        {!asTable && (
          <>
            <label>
              <input
                type="checkbox"
                checked={locked}
                onChange={(e) => setLocked(e.target.checked)}
              />{" "}
              Lock layout
            </label>
            <button
              type="button"
              disabled={locked}
              onClick={() => (running ? canvas?.stopLayout() : canvas?.relayout())}
            >
              {running ? "Stop layout" : "Run layout"}
            </button>
            <button type="button" onClick={() => canvas?.unpinAll()}>
              Unpin all
            </button>
          </>
        )}
        <form onSubmit={focusFound} className="inline-form">
          <input
            type="search"
            placeholder="find a node"
            aria-label="Find a node"
            data-shortcut-filter
            value={find}
            onChange={(e) => setFind(e.target.value)}
          />
          <button type="submit">Find</button>
        </form>
      </div>
      <GraphFilters query={query} onChange={applyQuery} />
      <InlineError error={base.error} />
      {failure && (
        <p className="notice" role="note">
          The graph cannot be drawn here ({failure}); its nodes are listed instead.
        </p>
      )}
      {tooLarge && failure === null && (
        <p className="notice" role="note">
          This query matches {formatCount(slice!.total_nodes)} nodes; the{" "}
          {formatCount(query.nodeCap)} drawn would hide most of it. Narrow it by kind, campaign or
          time, or{" "}
          <button type="button" className="link-button" onClick={() => setForceDraw(true)}>
            draw the first {formatCount(query.nodeCap)} anyway
          </button>
          .
        </p>
      )}
      {slice && slice.nodes.length === 0 && (
        <p className="empty-state">
          No node matches. Scan some URLs first, or widen the kinds, campaign and time filters.
        </p>
      )}

      <div className="analysis-split graph-split">
        <div className="graph-stage">
          {graph && asTable && (
            <NodeTable
              nodes={shownNodes}
              selected={selectedNode?.id ?? null}
              onSelect={(id) => setSelected(key(id))}
            />
          )}
          {graph && !asTable && (
            <DrawingBoundary onFailure={setFailure}>
              <Suspense fallback={<p className="muted">Starting the renderer…</p>}>
                <SigmaGraph
                  ref={setCanvas}
                  graph={graph}
                  selected={selected}
                  locked={locked}
                  onSelect={setSelected}
                  onLayout={setRunning}
                  onFailure={setFailure}
                />
              </Suspense>
            </DrawingBoundary>
          )}
          {!asTable && <GraphExport canvas={canvas} />}
        </div>
        {selectedNode && (
          <NodePanel
            key={selectedNode.id}
            node={selectedNode}
            pinned={!!graph?.hasNode(selected!) && graph.getNodeAttribute(selected!, "fixed")}
            onExpand={expand}
            onUnpin={() => graph?.setNodeAttribute(selected!, "fixed", false)}
            onGenericChanged={base.reload}
            onClose={() => setSelected(null)}
          />
        )}
      </div>
    </section>
  );
}
