// How a view moves the analyst to another view: `useNavigate()` returns a function taking a view
// id from the registry in ./navigation and optional string parameters (for the Targets view the
// TargetQuery filter names, e.g. `{ pivot_kind: "favicon", pivot_value: "…" }`). The App frame
// provides the context; views never touch the frame's state directly.

import { createContext, useContext } from "react";

/** Parameters handed to a view when it is opened (filter names to values). */
export type ViewParams = Readonly<Record<string, string>>;

/** Opens the view `id` with `params` (replacing any parameters it had). */
export type Navigate = (id: string, params?: ViewParams) => void;

/** Set by the App frame; the default does nothing so views render alone in unit tests. */
export const NavigateContext = createContext<Navigate>(() => {});

/** The function that opens another view. */
export function useNavigate(): Navigate {
  return useContext(NavigateContext);
}
