// The columns of the target table, which ones are shown (persisted in localStorage), and each
// column's cell text. Cells are plain strings: captured titles and URLs are never markup.

import { useCallback, useState } from "react";

import type { FullTargetRow } from "../../ipc";
import { localDateTime } from "../shared/time";

/** One column. */
export interface Column {
  key: string;
  label: string;
  sortable: boolean;
  /** CSS grid width. */
  width: string;
  cell: (row: FullTargetRow) => string;
  /** The cell's tooltip when it differs from its text (default: the text). */
  title?: (row: FullTargetRow) => string;
}

/** Every column, in display order. */
export const COLUMNS: Column[] = [
  { key: "id", label: "ID", sortable: true, width: "5rem", cell: (r) => String(r.id) },
  { key: "status", label: "Status", sortable: true, width: "6rem", cell: (r) => r.status },
  {
    key: "risk_score",
    label: "Risk",
    sortable: true,
    width: "4rem",
    cell: (r) => (r.risk_score === null ? "" : String(r.risk_score)),
  },
  {
    key: "domain",
    label: "Domain",
    sortable: true,
    width: "minmax(8rem, 1fr)",
    cell: (r) => r.domain ?? "",
  },
  { key: "ip", label: "IP", sortable: false, width: "8rem", cell: (r) => r.ip ?? "" },
  { key: "url", label: "URL", sortable: true, width: "minmax(10rem, 2fr)", cell: (r) => r.url },
  {
    key: "title",
    label: "Title",
    sortable: false,
    width: "minmax(8rem, 1.5fr)",
    cell: (r) => r.title ?? r.reason ?? "",
  },
  {
    key: "tags",
    label: "Tags",
    sortable: false,
    width: "7rem",
    cell: (r) => (r.tags ?? []).join(", "),
  },
  {
    key: "campaign",
    label: "Campaign",
    sortable: false,
    width: "6rem",
    cell: (r) => r.campaign ?? "",
  },
  {
    key: "match_count",
    label: "Matches",
    sortable: false,
    width: "5rem",
    cell: (r) => (r.match_count ? String(r.match_count) : ""),
  },
  {
    key: "created_at",
    label: "Created",
    sortable: true,
    width: "10rem",
    cell: (r) => localDateTime(r.created_at),
    title: (r) => r.created_at ?? "",
  },
];

/** Shown when nothing is stored. */
export const DEFAULT_COLUMNS = ["id", "status", "risk_score", "domain", "url", "title", "tags"];

const STORAGE_KEY = "trawl.targets.columns";

/** The stored column choice, or the default when absent or unreadable. */
export function readColumns(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    if (Array.isArray(parsed)) {
      const known = parsed.filter((k) => COLUMNS.some((c) => c.key === k));
      if (known.length > 0) return known;
    }
  } catch {
    // Fall through to the default.
  }
  return DEFAULT_COLUMNS;
}

/** The shown columns and a toggle that keeps at least one column and persists the choice. */
export function useColumns() {
  const [shown, setShown] = useState<string[]>(readColumns);

  const toggle = useCallback((key: string) => {
    setShown((old) => {
      const next = old.includes(key) ? old.filter((k) => k !== key) : [...old, key];
      if (next.length === 0) return old;
      const ordered = COLUMNS.map((c) => c.key).filter((k) => next.includes(k));
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(ordered));
      } catch {
        // The choice then lasts for this session only.
      }
      return ordered;
    });
  }, []);

  const columns = COLUMNS.filter((c) => shown.includes(c.key));
  return { columns, shown, toggle };
}
