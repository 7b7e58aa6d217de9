// The graph view's query filters: node kinds (applied at once), campaign and time range
// (applied with the form), and the node cap. Everything here changes what `graph_query` asks
// the database for; hub collapsing and layout controls live in the view's toolbar.

import { useState } from "react";

import { DateField } from "../../shared/DateField";
import { dayEnd, dayStart } from "../shared/format";
import { KIND_COLOURS, NODE_KINDS } from "./graphModel";

/** What `graph_query` is asked for (kinds null: every kind). */
export interface GraphQueryState {
  kinds: string[] | null;
  campaign: string | null;
  since: string | null;
  until: string | null;
  nodeCap: number;
}

/** Node caps offered. */
export const NODE_CAPS = [1_000, 5_000, 10_000, 20_000];

/** The filter form; `onChange` receives the whole new query. */
export function GraphFilters(props: {
  query: GraphQueryState;
  onChange: (query: GraphQueryState) => void;
}) {
  const { query, onChange } = props;
  const [campaign, setCampaign] = useState(query.campaign ?? "");
  const [since, setSince] = useState(query.since?.slice(0, 10) ?? "");
  const [until, setUntil] = useState(query.until?.slice(0, 10) ?? "");
  const kinds = new Set(query.kinds ?? NODE_KINDS);

  const toggleKind = (kind: string) => {
    const next = new Set(kinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    const all = NODE_KINDS.every((k) => next.has(k));
    onChange({ ...query, kinds: all ? null : NODE_KINDS.filter((k) => next.has(k)) });
  };

  const apply = (event: React.FormEvent) => {
    event.preventDefault();
    onChange({
      ...query,
      campaign: campaign.trim() || null,
      since: dayStart(since),
      until: dayEnd(until),
    });
  };

  return (
    <form className="graph-filters" onSubmit={apply} aria-label="Graph filters">
      <fieldset className="kind-filters">
        <legend>Node kinds</legend>
        {NODE_KINDS.map((kind) => (
          <label key={kind} className="kind-filter">
            <input type="checkbox" checked={kinds.has(kind)} onChange={() => toggleKind(kind)} />
            <span className="swatch" style={{ background: KIND_COLOURS[kind] }} />
            {kind.replace(/_/g, " ")}
          </label>
        ))}
      </fieldset>
      <div className="graph-filter-row">
        <label>
          Campaign{" "}
          <input
            value={campaign}
            placeholder="campaign key"
            size={14}
            onChange={(e) => setCampaign(e.target.value)}
          />
        </label>
        <DateField label="From" value={since} onChange={setSince} />
        <DateField label="To" value={until} onChange={setUntil} />
        <button type="submit">Apply</button>
        <label>
          Node cap{" "}
          <select
            value={query.nodeCap}
            onChange={(e) => onChange({ ...query, nodeCap: Number(e.target.value) })}
          >
            {NODE_CAPS.map((cap) => (
              <option key={cap} value={cap}>
                {cap.toLocaleString("en")}
              </option>
            ))}
          </select>
        </label>
      </div>
    </form>
  );
}
