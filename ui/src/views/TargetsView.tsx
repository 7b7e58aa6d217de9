// The Targets view: filters, the virtualized table (paged, sorted and filtered in Postgres),
// multi-selection with tag / rescan / export, and the detail of the active row. It re-reads the
// rows in view on every `targets-changed` event, keeping scroll position and selection.
// Keys: `/` filter (app-wide), j/k move, Enter or o open the detail, Esc close it.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { onTargetsChanged } from "../ipc";
import type { ViewProps } from "../navigation";
import { isTypingTarget } from "../shell/useShortcuts";
import { useEvent } from "../useEvent";
import { plural } from "./analysis/shared/format";
import { TargetDetailPanel } from "./detail/TargetDetailPanel";
import { ColumnChooser } from "./targets/ColumnChooser";
import { useColumns } from "./targets/columns";
import { activeFilterCount, filtersFromParams, NO_FILTERS, toQuery } from "./targets/filters";
import { clickSelection, toggleAll } from "./targets/selection";
import { SelectionActions } from "./targets/SelectionActions";
import { TargetFilterBar } from "./targets/TargetFilterBar";
import { ROW_HEIGHT, TargetTable } from "./targets/TargetTable";
import { useTargetPages } from "./targets/useTargetPages";

export { PAGE_SIZE } from "./targets/useTargetPages";
export { ROW_HEIGHT } from "./targets/TargetTable";

/** The Targets view. */
export function TargetsView({ params = {} }: Partial<ViewProps>) {
  const [filters, setFilters] = useState(() => filtersFromParams(params));
  const [sort, setSort] = useState("id");
  const [descending, setDescending] = useState(true);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [active, setActive] = useState<number | null>(null);
  const [detailId, setDetailId] = useState<number | null>(() => {
    const id = Number(params.target);
    return params.target && Number.isInteger(id) ? id : null;
  });
  const { columns, shown, toggle } = useColumns();
  const scroller = useRef<HTMLDivElement>(null);
  const range = useRef({ first: 0, last: 0 });

  const pageQuery = useMemo(() => ({ filters, sort, descending }), [filters, sort, descending]);
  const { total, error, rowAt, ensure, refresh } = useTargetPages(pageQuery);

  const onRange = useCallback(
    (first: number, last: number) => {
      range.current = { first, last };
      ensure(first, last);
    },
    [ensure],
  );

  // Live updates: re-read what is on screen; selection and scroll position are untouched.
  useEvent(onTargetsChanged, () => refresh(range.current.first, range.current.last));

  // A new query drops the selection's anchor and scrolls to the top.
  useEffect(() => {
    setAnchor(null);
    setActive(null);
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [pageQuery]);

  const moveActive = useCallback(
    (delta: number) => {
      if (!total) return;
      const next = Math.min(total - 1, Math.max(0, (active ?? -1) + delta));
      setActive(next);
      const row = rowAt(next);
      if (detailId !== null && row) setDetailId(row.id);
      const el = scroller.current;
      // Keep keyboard focus on the table so Enter opens the row, not a focused button.
      el?.focus({ preventScroll: true });
      if (el && el.clientHeight > 0) {
        const top = next * ROW_HEIGHT;
        if (top < el.scrollTop) el.scrollTop = top;
        else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) {
          el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
        }
      }
    },
    [active, total, rowAt, detailId],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setDetailId(null);
        return;
      }
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "j") moveActive(1);
      else if (event.key === "k") moveActive(-1);
      else if ((event.key === "Enter" || event.key === "o") && active !== null) {
        const row = rowAt(active);
        if (row) setDetailId(row.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [moveActive, active, rowAt]);

  const onRowClick = (index: number, keys: { shift: boolean; toggle: boolean }) => {
    const idAt = (i: number) => rowAt(i)?.id;
    setSelected((old) => clickSelection(old, anchor, index, idAt, keys));
    if (!keys.shift) setAnchor(index);
    setActive(index);
    const id = idAt(index);
    if (id !== undefined && !keys.shift && !keys.toggle) setDetailId(id);
  };

  const onSort = (key: string) => {
    if (key === sort) setDescending((d) => !d);
    else {
      setSort(key);
      setDescending(false);
    }
  };

  const filtered = activeFilterCount(filters) > 0;
  const selectedIds = [...selected];

  return (
    <section className="view targets-view" aria-labelledby="targets-title">
      <div className="targets-toolbar">
        <h2 id="targets-title">Targets</h2>
        <span className="muted" data-testid="target-total">
          {total === null ? "…" : plural(total, "target")}
        </span>
        <ColumnChooser shown={shown} onToggle={toggle} />
        {filtered && (
          <button type="button" onClick={() => setFilters(NO_FILTERS)}>
            Clear filters
          </button>
        )}
        <button type="button" onClick={() => refresh(range.current.first, range.current.last)}>
          Refresh
        </button>
      </div>
      <TargetFilterBar filters={filters} onChange={setFilters} />
      <SelectionActions
        selected={selectedIds}
        query={toQuery(filters, sort, descending, 0, 0)}
        onClear={() => setSelected(new Set())}
        onDone={() => refresh(range.current.first, range.current.last)}
      />

      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}

      {total === 0 ? (
        <p className="empty-state">
          {filtered
            ? "No target matches these filters. Loosen or clear the filters above."
            : "No targets yet. Open Scan (g s), drop a URL list on the window or paste URLs, and start a scan."}
        </p>
      ) : (
        <TargetTable
          columns={columns}
          total={total ?? 0}
          rowAt={rowAt}
          selected={selected}
          active={active}
          sort={sort}
          descending={descending}
          scroller={scroller}
          onSort={onSort}
          onRange={onRange}
          onRowClick={onRowClick}
          onToggleAll={(ids) => setSelected((old) => toggleAll(old, ids))}
        />
      )}

      {detailId !== null && (
        <TargetDetailPanel
          id={detailId}
          onClose={() => setDetailId(null)}
          onPivot={(kind, value) =>
            setFilters({ ...NO_FILTERS, pivot_kind: kind, pivot_value: value })
          }
        />
      )}
    </section>
  );
}
