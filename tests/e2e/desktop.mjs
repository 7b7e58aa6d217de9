// End-to-end test of the real desktop app through WebKitWebDriver. Run by
// scripts/e2e-desktop.sh, which starts the lab web servers, Xvfb and the driver, and checks
// afterwards that the app exited and its embedded Postgres stopped. Flow: the driver launches
// the app on an empty data directory; the URL lists are dropped on the Scan view (the webview's
// drag-drop event, which the UI handles like an OS drop: it calls `parse_url_lists` and shows
// the preview); a full-mode scan starts from the view's button and runs to the end; targets
// are opened in the UI (screenshot and redirect chain; the hostile site's payloads shown as
// text, none run); the Campaigns view holds the expected groups (tests/e2e/analysis.mjs); the
// Graph view draws and a node click opens its panel; every main view is saved as a PNG; the
// app quits on SIGTERM, its orderly exit.
//
// Environment: WEBDRIVER_URL, APP_BINARY, URL_LISTS (paths joined by ":"), EXPECT_URLS,
// SITES_DIR, CORPUS_DIR (empty without the corpus), E2E_ARTIFACTS (screenshots go to its
// screenshots/ folder), TRAWL_CLI and TRAWL_DATA_DIR (rules added beside the app, so Rules and
// Alerts have content), SCAN_TIMEOUT_SECS (default 900).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

import { checkCampaigns, checkGraph } from "./analysis.mjs";
import { corpusGroups, sampleSiteGroups } from "./groups.mjs";
import { AppSession, until } from "./webdriver.mjs";

const env = process.env;
const lists = (env.URL_LISTS ?? "").split(":").filter(Boolean);
const expected = Number(env.EXPECT_URLS);
const scanTimeout = Number(env.SCAN_TIMEOUT_SECS ?? 900) * 1000;
for (const name of ["WEBDRIVER_URL", "APP_BINARY", "EXPECT_URLS", "SITES_DIR", "E2E_ARTIFACTS"]) {
  if (!env[name]) throw new Error(`e2e: ${name} is not set`);
}
const shots = join(env.E2E_ARTIFACTS, "screenshots");

