// Captured HTML and rendered DOM of a target, as plain text: the stored excerpt first, and the
// full text (up to 2 MiB, read with target_text) when the analyst asks for it.

import { useState } from "react";

import { getTargetText, toIpcError, type TargetText } from "../../ipc";

type Kind = "html" | "dom";

/** The excerpt plus buttons loading the full HTML or DOM text. */
export function CapturedText({ id, excerpt }: { id: number; excerpt: string }) {
  const [kind, setKind] = useState<Kind | null>(null);
  const [loaded, setLoaded] = useState<TargetText | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = (next: Kind) => {
    setKind(next);
    setLoaded(null);
    setError(null);
    getTargetText(id, next)
      .then(setLoaded)
      .catch((err: unknown) => setError(toIpcError(err).message));
  };

  return (
    <>
      <h3>Page source (text)</h3>
      <div className="button-row">
        <button type="button" aria-pressed={kind === "html"} onClick={() => load("html")}>
          Captured HTML
        </button>
        <button type="button" aria-pressed={kind === "dom"} onClick={() => load("dom")}>
          Rendered DOM
        </button>
      </div>
      {kind === null && (
        <pre className="text-block" data-testid="html-excerpt">
          {excerpt || "none recorded"}
        </pre>
      )}
      {error && <p className="inline-error">{error}</p>}
      {kind !== null && !loaded && !error && <p className="muted">Loading…</p>}
      {loaded && (
        <>
          <p className="muted">
            {kind === "html" ? "Captured HTML" : "Rendered DOM"},{" "}
            {loaded.bytes.toLocaleString("en")} bytes{loaded.truncated && " (truncated at 2 MiB)"}
          </p>
          {loaded.bytes === 0 ? (
            <p className="muted" data-testid="captured-text">
              Nothing of this kind was captured (a fast-mode capture keeps no rendered DOM).
            </p>
          ) : (
            <pre className="text-block tall" data-testid="captured-text">
              {loaded.text}
            </pre>
          )}
        </>
      )}
    </>
  );
}
