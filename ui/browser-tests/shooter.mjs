// What the mock screenshot scripts share: the test environment started once, and `shoot`, which
// opens a fresh app, runs steps and saves docs/screenshots/mock-<name>.png. Exits with a SKIP
// message when Debian's Chromium is missing.

import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { openApp } from "./harness.mjs";
import { CHROMIUM, startEnv } from "./serve.mjs";

const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "screenshots");
const VIEWPORT = { width: 1440, height: 900 };

/** Starts the environment; resolves to `{ shoot, stop }`. */
export async function startShooter() {
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIP screenshots: ${CHROMIUM} is missing.`);
    process.exit(0);
  }
  mkdirSync(outDir, { recursive: true });
  const stop = await startEnv({ useDist: process.argv.includes("--no-build") });

  /** Opens a fresh app, runs `steps`, and saves the page as mock-`name`.png. */
  async function shoot(name, steps, options = {}) {
    const { page, context } = await openApp({ viewport: VIEWPORT, ...options });
    await steps(page);
    // Let fonts and the last render settle before the capture.
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: join(outDir, `mock-${name}.png`) });
    await context.close();
    console.log(`wrote docs/screenshots/mock-${name}.png`);
  }
  return { shoot, stop };
}
