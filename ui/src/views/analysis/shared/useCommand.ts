// A hook for views that load one thing from a command and reload it after actions: it keeps the
// last value while a reload runs, drops answers to superseded requests, and turns failures into
// an `IpcError` to show.

import { useCallback, useEffect, useRef, useState } from "react";

import { toIpcError, type IpcError } from "../../../ipc";

/** The state of a loaded value. */
export interface Loaded<T> {
  /** The last value loaded, or null before the first answer. */
  value: T | null;
  /** The last failure, cleared by the next success. */
  error: IpcError | null;
  /** True while a request is in flight. */
  loading: boolean;
  /** Runs the request again. */
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change or `reload` is called. */
export function useCommand<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [loading, setLoading] = useState(true);
  const [serial, setSerial] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const request = ++latest.current;
    setLoading(true);
    load()
      .then((result) => {
        if (request !== latest.current) return;
        setValue(result);
        setError(null);
      })
      .catch((err: unknown) => {
        if (request === latest.current) setError(toIpcError(err));
      })
      .finally(() => {
        if (request === latest.current) setLoading(false);
      });
    // `load` is recreated on every render; `deps` say when it means something new.
  }, [serial, ...deps]); // eslint-disable-line react-hooks/exhaustive-deps

  const reload = useCallback(() => setSerial((s) => s + 1), []);
  return { value, error, loading, reload };
}
