// Starting what the browser specs and the screenshot script need: the UI built into a temporary
// directory (or ui/dist as is), served by `vite preview` on 127.0.0.1 at a free port, and
// Debian's headless Chromium through playwright-core with no route to any real host.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";
import { build, preview } from "vite";

import { env } from "./harness.mjs";

/** Debian's Chromium; nothing is ever downloaded. */
export const CHROMIUM = "/usr/bin/chromium";
/** The name the page is served under (see CHROMIUM_ARGS). */
export const APP_HOST = "trawl-ui.test";

/**
 * Launch options of every Chromium here: no sandbox (root) and no real DNS. The app's host name
 * is mapped to the loopback preview server; every other name fails to resolve (Chromium applies
 * the rules to IP literals too, so the page is opened through the mapped name).
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  `--host-resolver-rules=MAP ${APP_HOST} 127.0.0.1, MAP * ~NOTFOUND`,
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
];

const uiRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Builds (unless `useDist`), serves and launches; fills `env` and resolves to a function that
 * stops everything. Throws when `useDist` is set and ui/dist holds no build.
 */
export async function startEnv({ useDist = false } = {}) {
  let outDir = join(uiRoot, "dist");
  let scratch = null;
  if (useDist) {
    if (!existsSync(join(outDir, "index.html"))) {
      throw new Error(`no built UI in ${outDir}: run \`npm run build\` first`);
    }
  } else {
    scratch = mkdtempSync(join(tmpdir(), "trawl-ui-browser-"));
    outDir = join(scratch, "dist");
    await build({ root: uiRoot, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  }

  const server = await preview({
    root: uiRoot,
    logLevel: "warn",
    build: { outDir },
    preview: { host: "127.0.0.1", port: 0, strictPort: false, allowedHosts: [APP_HOST] },
  });
  const { port } = server.httpServer.address();
  env.baseUrl = `http://${APP_HOST}:${port}/`;
  env.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });

  return async () => {
    await env.browser.close();
    await server.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
}
