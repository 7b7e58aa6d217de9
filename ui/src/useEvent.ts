// Subscribing to an IPC event for as long as a component is mounted: `subscribe` is one of
// ipc.ts's `on…` functions; the latest `handler` is always called, and a subscription that
// resolves after unmount is stopped at once.

import { useEffect, useRef } from "react";

/** Calls `handler` with every payload `subscribe` delivers while mounted. */
export function useEvent<T>(
  subscribe: (handler: (payload: T) => void) => Promise<() => void>,
  handler: (payload: T) => void,
) {
  const latest = useRef(handler);
  latest.current = handler;

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    subscribe((payload) => latest.current(payload)).then(
      (s) => {
        if (cancelled) s();
        else stop = s;
      },
      () => {},
    );
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [subscribe]);
}
