// The filter bar of the Targets view: status, risk range, domain, IP, tag, has matches,
// campaign, created-date range, and the pivot (from the detail) shown as a removable chip.

import { DateField } from "../shared/DateField";
import type { TargetFilters } from "./filters";

const STATUSES = ["", "QUEUED", "RUNNING", "DONE", "FAILED", "SKIPPED"];

interface Props {
  filters: TargetFilters;
  onChange: (filters: TargetFilters) => void;
}

/** The filter bar; every change goes straight to `onChange`. */
export function TargetFilterBar({ filters, onChange }: Props) {
  const set = (key: keyof TargetFilters) => (value: string) =>
    onChange({ ...filters, [key]: value });
  const input = (key: keyof TargetFilters, label: string, extra: object = {}) => (
    <label>
      {label}
      <input value={filters[key]} onChange={(e) => set(key)(e.target.value)} {...extra} />
    </label>
  );

  return (
    <div className="filter-bar" role="group" aria-label="Target filters">
      <label>
        Status
        <select value={filters.status} onChange={(e) => set("status")(e.target.value)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || "any"}
            </option>
          ))}
        </select>
      </label>
      {input("domain", "Domain", {
        type: "search",
        placeholder: "press / to filter",
        "data-shortcut-filter": true,
      })}
      {input("risk_min", "Risk ≥", { type: "number", min: 0, max: 100, className: "narrow" })}
      {input("risk_max", "Risk ≤", { type: "number", min: 0, max: 100, className: "narrow" })}
      {input("ip", "IP", { placeholder: "prefix", className: "medium" })}
      {input("tag", "Tag", { className: "medium" })}
      <label>
        Matches
        <select value={filters.has_matches} onChange={(e) => set("has_matches")(e.target.value)}>
          <option value="">any</option>
          <option value="true">with matches</option>
          <option value="false">without</option>
        </select>
      </label>
      {input("campaign", "Campaign", { className: "medium" })}
      <DateField label="From" value={filters.since} onChange={set("since")} />
      <DateField label="To" value={filters.until} onChange={set("until")} />
      {filters.pivot_kind && (
        <span className="chip" data-testid="pivot-chip">
          {filters.pivot_kind}: <code>{filters.pivot_value}</code>
          <button
            type="button"
            aria-label="Remove pivot filter"
            onClick={() => onChange({ ...filters, pivot_kind: "", pivot_value: "" })}
          >
            ×
          </button>
        </span>
      )}
    </div>
  );
}
