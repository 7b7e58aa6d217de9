// Display formatting shared by the analysis views: timestamps, counts and risk scores. Every
// function takes what crosses the IPC boundary (RFC 3339 strings, nullable numbers) and returns
// plain text; none of them throws on a malformed value.

/** An RFC 3339 timestamp as "2026-12-04 19:03" (UTC), or "—" when absent or unreadable. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toISOString().slice(0, 16).replace("T", " ");
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

/** A `<input type="date">` value as the RFC 3339 start of that day (UTC), or null. */
export function dayStart(value: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : null;
}

/** A `<input type="date">` value as the RFC 3339 end of that day (UTC), or null. */
export function dayEnd(value: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59Z` : null;
}
