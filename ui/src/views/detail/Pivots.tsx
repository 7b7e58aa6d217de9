// Pivots of a target: for each fingerprint, how many other targets share it, as a button that
// opens the table filtered to them ("14 other targets share this favicon").

import { useEffect, useState } from "react";

import { getTargetPivots, toIpcError, type TargetPivot } from "../../ipc";

/** The sentence for one pivot. */
export function pivotSentence(pivot: TargetPivot): string {
  const others = pivot.count === 1 ? "1 other target shares" : `${pivot.count} other targets share`;
  return `${others} this ${pivot.label}`;
}

/** The pivot list of target `id`. */
export function Pivots(props: { id: number; onPivot: (kind: string, value: string) => void }) {
  const { id, onPivot } = props;
  const [pivots, setPivots] = useState<TargetPivot[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    getTargetPivots(id)
      .then((p) => active && setPivots(p))
      .catch((err: unknown) => active && setError(toIpcError(err).message));
    return () => {
      active = false;
    };
  }, [id]);

  const shared = (pivots ?? []).filter((p) => p.count > 0);
  return (
    <>
      <h3>Pivots</h3>
      {error && <p className="inline-error">{error}</p>}
      {pivots !== null && shared.length === 0 && (
        <p className="muted">No other target shares a fingerprint with this one.</p>
      )}
      <ul className="pivots">
        {shared.map((p) => (
          <li key={`${p.kind}:${p.value}`}>
            <button type="button" className="link-button" onClick={() => onPivot(p.kind, p.value)}>
              {pivotSentence(p)}
            </button>{" "}
            <code className="muted">{p.value}</code>
          </li>
        ))}
      </ul>
    </>
  );
}
