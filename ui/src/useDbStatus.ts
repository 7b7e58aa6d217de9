// Tracks the database's startup for the first screen: loading until the Rust side reports that
// startup finished, then the status or the error. Events only say "ask again"; the answer always
// comes from `getDbStatus`, so a missed or early event cannot leave the screen stale.

import { useCallback, useEffect, useState } from "react";

import {
  DB_STARTING,
  getDbStatus,
  onDbStartupFinished,
  retryDbStartup,
  toIpcError,
  type DbStatusView,
  type IpcError,
} from "./ipc";

/** What the first screen shows. */
export type DbState =
  | { kind: "loading" }
  | { kind: "ready"; status: DbStatusView }
  | { kind: "failed"; error: IpcError };

/** The database state, plus `retry` to start the database again (or re-ask) after a failure. */
export function useDbStatus(): { state: DbState; retry: () => void } {
  const [state, setState] = useState<DbState>({ kind: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let active = true;
    let stopListening: (() => void) | undefined;

    const refresh = async () => {
      try {
        const status = await getDbStatus();
        if (active) setState({ kind: "ready", status });
      } catch (err) {
        const error = toIpcError(err);
        // Still starting: stay on the loading screen until the startup event arrives.
        if (active && error.code !== DB_STARTING) setState({ kind: "failed", error });
      }
    };

    // Listen first, then ask, so an event fired between the two is not lost. A retry first
    // restarts a failed startup (a no-op on the Rust side in any other state).
    onDbStartupFinished(() => void refresh())
      .then(async (stop) => {
        if (active) stopListening = stop;
        else stop();
        if (attempt > 0) await retryDbStartup();
        return refresh();
      })
      .catch((err: unknown) => {
        if (active) setState({ kind: "failed", error: toIpcError(err) });
      });

    return () => {
      active = false;
      stopListening?.();
    };
  }, [attempt]);

  const retry = useCallback(() => {
    setState({ kind: "loading" });
    setAttempt((n) => n + 1);
  }, []);

  return { state, retry };
}
