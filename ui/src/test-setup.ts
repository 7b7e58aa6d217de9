// Vitest setup: DOM matchers, a clean DOM and storage after every test, and a patient wait for
// asynchronous UI (lazy views and mocked IPC resolve late when the machine is busy; a wait still
// fails when the awaited element never appears).

import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  localStorage.clear();
});
