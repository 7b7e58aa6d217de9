// The Logs view: the app's log records, newest first, filtered by minimum level, text and target
// id; "Load older" pages back with `before_id`. A record about a target links to its detail.

import { useCallback, useEffect, useState } from "react";

import { listLogs, toIpcError, type IpcError, type LogLevel, type LogRow } from "../ipc";
import { useNavigate } from "../navigate";
import type { ViewProps } from "../navigation";
import { useRowCursor } from "../shell/useRowCursor";
import { Time } from "./shared/Time";

/** Records fetched per request. */
export const LOGS_PER_PAGE = 100;
/** Pause after typing before the text filter applies, in milliseconds. */
const TYPING_PAUSE_MS = 300;
const LEVELS: LogLevel[] = ["error", "warn", "info", "debug"];

function asLevel(value: string | undefined): LogLevel {
  return LEVELS.find((l) => l === value) ?? "info";
}

/** The Logs view. */
export function LogsView({ params = {} }: Partial<ViewProps>) {
  const navigate = useNavigate();
  const [level, setLevel] = useState<LogLevel>(asLevel(params.level));
  const [typed, setTyped] = useState(params.text ?? "");
  const [text, setText] = useState(typed);
  const [targetId, setTargetId] = useState(params.target_id ?? "");
  const [rows, setRows] = useState<LogRow[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => setText(typed), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  const fetch = useCallback(
    (beforeId: number | null) => {
      const id = Number(targetId);
      const query = {
        level,
        text: text.trim() || null,
        target_id: targetId.trim() && Number.isInteger(id) ? id : null,
        before_id: beforeId,
        limit: LOGS_PER_PAGE,
      };
      listLogs(query)
        .then((page) => {
          setRows((old) => (beforeId === null ? page.rows : [...(old ?? []), ...page.rows]));
          setHasMore(page.has_more);
          setError(null);
        })
        .catch((err: unknown) => setError(toIpcError(err)));
    },
    [level, text, targetId],
  );

  useEffect(() => fetch(null), [fetch]);

  const filtered = level !== "info" || text.trim() !== "" || targetId.trim() !== "";
  const cursor = useRowCursor(rows?.length ?? 0, (index) => {
    const id = rows?.[index]?.target_id;
    if (id !== null && id !== undefined) navigate("targets", { target: String(id) });
  });
  return (
    <section className="view logs-view" aria-labelledby="logs-title">
      <div className="toolbar">
        <h2 id="logs-title">Logs</h2>
        <label>
          Minimum level
          <select value={level} onChange={(e) => setLevel(asLevel(e.target.value))}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Text
          <input
            type="search"
            data-shortcut-filter
            placeholder="press / to filter"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
        <label>
          Target
          <input
            className="narrow"
            inputMode="numeric"
            placeholder="id"
            value={targetId}
            onChange={(e) => setTargetId(e.target.value)}
          />
        </label>
        <button type="button" onClick={() => fetch(null)}>
          Refresh
        </button>
      </div>
      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}
      {rows !== null && rows.length === 0 && (
        <p className="empty-state">
          {filtered
            ? "No record matches. Lower the minimum level or clear the text and target filters."
            : "Nothing logged yet. Records appear here as the app starts, scans and hunts."}
        </p>
      )}
      {rows !== null && rows.length > 0 && (
        <table className="data-table logs-table" aria-label="Log records">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Source</th>
              <th scope="col">Message</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr
                key={row.id}
                data-cursor-index={index}
                className={`level-${row.level.toLowerCase()} ${cursor.active === index ? "active" : ""}`}
                onClick={() => cursor.setActive(index)}
              >
                <td className="mono muted">
                  <Time value={row.at} />
                </td>
                <td>
                  <span className={`level level-${row.level.toLowerCase()}`}>
                    {row.level.toLowerCase()}
                  </span>
                </td>
                <td className="mono muted">{row.target}</td>
                <td className="message">{row.message}</td>
                <td>
                  {row.target_id !== null && (
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => navigate("targets", { target: String(row.target_id) })}
                    >
                      #{row.target_id}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasMore && rows && rows.length > 0 && (
        <button type="button" onClick={() => fetch(rows[rows.length - 1].id)}>
          Load older
        </button>
      )}
    </section>
  );
}
