// Catches a failure while drawing the graph (a renderer error, a lost context) so the view can
// fall back to the table instead of losing the whole screen.

import { Component, type ReactNode } from "react";

/** Renders `children`; on an error during render, calls `onFailure` and renders nothing. */
export class DrawingBoundary extends Component<
  { onFailure: (message: string) => void; children: ReactNode },
  { failed: boolean }
> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidCatch(error: unknown) {
    this.props.onFailure(error instanceof Error ? error.message : String(error));
  }

  render() {
    return this.state.failed ? null : this.props.children;
  }
}
