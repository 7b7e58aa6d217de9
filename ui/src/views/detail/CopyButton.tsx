// A button that copies a value (a captured URL, a hash) to the clipboard: captured URLs are shown
// and copied, never turned into links.

import { useState } from "react";

/** Copies `value`; says "Copied" briefly. */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  if (!value) return null;
  return (
    <button
      type="button"
      className="copy-button"
      onClick={() => {
        navigator.clipboard
          ?.writeText(value)
          .then(() => setCopied(true))
          .catch(() => setCopied(false));
      }}
    >
      {copied ? "Copied" : label}
    </button>
  );
}
