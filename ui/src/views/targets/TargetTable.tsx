// The virtualized body of the target table: a fixed row height, so only the rows in view (plus
// a margin) are in the DOM whatever the total; the parent learns the visible range through
// `onRange` to fetch pages. A checkbox column and modifier clicks drive the selection.

import { useEffect, useState, type RefObject } from "react";

import type { FullTargetRow } from "../../ipc";
import type { Column } from "./columns";
import type { ClickKeys } from "./selection";

/** Height of one row in pixels (fixed, so positions are arithmetic). */
export const ROW_HEIGHT = 30;
/** Viewport height assumed before layout (and in unit tests, where nothing has a size). */
const FALLBACK_VIEWPORT = 600;
/** Rows rendered above and below the viewport. */
const OVERSCAN = 10;

/** The rows rendered for a scroll position: [first, last). */
export function renderRange(scrollTop: number, viewport: number, total: number) {
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, first + Math.ceil(viewport / ROW_HEIGHT) + 2 * OVERSCAN);
  return { first, last };
}

interface Props {
  columns: Column[];
  total: number;
  rowAt: (index: number) => FullTargetRow | undefined;
  selected: ReadonlySet<number>;
  active: number | null;
  sort: string;
  descending: boolean;
  scroller: RefObject<HTMLDivElement | null>;
  onSort: (key: string) => void;
  onRange: (first: number, last: number) => void;
  onRowClick: (index: number, keys: ClickKeys) => void;
  onToggleAll: (ids: number[]) => void;
}

/** The table. */
export function TargetTable(props: Props) {
  const { columns, total, rowAt, selected, active, scroller } = props;
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT);
  const { first, last } = renderRange(scrollTop, viewport, total);
  const { onRange } = props;

  useEffect(() => onRange(first, last), [first, last, onRange]);

  const grid = { gridTemplateColumns: `2rem ${columns.map((c) => c.width).join(" ")}` };
  const rows: { index: number; row: FullTargetRow | undefined }[] = [];
  for (let index = first; index < last; index++) rows.push({ index, row: rowAt(index) });
  const visibleIds = rows.flatMap(({ row }) => (row ? [row.id] : []));
  const allChecked = visibleIds.length > 0 && visibleIds.every((id) => selected.has(id));

  return (
    <div className="targets-table" role="table" aria-rowcount={total}>
      <div className="targets-row targets-head" role="row" style={grid}>
        <div role="columnheader">
          <input
            type="checkbox"
            aria-label="Select all rows in view"
            checked={allChecked}
            onChange={() => props.onToggleAll(visibleIds)}
          />
        </div>
        {columns.map((c) => (
          <div key={c.key} role="columnheader" className={`col-${c.key}`}>
            {c.sortable ? (
              <button type="button" onClick={() => props.onSort(c.key)}>
                {c.label}
                {props.sort === c.key && (props.descending ? " ▼" : " ▲")}
              </button>
            ) : (
              c.label
            )}
          </div>
        ))}
      </div>
      <div
        className="targets-scroller"
        ref={scroller}
        data-testid="scroller"
        tabIndex={0}
        aria-label="Targets, j and k move, Enter opens"
        onScroll={(event) => {
          const el = event.currentTarget;
          setScrollTop(el.scrollTop);
          if (el.clientHeight > 0) setViewport(el.clientHeight);
        }}
      >
        <div style={{ height: total * ROW_HEIGHT, position: "relative" }}>
          {rows.map(({ index, row }) => {
            const isSelected = row !== undefined && selected.has(row.id);
            const classes = ["targets-row", isSelected && "selected", index === active && "active"];
            return (
              <div
                key={index}
                role="row"
                aria-rowindex={index + 2}
                aria-selected={isSelected}
                data-row-id={row?.id}
                className={classes.filter(Boolean).join(" ")}
                style={{
                  ...grid,
                  position: "absolute",
                  top: index * ROW_HEIGHT,
                  height: ROW_HEIGHT,
                }}
                // Shift-click extends the selection; keep it from selecting text as well.
                onMouseDown={(e) => e.shiftKey && e.preventDefault()}
                onClick={(e) =>
                  props.onRowClick(index, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey })
                }
              >
                <div role="cell" onClick={(e) => e.stopPropagation()}>
                  {row && (
                    <input
                      type="checkbox"
                      aria-label={`Select target ${row.id}`}
                      checked={isSelected}
                      onChange={() => props.onRowClick(index, { shift: false, toggle: true })}
                    />
                  )}
                </div>
                {row ? (
                  columns.map((c) => (
                    <div
                      key={c.key}
                      role="cell"
                      className={`col-${c.key} ${c.key === "status" ? `status-${row.status.toLowerCase()}` : ""}`}
                      title={(c.title ?? c.cell)(row)}
                    >
                      {c.cell(row)}
                    </div>
                  ))
                ) : (
                  <div role="cell">…</div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
