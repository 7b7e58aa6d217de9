// ForceAtlas2 in a web worker (graphology-layout-forceatlas2's supervisor, which starts its
// worker from a blob: URL; the CSP allows blob: workers). A run stops by itself after a time
// that grows with the graph, or when the analyst stops or locks it. Pinned nodes (`fixed`) do
// not move; the supervisor reads pins when a run starts, so pinning restarts a running layout.

import FA2Layout from "graphology-layout-forceatlas2/worker";

import type { DrawnGraph } from "./graphModel";
import { layoutSettings } from "./settings";

/** How long a run lasts for a graph of `order` nodes, in milliseconds. */
export function runDuration(order: number): number {
  return Math.min(20_000, Math.max(2_500, 2_000 + order * 0.8));
}

/** The layout of one graph. */
export class LayoutRunner {
  private readonly supervisor: FA2Layout;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onChange: (running: boolean) => void;

  /** A stopped layout for `graph`; `onChange` hears every start and stop. */
  constructor(graph: DrawnGraph, onChange: (running: boolean) => void) {
    this.supervisor = new FA2Layout(graph, { settings: layoutSettings(graph) });
    this.onChange = onChange;
  }

  /** True while the worker iterates. */
  get running(): boolean {
    return this.supervisor.isRunning();
  }

  /** Starts (or restarts) a run of `ms` milliseconds. */
  start(ms: number): void {
    this.supervisor.stop();
    this.supervisor.start();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(), ms);
    this.onChange(true);
  }

  /** Stops the run; positions stay where they are. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.supervisor.isRunning()) this.supervisor.stop();
    this.onChange(false);
  }

  /** Stops for good and ends the worker. */
  kill(): void {
    if (this.timer) clearTimeout(this.timer);
    this.supervisor.kill();
  }
}
