// One editable setting: a text, number, yes/no or secret field with Save and Reset (or Clear for
// a secret). A secret's stored value never comes back: the field starts empty and the masked
// value is shown beside it. Rejections (`invalid_setting`) are shown on the row.

import { useState } from "react";

import { setSetting, toIpcError, unsetSetting, type SettingView } from "../../ipc";

/** The row for `setting`; `onSaved` receives the setting as stored. */
export function SettingRow(props: { setting: SettingView; onSaved: (s: SettingView) => void }) {
  const { setting, onSaved } = props;
  const secret = setting.kind === "secret";
  const [draft, setDraft] = useState(secret ? "" : (setting.value ?? ""));
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const id = `setting-${setting.name.replace(/[^a-z0-9]/gi, "-")}`;

  const apply = (action: Promise<SettingView>) => {
    action
      .then((next) => {
        setProblem(null);
        setSaved(true);
        setDraft(secret ? "" : (next.value ?? ""));
        onSaved(next);
      })
      .catch((err: unknown) => {
        setSaved(false);
        setProblem(toIpcError(err).message);
      });
  };

  const choices = setting.choices ?? [];
  const field =
    choices.length > 0 ? (
      <select id={id} value={draft} onChange={(e) => setDraft(e.target.value)}>
        {!choices.includes(draft) && <option value={draft}>{draft || "—"}</option>}
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    ) : setting.kind === "bool" ? (
      <select id={id} value={draft} onChange={(e) => setDraft(e.target.value)}>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    ) : (
      <input
        id={id}
        type={secret ? "password" : setting.kind === "int" ? "number" : "text"}
        autoComplete="off"
        placeholder={secret ? "paste a new key" : (setting.default ?? "")}
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          setSaved(false);
        }}
      />
    );

  return (
    <div className="setting-row" data-setting={setting.name}>
      <label htmlFor={id}>
        <span className="setting-name">{setting.description || setting.name}</span>
        <code className="muted">{setting.name}</code>
      </label>
      {field}
      {secret && (
        <span className="muted" data-testid="secret-state">
          {setting.value ? `set (${setting.value})` : "not set"}
        </span>
      )}
      <button
        type="button"
        disabled={secret ? draft === "" : draft === (setting.value ?? "")}
        onClick={() => apply(setSetting(setting.name, draft))}
      >
        {secret ? "Set" : "Save"}
      </button>
      <button
        type="button"
        disabled={secret ? !setting.value : setting.is_default}
        onClick={() => apply(unsetSetting(setting.name))}
      >
        {secret ? "Clear" : "Reset to default"}
      </button>
      {!secret && setting.is_default && <span className="muted">default</span>}
      {saved && <span role="status">Saved.</span>}
      {problem && (
        <span role="alert" className="inline-error">
          {problem}
        </span>
      )}
    </div>
  );
}
