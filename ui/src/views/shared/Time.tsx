// A timestamp element: the local date-time as text, the exact stored value as its tooltip and
// machine-readable `dateTime`.

import { localDateTime, type TimeFormat } from "./time";

interface Props extends TimeFormat {
  /** RFC 3339 text as it crossed IPC (anything else is shown as it came). */
  value: unknown;
  /** Shown when there is no value. */
  empty?: string;
  className?: string;
}

/** `<time>` with the readable local value and the exact one on hover. */
export function Time({ value, empty = "", className, seconds }: Props) {
  const shown = localDateTime(value, { seconds });
  if (shown === "") return <>{empty}</>;
  const exact = typeof value === "string" ? value : undefined;
  return (
    <time className={className} dateTime={exact} title={exact}>
      {shown}
    </time>
  );
}
