// Multi-selection of table rows by id: a plain click selects one row, Ctrl/Cmd toggles one, and
// Shift extends from the last clicked row over the rows loaded between them. Ids (not positions)
// are kept, so a live refresh that reorders rows keeps what the analyst selected.

/** How a row was clicked. */
export interface ClickKeys {
  shift: boolean;
  toggle: boolean;
}

/** The selection after clicking the row at `index`, given the ids at each loaded index. */
export function clickSelection(
  selected: ReadonlySet<number>,
  anchor: number | null,
  index: number,
  idAt: (index: number) => number | undefined,
  keys: ClickKeys,
): Set<number> {
  const id = idAt(index);
  if (id === undefined) return new Set(selected);
  if (keys.shift && anchor !== null) {
    const next = keys.toggle ? new Set(selected) : new Set<number>();
    const [from, to] = anchor <= index ? [anchor, index] : [index, anchor];
    for (let i = from; i <= to; i++) {
      const at = idAt(i);
      if (at !== undefined) next.add(at);
    }
    return next;
  }
  if (keys.toggle) {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  }
  return new Set([id]);
}

/** Adds (or removes, when all are already selected) every id in `ids`. */
export function toggleAll(selected: ReadonlySet<number>, ids: number[]): Set<number> {
  const next = new Set(selected);
  const all = ids.length > 0 && ids.every((id) => next.has(id));
  for (const id of ids) {
    if (all) next.delete(id);
    else next.add(id);
  }
  return next;
}
