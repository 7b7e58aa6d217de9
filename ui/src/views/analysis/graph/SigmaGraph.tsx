// The WebGL drawing of the graph (sigma 3): labels appear as nodes grow on zoom (sigma's
// rendered-size threshold), a click selects a node, dragging a node pins it where it is
// dropped, and the layout runs in a worker until it settles, is stopped, or is locked. The
// parent reaches it through a handle to focus a node, unpin nodes, rerun the layout and export
// what is on screen. Labels are drawn on a canvas, never inserted as markup.

import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import Sigma from "sigma";

import type { DrawnGraph, EdgeAttributes, NodeAttributes } from "./graphModel";
import { LayoutRunner, runDuration } from "./layout";
import { sigmaSettings } from "./settings";
import { graphToSvg, type SvgEdge, type SvgNode } from "./svgExport";

type Renderer = Sigma<NodeAttributes, EdgeAttributes>;

/** What the graph view can ask of the drawing. */
export interface GraphCanvasHandle {
  /** Centres and zooms on a node; false when it is not drawn. */
  focus(node: string): boolean;
  /** Unpins every pinned node. */
  unpinAll(): void;
  /** Runs the layout again (unless locked). */
  relayout(): void;
  /** Stops the layout. */
  stopLayout(): void;
  /** The picture on screen as PNG, base64. */
  png(background: string): string;
  /** The picture on screen as an SVG document. */
  svg(background: string): string;
}

export interface SigmaGraphProps {
  graph: DrawnGraph;
  selected: string | null;
  locked: boolean;
  onSelect: (node: string | null) => void;
  onLayout: (running: boolean) => void;
  onFailure: (message: string) => void;
}

/** The sigma canvas for `graph`. */
export const SigmaGraph = forwardRef<GraphCanvasHandle, SigmaGraphProps>(
  function SigmaGraph(props, ref) {
    const { graph, selected, locked } = props;
    const container = useRef<HTMLDivElement>(null);
    const renderer = useRef<Renderer | null>(null);
    const layout = useRef<LayoutRunner | null>(null);
    const latest = useRef(props);
    latest.current = props;

    // One renderer for the component's life; drag-to-pin and clicks are wired once.
    useEffect(() => {
      let sigma: Renderer;
      try {
        sigma = new Sigma<NodeAttributes, EdgeAttributes>(
          graph,
          container.current!,
          sigmaSettings(graph.size),
        );
      } catch (err) {
        latest.current.onFailure(err instanceof Error ? err.message : String(err));
        return;
      }
      renderer.current = sigma;
      wireDragAndClick(
        sigma,
        () => layout.current,
        () => latest.current,
      );
      const lost = () => latest.current.onFailure("the WebGL context was lost");
      const canvas = sigma.getCanvases().nodes;
      canvas?.addEventListener("webglcontextlost", lost);
      return () => {
        canvas?.removeEventListener("webglcontextlost", lost);
        layout.current?.kill();
        layout.current = null;
        sigma.kill();
        renderer.current = null;
      };
    }, []); // eslint-disable-line react-hooks/exhaustive-deps

    // A new graph: hand it to the renderer and lay it out (unless locked).
    useEffect(() => {
      const sigma = renderer.current;
      if (!sigma) return;
      if (sigma.getGraph() !== graph) sigma.setGraph(graph);
      sigma.setCustomBBox(null);
      layout.current?.kill();
      const runner = new LayoutRunner(graph, (running) => latest.current.onLayout(running));
      layout.current = runner;
      if (!locked && graph.order > 0) runner.start(runDuration(graph.order));
      else latest.current.onLayout(false);
    }, [graph]); // eslint-disable-line react-hooks/exhaustive-deps

    useEffect(() => {
      if (locked) layout.current?.stop();
    }, [locked]);

    // Selection: the node highlighted, its edges darker, pinned nodes always labelled.
    useEffect(() => {
      const sigma = renderer.current;
      if (!sigma) return;
      sigma.setSetting("nodeReducer", (node, data) => {
        if (node === selected) return { ...data, highlighted: true, zIndex: 2 };
        return data.fixed ? { ...data, forceLabel: true, zIndex: 1 } : data;
      });
      sigma.setSetting("edgeReducer", (edge, data) => {
        const drawn = sigma.getGraph();
        if (selected === null || !drawn.hasEdge(edge) || !drawn.hasExtremity(edge, selected)) {
          return data;
        }
        return { ...data, color: "#57606a", size: 2, zIndex: 1 };
      });
    }, [selected, graph]);

    useImperativeHandle(
      ref,
      () => ({
        focus(node) {
          const sigma = renderer.current;
          const data = sigma?.getNodeDisplayData(node);
          if (!sigma || !data) return false;
          layout.current?.stop();
          sigma.getCamera().animate({ x: data.x, y: data.y, ratio: 0.35 }, { duration: 300 });
          return true;
        },
        unpinAll() {
          graph.updateEachNodeAttributes((_, attrs) => ({ ...attrs, fixed: false }));
          renderer.current?.refresh();
        },
        relayout() {
          if (!latest.current.locked) layout.current?.start(runDuration(graph.order));
        },
        stopLayout() {
          layout.current?.stop();
        },
        png(background) {
          return renderer.current ? drawPng(renderer.current, background) : "";
        },
        svg(background) {
          return renderer.current ? drawSvg(renderer.current, background) : "";
        },
      }),
      // A new handle only with a new graph: the parent keeps the handle in its state.
      [graph],
    );

    return (
      <div
        ref={container}
        className="sigma-container"
        data-testid="graph-canvas"
        data-node-count={graph.order}
      />
    );
  },
);

