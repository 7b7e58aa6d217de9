// The application frame: header, the sidebar built from the view registry (./navigation), then
// the open view. Until the database is open every view waits behind the loading or error
// screen. The frame owns which view is open and with which parameters; views move the analyst
// with `useNavigate()`. Keyboard shortcuts and the command palette act on the same state.

import { Suspense, useCallback, useMemo, useState } from "react";

import { NavigateContext, type ViewParams } from "./navigate";
import { findView, VIEWS } from "./navigation";
import { CommandPalette } from "./shell/CommandPalette";
import { Sidebar } from "./shell/Sidebar";
import { useShortcuts } from "./shell/useShortcuts";
import { useTheme } from "./shell/useTheme";
import { ErrorScreen } from "./screens/ErrorScreen";
import { LoadingScreen } from "./screens/LoadingScreen";
import { useDbStatus } from "./useDbStatus";

/** Which view is open and what it was opened with. */
interface Location {
  id: string;
  params: ViewParams;
  /** Bumped on every navigation so a view re-reads parameters even when they are equal. */
  serial: number;
}

/** The whole UI. */
export function App({ initialView = "status" }: { initialView?: string }) {
  const { state, retry } = useDbStatus();
  const [location, setLocation] = useState<Location>({ id: initialView, params: {}, serial: 0 });
  const [paletteOpen, setPaletteOpen] = useState(false);
  const theme = useTheme();

  const navigate = useCallback((id: string, params: ViewParams = {}) => {
    if (!findView(id)) return;
    setLocation((old) => ({ id, params, serial: old.serial + 1 }));
  }, []);
  const actions = useMemo(
    () => ({ navigate, openPalette: () => setPaletteOpen(true) }),
    [navigate],
  );
  useShortcuts(actions);

  const entry = findView(location.id) ?? VIEWS[0];
  const View = entry.component;

  return (
    <NavigateContext.Provider value={navigate}>
      <div className="app">
        <header className="app-header">
          <h1>Trawl</h1>
          <button type="button" className="link-button" onClick={() => setPaletteOpen(true)}>
            Commands <kbd>Ctrl</kbd>+<kbd>K</kbd>
          </button>
        </header>
        <div className="app-body">
          <Sidebar current={entry.id} onOpen={navigate} />
          <main className="app-main">
            {state.kind === "loading" && <LoadingScreen />}
            {state.kind === "failed" && <ErrorScreen error={state.error} onRetry={retry} />}
            {state.kind === "ready" && (
              <Suspense fallback={<p className="muted">Loading view…</p>}>
                <View key={`${entry.id}:${location.serial}`} params={location.params} />
              </Suspense>
            )}
          </main>
        </div>
        {paletteOpen && (
          <CommandPalette
            onClose={() => setPaletteOpen(false)}
            onOpen={navigate}
            onToggleTheme={theme.toggle}
          />
        )}
      </div>
    </NavigateContext.Provider>
  );
}
