// Display formatting shared by the analysis views: timestamps, counts and risk scores. Every
// function takes what crosses the IPC boundary (RFC 3339 strings, nullable numbers) and returns
// plain text; none of them throws on a malformed value.

import { isDay, localDateTime } from "../../shared/time";

/** An RFC 3339 timestamp as local "2026-12-04 19:03", "—" when absent, unreadable as it is. */
export function formatTime(value: string | null | undefined): string {
  return localDateTime(value, { seconds: false }) || "—";
}

/** A count with thousands separators: 48211 → "48,211". */
export function formatCount(value: number): string {
  return value.toLocaleString("en");
}

/** A risk score 0–100, or "—" when the target has none. */
export function formatRisk(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : String(Math.round(value));
}

/** "1 target", "3 targets". */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? "" : "s"}`;
}

/** A yyyy-mm-dd day filter as the RFC 3339 start of that day (UTC), or null. */
export function dayStart(value: string): string | null {
  return isDay(value.trim()) ? `${value.trim()}T00:00:00Z` : null;
}

/** A yyyy-mm-dd day filter as the RFC 3339 end of that day (UTC), or null. */
export function dayEnd(value: string): string | null {
  return isDay(value.trim()) ? `${value.trim()}T23:59:59Z` : null;
}
