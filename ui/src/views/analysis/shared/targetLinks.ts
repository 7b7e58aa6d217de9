// How the analysis views send the analyst to the Targets view: one target's detail, or the
// table filtered by a pivot value. The parameter names are the Targets view's.

import type { Navigate } from "../../../navigate";

/** Opens the detail of target `id`. */
export function openTarget(navigate: Navigate, id: number): void {
  navigate("targets", { target: String(id) });
}

/** Opens the targets table filtered to those sharing one pivot value. */
export function openPivot(navigate: Navigate, kind: string, value: string): void {
  navigate("targets", { pivot_kind: kind, pivot_value: value });
}
