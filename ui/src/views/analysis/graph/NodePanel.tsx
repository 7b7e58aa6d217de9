// The side panel of the selected graph node: its kind and value (for a target node, the target's
// URL and id), the targets that carry it (each opens the target's detail), the pivot to the
// filtered targets table, and the actions on the node: expand its neighbourhood, unpin it, mark
// its value generic. Values and URLs are captured data and stay text.

import { useState } from "react";

import {
  getGraphNodeDetail,
  markGeneric,
  toIpcError,
  type GraphNode,
  type GraphNodeDetail,
  type IpcError,
} from "../../../ipc";
import { useNavigate } from "../../../navigate";
import { formatCount, formatRisk } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { openPivot, openTarget } from "../shared/targetLinks";
import { useCommand } from "../shared/useCommand";

/** Targets listed in the panel; the pivot opens all of them. */
const LISTED = 50;

/** The panel for node `node`; `pinned` says whether the drawing pins it. */
export function NodePanel(props: {
  node: GraphNode;
  pinned: boolean;
  onExpand: () => Promise<void>;
  onUnpin: () => void;
  onGenericChanged: () => void;
  onClose: () => void;
}) {
  const { node, pinned, onExpand, onUnpin, onGenericChanged, onClose } = props;
  const navigate = useNavigate();
  const detail = useCommand(() => getGraphNodeDetail(node.id), [node.id]);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const d = detail.value;

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
      setError(null);
    } catch (err) {
      setError(toIpcError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <aside className="side-panel node-panel" aria-label="Node detail">
      <div className="side-panel-head">
        <h3>{node.kind.replace(/_/g, " ")}</h3>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      {node.kind === "target" ? (
        <TargetValue node={node} detail={d} onOpen={(id) => openTarget(navigate, id)} />
      ) : (
        <p className="mono break node-value">{d?.value ?? node.label}</p>
      )}
      <p className="muted">
        {formatCount(node.degree)} links{node.campaign ? ` · campaign ${node.campaign}` : ""}
        {node.generic ? " · generic" : ""}
      </p>
      <div className="panel-actions">
        <button type="button" disabled={busy} onClick={() => act(onExpand)}>
          Expand neighbourhood
        </button>
        {pinned && (
          <button type="button" onClick={onUnpin}>
            Unpin
          </button>
        )}
        {node.kind !== "target" && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              act(async () => {
                await markGeneric(node.kind, d?.value ?? node.label, !node.generic);
                onGenericChanged();
              })
            }
          >
            {node.generic ? "Not generic" : "Mark generic"}
          </button>
        )}
      </div>
      <InlineError error={detail.error ?? error} />
      {d && d.pivot_kind && d.pivot_value !== null && (
        <button
          type="button"
          className="link-button"
          onClick={() => openPivot(navigate, d.pivot_kind!, d.pivot_value!)}
        >
          Open all targets sharing this {d.pivot_kind.replace(/_/g, " ")} in the table
        </button>
      )}
      {d && (
        <>
          <h4>Targets ({formatCount(d.targets.length)})</h4>
          {d.targets.length === 0 ? (
            <p className="muted">No stored target carries this value.</p>
          ) : (
            <ul className="node-targets">
              {d.targets.slice(0, LISTED).map((t) => (
                <li key={t.id}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => openTarget(navigate, t.id)}
                  >
                    #{t.id}
                  </button>{" "}
                  <span className="muted">risk {formatRisk(t.risk_score)}</span>{" "}
                  <span className="mono break">{t.url}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </aside>
  );
}

/**
 * A target node's value: the stored value is the target's id, so the panel shows the target's
 * URL (from its own row, else the node's label) and the id as a way to its detail.
 */
function TargetValue(props: {
  node: GraphNode;
  detail: GraphNodeDetail | null | undefined;
  onOpen: (id: number) => void;
}) {
  const { node, detail, onOpen } = props;
  const id = detail ? Number(detail.value) : NaN;
  const own = detail?.targets.find((t) => t.id === id);
  return (
    <>
      <p className="mono break node-value">{own?.url ?? node.label}</p>
      {Number.isInteger(id) && (
        <p className="muted">
          Target{" "}
          <button type="button" className="link-button" onClick={() => onOpen(id)}>
            #{id}
          </button>
        </p>
      )}
    </>
  );
}
