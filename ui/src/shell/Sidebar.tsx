// The left navigation: one button per registered view, grouped, with its shortcut shown.

import { VIEWS, type ViewGroup } from "../navigation";

const GROUPS: { group: ViewGroup; label: string }[] = [
  { group: "capture", label: "Capture" },
  { group: "analysis", label: "Analysis" },
  { group: "system", label: "System" },
];

/** The sidebar; `current` is the open view's id. */
export function Sidebar({ current, onOpen }: { current: string; onOpen: (id: string) => void }) {
  return (
    <nav className="app-nav" aria-label="Views">
      {GROUPS.map(({ group, label }) => {
        const entries = VIEWS.filter((entry) => entry.group === group);
        if (entries.length === 0) return null;
        return (
          <div key={group} className="nav-group">
            <div className="nav-group-label">{label}</div>
            {entries.map((entry) => (
              <button
                key={entry.id}
                type="button"
                data-testid={`nav-${entry.id}`}
                aria-current={current === entry.id ? "page" : undefined}
                title={entry.shortcut ? `${entry.label} (${entry.shortcut})` : entry.label}
                onClick={() => onOpen(entry.id)}
              >
                <span>{entry.label}</span>
                {entry.shortcut && <kbd className="nav-shortcut">{entry.shortcut}</kbd>}
              </button>
            ))}
          </div>
        );
      })}
    </nav>
  );
}
