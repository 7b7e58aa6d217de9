// The members of a campaign as a virtualized grid of cards: screenshot (through the asset
// protocol; a placeholder when there is none or it fails to load), URL and domain as text, the
// evidence that put the member in the campaign, a pin toggle, a checkbox for the split, and a
// button opening the target. Only the rows in view are in the DOM. Columns stretch to share the
// grid's width; a card keeps its URL on one line and scrolls a long evidence list inside itself.

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";

import { screenshotUrl, type CampaignMember } from "../../../ipc";

/** Card size in pixels: the narrowest a column gets, and the height (the CSS uses it too). */
export const CARD_WIDTH = 260;
export const CARD_HEIGHT = 300;
const GAP = 12;

/** The grid of `members`. */
export function MemberGrid(props: {
  members: CampaignMember[];
  selected: Set<number>;
  onToggle: (targetId: number) => void;
  onPin: (member: CampaignMember) => void;
  onOpen: (targetId: number) => void;
}) {
  const { members, selected, onToggle, onPin, onOpen } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(4 * (CARD_WIDTH + GAP));

  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => el.clientWidth > 0 && setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width + GAP) / (CARD_WIDTH + GAP)));
  const rows = useVirtualizer({
    count: Math.ceil(members.length / columns),
    getScrollElement: () => scroller.current,
    estimateSize: () => CARD_HEIGHT + GAP,
    overscan: 2,
    initialRect: { width, height: 700 },
  });

  return (
    <div className="member-grid" ref={scroller} aria-label="Members" role="list">
      <div style={{ height: rows.getTotalSize(), position: "relative" }}>
        {rows.getVirtualItems().map((row) => (
          <div
            key={row.index}
            className="member-row"
            style={{
              position: "absolute",
              top: row.start,
              gap: GAP,
              gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
            }}
          >
            {members.slice(row.index * columns, (row.index + 1) * columns).map((m) => (
              <MemberCard
                key={m.target_id}
                member={m}
                checked={selected.has(m.target_id)}
                onToggle={() => onToggle(m.target_id)}
                onPin={() => onPin(m)}
                onOpen={() => onOpen(m.target_id)}
              />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

/** One member's card. */
function MemberCard(props: {
  member: CampaignMember;
  checked: boolean;
  onToggle: () => void;
  onPin: () => void;
  onOpen: () => void;
}) {
  const { member, checked, onToggle, onPin, onOpen } = props;
  const [broken, setBroken] = useState(false);
  const shot = member.screenshot_path && !broken ? screenshotUrl(member.screenshot_path) : null;
  return (
    <div className="member-card" role="listitem" data-target-id={member.target_id}>
      {shot ? (
        <img
          src={shot}
          alt={`Screenshot of target ${member.target_id}`}
          onError={() => setBroken(true)}
        />
      ) : (
        <div className="shot-placeholder">No screenshot</div>
      )}
      <div className="member-head">
        <label>
          <input type="checkbox" checked={checked} onChange={onToggle} /> #{member.target_id}
        </label>
        <button type="button" className="link-button" aria-pressed={member.pinned} onClick={onPin}>
          {member.pinned ? "Pinned" : "Pin"}
        </button>
        <button type="button" className="link-button" onClick={onOpen}>
          Open
        </button>
      </div>
      <div className="member-url mono ellipsis" title={member.url}>
        {member.url}
      </div>
      <ul className="evidence">
        {member.evidence.map((e, i) => (
          <li key={i}>{e}</li>
        ))}
      </ul>
    </div>
  );
}
