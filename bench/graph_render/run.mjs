// Graph rendering benchmark: builds bench/graph_render/ (the page uses the graph view's own
// model and settings) with the UI's Vite, serves it on 127.0.0.1, and loads it once per size in
// headless Chromium (playwright-core, Debian's /usr/bin/chromium) and, with --webkit, in
// WebKitGTK's MiniBrowser under Xvfb. Prints build, first-render and layout figures per size
// and their ratio to the first size.
//
// Usage: node bench/graph_render/run.mjs [--webkit] [--iterations=N] [SIZES...]
//        (default sizes 1000 10000 50000, 50 iterations; run `npm ci` in ui/ first)

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const ui = join(here, "..", "..", "ui");
const modules = join(ui, "node_modules");
const CHROMIUM = "/usr/bin/chromium";
const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const HOST = "trawl-bench.test";

const args = process.argv.slice(2);
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
if (sizes.length === 0) sizes.push(1_000, 10_000, 50_000);
const iterations = Number(
  args.find((a) => a.startsWith("--iterations="))?.split("=")[1] ?? 50,
);
const withWebkit = args.includes("--webkit");

if (!existsSync(join(modules, "vite"))) {
  console.error("ui/node_modules is missing: run `npm ci` in ui/ first.");
  process.exit(1);
}
const { build } = await import(
  pathToFileURL(join(modules, "vite/dist/node/index.js")).href
);
const { chromium } = await import(
  pathToFileURL(join(modules, "playwright-core/index.mjs")).href
);

// Build the page; bare imports of the page itself resolve to the UI's packages.
const outDir = mkdtempSync(join(tmpdir(), "trawl-graph-bench-"));
await build({
  root: here,
  logLevel: "warn",
  configFile: false,
  resolve: {
    alias: [
      {
        find: /^sigma$/,
        replacement: join(modules, "sigma/dist/sigma.esm.js"),
      },
      {
        find: /^graphology-layout-forceatlas2\/worker$/,
        replacement: join(modules, "graphology-layout-forceatlas2/worker.js"),
      },
    ],
  },
  build: { outDir, emptyOutDir: true, target: "es2022" },
});

// A static server for the page, and POST /result for the figures it measures.
let deliver = null;
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
};
const server = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/result") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      res.end("ok");
      deliver?.(JSON.parse(body));
    });
    return;
  }
  const path = normalize(join(outDir, new URL(req.url, "http://x").pathname));
  const file = path.endsWith("/") ? join(path, "index.html") : path;
  if (!file.startsWith(outDir) || !existsSync(file)) {
    res.statusCode = 404;
    return res.end();
  }
  res.setHeader(
    "content-type",
    TYPES[extname(file)] ?? "application/octet-stream",
  );
  res.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = server.address().port;

/** Resolves with the next result the page posts, or rejects after `ms`. */
function nextResult(ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no result within ${ms / 1000} s`)),
      ms,
    );
    deliver = (result) => {
      clearTimeout(timer);
      deliver = null;
      if (result.error) reject(new Error(result.error));
      else resolve(result);
    };
  });
}

async function runChromium() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`,
      "--disable-component-update",
      "--disable-quic",
      "--no-first-run",
    ],
  });
  const rows = [];
  for (const n of sizes) {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
    });
    const result = nextResult(1_800_000);
    await page.goto(`http://${HOST}:${port}/?n=${n}&iterations=${iterations}`);
    rows.push(await result);
    await page.close();
  }
  await browser.close();
  return rows;
}

async function runWebkit() {
  if (!existsSync(MINIBROWSER) || !existsSync("/usr/bin/xvfb-run")) {
    console.log(`SKIP WebKitGTK: ${MINIBROWSER} or xvfb-run is missing.`);
    return [];
  }
  const rows = [];
  for (const n of sizes) {
    const result = nextResult(1_800_000);
    const url = `http://127.0.0.1:${port}/?n=${n}&iterations=${iterations}`;
    const child = spawn(
      "xvfb-run",
      ["-a", "-s", "-screen 0 1280x900x24", MINIBROWSER, url],
      {
        detached: true,
        stdio: "ignore",
      },
    );
    try {
      rows.push(await result);
    } finally {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
    }
  }
  return rows;
}

function print(label, rows) {
  if (rows.length === 0) return;
  console.log(`\n${label}: ${rows[0].userAgent}`);
  console.log(
    `ForceAtlas2: ${iterations} iterations in the worker; ratios against n=${rows[0].n}`,
  );
  const head = [
    "nodes",
    "edges",
    "build_ms",
    "first_render_ms",
    "ratio",
    "redraw_ms",
    "layout_ms",
    "ms_per_iter",
    "ratio",
    "worker_ms_it",
    "fps",
    "max_frame_ms",
  ];
  console.log(
    head
      .map((h, i) => (i === 0 ? h.padEnd(8) : h.padStart(i === 1 ? 8 : 16)))
      .join(" "),
  );
  const [base] = rows;
  for (const r of rows) {
    const cells = [
      String(r.n).padEnd(8),
      String(r.edges).padStart(8),
      r.buildMs.toFixed(1).padStart(16),
      r.firstRenderMs.toFixed(1).padStart(16),
      (r.firstRenderMs / base.firstRenderMs).toFixed(2).padStart(16),
      r.redrawMs.toFixed(1).padStart(16),
      r.layoutMs.toFixed(0).padStart(16),
      r.msPerIteration.toFixed(1).padStart(16),
      (r.msPerIteration / base.msPerIteration).toFixed(2).padStart(16),
      r.workerMsPerIteration.toFixed(1).padStart(16),
      r.fps.toFixed(1).padStart(16),
      r.longestFrameMs.toFixed(0).padStart(16),
    ];
    console.log(cells.join(" "));
  }
}

try {
  if (existsSync(CHROMIUM)) print("Chromium (headless)", await runChromium());
  else console.log(`SKIP Chromium: ${CHROMIUM} is missing.`);
  if (withWebkit) print("WebKitGTK MiniBrowser (Xvfb)", await runWebkit());
} finally {
  server.close();
  rmSync(outDir, { recursive: true, force: true });
}
