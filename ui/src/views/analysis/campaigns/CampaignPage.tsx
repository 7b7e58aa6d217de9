// One campaign: its summary and shared values (each can be marked generic), the members grid,
// the graph neighbourhood, and the actions that persist through the Rust side — split the
// selected members into a new campaign, merge another campaign into this one, pin a member,
// mark a value generic. Every action reloads the campaign afterwards.

import { useState } from "react";

import {
  getCampaignDetail,
  markGeneric,
  pinCampaignMember,
  splitCampaign,
  toIpcError,
  type CampaignMember,
  type CampaignValue,
  type IpcError,
} from "../../../ipc";
import { useNavigate } from "../../../navigate";
import { formatCount, formatRisk, formatTime, plural } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { openTarget } from "../shared/targetLinks";
import { useCommand } from "../shared/useCommand";
import { MemberGrid } from "./MemberGrid";
import { MergePicker } from "./MergePicker";
import { MiniGraph } from "./MiniGraph";
import { ValueChips } from "./ValueChips";

/** The page of campaign `campaignKey`; `onOpen` switches to another campaign's page. */
export function CampaignPage(props: {
  campaignKey: string;
  onOpen: (key: string) => void;
  onBack: () => void;
}) {
  const { campaignKey, onOpen, onBack } = props;
  const navigate = useNavigate();
  const detail = useCommand(() => getCampaignDetail(campaignKey), [campaignKey]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [error, setError] = useState<IpcError | null>(null);
  const [notice, setNotice] = useState<{ text: string; key: string } | null>(null);
  const summary = detail.value?.summary;
  const members = detail.value?.members ?? [];

  const act = async (action: () => Promise<void>) => {
    try {
      await action();
      setError(null);
      detail.reload();
    } catch (err) {
      setError(toIpcError(err));
    }
  };

  const split = () =>
    act(async () => {
      const created = await splitCampaign(campaignKey, [...selected]);
      setSelected(new Set());
      setNotice(
        created === null
          ? { text: "No member moved: they already form the campaign on their own", key: "" }
          : { text: `Moved ${plural(selected.size, "member")} to campaign`, key: created },
      );
    });
  const pin = (m: CampaignMember) =>
    act(async () => {
      await pinCampaignMember(campaignKey, m.target_id, !m.pinned);
    });
  const generic = (v: CampaignValue) =>
    act(async () => {
      await markGeneric(v.kind, v.value, true);
      setNotice({
        text: `Marked ${v.kind} ${v.value} generic; campaigns are rebuilt without it`,
        key: "",
      });
    });
  const merged = (surviving: string, other: string) => {
    if (surviving !== campaignKey) return onOpen(surviving);
    setNotice({ text: `Merged campaign ${other} into this one`, key: "" });
    setError(null);
    detail.reload();
  };
  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return (
    <section className="view analysis-view" aria-labelledby="campaign-title">
      <div className="analysis-toolbar">
        <button type="button" className="link-button" onClick={onBack}>
          ← Campaigns
        </button>
        <h2 id="campaign-title">
          Campaign <span className="mono">{campaignKey}</span>
        </h2>
        {summary && (
          <span className="muted">
            {plural(summary.size, "member")} · risk up to {formatRisk(summary.risk_max)} · seen{" "}
            {formatTime(summary.first_seen)} – {formatTime(summary.last_seen)}
          </span>
        )}
      </div>
      <InlineError error={detail.error ?? error} />
      {notice && (
        <p className="notice" role="status">
          {notice.text}{" "}
          {notice.key && (
            <button type="button" className="link-button mono" onClick={() => onOpen(notice.key)}>
              {notice.key}
            </button>
          )}
        </p>
      )}
      {summary && (
        <div className="campaign-values">
          <span className="muted">Shared values</span>
          <ValueChips values={summary.top_values} onGeneric={generic} />
        </div>
      )}
      <div className="analysis-toolbar campaign-actions">
        <span className="muted">{formatCount(selected.size)} selected</span>
        <button type="button" onClick={() => setSelected(new Set(members.map((m) => m.target_id)))}>
          Select all
        </button>
        <button type="button" disabled={selected.size === 0} onClick={() => setSelected(new Set())}>
          Clear
        </button>
        <button
          type="button"
          disabled={selected.size === 0 || selected.size === members.length}
          onClick={split}
        >
          Split selected into a new campaign
        </button>
        <MergePicker campaignKey={campaignKey} onMerged={merged} onError={setError} />
      </div>
      <div className="campaign-body">
        {detail.value === null ? (
          !detail.error && <p className="muted">Loading members…</p>
        ) : members.length === 0 ? (
          <p className="empty-state">This campaign has no members left.</p>
        ) : (
          <MemberGrid
            members={members}
            selected={selected}
            onToggle={toggle}
            onPin={pin}
            onOpen={(id) => openTarget(navigate, id)}
          />
        )}
        <MiniGraph
          campaign={campaignKey}
          onOpenGraph={() => navigate("graph", { campaign: campaignKey })}
        />
      </div>
    </section>
  );
}
