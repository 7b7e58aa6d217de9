// The Targets view's filters as the analyst edits them (strings, empty = off), how view
// parameters (a pivot from the detail, a palette command) fill them, and how they become the
// TargetQuery sent to Postgres. Invalid numbers are ignored rather than sent.

import type { FullTargetQuery } from "../../ipc";
import type { ViewParams } from "../../navigate";
import { isDay } from "../shared/time";

/** Filter fields as form text; "" means no filter. */
export interface TargetFilters {
  status: string;
  domain: string;
  risk_min: string;
  risk_max: string;
  ip: string;
  tag: string;
  /** "", "true" or "false". */
  has_matches: string;
  campaign: string;
  /** yyyy-mm-dd days (inclusive) as typed; anything else is not sent. */
  since: string;
  until: string;
  pivot_kind: string;
  pivot_value: string;
}

/** No filter at all. */
export const NO_FILTERS: TargetFilters = {
  status: "",
  domain: "",
  risk_min: "",
  risk_max: "",
  ip: "",
  tag: "",
  has_matches: "",
  campaign: "",
  since: "",
  until: "",
  pivot_kind: "",
  pivot_value: "",
};

/** Filters named in view parameters (unknown names are ignored). */
export function filtersFromParams(params: ViewParams): TargetFilters {
  const filters = { ...NO_FILTERS };
  for (const key of Object.keys(filters) as (keyof TargetFilters)[]) {
    const value = params[key];
    if (typeof value === "string") filters[key] = value;
  }
  return filters;
}

/** How many filters are on (the pivot counts once). */
export function activeFilterCount(filters: TargetFilters): number {
  return (Object.keys(filters) as (keyof TargetFilters)[]).filter(
    (key) => key !== "pivot_value" && filters[key].trim() !== "",
  ).length;
}

function text(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

function risk(value: string): number | null {
  if (value.trim() === "") return null;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 100 ? n : null;
}

/** A yyyy-mm-dd day as the RFC 3339 start (or, with `endOfDay`, end) of that UTC day. */
export function dayBound(value: string, endOfDay: boolean): string | null {
  const day = value.trim();
  if (!isDay(day)) return null;
  return `${day}T${endOfDay ? "23:59:59" : "00:00:00"}Z`;
}

/** The query for one page. */
export function toQuery(
  filters: TargetFilters,
  sort: string,
  descending: boolean,
  offset: number,
  limit: number,
): FullTargetQuery {
  // Optional filters cross only when set (the query type has no `null` for them).
  return withoutUnset({
    offset,
    limit,
    sort,
    descending,
    status: text(filters.status),
    domain: text(filters.domain),
    risk_min: risk(filters.risk_min),
    risk_max: risk(filters.risk_max),
    ip: text(filters.ip),
    tag: text(filters.tag),
    has_matches: filters.has_matches === "" ? undefined : filters.has_matches === "true",
    campaign: text(filters.campaign),
    since: dayBound(filters.since, false),
    until: dayBound(filters.until, true),
    pivot_kind: text(filters.pivot_kind),
    pivot_value: text(filters.pivot_value),
  });
}

function withoutUnset(query: Record<string, unknown>): FullTargetQuery {
  const entries = Object.entries(query).filter(([key, value]) => {
    const required = key === "status" || key === "domain";
    return required || (value !== null && value !== undefined);
  });
  return Object.fromEntries(entries) as unknown as FullTargetQuery;
}
