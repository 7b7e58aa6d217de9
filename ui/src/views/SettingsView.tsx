// The Settings view: appearance (theme), database mode (applies at the next start), API keys
// (masked; set or clear, never shown back), capture defaults and the other settings, and where
// the settings encryption key lives.

import { useEffect, useState } from "react";

import { listSettings, toIpcError, type IpcError, type SettingView } from "../ipc";
import { useTheme, type ThemeChoice } from "../shell/useTheme";
import { DatabaseSection } from "./settings/DatabaseSection";
import { KeySection } from "./settings/KeySection";
import { SettingRow } from "./settings/SettingRow";

/** The Settings view. */
export function SettingsView() {
  const [settings, setSettings] = useState<SettingView[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const theme = useTheme();

  useEffect(() => {
    listSettings()
      .then(setSettings)
      .catch((err: unknown) => setError(toIpcError(err)));
  }, []);

  const replace = (next: SettingView) =>
    setSettings((old) => (old ?? []).map((s) => (s.name === next.name ? next : s)));
  const secrets = (settings ?? []).filter((s) => s.kind === "secret");
  const others = (settings ?? []).filter((s) => s.kind !== "secret");

  return (
    <section className="view settings-view" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>

      <section className="panel" aria-labelledby="appearance-title">
        <h3 id="appearance-title">Appearance</h3>
        <label>
          Theme{" "}
          <select value={theme.choice} onChange={(e) => theme.set(e.target.value as ThemeChoice)}>
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
      </section>

      <DatabaseSection />

      {error && (
        <p role="alert" className="inline-error">
          <code>{error.code}</code> {error.message}
        </p>
      )}

      <section className="panel" aria-labelledby="keys-title">
        <h3 id="keys-title">API keys</h3>
        <p className="muted">
          Keys are stored encrypted and never shown again; set a new one or clear it.
        </p>
        {settings && secrets.length === 0 && <p className="muted">No API key settings.</p>}
        {secrets.map((s) => (
          <SettingRow key={s.name} setting={s} onSaved={replace} />
        ))}
        <KeySection />
      </section>

      <section className="panel" aria-labelledby="capture-title">
        <h3 id="capture-title">Capture defaults and other settings</h3>
        {settings === null && !error && <p className="muted">Reading settings…</p>}
        {others.map((s) => (
          <SettingRow key={s.name} setting={s} onSaved={replace} />
        ))}
      </section>
    </section>
  );
}
