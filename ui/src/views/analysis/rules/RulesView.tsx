// The Rules view: signatures, YARA rules and alert rules, one kind at a time. The list of the
// kind's rules sits beside the workspace that edits the chosen one (or a new one); the toolbar
// imports IOK rules from a directory, and the retro-hunt panel follows the hunts that saving a
// rule queues.

import { useState } from "react";

import { listRules, type RuleKind, type RuleView } from "../../../ipc";
import type { ViewProps } from "../../../navigation";
import { formatCount, formatTime } from "../shared/format";
import { InlineError } from "../shared/InlineError";
import { useCommand } from "../shared/useCommand";
import { IokImportButton } from "./IokImportButton";
import { RetroHuntPanel } from "./RetroHuntPanel";
import { RuleWorkspace } from "./RuleWorkspace";
import "../analysis.css";

const KINDS: { kind: RuleKind; label: string }[] = [
  { kind: "signature", label: "Signatures" },
  { kind: "yara", label: "YARA" },
  { kind: "alert", label: "Alert rules" },
];

/** The Rules view; `params.kind` picks the first tab. */
export function RulesView({ params }: Partial<ViewProps>) {
  const initial = KINDS.find((k) => k.kind === params?.kind)?.kind ?? "signature";
  const [kind, setKind] = useState<RuleKind>(initial);
  const [selected, setSelected] = useState<number | "new" | null>(null);
  const rules = useCommand(() => listRules(kind), [kind]);
  const list = rules.value ?? [];
  const rule = typeof selected === "number" ? list.find((r) => r.id === selected) : undefined;
  const editing = selected === "new" || rule !== undefined;

  const switchKind = (next: RuleKind) => {
    setKind(next);
    setSelected(null);
  };

  return (
    <section className="view analysis-view" aria-labelledby="rules-title">
      <div className="analysis-toolbar">
        <h2 id="rules-title">Rules</h2>
        <div role="tablist" aria-label="Rule kind" className="tabs">
          {KINDS.map((k) => (
            <button
              key={k.kind}
              type="button"
              role="tab"
              aria-selected={kind === k.kind}
              onClick={() => switchKind(k.kind)}
            >
              {k.label}
            </button>
          ))}
        </div>
        <button type="button" onClick={() => setSelected("new")}>
          New rule
        </button>
        <IokImportButton onImported={() => kind === "signature" && rules.reload()} />
      </div>
      <InlineError error={rules.error} />

      <div className="rules-layout">
        <RuleList rules={list} selected={selected} onSelect={setSelected} loaded={!!rules.value} />
        {editing ? (
          <RuleWorkspace
            key={`${kind}:${selected}`}
            kind={kind}
            rule={rule ?? null}
            onSaved={(saved) => {
              rules.reload();
              setSelected(saved.id);
            }}
            onDeleted={() => {
              rules.reload();
              setSelected(null);
            }}
          />
        ) : (
          <p className="empty-state">
            Pick a rule to edit it, or press “New rule”. Saving a rule hunts it over every stored
            target; progress shows below.
          </p>
        )}
      </div>
      <RetroHuntPanel />
    </section>
  );
}

/** The rules of the current kind, with their match counts. */
function RuleList(props: {
  rules: RuleView[];
  selected: number | "new" | null;
  onSelect: (id: number) => void;
  loaded: boolean;
}) {
  const { rules, selected, onSelect, loaded } = props;
  if (loaded && rules.length === 0) {
    return <p className="rule-list empty-state">No rules of this kind yet.</p>;
  }
  return (
    <ul className="rule-list" aria-label="Rules">
      {rules.map((r) => (
        <li key={r.id}>
          <button
            type="button"
            aria-current={selected === r.id ? "true" : undefined}
            onClick={() => onSelect(r.id)}
          >
            <span className="rule-name">{r.name}</span>
            <span className="muted">
              {formatCount(r.match_count)} matches · {r.enabled ? "on" : "off"} ·{" "}
              {formatTime(r.created_at)}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
