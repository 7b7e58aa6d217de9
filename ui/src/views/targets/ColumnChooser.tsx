// The column chooser: a disclosure listing every column with a checkbox.

import { useState } from "react";

import { COLUMNS } from "./columns";

/** The chooser; `shown` are the visible column keys. */
export function ColumnChooser({
  shown,
  onToggle,
}: {
  shown: string[];
  onToggle: (key: string) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <div className="column-chooser">
      <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Columns
      </button>
      {open && (
        <fieldset className="popover" aria-label="Shown columns">
          {COLUMNS.map((c) => (
            <label key={c.key}>
              <input
                type="checkbox"
                checked={shown.includes(c.key)}
                onChange={() => onToggle(c.key)}
              />
              {c.label}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
