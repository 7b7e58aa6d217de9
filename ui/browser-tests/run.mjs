// Runs the browser specs: builds the UI into a temporary directory (unless --no-build, which
// serves ui/dist), serves it with `vite preview` on 127.0.0.1, starts Debian's headless Chromium
// through playwright-core (see serve.mjs), then loads every *.spec.mjs (this folder and
// analysis/) into node:test. Skips, saying so, when /usr/bin/chromium is missing.
// Usage: npm run test:browser [-- --no-build] [-- name-filter …]

import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

import { CHROMIUM, startEnv } from "./serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith("--"));

if (!existsSync(CHROMIUM)) {
  console.log(`SKIP browser tests: ${CHROMIUM} is missing (install Debian's chromium package).`);
  process.exit(0);
}

let stop;
try {
  stop = await startEnv({ useDist: args.includes("--no-build") });
} catch (err) {
  console.error(`browser tests could not start: ${err.message}`);
  process.exit(1);
}
after(() => stop());

const specs = [here, join(here, "analysis")]
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith(".spec.mjs"))
      .sort()
      .map((name) => join(dir, name)),
  )
  .filter((path) => filters.length === 0 || filters.some((f) => path.includes(f)));

if (specs.length === 0) {
  console.error(`no spec matches ${filters.join(" ")}`);
  process.exit(1);
}
for (const spec of specs) await import(pathToFileURL(spec).href);
