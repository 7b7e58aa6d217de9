// A plain-text rule editor: a textarea without wrapping beside a gutter of line numbers, with
// the lines that have compile errors marked in the gutter and banded behind the text, a caret
// mark at the error's column, and the list of errors below (clicking one moves the cursor
// there). Line and column count from 1, as `check_rule` reports them.

import { useRef, useState } from "react";

import type { RuleError } from "../../../ipc";

/** Height of one editor line in pixels; the CSS uses the same value. */
export const LINE_HEIGHT = 20;
/** Padding above the first line in pixels; the CSS uses the same value. */
const PAD = 8;

/** Offset in `text` of 1-based `line` and `column`, clamped to the text. */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split("\n");
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length - 1); i++) offset += lines[i].length + 1;
  const current = lines[Math.min(line, lines.length) - 1] ?? "";
  return offset + Math.min(Math.max(column - 1, 0), current.length);
}

/** The editor for `value`; `errors` come from the last compile of that value. */
export function RuleEditor(props: {
  value: string;
  onChange: (value: string) => void;
  errors: RuleError[];
  label: string;
}) {
  const { value, onChange, errors, label } = props;
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const lineCount = value.split("\n").length;
  const errorLines = new Map<number, RuleError>();
  for (const e of errors) if (!errorLines.has(e.line)) errorLines.set(e.line, e);

  const jump = (e: RuleError) => {
    const el = area.current;
    if (!el) return;
    const at = offsetOf(value, e.line, e.column);
    el.focus();
    el.setSelectionRange(at, at);
    el.scrollTop = Math.max(0, (e.line - 3) * LINE_HEIGHT);
  };

  return (
    <div className="rule-editor-wrap">
      <div className="rule-editor">
        <div className="rule-gutter" aria-hidden="true">
          <div style={{ transform: `translateY(${-scroll.top}px)` }}>
            {Array.from({ length: lineCount }, (_, i) => {
              const error = errorLines.get(i + 1);
              return (
                <div
                  key={i}
                  data-line={i + 1}
                  className={error ? "rule-line-number has-error" : "rule-line-number"}
                  title={error?.message}
                >
                  {i + 1}
                </div>
              );
            })}
          </div>
        </div>
        <div className="rule-text">
          {[...errorLines.values()].map((e) => (
            <div
              key={`${e.line}:${e.column}`}
              className="rule-error-band"
              data-error-line={e.line}
              style={{ top: PAD + (e.line - 1) * LINE_HEIGHT - scroll.top }}
            >
              <span
                className="rule-error-caret"
                style={{ left: `calc(${PAD}px + ${e.column - 1}ch - ${scroll.left}px)` }}
              />
            </div>
          ))}
          <textarea
            ref={area}
            aria-label={label}
            aria-invalid={errors.length > 0}
            spellCheck={false}
            wrap="off"
            value={value}
            onChange={(e) => onChange(e.target.value)}
            onScroll={(e) =>
              setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })
            }
          />
        </div>
      </div>
      {errors.length > 0 && (
        <ul className="rule-errors" aria-label="Compile errors">
          {errors.map((e, i) => (
            <li key={i}>
              <button type="button" className="link-button" onClick={() => jump(e)}>
                line {e.line}, column {e.column}
              </button>
              {e.rule && <span className="muted"> in {e.rule}</span>}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
