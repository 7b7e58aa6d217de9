// The Jobs view: background jobs filtered by state and kind, with progress text, attempts and
// the last error; cancel (queued or running) and retry (failed). It re-reads the list on every
// `jobs-changed` event and on Refresh.

import { useCallback, useEffect, useState } from "react";

import {
  cancelJob,
  listJobs,
  onJobsChanged,
  retryJob,
  toIpcError,
  type IpcError,
  type JobPage,
} from "../ipc";
import type { ViewProps } from "../navigation";
import { useRowCursor } from "../shell/useRowCursor";
import { useEvent } from "../useEvent";
import { plural } from "./analysis/shared/format";
import { Time } from "./shared/Time";

/** Jobs shown per page. */
export const JOBS_PER_PAGE = 100;
const STATES = ["", "QUEUED", "RUNNING", "DONE", "FAILED", "SKIPPED"];
const KINDS = ["", "capture.target", "rules.retrohunt", "campaign.recluster"];

/** The Jobs view. */
export function JobsView({ params = {} }: Partial<ViewProps>) {
  const [state, setState] = useState(params.state ?? "");
  const [kind, setKind] = useState(params.kind ?? "");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<JobPage | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    listJobs(state || null, kind || null, offset, JOBS_PER_PAGE)
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch((err: unknown) => setError(toIpcError(err)));
  }, [state, kind, offset]);

  useEffect(load, [load]);
  useEvent(onJobsChanged, load);

  const act = (what: "cancel" | "retry", id: number) => {
    const call = what === "cancel" ? cancelJob(id) : retryJob(id);
    call
      .then((ok) => {
        setNotice(
          ok
            ? `Job ${id} ${what === "cancel" ? "cancelled" : "queued again"}.`
            : `Job ${id} could not be ${what === "cancel" ? "cancelled" : "retried"} (its state changed).`,
        );
        load();
      })
      .catch((err: unknown) => setError(toIpcError(err)));
  };

  const rows = page?.rows ?? [];
  const cursor = useRowCursor(rows.length);
  return (
    <section className="view jobs-view" aria-labelledby="jobs-title">
      <div className="toolbar">
        <h2 id="jobs-title">Jobs</h2>
        <label>
          State
          <select value={state} onChange={(e) => (setState(e.target.value), setOffset(0))}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s ? s.toLowerCase() : "any"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => (setKind(e.target.value), setOffset(0))}>
            {[...new Set([...KINDS, kind])].map((k) => (
              <option key={k} value={k}>
                {k || "any"}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">{page ? plural(page.total, "job") : "…"}</span>
        <button type="button" onClick={load}>
          Refresh
        </button>
      </div>
      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {page && rows.length === 0 ? (
        <p className="empty-state">
          {state || kind
            ? "No job matches these filters. Set State and Kind back to “any”."
            : "No jobs yet. Jobs appear here when you start a scan (g s) or a retro-hunt."}
        </p>
      ) : (
        <table className="data-table" aria-label="Jobs">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Progress / last error</th>
              <th scope="col">Updated</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((job, index) => {
              const upper = job.state.toUpperCase();
              return (
                <tr
                  key={job.id}
                  data-job-id={job.id}
                  data-cursor-index={index}
                  className={cursor.active === index ? "active" : undefined}
                  onClick={() => cursor.setActive(index)}
                >
                  <td className="num">{job.id}</td>
                  <td className="mono">{job.kind}</td>
                  <td>
                    <span className={`state state-${job.state.toLowerCase()}`}>{job.state}</span>
                  </td>
                  <td className="num">
                    {job.attempts} / {job.max_attempts}
                  </td>
                  <td>
                    {job.progress ?? ""}
                    {job.last_error && <span className="inline-error">{job.last_error}</span>}
                  </td>
                  <td className="muted">
                    <Time value={job.updated_at} />
                  </td>
                  <td>
                    {(upper === "QUEUED" || upper === "RUNNING") && (
                      <button type="button" onClick={() => act("cancel", job.id)}>
                        Cancel
                      </button>
                    )}
                    {upper === "FAILED" && (
                      <button type="button" onClick={() => act("retry", job.id)}>
                        Retry
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {page && page.total > JOBS_PER_PAGE && (
        <div className="pager">
          <button
            type="button"
            disabled={offset === 0}
            onClick={() => setOffset(offset - JOBS_PER_PAGE)}
          >
            Newer
          </button>
          <span>
            {offset + 1}–{Math.min(offset + JOBS_PER_PAGE, page.total)} of {page.total}
          </span>
          <button
            type="button"
            disabled={offset + JOBS_PER_PAGE >= page.total}
            onClick={() => setOffset(offset + JOBS_PER_PAGE)}
          >
            Older
          </button>
        </div>
      )}
    </section>
  );
}
