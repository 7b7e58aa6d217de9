// Timestamps as the analyst reads them: the engine sends RFC 3339 strings in UTC with
// microseconds; views show the local date and time to the second (or minute) and keep the exact
// value for a tooltip. Nothing here throws: an unreadable value is shown as it came.

/** Options for {@link localDateTime}. */
export interface TimeFormat {
  /** Show seconds (default true). */
  seconds?: boolean;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * An RFC 3339 timestamp as local "2026-12-04 23:59:23" ("2026-12-04 23:59" without seconds);
 * "" when absent; an unreadable value unchanged.
 */
export function localDateTime(value: unknown, format: TimeFormat = {}): string {
  if (typeof value !== "string" || value === "") return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return format.seconds === false ? `${day} ${time}` : `${day} ${time}:${pad(date.getSeconds())}`;
}

/** Whether `value` is a real calendar day written yyyy-mm-dd. */
export function isDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
