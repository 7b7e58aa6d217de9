// The Targets view: a virtualized table over every target, paged, sorted and filtered in
// Postgres. Only the rows in view (plus a margin) are in the DOM; pages of PAGE_SIZE rows are
// fetched as the viewport reaches them. `/` focuses the domain filter; Esc closes the detail.

import { useCallback, useEffect, useRef, useState } from "react";

import { listTargets, toIpcError, type IpcError, type TargetRow } from "../ipc";
import { TargetDetailPanel } from "./TargetDetailPanel";

/** Rows fetched per request. */
export const PAGE_SIZE = 200;
/** Height of one row in pixels (fixed, so positions are arithmetic). */
export const ROW_HEIGHT = 30;
/** Viewport height assumed before layout (and in tests, where nothing has a size). */
const FALLBACK_VIEWPORT = 600;
/** Rows rendered above and below the viewport. */
const OVERSCAN = 10;

const STATUSES = ["", "QUEUED", "RUNNING", "DONE", "FAILED", "SKIPPED"];
const COLUMNS: { key: string; label: string; sortable: boolean }[] = [
  { key: "id", label: "ID", sortable: true },
  { key: "status", label: "Status", sortable: true },
  { key: "risk_score", label: "Risk", sortable: true },
  { key: "domain", label: "Domain", sortable: true },
  { key: "url", label: "URL", sortable: true },
  { key: "title", label: "Title", sortable: false },
];

/** The Targets view. */
export function TargetsView() {
  const [sort, setSort] = useState("id");
  const [descending, setDescending] = useState(true);
  const [status, setStatus] = useState("");
  const [domain, setDomain] = useState("");
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, TargetRow[]>>(new Map());
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT);
  const [selected, setSelected] = useState<number | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [generation, setGeneration] = useState(0);
  const requested = useRef<Set<string>>(new Set());
  const scroller = useRef<HTMLDivElement>(null);
  const filterInput = useRef<HTMLInputElement>(null);

  const fetchPage = useCallback(
    (page: number) => {
      const key = `${generation}:${page}`;
      if (requested.current.has(key)) return;
      requested.current.add(key);
      const query = {
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
        sort,
        descending,
        status: status || null,
        domain: domain.trim() || null,
      };
      listTargets(query)
        .then((result) => {
          setTotal(result.total);
          setPages((old) => new Map(old).set(page, result.rows));
          setError(null);
        })
        .catch((err: unknown) => {
          requested.current.delete(key);
          setError(toIpcError(err));
        });
    },
    // `generation` changes whenever the query does, so stale pages are never mixed in.
    [generation], // eslint-disable-line react-hooks/exhaustive-deps
  );

  // A new query starts from the top with nothing cached.
  useEffect(() => {
    setPages(new Map());
    setTotal(null);
    setScrollTop(0);
    if (scroller.current) scroller.current.scrollTop = 0;
    setGeneration((g) => g + 1);
  }, [sort, descending, status, domain]);

  // Fetch every page the viewport touches.
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const visible = Math.ceil(viewport / ROW_HEIGHT) + 2 * OVERSCAN;
  const last = total === null ? first + visible : Math.min(total, first + visible);
  useEffect(() => {
    if (generation === 0) return;
    for (let page = Math.floor(first / PAGE_SIZE); page * PAGE_SIZE < Math.max(last, 1); page++) {
      fetchPage(page);
    }
  }, [first, last, fetchPage, generation]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement;
      if (event.key === "/" && !typing) {
        event.preventDefault();
        filterInput.current?.focus();
      } else if (event.key === "Escape") {
        setSelected(null);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const onScroll = (event: React.UIEvent<HTMLDivElement>) => {
    const el = event.currentTarget;
    setScrollTop(el.scrollTop);
    if (el.clientHeight > 0) setViewport(el.clientHeight);
  };

  const toggleSort = (key: string) => {
    if (key === sort) setDescending((d) => !d);
    else {
      setSort(key);
      setDescending(false);
    }
  };

  const rows: { index: number; row: TargetRow | undefined }[] = [];
  for (let index = first; index < last; index++) {
    rows.push({ index, row: pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE] });
  }

  return (
    <section className="view targets-view" aria-labelledby="targets-title">
      <div className="targets-toolbar">
        <h2 id="targets-title">Targets</h2>
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || "any"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Domain{" "}
          <input
            ref={filterInput}
            type="search"
            placeholder="press / to filter"
            value={domain}
            onChange={(e) => setDomain(e.target.value)}
          />
        </label>
        <span className="muted">
          {total === null ? "…" : `${total.toLocaleString("en")} targets`}
        </span>
        <button type="button" onClick={() => setGeneration((g) => g + 1)}>
          Refresh
        </button>
      </div>

      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}

      {total === 0 ? (
        <p className="empty-state">
          {status || domain
            ? "No target matches these filters. Clear the status or domain filter."
            : "No targets yet. Open Scan, drop a URL list on the window or paste URLs, and start a scan."}
        </p>
      ) : (
        <div className="targets-table" role="table" aria-rowcount={total ?? -1}>
          <div className="targets-row targets-head" role="row">
            {COLUMNS.map((c) => (
              <div key={c.key} role="columnheader" className={`col-${c.key}`}>
                {c.sortable ? (
                  <button type="button" onClick={() => toggleSort(c.key)}>
                    {c.label}
                    {sort === c.key && (descending ? " ▼" : " ▲")}
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
            onScroll={onScroll}
            data-testid="scroller"
          >
            <div style={{ height: (total ?? 0) * ROW_HEIGHT, position: "relative" }}>
              {rows.map(({ index, row }) => (
                <div
                  key={index}
                  role="row"
                  aria-rowindex={index + 2}
                  className={row && row.id === selected ? "targets-row selected" : "targets-row"}
                  style={{ position: "absolute", top: index * ROW_HEIGHT, height: ROW_HEIGHT }}
                  onClick={() => row && setSelected(row.id)}
                >
                  {row ? <RowCells row={row} /> : <div role="cell">…</div>}
                </div>
              ))}
            </div>
          </div>
        </div>
      )}

      {selected !== null && <TargetDetailPanel id={selected} onClose={() => setSelected(null)} />}
    </section>
  );
}

/** The cells of one loaded row; captured text stays text. */
function RowCells({ row }: { row: TargetRow }) {
  return (
    <>
      <div role="cell" className="col-id num">
        {row.id}
      </div>
      <div
        role="cell"
        className={`col-status status-${row.status.toLowerCase()}`}
        title={row.reason ?? ""}
      >
        {row.status}
      </div>
      <div role="cell" className="col-risk_score num">
        {row.risk_score ?? ""}
      </div>
      <div role="cell" className="col-domain">
        {row.domain ?? ""}
      </div>
      <div role="cell" className="col-url mono">
        {row.url}
      </div>
      <div role="cell" className="col-title">
        {row.title ?? row.reason ?? ""}
      </div>
    </>
  );
}
