// The list of campaigns with their size, highest risk, first and last seen, and the values
// their members share most; sorted and paged by the database.

import { useState } from "react";

import { listCampaigns, type CampaignSort } from "../../../ipc";
import { formatCount, formatRisk, formatTime } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { Pager } from "../shared/Pager";
import { useCommand } from "../shared/useCommand";
import { ValueChips } from "./ValueChips";

/** Campaigns per page. */
export const CAMPAIGN_PAGE = 50;

const SORTS: { sort: CampaignSort; label: string }[] = [
  { sort: "size", label: "Size" },
  { sort: "risk", label: "Risk" },
  { sort: "first_seen", label: "First seen" },
  { sort: "last_seen", label: "Last seen" },
];

/** The campaign list; `onOpen` opens a campaign's page. */
export function CampaignList({ onOpen }: { onOpen: (key: string) => void }) {
  const [sort, setSort] = useState<CampaignSort>("size");
  const [descending, setDescending] = useState(true);
  const [page, setPage] = useState(0);
  const campaigns = useCommand(
    () => listCampaigns(page * CAMPAIGN_PAGE, CAMPAIGN_PAGE, sort, descending),
    [page, sort, descending],
  );
  const rows = campaigns.value?.rows ?? [];
  const total = campaigns.value?.total ?? 0;

  const sortBy = (next: CampaignSort) => {
    if (next === sort) setDescending(!descending);
    else {
      setSort(next);
      setDescending(true);
    }
    setPage(0);
  };
  const header = (s: CampaignSort, label: string) => (
    <th key={s} aria-sort={sort === s ? (descending ? "descending" : "ascending") : undefined}>
      <button type="button" className="link-button" onClick={() => sortBy(s)}>
        {label}
        {sort === s && (descending ? " ▼" : " ▲")}
      </button>
    </th>
  );

  return (
    <section className="view analysis-view" aria-labelledby="campaigns-title">
      <div className="analysis-toolbar">
        <h2 id="campaigns-title">Campaigns</h2>
        <span className="muted">{campaigns.value ? `${formatCount(total)} campaigns` : "…"}</span>
        <button type="button" onClick={campaigns.reload}>
          Refresh
        </button>
      </div>
      <InlineError error={campaigns.error} />
      {campaigns.value && total === 0 ? (
        <p className="empty-state">
          No campaigns yet. Campaigns form when scanned targets share strong fingerprints (a
          favicon, a certificate, a kit's files); scan a URL list from Scan first.
        </p>
      ) : (
        <table className="analysis-table" aria-label="Campaigns">
          <thead>
            <tr>
              <th>Campaign</th>
              {SORTS.map((s) => header(s.sort, s.label))}
              <th>Top shared values</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.key}>
                <td className="nowrap">
                  <button
                    type="button"
                    className="link-button mono nowrap"
                    onClick={() => onOpen(c.key)}
                  >
                    {c.key}
                  </button>
                </td>
                <td className="num">{formatCount(c.size)}</td>
                <td className="num">{formatRisk(c.risk_max)}</td>
                <td className="nowrap">{formatTime(c.first_seen)}</td>
                <td className="nowrap">{formatTime(c.last_seen)}</td>
                <td>
                  <ValueChips values={c.top_values.slice(0, 4)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={page} total={total} pageSize={CAMPAIGN_PAGE} onPage={setPage} />
    </section>
  );
}