const app = new AppSession(env.WEBDRIVER_URL);
const log = (...args) => console.log("e2e:", ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens view `id` from the sidebar and waits until `ready` matches. */
async function openView(id, ready) {
  await app.click(`[data-testid="nav-${id}"]`);
  await until(`the ${id} view`, 30_000, () => app.has(ready));
}

/** Saves the window as `name`.png in the screenshots folder. */
async function shot(name) {
  await sleep(400); // let the last layout and image decode reach the screen
  await app.screenshot(shots, name);
  log(`screenshot ${name}.png`);
}

/** Opens the detail of target `id`, found through the Domain filter with `domain`. */
async function openTarget(id, domain) {
  await openView("targets", '[data-testid="target-total"]');
  await app.type('.filter-bar input[type="search"]', domain);
  await app.clickWhenThere(`[role=row][data-row-id="${id}"]`);
  const detail = `[data-testid="target-detail"][data-target-id="${id}"]`;
  await until(`detail of target ${id}`, 30_000, () => app.has(detail));
  return detail;
}

async function startApp() {
  log("starting the app through the driver");
  await app.start(env.APP_BINARY);
  await until("the IPC bridge", 60_000, () => app.run("return !!window.__TAURI_INTERNALS__"));
  const status = await until("the database", 180_000, async () => {
    const res = await app.invoke("db_status");
    if (res.err?.code === "db_starting") return null;
    if (res.err) throw new Error(`database failed: ${JSON.stringify(res.err)}`);
    return res.ok;
  });
  log(`database ready: ${status.mode}, schema ${status.schema_version}`);
  assert.equal(status.mode, "embedded");
  const before = await app.ok("list_targets", { query: page(0, 1) });
  assert.equal(before.total, 0, "the data directory starts empty");
}

/** An alert rule and a signature, added with the CLI beside the running app. */
function addRules() {
  if (!env.TRAWL_CLI) return log("no TRAWL_CLI: Rules and Alerts stay empty");
  const cli = (...args) =>
    execFileSync(env.TRAWL_CLI, ["-q", "--data-dir", env.TRAWL_DATA_DIR, ...args]);
  const rule = ["rules", "add", "--field", "html", "--pattern"];
  cli(...rule, "northbank", "--name", "Northbank kit page", "--alert");
  cli(...rule, "(?i)password", "--name", "Password field");
  log("added an alert rule and a signature with the CLI");
}

async function dropAndScan() {
  await openView("scan", '[data-testid="drop-zone"]');
  // The view subscribes to drops once it has rendered; a drop before that is lost, so the
  // drop is repeated until the preview shows (the view ignores paths it already has).
  const counts = '.preview[aria-label="Dropped files"] .preview-counts';
  let dropped = 0;
  const shown = await until("the preview of the dropped lists", 40_000, async () => {
    const text = await app.text(counts).catch(() => "");
    if (text) return text;
    if (dropped++ % 10 === 0) {
      await app.emit("tauri://drag-drop", { paths: lists, position: { x: 400, y: 300 } });
    }
    return "";
  });
  log(`preview: ${shown}`);
  assert.match(shown, new RegExp(`^${expected} accepted`), shown);
  await shot("scan-preview");

  await app.click('.scan-options option[value="full"]');
  await app.run(
    `const input = document.querySelector('.scan-options input[type=number]');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, '4');
    input.dispatchEvent(new Event('input', { bubbles: true }));`,
  );
  const start = ".scan-options button";
  assert.equal(await app.text(start), `Start scan of ${expected} URLs`);
  await app.click(start);
  await until("the scan to start", 30_000, () => app.has('[aria-label="Scan progress"]'));

  const rows = await until("the scan", scanTimeout, async () => {
    const all = await app.ok("list_targets", { query: page(0, 1000) });
    const open = all.rows.filter((r) => r.status === "QUEUED" || r.status === "RUNNING");
    return all.total === expected && open.length === 0 ? all.rows : null;
  });
  const done = rows.filter((r) => r.status === "DONE");
  log(`scan finished: ${done.length} of ${rows.length} DONE`);
  const failed = rows.filter((r) => r.status !== "DONE").map((r) => [r.url, r.status, r.reason]);
  if (failed.length) log(`not DONE: ${JSON.stringify(failed)}`);
  assert.ok(done.length >= expected * 0.9, JSON.stringify(failed));
  await until("the progress panel to finish", 30_000, async () =>
    (await app.text('[aria-label="Scan progress"]'))?.includes("finished"),
  );
  await app.run(`document.querySelector('[aria-label="Scan progress"]')
    .scrollIntoView({ block: "end" })`);
  await shot("scan");
  return rows;
}

/** A target reached through a redirect: its chain and its screenshot are shown. */
async function checkRedirectedTarget(rows) {
  await openView("targets", "[role=row][data-row-id]");
  await shot("targets");
  const redirected = rows.find((r) => r.url.includes("go.shortlink.test"));
  assert.ok(redirected, "the redirector was scanned");
  // Listed under the domain it ended on.
  const detail = await openTarget(redirected.id, "northbank-secure");
  const hops = await until("the redirect chain", 15_000, () =>
    app
      .run(
        `const hops = document.querySelectorAll(arguments[0]);
        return Array.from(hops, (li) => li.textContent);`,
        [`${detail} ol[aria-label="Redirect chain"] > li`],
      )
      .then((h) => (h.length >= 2 ? h : null)),
  );
  log(`redirect chain: ${hops.length} hops`);
  assert.ok(
    hops.some((h) => h.includes("northbank-secure.test")),
    JSON.stringify(hops),
  );
  const width = await until("the screenshot to load", 30_000, () =>
    app.run(
      `const img = document.querySelector(arguments[0] + ' img.screenshot');
      return img && img.complete ? img.naturalWidth : 0;`,
      [detail],
    ),
  );
  log(`screenshot loaded, ${width} px wide`);
  const facts = await app.run(
    `const text = (id) => document.querySelector(arguments[0] + ' [data-testid=' + id + ']');
    return { campaign: text('detail-campaign').textContent,
      captured: text('detail-captured').textContent };`,
    [detail],
  );
  log(`detail facts: campaign ${facts.campaign}, captured ${facts.captured}`);
  assert.match(facts.captured, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, "readable capture time");
  await shot("target-detail");
  await app.run(
    `document.querySelector(arguments[0] + ' ol[aria-label="Redirect chain"]')
    .scrollIntoView({ block: "center" })`,
    [detail],
  );
  await shot("target-chain");
}

/** The hostile page: payloads are text, nothing ran, no element was made from them. */
async function checkHostileTarget(rows) {
  const hostile = rows.find((r) => r.url.includes("hostile-markup.test"));
  assert.ok(hostile, "the hostile site was scanned");
  assert.equal(hostile.status, "DONE", hostile.reason ?? "");
  assert.match(hostile.title ?? "", /<script>/, "the title carries its payload");
  const detail = await openTarget(hostile.id, "hostile");
  const shown = await until("the hostile detail's text", 15_000, () =>
    app
      .run(
        `const root = document.querySelector(arguments[0]);
        const text = (sel) => root.querySelector(sel)?.textContent ?? null;
        return { title: text('[data-testid=detail-title]'), url: text('[data-testid=detail-url]'),
          headers: text('[data-testid=detail-headers]') };`,
        [detail],
      )
      .then((s) => (s.title && s.headers ? s : null)),
  );
  assert.ok(shown.title.includes("<img src=x onerror="), `title shown as text: ${shown.title}`);
  assert.ok(shown.title.includes("<script>"), shown.title);
  assert.ok(shown.url.includes("javascript:"), `URL shown as text: ${shown.url}`);
  assert.ok(shown.headers.includes("<img src=x onerror="), "header shown as text");
  const made = await app.run(
    `const root = document.querySelector(arguments[0]);
    return arguments[1].map((id) => root.querySelector('[data-testid=' + id + ']'))
      .map((el) => el?.querySelectorAll(':not(button, button *)').length ?? -1);`,
    [detail, ["detail-title", "detail-url", "detail-headers"]],
  );
  // The URL's Copy button is the view's own; nothing else may be an element.
  assert.deepEqual(made, [0, 0, 0], "no element was made from captured text");
  await sleep(1000); // let any error handler that could fire do so
  const pwned = await app.run(
    "return window.__trawlPwned === undefined ? null : String(window.__trawlPwned)",
  );
  assert.equal(pwned, null, `a payload ran in the app: ${pwned}`);
  await shot("target-hostile");
}

/** The remaining views, each once it shows its content. */
async function shootSystemViews() {
  await openView("jobs", 'table[aria-label="Jobs"] tbody tr');
  await shot("jobs");
  await openView("logs", 'table[aria-label="Log records"] tbody tr');
  await shot("logs");
  await openView("settings", '[data-testid="key-status"]');
  await shot("settings");
  await openView("rules", 'ul[aria-label="Rules"] li, .rule-list.empty-state');
  await shot("rules");
  await openView("alerts", 'table[aria-label="Alerts"] tbody tr, .analysis-view .empty-state');
  await shot("alerts");
  await openView("status", ".app-main dl, .app-main table");
  await shot("status");
}

async function main() {
  await startApp();
  addRules();
  const rows = await dropAndScan();
  await checkRedirectedTarget(rows);
  await checkHostileTarget(rows);

  const groups = sampleSiteGroups(env.SITES_DIR);
  if (env.CORPUS_DIR) groups.push(...corpusGroups(env.CORPUS_DIR));
  else log("no corpus: only the sample sites' campaign is checked");
  await checkCampaigns({ app, openView, shot, log }, groups);
  await checkGraph({ app, openView, shot, log });
  await shootSystemViews();

  await quitApp();
  log("passed");
}

/** Pids of the app binary under test (a copy at a path of its own). */
function appPids() {
  try {
    const out = execFileSync("pgrep", ["-f", "-x", `${env.APP_BINARY}( .*)?`], {
      encoding: "utf8",
    });
    return out.split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/**
 * Quits the app with SIGTERM, which it turns into its orderly exit (drain the workers, stop the
 * embedded server; src-tauri/signals.rs), and waits for it to end. Ending the WebDriver session
 * first would not do: the driver kills the process it launched.
 */
async function quitApp() {
  const pids = appPids();
  assert.equal(pids.length, 1, `one app process: ${pids}`);
  log(`quitting the app (SIGTERM to ${pids[0]})`);
  process.kill(pids[0], "SIGTERM");
  await until("the app to exit", 60_000, () => appPids().length === 0);
  log("the app exited");
  await app.session("DELETE", "").catch(() => {});
  app.id = null;
}

function page(offset, limit) {
  return { offset, limit, sort: "id", descending: false, status: null, domain: null };
}

main().catch(async (err) => {
  console.error(err);
  if (app.id) {
    await app.screenshot(env.E2E_ARTIFACTS, "failure").catch(() => null);
    await quitApp().catch((quitErr) => console.error(quitErr));
  }
  process.exit(1);
});
