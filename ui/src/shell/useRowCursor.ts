// A keyboard cursor for plain tables: j/k move it over `count` rows (keys typed into fields are
// ignored) and Enter runs `onOpen` on the row under it. The view marks that row as active.

import { useEffect, useRef, useState } from "react";

import { isTypingTarget } from "./useShortcuts";

/** The active row index (null before the first move) and a setter for clicks. */
export function useRowCursor(count: number, onOpen?: (index: number) => void) {
  const [active, setActive] = useState<number | null>(null);
  const latest = useRef({ count, onOpen, active });
  latest.current = { count, onOpen, active };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      const { count: n, onOpen: open, active: at } = latest.current;
      if (n === 0) return;
      if (event.key === "j" || event.key === "k") {
        const next = Math.min(n - 1, Math.max(0, (at ?? -1) + (event.key === "j" ? 1 : -1)));
        setActive(next);
        // Enter should now open the row, not press a button that kept the focus.
        if (document.activeElement instanceof HTMLButtonElement) document.activeElement.blur();
        document
          .querySelector(`[data-cursor-index="${next}"]`)
          ?.scrollIntoView({ block: "nearest" });
      } else if (
        event.key === "Enter" &&
        at !== null &&
        open &&
        !(event.target instanceof HTMLButtonElement)
      ) {
        event.preventDefault();
        open(at);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // Keep the cursor inside the table when rows go away.
  const clamped = active === null || count === 0 ? null : Math.min(active, count - 1);
  return { active: clamped, setActive };
}
