// The command palette (Ctrl+K): a filtered list of every view and the common actions. Arrow keys
// move, Enter runs, Esc or a click outside closes.

import { useMemo, useState } from "react";

import type { ViewParams } from "../navigate";
import { VIEWS } from "../navigation";

/** One palette entry. */
export interface PaletteCommand {
  id: string;
  label: string;
  hint?: string;
  run: () => void;
}

/** Every command, in display order. */
export function paletteCommands(
  open: (id: string, params?: ViewParams) => void,
  toggleTheme: () => void,
): PaletteCommand[] {
  const views = VIEWS.map((entry) => ({
    id: `view:${entry.id}`,
    label: `Go to ${entry.label}`,
    hint: entry.shortcut ?? undefined,
    run: () => open(entry.id),
  }));
  return [
    ...views,
    { id: "scan:new", label: "New scan: drop or paste URLs", run: () => open("scan") },
    {
      id: "targets:failed",
      label: "Show failed targets",
      run: () => open("targets", { status: "FAILED" }),
    },
    {
      id: "targets:matches",
      label: "Show targets with rule matches",
      run: () => open("targets", { has_matches: "true" }),
    },
    {
      id: "targets:risky",
      label: "Show high-risk targets (70+)",
      run: () => open("targets", { risk_min: "70" }),
    },
    { id: "jobs:failed", label: "Show failed jobs", run: () => open("jobs", { state: "FAILED" }) },
    { id: "logs:errors", label: "Show error logs", run: () => open("logs", { level: "error" }) },
    { id: "theme:toggle", label: "Toggle dark/light theme", run: toggleTheme },
  ];
}

/** Keeps the commands whose label contains every word typed, in order of appearance. */
export function filterCommands(commands: PaletteCommand[], text: string): PaletteCommand[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return commands.filter((command) => {
    const label = command.label.toLowerCase();
    return words.every((word) => label.includes(word));
  });
}

/** The palette dialog. */
export function CommandPalette(props: {
  onClose: () => void;
  onOpen: (id: string, params?: ViewParams) => void;
  onToggleTheme: () => void;
}) {
  const { onClose, onOpen, onToggleTheme } = props;
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const commands = useMemo(() => paletteCommands(onOpen, onToggleTheme), [onOpen, onToggleTheme]);
  const shown = filterCommands(commands, text);
  const index = Math.min(active, Math.max(shown.length - 1, 0));

  const runAt = (at: number) => {
    const command = shown[at];
    if (!command) return;
    onClose();
    command.run();
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      setActive((index + 1) % Math.max(shown.length, 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive((index - 1 + shown.length) % Math.max(shown.length, 1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      runAt(index);
    }
  };

  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div
        className="palette"
        role="dialog"
        aria-label="Command palette"
        onMouseDown={(event) => event.stopPropagation()}
      >
        <input
          autoFocus
          aria-label="Command"
          placeholder="Type a command or a view…"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <ul role="listbox" aria-label="Commands">
          {shown.map((command, at) => (
            <li
              key={command.id}
              role="option"
              aria-selected={at === index}
              onMouseEnter={() => setActive(at)}
              onClick={() => runAt(at)}
            >
              <span>{command.label}</span>
              {command.hint && <kbd>{command.hint}</kbd>}
            </li>
          ))}
          {shown.length === 0 && <li className="muted">No command matches “{text}”.</li>}
        </ul>
      </div>
    </div>
  );
}