/** Click to select, drag to move and pin; a drag that moved is not also a click. */
function wireDragAndClick(
  sigma: Renderer,
  layout: () => LayoutRunner | null,
  props: () => SigmaGraphProps,
) {
  let dragged: string | null = null;
  let moved = false;
  let resume = false;
  sigma.on("downNode", ({ node }) => {
    dragged = node;
    moved = false;
    resume = layout()?.running ?? false;
    if (!sigma.getCustomBBox()) sigma.setCustomBBox(sigma.getBBox());
  });
  const captor = sigma.getMouseCaptor();
  captor.on("mousemovebody", (event) => {
    if (dragged === null) return;
    if (!moved) layout()?.stop();
    moved = true;
    const at = sigma.viewportToGraph(event);
    sigma.getGraph().mergeNodeAttributes(dragged, { x: at.x, y: at.y, fixed: true });
    event.preventSigmaDefault();
    event.original.preventDefault();
    event.original.stopPropagation();
  });
  captor.on("mouseup", () => {
    if (dragged !== null && moved && resume && !props().locked) {
      const order = sigma.getGraph().order;
      layout()?.start(runDuration(order));
    }
    dragged = null;
  });
  sigma.on("clickNode", ({ node }) => {
    if (!moved) props().onSelect(node);
    moved = false;
  });
  sigma.on("clickStage", () => props().onSelect(null));
}

/** The layers on screen composed onto one canvas, as base64 PNG. */
function drawPng(sigma: Renderer, background: string): string {
  // Render now so the WebGL buffers still hold the frame when they are copied.
  sigma.refresh();
  const layers = sigma.getCanvases();
  const first = layers.nodes ?? Object.values(layers)[0];
  const out = document.createElement("canvas");
  out.width = first.width;
  out.height = first.height;
  const ctx = out.getContext("2d")!;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  for (const name of ["edges", "edgeLabels", "nodes", "labels"]) {
    const layer = layers[name];
    if (layer) ctx.drawImage(layer, 0, 0, out.width, out.height);
  }
  return out.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
}

/** What is on screen as SVG: drawn nodes and edges in viewport pixels, shown labels. */
function drawSvg(sigma: Renderer, background: string): string {
  const { width, height } = sigma.getDimensions();
  const graph = sigma.getGraph();
  const labelled = sigma.getNodeDisplayedLabels();
  const points = new Map<string, SvgNode>();
  graph.forEachNode((node) => {
    const data = sigma.getNodeDisplayData(node);
    if (!data || data.hidden) return;
    const at = sigma.framedGraphToViewport(data);
    points.set(node, {
      x: at.x,
      y: at.y,
      r: sigma.scaleSize(data.size),
      color: data.color,
      label: labelled.has(node) ? data.label : null,
    });
  });
  const edges: SvgEdge[] = [];
  graph.forEachEdge((edge, _attrs, source, target) => {
    const [a, b] = [points.get(source), points.get(target)];
    const data = sigma.getEdgeDisplayData(edge);
    if (!a || !b || !data || data.hidden) return;
    edges.push({ x1: a.x, y1: a.y, x2: b.x, y2: b.y, color: data.color });
  });
  return graphToSvg(width, height, [...points.values()], edges, background);
}
