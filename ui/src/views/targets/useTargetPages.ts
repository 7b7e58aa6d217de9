// Pages of the target table for one query: fetched on demand as the viewport reaches them,
// dropped when the query changes, and re-read in place on `refresh` (a live update), so rows
// already on screen stay until fresher ones arrive and the scroll position is untouched.

import { useCallback, useEffect, useRef, useState } from "react";

import { listTargetsFull, toIpcError, type FullTargetRow, type IpcError } from "../../ipc";
import { toQuery, type TargetFilters } from "./filters";

/** Rows fetched per request. */
export const PAGE_SIZE = 200;

/** The query a page set belongs to. */
export interface PageQuery {
  filters: TargetFilters;
  sort: string;
  descending: boolean;
}

/** Loaded pages, the total, and the operations on them. */
export function useTargetPages(query: PageQuery) {
  const [pages, setPages] = useState<Map<number, FullTargetRow[]>>(new Map());
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const generation = useRef(0);
  const requested = useRef<Set<number>>(new Set());
  const queryRef = useRef(query);
  queryRef.current = query;

  const load = useCallback((page: number, force: boolean) => {
    if (!force && requested.current.has(page)) return;
    requested.current.add(page);
    const mine = generation.current;
    const { filters, sort, descending } = queryRef.current;
    listTargetsFull(toQuery(filters, sort, descending, page * PAGE_SIZE, PAGE_SIZE))
      .then((result) => {
        if (mine !== generation.current) return;
        setTotal(result.total);
        setPages((old) => new Map(old).set(page, result.rows));
        setError(null);
      })
      .catch((err: unknown) => {
        if (mine !== generation.current) return;
        requested.current.delete(page);
        setError(toIpcError(err));
      });
  }, []);

  // A new query starts with nothing cached.
  const key = JSON.stringify(query);
  useEffect(() => {
    generation.current += 1;
    requested.current = new Set();
    setPages(new Map());
    setTotal(null);
    load(0, false);
  }, [key, load]);

  /** Fetches every page touching rows first..last (exclusive) not yet requested. */
  const ensure = useCallback(
    (first: number, last: number) => {
      for (let page = Math.floor(first / PAGE_SIZE); page * PAGE_SIZE < Math.max(last, 1); page++) {
        load(page, false);
      }
    },
    [load],
  );

  /** Re-reads the pages touching rows first..last (exclusive) and forgets the others. */
  const refresh = useCallback(
    (first: number, last: number) => {
      const keep = new Set<number>();
      for (let page = Math.floor(first / PAGE_SIZE); page * PAGE_SIZE < Math.max(last, 1); page++) {
        keep.add(page);
      }
      requested.current = new Set(keep);
      for (const page of keep) load(page, true);
    },
    [load],
  );

  const rowAt = useCallback(
    (index: number) => pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
    [pages],
  );

  return { total, error, rowAt, ensure, refresh };
}
