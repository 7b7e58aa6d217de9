// The Status view: the database's mode, versions and row counts, read when the view opens.

import { useEffect, useState } from "react";

import { getDbStatus, toIpcError, type DbStatusView, type IpcError } from "../ipc";
import { StatusPanel } from "../screens/StatusPanel";

/** The Status view. */
export function StatusView() {
  const [status, setStatus] = useState<DbStatusView | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    getDbStatus()
      .then(setStatus)
      .catch((err: unknown) => setError(toIpcError(err)));
  }, []);

  if (error) return <p role="alert">Could not read the database status: {error.message}</p>;
  if (!status) return <p>Reading the database status…</p>;
  return <StatusPanel status={status} />;
}
