// Compiles the rule being edited while the analyst types: `check_rule` runs once typing pauses
// for CHECK_DELAY_MS, and an answer for text that has since changed is dropped, so the errors
// shown always belong to the text on screen (or to nothing yet).

import { useEffect, useRef, useState } from "react";

import { checkRule, toIpcError, type IpcError, type RuleError, type RuleKind } from "../../../ipc";

/** Pause in typing after which the rule is compiled. */
export const CHECK_DELAY_MS = 350;

/** What the last compile said about the current text. */
export interface RuleCheck {
  /** Compile errors of the current text; empty when it compiles or has not been checked. */
  errors: RuleError[];
  /** True from an edit until its answer arrives. */
  checking: boolean;
  /** The check command itself failed (not the rule). */
  failure: IpcError | null;
}

/** Debounced `check_rule` of `source`; an empty source is not checked. */
export function useRuleCheck(kind: RuleKind, source: string): RuleCheck {
  const [state, setState] = useState<RuleCheck>({ errors: [], checking: false, failure: null });
  const latest = useRef(0);

  useEffect(() => {
    const request = ++latest.current;
    if (source.trim() === "") {
      setState({ errors: [], checking: false, failure: null });
      return;
    }
    setState((old) => ({ ...old, checking: true }));
    const timer = setTimeout(() => {
      checkRule(kind, source)
        .then(({ errors }) => {
          if (request === latest.current) setState({ errors, checking: false, failure: null });
        })
        .catch((err: unknown) => {
          if (request !== latest.current) return;
          setState({ errors: [], checking: false, failure: toIpcError(err) });
        });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [kind, source]);

  return state;
}
