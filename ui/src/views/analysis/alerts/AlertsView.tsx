// The Alerts view: alerts raised by alert rules, newest first, filtered by acknowledged state
// and paged. Alerts are acknowledged one at a time or by selection; each row opens its target.
// URLs and messages come from captured pages and are shown as text only.

import { useState } from "react";

import { ackAlerts, listAlerts, toIpcError, type IpcError } from "../../../ipc";
import { useNavigate } from "../../../navigate";
import type { ViewProps } from "../../../navigation";
import { formatCount, formatTime } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { Pager } from "../shared/Pager";
import { openTarget } from "../shared/targetLinks";
import { useCommand } from "../shared/useCommand";
import "../analysis.css";

/** Alerts per page. */
export const ALERT_PAGE = 100;

type AckFilter = "open" | "acknowledged" | "all";

const FILTERS: { value: AckFilter; label: string; acknowledged: boolean | null }[] = [
  { value: "open", label: "Not acknowledged", acknowledged: false },
  { value: "acknowledged", label: "Acknowledged", acknowledged: true },
  { value: "all", label: "All", acknowledged: null },
];

/** The Alerts view. */
export function AlertsView(_props: Partial<ViewProps>) {
  const navigate = useNavigate();
  const [filter, setFilter] = useState<AckFilter>("open");
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [actionError, setActionError] = useState<IpcError | null>(null);
  const acknowledged = FILTERS.find((f) => f.value === filter)!.acknowledged;
  const alerts = useCommand(
    () => listAlerts(acknowledged, page * ALERT_PAGE, ALERT_PAGE),
    [acknowledged, page],
  );
  const rows = alerts.value?.rows ?? [];
  const total = alerts.value?.total ?? 0;

  const acknowledge = async (ids: number[]) => {
    try {
      await ackAlerts(ids);
      setActionError(null);
      setSelected(new Set());
      alerts.reload();
    } catch (err) {
      setActionError(toIpcError(err));
    }
  };

  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const open = rows.filter((r) => r.acknowledged_at === null);
  const allSelected = open.length > 0 && open.every((r) => selected.has(r.id));

  return (
    <section className="view analysis-view" aria-labelledby="alerts-title">
      <div className="analysis-toolbar">
        <h2 id="alerts-title">Alerts</h2>
        <label>
          Show{" "}
          <select
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value as AckFilter);
              setPage(0);
              setSelected(new Set());
            }}
          >
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">{alerts.value ? `${formatCount(total)} alerts` : "…"}</span>
        <button
          type="button"
          disabled={selected.size === 0}
          onClick={() => acknowledge([...selected])}
        >
          Acknowledge selected ({selected.size})
        </button>
        <button type="button" onClick={alerts.reload}>
          Refresh
        </button>
      </div>
      <InlineError error={alerts.error ?? actionError} />

      {alerts.value && total === 0 ? (
        <p className="empty-state">
          {filter === "open"
            ? "No alerts to look at. Alerts appear when an alert rule matches a captured target; write one in Rules."
            : "No alerts here."}
        </p>
      ) : (
        <table className="analysis-table" aria-label="Alerts">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={allSelected}
                  disabled={open.length === 0}
                  onChange={() =>
                    setSelected(allSelected ? new Set() : new Set(open.map((r) => r.id)))
                  }
                />
              </th>
              <th>Raised</th>
              <th>Kind</th>
              <th>Message</th>
              <th>Target</th>
              <th>Acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className={row.acknowledged_at ? "muted-row" : undefined}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select alert ${row.id}`}
                    checked={selected.has(row.id)}
                    disabled={row.acknowledged_at !== null}
                    onChange={() => toggle(row.id)}
                  />
                </td>
                <td className="nowrap">{formatTime(row.created_at)}</td>
                <td>{row.kind}</td>
                <td>{row.message}</td>
                <td>
                  <button
                    type="button"
                    className="link-button"
                    title="Open the target's detail"
                    onClick={() => openTarget(navigate, row.target_id)}
                  >
                    #{row.target_id}
                  </button>{" "}
                  <span className="mono break">{row.url}</span>
                </td>
                <td className="nowrap">
                  {row.acknowledged_at ? (
                    formatTime(row.acknowledged_at)
                  ) : (
                    <button type="button" onClick={() => acknowledge([row.id])}>
                      Acknowledge
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <Pager page={page} total={total} pageSize={ALERT_PAGE} onPage={setPage} />
    </section>
  );
}
