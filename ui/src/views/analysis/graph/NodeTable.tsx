// The graph as a table: what the view shows instead of the drawing when WebGL is missing or a
// query is too large to draw honestly. Nodes are sorted by degree (hubs first) and rendered
// through a virtualizer, so tens of thousands of rows stay cheap; a click selects a node and
// opens the same side panel as a click in the drawing.

import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";

import type { GraphNode } from "../../../ipc";
import { formatCount } from "../shared/format";

const ROW = 28;

/** The table of `nodes`; `selected` is highlighted. */
export function NodeTable(props: {
  nodes: GraphNode[];
  selected: number | null;
  onSelect: (id: number) => void;
}) {
  const { nodes, selected, onSelect } = props;
  const sorted = useMemo(
    () => [...nodes].sort((a, b) => b.degree - a.degree || a.id - b.id),
    [nodes],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
    initialRect: { width: 800, height: 600 },
  });

  return (
    <div className="node-table" role="table" aria-label="Graph nodes" aria-rowcount={sorted.length}>
      <div className="node-row node-head" role="row">
        <span role="columnheader">Label</span>
        <span role="columnheader">Kind</span>
        <span role="columnheader" className="num">
          Links
        </span>
        <span role="columnheader">Campaign</span>
      </div>
      <div className="node-scroller" ref={scroller}>
        <div style={{ height: rows.getTotalSize(), position: "relative" }}>
          {rows.getVirtualItems().map((item) => {
            const node = sorted[item.index];
            return (
              <div
                key={node.id}
                role="row"
                className={node.id === selected ? "node-row selected" : "node-row"}
                style={{ position: "absolute", top: item.start, height: ROW, width: "100%" }}
                onClick={() => onSelect(node.id)}
              >
                <span role="cell" className="mono ellipsis">
                  {node.label}
                </span>
                <span role="cell">
                  {node.kind}
                  {node.generic ? " (generic)" : ""}
                </span>
                <span role="cell" className="num">
                  {formatCount(node.degree)}
                </span>
                <span role="cell" className="ellipsis">
                  {node.campaign ?? ""}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
