// Shown when the database could not start or answer: the error's code and message, and advice
// chosen by code (never by message text).

import type { IpcError } from "../ipc";

const GENERIC_ADVICE =
  "Check the log files in the logs folder of Trawl's data directory, fix the cause and press " +
  "Retry or restart Trawl.";

/** Advice per error code (trawl-core's `DbError::code`); other codes get the generic advice. */
const ADVICE: Record<string, string> = {
  ipc_failed:
    "The window could not reach Trawl's engine. Start Trawl from its launcher, not from a " +
    "browser tab.",
  pg_binaries_missing:
    "Install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql), or set " +
    "TRAWL_PG_BIN to its bin folder, or set TRAWL_DATABASE_URL to use an existing server. " +
    "Then restart Trawl.",
  data_dir_unusable:
    "Make the data directory writable for your user, or start Trawl with TRAWL_DATA_DIR set " +
    "to a folder you own.",
  embedded_server_failed:
    "Trawl's own database server did not start. Look at the server log in the postgres " +
    "folder of the data directory, make sure no other program uses that folder, then restart " +
    "Trawl.",
  bad_database_url:
    "Fix TRAWL_DATABASE_URL (postgres://user:password@host:port/database), or unset it to use " +
    "the embedded database, then restart Trawl.",
  database_unreachable:
    "Check that the database server is running and reachable from this machine, then press " +
    "Retry or restart Trawl.",
  database_auth_failed:
    "Check the user name and password in TRAWL_DATABASE_URL, then restart Trawl.",
  schema_too_new:
    "A newer Trawl has upgraded this database. Install that version, or use another data " +
    "directory (TRAWL_DATA_DIR) or server.",
  migration_failed:
    "The database schema could not be brought up to date. Check the logs for the failing " +
    "step, fix the cause and restart Trawl.",
};

/** The advice shown under an error with this code. */
export function adviceFor(code: string): string {
  return ADVICE[code] ?? GENERIC_ADVICE;
}

/** A full-page error with a Retry button. */
export function ErrorScreen({ error, onRetry }: { error: IpcError; onRetry: () => void }) {
  return (
    <section className="error-screen" role="alert">
      <h2>The database is not available</h2>
      <p className="error-message">{error.message}</p>
      <p>
        Error code: <code>{error.code}</code>
      </p>
      <p className="advice">{adviceFor(error.code)}</p>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </section>
  );
}
