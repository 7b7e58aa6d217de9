// The editing side of the Rules view: the rule's name and text, errors while typing (debounced
// `check_rule`), a test against a target, save and delete. Saving a rule that does not compile
// is refused by the Rust side (`rule_invalid`); the error list then shows `check_rule`'s view.

import { useState } from "react";

import {
  deleteRule,
  saveRule,
  toIpcError,
  type IpcError,
  type RuleKind,
  type RuleView,
} from "../../../ipc";
import { InlineError } from "../shared/InlineError";
import { RuleEditor } from "./RuleEditor";
import { RuleTester } from "./RuleTester";
import { useRuleCheck } from "./useRuleCheck";

/** What a new rule of each kind starts with. */
export const TEMPLATES: Record<RuleKind, { name: string; source: string }> = {
  yara: {
    name: "new_yara_rule",
    source:
      'rule new_rule\n{\n  strings:\n    $a = "verify your account" nocase\n  condition:\n    $a\n}\n',
  },
  signature: { name: "new signature", source: "" },
  alert: { name: "new alert rule", source: "" },
};

/** How each kind's text is written, shown under the editor. */
export const FORMAT_HINTS: Record<RuleKind, string> = {
  yara: "YARA rules; includes are not allowed.",
  signature:
    "One line `field: pattern`: field html, headers, url or asset, pattern a regular " +
    "expression (Rust `regex` syntax, e.g. `html: (?i)verify your account`). Or an IOK " +
    "rule's YAML.",
  alert:
    "One line `field: pattern`: field html, headers or url, pattern a regular expression " +
    "(e.g. `url: (?i)paypa1`).",
};

/** The workspace for `rule` (null: a new rule of `kind`); `onSaved` reloads the list. */
export function RuleWorkspace(props: {
  kind: RuleKind;
  rule: RuleView | null;
  onSaved: (rule: RuleView) => void;
  onDeleted: () => void;
}) {
  const { kind, rule, onSaved, onDeleted } = props;
  const [name, setName] = useState(rule?.name ?? TEMPLATES[kind].name);
  const [source, setSource] = useState(rule?.source ?? TEMPLATES[kind].source);
  const [error, setError] = useState<IpcError | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [saving, setSaving] = useState(false);
  const check = useRuleCheck(kind, source);
  const dirty = !rule || name !== rule.name || source !== rule.source;
  const compiles = !check.checking && check.errors.length === 0 && source.trim() !== "";

  const save = async () => {
    setSaving(true);
    try {
      const saved = await saveRule(kind, rule?.id ?? null, name.trim(), source);
      setError(null);
      onSaved(saved);
    } catch (err) {
      setError(toIpcError(err));
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!rule) return;
    try {
      await deleteRule(kind, rule.id);
      onDeleted();
    } catch (err) {
      setError(toIpcError(err));
    }
  };

  return (
    <div className="rule-workspace">
      <div className="analysis-toolbar">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
        </label>
        <span className="muted" role="status">
          {source.trim() === ""
            ? "Empty"
            : check.checking
              ? "Checking…"
              : check.errors.length > 0
                ? `${check.errors.length} error${check.errors.length === 1 ? "" : "s"}`
                : "Compiles"}
        </span>
        <button
          type="button"
          disabled={!dirty || saving || name.trim() === "" || !compiles}
          onClick={save}
        >
          {saving ? "Saving…" : rule ? "Save" : "Create"}
        </button>
        {rule &&
          (confirmDelete ? (
            <button type="button" className="danger" onClick={remove}>
              Really delete “{rule.name}”
            </button>
          ) : (
            <button type="button" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          ))}
      </div>
      <InlineError error={error ?? check.failure} />
      <RuleEditor
        value={source}
        onChange={setSource}
        errors={check.errors}
        label={`${kind} rule source`}
      />
      <p className="muted rule-format">{FORMAT_HINTS[kind]}</p>
      <RuleTester kind={kind} source={source} disabled={!compiles} />
    </div>
  );
}
