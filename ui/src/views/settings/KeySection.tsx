// Where the key that encrypts stored secrets comes from, and whether a system keyring exists.

import { useEffect, useState } from "react";

import { getKeyStatus, toIpcError, type KeyStatus } from "../../ipc";

const SOURCES: Record<string, string> = {
  env: "an environment variable",
  keyring: "the system keyring",
  generated: "a key file generated in the data directory",
};

/** The key status line. */
export function KeySection() {
  const [status, setStatus] = useState<KeyStatus | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    getKeyStatus()
      .then(setStatus)
      .catch((err: unknown) => setProblem(toIpcError(err).message));
  }, []);

  return (
    <div className="key-status" data-testid="key-status">
      <h4>Encryption key</h4>
      {problem && <p className="inline-error">{problem}</p>}
      {status?.source === "unavailable" && (
        <p role="alert" className="inline-error">
          No encryption key: set APP_SECRET_KEY or unlock a system keyring, then restart. Secrets
          cannot be stored until then.
        </p>
      )}
      {status && status.source !== "unavailable" && (
        <p>
          From {SOURCES[status.source] ?? status.source}. Keyring{" "}
          {status.keyring_available ? "available" : "not available"}
          {status.detail && <span className="muted"> ({status.detail})</span>}.
        </p>
      )}
    </div>
  );
}
