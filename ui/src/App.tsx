// The application frame: header, then the screen that fits the database's state.

import { ErrorScreen } from "./screens/ErrorScreen";
import { LoadingScreen } from "./screens/LoadingScreen";
import { StatusPanel } from "./screens/StatusPanel";
import { useDbStatus } from "./useDbStatus";

/** The whole UI. */
export function App() {
  const { state, retry } = useDbStatus();

  return (
    <div className="app">
      <header className="app-header">
        <h1>Trawl</h1>
      </header>
      <main className="app-main">
        {state.kind === "loading" && <LoadingScreen />}
        {state.kind === "ready" && <StatusPanel status={state.status} />}
        {state.kind === "failed" && <ErrorScreen error={state.error} onRetry={retry} />}
      </main>
    </div>
  );
}
