// Retro-hunt progress: the latest jobs of kind `rules.retrohunt` with their state and progress
// text, reloaded when the "jobs-changed" event names one of them (or any job while a hunt is
// still running), and every few seconds while one runs in case an event was missed.

import { useEffect, useRef } from "react";

import { listJobs, onJobsChangedForAnalysis, RETROHUNT_JOB_KIND } from "../../../ipc";
import { formatTime } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { useCommand } from "../shared/useCommand";

/** Hunts shown. */
const SHOWN = 10;
/** Reload period while a hunt is queued or running. */
const POLL_MS = 5000;

/** The retro-hunt panel. */
export function RetroHuntPanel() {
  const jobs = useCommand(() => listJobs(null, RETROHUNT_JOB_KIND, 0, SHOWN), []);
  const rows = jobs.value?.rows ?? [];
  const active = rows.some((j) => j.state === "queued" || j.state === "running");
  const reload = useRef(jobs.reload);
  reload.current = jobs.reload;

  useEffect(() => {
    let stop: (() => void) | null = null;
    let live = true;
    onJobsChangedForAnalysis(() => reload.current())
      .then((unlisten) => (live ? (stop = unlisten) : unlisten()))
      .catch(() => {});
    return () => {
      live = false;
      stop?.();
    };
  }, []);

  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => reload.current(), POLL_MS);
    return () => clearInterval(timer);
  }, [active]);

  return (
    <section className="card retro-hunts" aria-labelledby="retro-title">
      <h3 id="retro-title">Retro-hunts</h3>
      <InlineError error={jobs.error} />
      {jobs.value && rows.length === 0 ? (
        <p className="muted">No retro-hunt yet. Saving a rule hunts it over stored targets.</p>
      ) : (
        <ul className="hunt-list">
          {rows.map((job) => (
            <li key={job.id} data-state={job.state}>
              <span className={`job-state state-${job.state}`}>{job.state}</span>{" "}
              <span>{job.progress ?? (job.state === "queued" ? "waiting" : "")}</span>{" "}
              <span className="muted">
                #{job.id} · {formatTime(job.updated_at)}
              </span>
              {job.last_error && <div className="inline-error">{job.last_error}</div>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
