// "Test against target": runs the unsaved rule text against one stored target (`test_rule`)
// and lists what matched, so an analyst sees a rule's effect before saving it. Excerpts come
// from captured pages and are shown as text.

import { useState } from "react";

import {
  testRule,
  toIpcError,
  type IpcError,
  type RuleKind,
  type RuleTestMatch,
} from "../../../ipc";
import { InlineError } from "../shared/InlineError";

/** The tester for `source` of `kind`; disabled while the source has compile errors. */
export function RuleTester(props: { kind: RuleKind; source: string; disabled: boolean }) {
  const { kind, source, disabled } = props;
  const [targetId, setTargetId] = useState("");
  const [result, setResult] = useState<{ target: number; matches: RuleTestMatch[] } | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [running, setRunning] = useState(false);
  const id = Number.parseInt(targetId, 10);
  const valid = /^\d+$/.test(targetId.trim()) && id > 0;

  const run = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    setRunning(true);
    try {
      const { matches } = await testRule(kind, source, id);
      setResult({ target: id, matches });
      setError(null);
    } catch (err) {
      setResult(null);
      setError(toIpcError(err));
    } finally {
      setRunning(false);
    }
  };

  return (
    <form className="rule-tester" onSubmit={run} aria-label="Test against a target">
      <label>
        Test against target{" "}
        <input
          inputMode="numeric"
          placeholder="target id"
          size={10}
          value={targetId}
          onChange={(e) => setTargetId(e.target.value)}
        />
      </label>{" "}
      <button type="submit" disabled={!valid || disabled || running}>
        {running ? "Testing…" : "Test"}
      </button>
      <InlineError error={error} />
      {result && (
        <div className="rule-test-result" role="status">
          {result.matches.length === 0 ? (
            <p>No match in target #{result.target}.</p>
          ) : (
            <>
              <p>
                {result.matches.length} match{result.matches.length === 1 ? "" : "es"} in target #
                {result.target}:
              </p>
              <ul>
                {result.matches.map((m, i) => (
                  <li key={i}>
                    <strong>{m.rule}</strong> <span className="muted">at {m.location}</span>
                    <pre className="excerpt">{m.excerpt}</pre>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </form>
  );
}
