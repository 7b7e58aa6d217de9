// Actions on the selected targets: add or remove a tag, rescan (fast or full), export the
// selection, or export everything matching the filters. Exports ask for a path first.

import { useState } from "react";

import {
  chooseSavePath,
  exportTargets,
  rescanTargets,
  tagTargets,
  toIpcError,
  type FullTargetQuery,
} from "../../ipc";

interface Props {
  selected: number[];
  query: FullTargetQuery;
  onClear: () => void;
  onDone: () => void;
}

/** The action bar. */
export function SelectionActions({ selected, query, onClear, onDone }: Props) {
  const [tag, setTag] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [format, setFormat] = useState<"jsonl" | "csv">("jsonl");
  const count = selected.length;

  const run = async (action: () => Promise<string | null>) => {
    try {
      const text = await action();
      if (text) setMessage(text);
      onDone();
    } catch (err) {
      const error = toIpcError(err);
      setMessage(`${error.code}: ${error.message}`);
    }
  };

  const doTag = (remove: boolean) =>
    run(async () => {
      const changed = await tagTargets(selected, tag.trim(), remove);
      return `${remove ? "Untagged" : "Tagged"} ${changed} target${changed === 1 ? "" : "s"}.`;
    });

  const doExport = (ids: number[] | null) =>
    run(async () => {
      const path = await chooseSavePath(`targets.${format}`, [
        { name: format.toUpperCase(), extensions: [format] },
      ]);
      if (!path) return null;
      const result = await exportTargets(ids, ids ? null : query, format, path);
      return `Exported ${result.count} targets to ${result.path}.`;
    });

  return (
    <div className="selection-actions" role="toolbar" aria-label="Selection actions">
      <span>{count === 0 ? "No selection" : `${count} selected`}</span>
      <input
        aria-label="Tag for selection"
        placeholder="tag"
        className="medium"
        value={tag}
        onChange={(e) => setTag(e.target.value)}
      />
      <button type="button" disabled={!count || !tag.trim()} onClick={() => doTag(false)}>
        Add tag
      </button>
      <button type="button" disabled={!count || !tag.trim()} onClick={() => doTag(true)}>
        Remove tag
      </button>
      <button
        type="button"
        disabled={!count}
        onClick={() =>
          run(async () => {
            const started = await rescanTargets(selected, "fast");
            return `Rescan queued: ${started.total} targets (scan ${started.scan_id}).`;
          })
        }
      >
        Rescan
      </button>
      <select
        aria-label="Export format"
        value={format}
        onChange={(e) => setFormat(e.target.value as "jsonl" | "csv")}
      >
        <option value="jsonl">JSON Lines</option>
        <option value="csv">CSV</option>
      </select>
      <button type="button" disabled={!count} onClick={() => doExport(selected)}>
        Export selected
      </button>
      <button type="button" onClick={() => doExport(null)}>
        Export all matching
      </button>
      {count > 0 && (
        <button type="button" className="link-button" onClick={onClear}>
          Clear selection
        </button>
      )}
      {message && (
        <span role="status" className="muted">
          {message}
        </span>
      )}
    </div>
  );
}
