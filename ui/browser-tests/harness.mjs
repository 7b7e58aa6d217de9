// Shared state and helpers for the browser specs: the running preview server and Chromium (set
// up by run.mjs before any spec loads), and `openApp`, which opens a fresh page with the mocked
// Tauri IPC injected before the app's own scripts run.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const MOCKS = join(here, "mocks");

/** Filled in by run.mjs: `{ browser, baseUrl }`. */
export const env = { browser: null, baseUrl: "" };

/** runtime.js, then fixtures.js, then every other mock script in name order. */
export function mockBundle() {
  const rest = readdirSync(MOCKS)
    .filter((name) => name.endsWith(".js") && name !== "runtime.js" && name !== "fixtures.js")
    .sort();
  return ["runtime.js", "fixtures.js", ...rest]
    .map((name) => `// --- ${name}\n${readFileSync(join(MOCKS, name), "utf8")}`)
    .join("\n");
}

/** A drawn stand-in for a page screenshot, served for every mock `convertFileSrc` URL. */
const SCREENSHOT = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="800" viewBox="0 0 1280 800">
<rect width="1280" height="800" fill="#f3f4f6"/><rect width="1280" height="64" fill="#0b3d91"/>
<rect x="40" y="20" width="180" height="24" rx="4" fill="#fff" opacity="0.85"/>
<rect x="440" y="170" width="400" height="420" rx="12" fill="#fff" stroke="#d1d5db"/>
<rect x="500" y="220" width="280" height="28" rx="4" fill="#1f2937" opacity="0.8"/>
<rect x="490" y="300" width="300" height="44" rx="6" fill="#fff" stroke="#9ca3af"/>
<rect x="490" y="370" width="300" height="44" rx="6" fill="#fff" stroke="#9ca3af"/>
<rect x="490" y="450" width="300" height="50" rx="6" fill="#0b3d91"/>
<rect x="560" y="540" width="160" height="14" rx="4" fill="#9ca3af"/></svg>`;

/**
 * Opens the app in a new context. `before` is a function run in the page after the mocks load
 * and before the app starts (with `arg`), for per-test fixture changes or handler overrides.
 * Resolves to `{ page, context, errors }` once the app frame is visible.
 */
export async function openApp({ before, arg, viewport } = {}) {
  const context = await env.browser.newContext({
    viewport: viewport ?? { width: 1280, height: 800 },
    colorScheme: "light",
  });
  // Generous for a loaded 2-core machine, short enough that a failure reports quickly.
  context.setDefaultTimeout(15000);
  const origin = new URL(env.baseUrl).origin;

  // Only the preview server may be reached; anything else is refused before it leaves Chromium.
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== origin) return route.abort("blockedbyclient");
    if (url.pathname.startsWith("/__mock-asset/")) {
      return route.fulfill({ status: 200, contentType: "image/svg+xml", body: SCREENSHOT });
    }
    return route.continue();
  });

  await context.addInitScript({ content: mockBundle() });
  if (before) await context.addInitScript(before, arg);

  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(env.baseUrl);
  await page.getByRole("navigation", { name: "Views" }).waitFor();
  return { page, context, errors };
}

/** Opens a view through the sidebar and waits for its heading. */
export async function gotoView(page, label) {
  await page
    .getByRole("navigation", { name: "Views" })
    .getByRole("button", { name: label })
    .click();
  await page.getByRole("heading", { name: label, level: 2 }).first().waitFor();
}

/** The recorded invokes of one command (arguments as the app sent them). */
export function callsOf(page, cmd) {
  return page.evaluate((name) => window.TrawlMock.calls.filter((c) => c.cmd === name), cmd);
}

/** Commands the app called that no mock handles (should stay empty). */
export function unhandled(page) {
  return page.evaluate(() => window.TrawlMock.unhandled);
}

/** Emits a Tauri event to the app, as the Rust side would. */
export function emit(page, event, payload) {
  return page.evaluate(([e, p]) => window.TrawlMock.emit(e, p), [event, payload]);
}

/** Waits until the app listens to `event` (listeners register asynchronously). */
export function waitForListener(page, event) {
  return page.waitForFunction((e) => window.TrawlMock.listenerCount(e) > 0, event);
}
