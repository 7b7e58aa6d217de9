// The graph rendering benchmark page: builds a synthetic infrastructure graph of `?n=` nodes
// with the graph view's own model code, then times (1) building the graphology graph, (2) the
// first render with the view's sigma settings (constructor until two animation frames have
// passed), and (3) `?iterations=` ForceAtlas2 iterations in the web worker with the view's
// layout settings, counting animation frames meanwhile (how fluid the page stays), then the
// same iterations with nothing drawn (the worker alone). The result
// is POSTed as JSON to /result on the serving origin and shown on the page.

import FA2Layout from "graphology-layout-forceatlas2/worker";
import Sigma from "sigma";

import type { GraphSlice } from "../../ui/src/ipc";
import { buildGraph } from "../../ui/src/views/analysis/graph/graphModel";
import {
  layoutSettings,
  sigmaSettings,
} from "../../ui/src/views/analysis/graph/settings";

const KINDS = [
  "domain",
  "ip",
  "favicon_hash",
  "jarm",
  "certificate",
  "asset_sha256",
  "email",
];

/** A deterministic generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` nodes: 60% targets, each linked to 3 values picked with a skew (a few big hubs). */
export function synthesize(n: number): GraphSlice {
  const next = random(n);
  const targets = Math.round(n * 0.6);
  const values = n - targets;
  const nodes: GraphSlice["nodes"] = [];
  const edges: GraphSlice["edges"] = [];
  for (let i = 0; i < values; i++) {
    const kind = KINDS[i % KINDS.length];
    nodes.push({
      id: targets + i + 1,
      kind,
      label: `${kind}-${i}`,
      campaign: null,
      degree: 0,
      generic: false,
    });
  }
  for (let t = 1; t <= targets; t++) {
    nodes.push({
      id: t,
      kind: "target",
      label: `https://site${t}.example/`,
      campaign: null,
      degree: 3,
      generic: false,
    });
    const linked = new Set<number>();
    while (linked.size < 3)
      linked.add(targets + 1 + Math.floor(values * next() ** 2.5));
    for (const v of linked)
      edges.push({ id: edges.length + 1, source: t, target: v, kind: "link" });
  }
  const degree = new Map<number, number>();
  for (const e of edges) degree.set(e.target, (degree.get(e.target) ?? 0) + 1);
  for (const node of nodes)
    if (node.kind !== "target") node.degree = degree.get(node.id) ?? 0;
  return { nodes, edges, truncated: false, total_nodes: n };
}

const frame = () =>
  new Promise<number>((resolve) => requestAnimationFrame(resolve));

async function run() {
  const params = new URLSearchParams(location.search);
  const n = Number(params.get("n") ?? 1000);
  const iterations = Number(params.get("iterations") ?? 50);
  const status = document.getElementById("status")!;
  status.textContent = `n=${n}: building…`;
  await frame();

  const t0 = performance.now();
  const graph = buildGraph(synthesize(n), { collapse: false, maxDegree: 0 });
  const buildMs = performance.now() - t0;

  const t1 = performance.now();
  const renderer = new Sigma(
    graph,
    document.getElementById("stage")!,
    sigmaSettings(graph.size),
  );
  await frame();
  await frame();
  const firstRenderMs = performance.now() - t1;

  // A full redraw (what each layout step costs the page): median of five synchronous refreshes.
  const redraws: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    renderer.refresh();
    redraws.push(performance.now() - t);
  }
  const redrawMs = redraws.sort((a, b) => a - b)[2];

  // Layout: count the worker's answers (one per iteration) and the page's frames meanwhile.
  const layout = new FA2Layout(graph, { settings: layoutSettings(graph) });
  const worker = (layout as unknown as { worker: Worker }).worker;
  let done = 0;
  let frames = 0;
  let longestFrame = 0;
  const finished = new Promise<void>((resolve) => {
    worker.addEventListener("message", () => {
      done += 1;
      if (done === iterations) resolve();
    });
  });
  const t2 = performance.now();
  let last = t2;
  let counting = true;
  const tick = (now: number) => {
    if (!counting) return;
    frames += 1;
    longestFrame = Math.max(longestFrame, now - last);
    last = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  layout.start();
  await finished;
  const layoutMs = performance.now() - t2;
  counting = false;
  layout.kill();
  renderer.kill();

  // The same iterations with nothing drawn: the worker and the position copies alone.
  const bare = new FA2Layout(graph, { settings: layoutSettings(graph) });
  const bareWorker = (bare as unknown as { worker: Worker }).worker;
  let bareDone = 0;
  const bareFinished = new Promise<void>((resolve) => {
    bareWorker.addEventListener("message", () => {
      bareDone += 1;
      if (bareDone === iterations) resolve();
    });
  });
  const t3 = performance.now();
  bare.start();
  await bareFinished;
  const workerOnlyMs = performance.now() - t3;
  bare.kill();

  const result = {
    n,
    edges: graph.size,
    iterations,
    buildMs,
    firstRenderMs,
    layoutMs,
    msPerIteration: layoutMs / iterations,
    redrawMs,
    workerMsPerIteration: workerOnlyMs / iterations,
    fps: (frames * 1000) / layoutMs,
    longestFrameMs: longestFrame,
    userAgent: navigator.userAgent,
  };
  status.textContent = JSON.stringify(result, null, 1);
  await fetch("/result", { method: "POST", body: JSON.stringify(result) });
}

run().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  document.getElementById("status")!.textContent = `failed: ${message}`;
  void fetch("/result", {
    method: "POST",
    body: JSON.stringify({ error: message }),
  });
});
