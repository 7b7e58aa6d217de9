// The Scan view: drop URL-list files on the window or paste a list, check the preview, choose
// mode and concurrency, start, watch progress (counts, rate, ETA) and cancel.

import { useEffect, useState } from "react";

import {
  cancelScan,
  onFileDrop,
  onScanProgress,
  parseUrlLists,
  parseUrlText,
  startScan,
  toIpcError,
  type IpcError,
  type ScanProgressEvent,
  type UrlPreview,
} from "../ipc";
import { useNavigate } from "../navigate";
import { PreviewTable } from "./PreviewTable";
import { finishedCount, formatDuration, rateAndEta } from "./progressMath";

/** A scan started from this view. */
interface RunningScan {
  id: number;
  total: number;
  startedAt: number;
}

/** The Scan view. */
export function ScanView() {
  const [paths, setPaths] = useState<string[]>([]);
  const [text, setText] = useState("");
  const [filesPreview, setFilesPreview] = useState<UrlPreview | null>(null);
  const [textPreview, setTextPreview] = useState<UrlPreview | null>(null);
  const [hovering, setHovering] = useState(false);
  const [mode, setMode] = useState("fast");
  const [concurrency, setConcurrency] = useState(8);
  const [scan, setScan] = useState<RunningScan | null>(null);
  const [progress, setProgress] = useState<ScanProgressEvent | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  // Native file drops give paths; the Rust side reads the files.
  useEffect(() => {
    let stop: (() => void) | undefined;
    let active = true;
    onFileDrop(
      (dropped) => setPaths((old) => [...old, ...dropped.filter((p) => !old.includes(p))]),
      setHovering,
    )
      .then((unlisten) => (active ? (stop = unlisten) : unlisten()))
      .catch((err: unknown) => setError(toIpcError(err)));
    return () => {
      active = false;
      stop?.();
    };
  }, []);

  useEffect(() => {
    if (paths.length === 0) return setFilesPreview(null);
    parseUrlLists(paths)
      .then((p) => {
        setFilesPreview(p);
        setError(null);
      })
      .catch((err: unknown) => setError(toIpcError(err)));
  }, [paths]);

  const previewText = () => {
    if (text.trim() === "") return setTextPreview(null);
    parseUrlText(text)
      .then(setTextPreview)
      .catch((err: unknown) => setError(toIpcError(err)));
  };

  useEffect(() => {
    if (scan === null) return;
    let stop: (() => void) | undefined;
    let active = true;
    onScanProgress((p) => p.scan_id === scan.id && setProgress(p))
      .then((unlisten) => (active ? (stop = unlisten) : unlisten()))
      .catch((err: unknown) => setError(toIpcError(err)));
    return () => {
      active = false;
      stop?.();
    };
  }, [scan]);

  const start = async () => {
    try {
      const sources = { paths, text };
      const started = await startScan({ sources, mode, concurrency });
      setProgress(null);
      setScan({ id: started.scan_id, total: started.total, startedAt: Date.now() });
      setError(null);
    } catch (err) {
      setError(toIpcError(err));
    }
  };

  const accepted = (filesPreview?.accepted_count ?? 0) + (textPreview?.accepted_count ?? 0);
  const running = scan !== null && (progress === null || finishedCount(progress) < progress.total);

  return (
    <section className="view scan-view" aria-labelledby="scan-title">
      <h2 id="scan-title">Scan</h2>

      <div className={hovering ? "drop-zone hovering" : "drop-zone"} data-testid="drop-zone">
        {hovering ? (
          <p>
            <strong>Release to preview these files.</strong>
          </p>
        ) : paths.length === 0 ? (
          <p>
            Drop URL-list files anywhere on this window (text, CSV, JSON), or paste URLs below.
            Nothing is fetched until you check the preview and start the scan.
          </p>
        ) : (
          <ul className="file-list">
            {paths.map((p) => (
              <li key={p} className="mono">
                {p}
              </li>
            ))}
          </ul>
        )}
        {paths.length > 0 && (
          <button type="button" onClick={() => setPaths([])}>
            Clear files
          </button>
        )}
      </div>

      <label className="paste">
        Paste URLs (one per line; defanged forms are accepted)
        <textarea
          value={text}
          rows={5}
          onChange={(e) => setText(e.target.value)}
          onBlur={previewText}
        />
      </label>
      <button type="button" onClick={previewText}>
        Preview pasted text
      </button>

      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}

      {filesPreview && <PreviewTable title="Dropped files" preview={filesPreview} />}
      {textPreview && <PreviewTable title="Pasted text" preview={textPreview} />}

      <fieldset className="scan-options">
        <legend>Options</legend>
        <label>
          Mode{" "}
          <select value={mode} onChange={(e) => setMode(e.target.value)}>
            <option value="fast">fast (HTTP)</option>
            <option value="full">full (browser)</option>
          </select>
        </label>
        <label>
          Concurrency{" "}
          <input
            type="number"
            min={1}
            max={32}
            value={concurrency}
            onChange={(e) => setConcurrency(Math.min(32, Math.max(1, Number(e.target.value))))}
          />
        </label>
        <button type="button" disabled={accepted === 0 || running} onClick={() => void start()}>
          Start scan of {accepted} URLs
        </button>
      </fieldset>

      {scan && <ScanProgressPanel scan={scan} progress={progress} running={running} />}
    </section>
  );
}

/** Progress bar, counts, rate, ETA and the cancel button of the scan in progress. */
function ScanProgressPanel(props: {
  scan: RunningScan;
  progress: ScanProgressEvent | null;
  running: boolean;
}) {
  const { scan, progress, running } = props;
  const [error, setError] = useState<IpcError | null>(null);
  const navigate = useNavigate();
  if (progress === null) {
    return (
      <p className="scan-progress">
        Scan {scan.id}: {scan.total} targets queued…
      </p>
    );
  }

  const finished = finishedCount(progress);
  const { rate, etaSeconds } = rateAndEta(progress, Date.now() - scan.startedAt);
  const cancel = () => cancelScan(scan.id).catch((err: unknown) => setError(toIpcError(err)));

  return (
    <section className="scan-progress" aria-label="Scan progress">
      <progress max={progress.total} value={finished} />
      <p>
        Scan {scan.id}: {finished} of {progress.total} finished · {progress.done} done ·{" "}
        {progress.failed} failed · {progress.skipped} skipped · {progress.running} running ·{" "}
        {progress.queued} queued
      </p>
      <p>
        {rate.toFixed(1)} targets/s
        {running && etaSeconds !== null && ` · ETA ${formatDuration(etaSeconds)}`}
        {!running && " · finished"}
      </p>
      {running && (
        <button type="button" onClick={() => void cancel()}>
          Cancel scan
        </button>
      )}
      <button type="button" onClick={() => navigate("targets")}>
        {running ? "Watch targets arrive" : "Show the targets"}
      </button>
      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}
    </section>
  );
}
