// Shared values of a campaign as chips ("favicon hash -1234 ×14"); with `onGeneric`, each chip
// offers to mark its value generic (it then stops linking targets). Values are captured data and
// stay text.

import type { CampaignValue } from "../../../ipc";

/** The chips for `values`. */
export function ValueChips(props: {
  values: CampaignValue[];
  onGeneric?: (value: CampaignValue) => void;
}) {
  const { values, onGeneric } = props;
  if (values.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {values.map((v) => (
        <span key={`${v.kind}:${v.value}`} className="chip" title={`${v.kind}: ${v.value}`}>
          <span className="chip-kind">{v.kind.replace(/_/g, " ")}</span>
          <span className="mono ellipsis">{v.value}</span>
          <span className="muted">×{v.count}</span>
          {onGeneric && (
            <button
              type="button"
              className="link-button chip-action"
              aria-label={`Mark ${v.kind} ${v.value} generic`}
              onClick={() => onGeneric(v)}
            >
              generic
            </button>
          )}
        </span>
      ))}
    </span>
  );
}
