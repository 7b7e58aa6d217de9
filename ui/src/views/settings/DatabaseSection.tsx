// The database choice: embedded (a server the app runs in its data directory) or remote (a
// PostgreSQL URL). It is stored in the data directory and applies at the next start.

import { useEffect, useState } from "react";

import { getDatabaseConfig, setDatabaseConfig, toIpcError, type DatabaseConfig } from "../../ipc";

/** The database section. */
export function DatabaseSection() {
  const [config, setConfig] = useState<DatabaseConfig | null>(null);
  const [mode, setMode] = useState<"embedded" | "remote">("embedded");
  const [url, setUrl] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    getDatabaseConfig()
      .then((c) => {
        setConfig(c);
        setMode(c.mode);
      })
      .catch((err: unknown) => setProblem(toIpcError(err).message));
  }, []);

  const save = () => {
    setDatabaseConfig(mode, mode === "remote" ? url.trim() : null)
      .then((c) => {
        setConfig(c);
        setUrl("");
        setProblem(null);
        setMessage("Saved. The new database applies at the next start of Trawl.");
      })
      .catch((err: unknown) => setProblem(toIpcError(err).message));
  };

  return (
    <section className="panel" aria-labelledby="database-title">
      <h3 id="database-title">Database</h3>
      {config && (
        <p className="muted">
          Now: {config.mode}
          {config.url_redacted && (
            <>
              {" "}
              at <code>{config.url_redacted}</code>
            </>
          )}
          ; data directory <code>{config.data_dir}</code>
        </p>
      )}
      {config?.env_override && (
        <p role="note" className="inline-error">
          TRAWL_DATABASE_URL is set in the environment and wins over the choice below.
        </p>
      )}
      <div role="radiogroup" aria-label="Database mode" className="button-row">
        <label>
          <input
            type="radio"
            name="db-mode"
            checked={mode === "embedded"}
            onChange={() => setMode("embedded")}
          />
          Embedded (Trawl runs PostgreSQL itself)
        </label>
        <label>
          <input
            type="radio"
            name="db-mode"
            checked={mode === "remote"}
            onChange={() => setMode("remote")}
          />
          Remote server
        </label>
      </div>
      {mode === "remote" && (
        <label>
          PostgreSQL URL
          <input
            type="password"
            autoComplete="off"
            placeholder="postgres://user:password@host:5432/trawl"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
      )}
      <p className="muted">Changes apply at the next start.</p>
      <button
        type="button"
        disabled={mode === "remote" ? url.trim() === "" : config?.mode === "embedded"}
        onClick={save}
      >
        Save database choice
      </button>
      {message && <p role="status">{message}</p>}
      {problem && (
        <p role="alert" className="inline-error">
          {problem}
        </p>
      )}
    </section>
  );
}
