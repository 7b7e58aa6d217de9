// A day filter (From / To) as a text field with a "yyyy-mm-dd" placeholder. Native date inputs
// show today's date greyed out when empty in WebKitGTK, which reads as a set filter; this field
// is visibly empty until a day is typed, and marks a finished but impossible day as invalid.

import { isDay } from "./time";

interface Props {
  label: string;
  value: string;
  onChange: (value: string) => void;
}

/** A labelled yyyy-mm-dd field; `value` is whatever was typed ("" when empty). */
export function DateField({ label, value, onChange }: Props) {
  const invalid = value.trim() !== "" && !isDay(value.trim());
  return (
    <label>
      {label}{" "}
      <input
        type="text"
        className="date-field"
        value={value}
        placeholder="yyyy-mm-dd"
        inputMode="numeric"
        maxLength={10}
        size={10}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={invalid || undefined}
        title={invalid ? "Not a day: type it as yyyy-mm-dd" : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
