// Rate and ETA of a running scan, from its counts and the time since it started.

import type { ScanProgressEvent } from "../ipc";

/** Targets that reached an end state. */
export function finishedCount(p: ScanProgressEvent): number {
  return p.done + p.failed + p.skipped;
}

/** Targets per second so far, and seconds left at that rate (null while the rate is zero). */
export function rateAndEta(
  p: ScanProgressEvent,
  elapsedMs: number,
): { rate: number; etaSeconds: number | null } {
  const finished = finishedCount(p);
  const rate = elapsedMs > 0 ? finished / (elapsedMs / 1000) : 0;
  const remaining = Math.max(p.total - finished, 0);
  return { rate, etaSeconds: rate > 0 ? Math.round(remaining / rate) : null };
}

/** `75 s`, `4 min 10 s`, `2 h 3 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
