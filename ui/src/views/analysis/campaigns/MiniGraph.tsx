// A campaign's graph neighbourhood as a small static SVG: `graph_query` limited to the campaign
// and a few hundred nodes, laid out synchronously with ForceAtlas2 (cheap at this size), drawn
// as circles and lines. Node values appear as tooltips (React text); the Graph view opens the
// same neighbourhood interactively.

import forceAtlas2 from "graphology-layout-forceatlas2";
import { useMemo } from "react";

import { queryGraph } from "../../../ipc";
import { formatCount } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { useCommand } from "../shared/useCommand";
import { buildGraph } from "../graph/graphModel";

/** Nodes drawn at most. */
export const MINI_CAP = 300;
const SIZE = 320;
const PAD = 12;

/** The neighbourhood drawing of campaign `campaign`; `onOpenGraph` opens the Graph view. */
export function MiniGraph(props: { campaign: string; onOpenGraph: () => void }) {
  const { campaign, onOpenGraph } = props;
  const slice = useCommand(
    () => queryGraph({ kinds: null, campaign, since: null, until: null, nodeCap: MINI_CAP }),
    [campaign],
  );
  const drawing = useMemo(() => {
    if (!slice.value) return null;
    const graph = buildGraph(slice.value, { collapse: false, maxDegree: 0 });
    if (graph.order > 1)
      forceAtlas2.assign(graph, { iterations: 120, settings: forceAtlas2.inferSettings(graph) });
    const xs = graph.mapNodes((_, a) => a.x);
    const ys = graph.mapNodes((_, a) => a.y);
    const [minX, maxX, minY, maxY] = [
      Math.min(...xs),
      Math.max(...xs),
      Math.min(...ys),
      Math.max(...ys),
    ];
    const scale = (SIZE - 2 * PAD) / Math.max(maxX - minX, maxY - minY, 1e-9);
    const at = (x: number, y: number) => ({
      x: PAD + (x - minX) * scale,
      y: PAD + (maxY - y) * scale,
    });
    return { graph, at };
  }, [slice.value]);

  return (
    <figure className="card mini-graph">
      <figcaption>
        Graph neighbourhood{" "}
        {slice.value &&
          `(${formatCount(slice.value.nodes.length)} of ${formatCount(slice.value.total_nodes)} nodes)`}{" "}
        <button type="button" className="link-button" onClick={onOpenGraph}>
          Open in Graph
        </button>
      </figcaption>
      <InlineError error={slice.error} />
      {drawing && (
        <svg
          width={SIZE}
          height={SIZE}
          viewBox={`0 0 ${SIZE} ${SIZE}`}
          role="img"
          aria-label={`Graph of campaign ${campaign}`}
          data-node-count={drawing.graph.order}
        >
          {drawing.graph.mapEdges((edge, _a, _s, _t, sa, ta) => {
            const [p, q] = [drawing.at(sa.x, sa.y), drawing.at(ta.x, ta.y)];
            return <line key={edge} x1={p.x} y1={p.y} x2={q.x} y2={q.y} className="mini-edge" />;
          })}
          {drawing.graph.mapNodes((node, a) => {
            const p = drawing.at(a.x, a.y);
            return (
              <circle key={node} cx={p.x} cy={p.y} r={Math.min(8, a.size / 1.6)} fill={a.color}>
                <title>{`${a.kind}: ${a.label}`}</title>
              </circle>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
