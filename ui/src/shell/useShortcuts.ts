// App-wide keyboard shortcuts: `g` then a key opens the view registered with that shortcut,
// Ctrl+K (or Cmd+K) opens the command palette, `/` focuses the open view's filter (the element
// marked `data-shortcut-filter`). Keys typed into a field are left alone. Table moves (j/k) and
// Esc belong to the views that own a selection.

import { useEffect } from "react";

import { VIEWS } from "../navigation";

/** How long after `g` the second key still counts, in milliseconds. */
const SEQUENCE_WINDOW_MS = 1500;

/** True when the key went to something the analyst types into. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The view id a `g <key>` sequence opens, if any. */
export function viewForSequence(key: string): string | undefined {
  return VIEWS.find((entry) => entry.shortcut === `g ${key}`)?.id;
}

/** Installs the shortcuts for as long as the calling component is mounted. */
export function useShortcuts(actions: { navigate: (id: string) => void; openPalette: () => void }) {
  useEffect(() => {
    let pendingSince = 0;

    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        actions.openPalette();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;

      const now = event.timeStamp;
      if (pendingSince > 0 && now - pendingSince < SEQUENCE_WINDOW_MS) {
        pendingSince = 0;
        const id = viewForSequence(event.key);
        if (id) {
          event.preventDefault();
          actions.navigate(id);
        }
        return;
      }
      pendingSince = 0;
      if (event.key === "g") {
        pendingSince = now || 1;
      } else if (event.key === "/") {
        const filter = document.querySelector<HTMLElement>("[data-shortcut-filter]");
        if (filter) {
          event.preventDefault();
          filter.focus();
        }
      }
    };

    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [actions]);
}
