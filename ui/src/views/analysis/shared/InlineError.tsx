// How the analysis views show a failed command: its code and message as text, in an alert role
// so assistive technology announces it.

import type { IpcError } from "../../../ipc";

/** The error of the last failed command, or nothing. */
export function InlineError({ error }: { error: IpcError | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="inline-error">
      <code>{error.code}</code> {error.message}
    </p>
  );
}
