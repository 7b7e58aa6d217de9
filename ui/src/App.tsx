// The application frame: header, left navigation (Scan, Targets, Status), then the view. Until
// the database is open every view waits behind the loading or error screen.

import { useState } from "react";

import { ErrorScreen } from "./screens/ErrorScreen";
import { LoadingScreen } from "./screens/LoadingScreen";
import { StatusPanel } from "./screens/StatusPanel";
import { useDbStatus } from "./useDbStatus";
import { ScanView } from "./views/ScanView";
import { TargetsView } from "./views/TargetsView";

/** The views of the left navigation. */
export type View = "scan" | "targets" | "status";

const NAV: { view: View; label: string }[] = [
  { view: "scan", label: "Scan" },
  { view: "targets", label: "Targets" },
  { view: "status", label: "Status" },
];

/** The whole UI. */
export function App({ initialView = "status" }: { initialView?: View }) {
  const { state, retry } = useDbStatus();
  const [view, setView] = useState<View>(initialView);

  return (
    <div className="app">
      <header className="app-header">
        <h1>Trawl</h1>
      </header>
      <div className="app-body">
        <nav className="app-nav" aria-label="Views">
          {NAV.map((item) => (
            <button
              key={item.view}
              type="button"
              aria-current={view === item.view ? "page" : undefined}
              onClick={() => setView(item.view)}
            >
              {item.label}
            </button>
          ))}
        </nav>
        <main className="app-main">
          {state.kind === "loading" && <LoadingScreen />}
          {state.kind === "failed" && <ErrorScreen error={state.error} onRetry={retry} />}
          {state.kind === "ready" && view === "status" && <StatusPanel status={state.status} />}
          {state.kind === "ready" && view === "scan" && <ScanView />}
          {state.kind === "ready" && view === "targets" && <TargetsView />}
        </main>
      </div>
    </div>
  );
}
