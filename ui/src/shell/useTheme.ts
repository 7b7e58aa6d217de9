// The colour theme: "system" (follow the OS, the default), "light" or "dark", persisted in
// localStorage and applied as `data-theme` on <html> (styles.css reads it). Every hook instance
// stays in step through a window event, so the palette and Settings can both toggle it.

import { useCallback, useEffect, useState } from "react";

/** The analyst's choice. */
export type ThemeChoice = "system" | "light" | "dark";

const STORAGE_KEY = "trawl.theme";
const CHANGE_EVENT = "trawl-theme-change";

/** The stored choice; anything unreadable counts as "system". */
export function readTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

/** The theme actually shown for a choice, given whether the OS prefers dark. */
export function effectiveTheme(choice: ThemeChoice, osDark: boolean): "light" | "dark" {
  if (choice === "system") return osDark ? "dark" : "light";
  return choice;
}

function osPrefersDark(): boolean {
  return typeof window.matchMedia === "function"
    ? window.matchMedia("(prefers-color-scheme: dark)").matches
    : false;
}

/** Applies a choice to the document (also used at startup, before React renders). */
export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === "system") delete root.dataset.theme;
  else root.dataset.theme = choice;
}

/** The current choice with setters; `toggle` flips what is shown and pins that choice. */
export function useTheme() {
  const [choice, setChoice] = useState<ThemeChoice>(readTheme);

  useEffect(() => {
    const sync = () => setChoice(readTheme());
    window.addEventListener(CHANGE_EVENT, sync);
    return () => window.removeEventListener(CHANGE_EVENT, sync);
  }, []);

  const set = useCallback((next: ThemeChoice) => {
    try {
      if (next === "system") localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage can be unavailable; the choice then lasts for this session only.
    }
    applyTheme(next);
    setChoice(next);
    window.dispatchEvent(new Event(CHANGE_EVENT));
  }, []);

  const toggle = useCallback(() => {
    set(effectiveTheme(readTheme(), osPrefersDark()) === "dark" ? "light" : "dark");
  }, [set]);

  return { choice, set, toggle };
}
