// IOK import: the analyst picks a directory of IOK rules (open-directory dialog), `import_iok`
// stores them as signatures, and the result says how many were imported, which fields of
// which rules Trawl does not capture (those rules still run on the fields it can see), and
// which files were left out and why.

import { useState } from "react";

import {
  chooseDirectory,
  importIok,
  toIpcError,
  type IokImport,
  type IpcError,
} from "../../../ipc";
import { InlineError } from "../shared/InlineError";

/** The import button and, after an import, its summary. */
export function IokImportButton({ onImported }: { onImported: () => void }) {
  const [result, setResult] = useState<IokImport | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    try {
      const dir = await chooseDirectory("IOK rules directory");
      if (dir === null) return;
      setResult(await importIok(dir));
      setError(null);
      onImported();
    } catch (err) {
      setResult(null);
      setError(toIpcError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="iok-import">
      <button type="button" onClick={run} disabled={busy}>
        {busy ? "Importing…" : "Import IOK rules…"}
      </button>
      <InlineError error={error} />
      {result && (
        <div role="status" className="iok-result">
          Imported {result.imported} IOK rule{result.imported === 1 ? "" : "s"}.
          {result.unsupported.length > 0 && (
            <details>
              <summary>{result.unsupported.length} use fields Trawl does not capture</summary>
              <ul>
                {result.unsupported.map((u, i) => (
                  <li key={i}>
                    {u.rule}: <code>{u.field}</code>
                  </li>
                ))}
              </ul>
            </details>
          )}
          {(result.skipped ?? []).length > 0 && (
            <details>
              <summary>
                {result.skipped.length} file{result.skipped.length === 1 ? "" : "s"} left out
              </summary>
              <ul>
                {result.skipped.map((why, i) => (
                  <li key={i}>{why}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </div>
  );
}
