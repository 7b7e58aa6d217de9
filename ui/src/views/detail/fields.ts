// Reading the target detail defensively: it crosses as a JSON object whose columns grow with the
// engine, so every field is checked before use and turned into display text.

/** One hop of the redirect chain. */
export interface Hop {
  url: string;
  status: number | null;
  kind: string;
  ip: string | null;
  error: string | null;
}

/** A field as display text: strings as is, numbers and booleans printed, anything else empty. */
export function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

/** An array field as records (anything else gives none). */
export function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null)
    : [];
}

/** The hops of a chain given as an array or as the stored JSON text; unreadable gives none. */
export function parseChain(value: unknown): Hop[] {
  let parsed: unknown = value;
  if (typeof value === "string") {
    if (value === "") return [];
    try {
      parsed = JSON.parse(value);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((h): h is Hop => typeof h === "object" && h !== null && "url" in h);
}
