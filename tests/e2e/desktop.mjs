// End-to-end test of the real desktop app through WebKitWebDriver (W3C WebDriver over HTTP on
// loopback, plain fetch, no client library). Run by scripts/e2e-desktop.sh, which starts the
// lab web servers, Xvfb and the driver, and checks afterwards that the embedded Postgres
// stopped. Flow: open a session (the driver launches the app), wait for the database, preview
// the URL lists with the command a file drop calls, start a full-mode scan, wait for every
// target to finish, open targets in the UI, see a screenshot and a redirect chain, check the
// hostile sample site's payloads are shown as text and ran nothing, then close the app.
//
// Environment: WEBDRIVER_URL, APP_BINARY, URL_LISTS (paths joined by ":"), EXPECT_URLS
// (number), SCAN_TIMEOUT_SECS (default 600).

import assert from "node:assert/strict";

const driver = process.env.WEBDRIVER_URL;
const app = process.env.APP_BINARY;
const lists = (process.env.URL_LISTS ?? "").split(":").filter(Boolean);
const expected = Number(process.env.EXPECT_URLS);
const scanTimeout = Number(process.env.SCAN_TIMEOUT_SECS ?? 600) * 1000;
for (const [name, value] of Object.entries({ driver, app, expected })) {
  if (!value) throw new Error(`e2e: ${name} is not set`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...args) => console.log("e2e:", ...args);

/** One WebDriver call; throws with the driver's error text. */
async function wd(method, path, body) {
  const res = await fetch(`${driver}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/** Polls `probe` until it returns a truthy value; fails naming `what` after `ms`. */
async function until(what, ms, probe) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`e2e: timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

let session;
const run = (script, args = []) => wd("POST", `/session/${session}/execute/sync`, { script, args });

/** Invokes a Tauri command from the page; resolves to {ok} or {err}. */
async function invoke(cmd, args = {}) {
  const script = `const done = arguments[arguments.length - 1];
    window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
      .then((ok) => done({ ok }), (err) => done({ err }));`;
  return wd("POST", `/session/${session}/execute/async`, { script, args: [cmd, args] });
}

async function ok(cmd, args) {
  const res = await invoke(cmd, args);
  if (res.err !== undefined) throw new Error(`${cmd} failed: ${JSON.stringify(res.err)}`);
  return res.ok;
}

async function find(selector) {
  const el = await wd("POST", `/session/${session}/element`, { using: "css selector", value: selector });
  return Object.values(el)[0];
}

async function click(selector) {
  await wd("POST", `/session/${session}/element/${await find(selector)}/click`, {});
}

/** Opens the Targets view and the detail of target `id`; resolves once it has loaded. */
async function openTarget(id) {
  await click('[data-testid="nav-targets"]');
  const row = `[role=row][data-row-id="${id}"]`;
  await until(`row of target ${id}`, 30_000, () =>
    run(`return !!document.querySelector(arguments[0])`, [row]),
  );
  await click(row);
  const detail = `[data-testid="target-detail"][data-target-id="${id}"]`;
  await until(`detail of target ${id}`, 30_000, () =>
    run(`return !!document.querySelector(arguments[0])`, [detail]),
  );
  return detail;
}

async function main() {
  log("starting the app through the driver");
  const created = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "webkitgtk:browserOptions": { binary: app, args: [] } } },
  });
  session = created.sessionId;

  await until("the IPC bridge", 60_000, () => run("return !!window.__TAURI_INTERNALS__"));
  const status = await until("the database", 180_000, async () => {
    const res = await invoke("db_status");
    if (res.err?.code === "db_starting") return null;
    if (res.err) throw new Error(`database failed: ${JSON.stringify(res.err)}`);
    return res.ok;
  });
  log(`database ready: ${status.mode}, schema ${status.schema_version}`);
  assert.equal(status.mode, "embedded");
  const before = await ok("list_targets", { query: page(0, 1) });
  assert.equal(before.total, 0, "the data directory starts empty");

  // The same command a file drop calls, then the scan of what it previewed.
  const preview = await ok("parse_url_lists", { paths: lists });
  log(`preview: ${preview.accepted_count} accepted, ${preview.rejected_count} rejected`);
  assert.equal(preview.accepted_count, expected, JSON.stringify(preview.rejected));
  const request = { sources: { paths: lists, text: "" }, mode: "full", concurrency: 4 };
  const started = await ok("start_scan", { request });
  assert.equal(started.total, expected);

  const finished = await until("the scan", scanTimeout, async () => {
    const all = await ok("list_targets", { query: page(0, 1000) });
    const open = all.rows.filter((r) => r.status === "QUEUED" || r.status === "RUNNING");
    return all.total === expected && open.length === 0 ? all.rows : null;
  });
  const done = finished.filter((r) => r.status === "DONE");
  log(`scan finished: ${done.length} of ${finished.length} DONE`);
  assert.ok(done.length >= expected * 0.8, JSON.stringify(finished.map((r) => [r.url, r.reason])));

  // A target reached through a redirect: its chain and screenshot are shown.
  const redirected = finished.find((r) => r.url.includes("go.shortlink.test"));
  assert.ok(redirected, "the redirector was scanned");
  const detail = await openTarget(redirected.id);
  const hops = await until("the redirect chain", 15_000, () =>
    run(`return Array.from(document.querySelectorAll(arguments[0] + ' ol[aria-label="Redirect chain"] > li'),
      (li) => li.textContent)`, [detail]).then((h) => (h.length >= 2 ? h : null)),
  );
  log(`redirect chain: ${hops.length} hops`);
  assert.ok(hops.some((h) => h.includes("northbank-secure.test")), JSON.stringify(hops));
  const width = await until("the screenshot", 30_000, () =>
    run(`const img = document.querySelector(arguments[0] + ' img.screenshot');
      return img && img.complete ? img.naturalWidth : 0;`, [detail]),
  );
  log(`screenshot loaded, ${width} px wide`);

  // The hostile page: payloads are text, nothing ran, no element was made from them.
  const hostile = finished.find((r) => r.url.includes("hostile-markup.test"));
  assert.ok(hostile, "the hostile site was scanned");
  assert.equal(hostile.status, "DONE", hostile.reason ?? "");
  assert.match(hostile.title ?? "", /<script>/, "the title carries its payload");
  await click('[data-testid="nav-targets"]');
  const hostileDetail = await openTarget(hostile.id);
  const shown = await until("the hostile detail's text", 15_000, () =>
    run(`const root = document.querySelector(arguments[0]);
      const text = (sel) => root.querySelector(sel)?.textContent ?? null;
      return { title: text('[data-testid=detail-title]'), url: text('[data-testid=detail-url]'),
        headers: text('[data-testid=detail-headers]') };`, [hostileDetail]).then((s) =>
      s.title && s.headers ? s : null,
    ),
  );
  assert.ok(shown.title.includes("<img src=x onerror="), `title shown as text: ${shown.title}`);
  assert.ok(shown.title.includes("<script>"), shown.title);
  assert.ok(shown.url.includes("javascript:"), `URL shown as text: ${shown.url}`);
  assert.ok(shown.headers.includes("<img src=x onerror="), "header shown as text");
  const made = await run(`const root = document.querySelector(arguments[0]);
    return ['[data-testid=detail-title]', '[data-testid=detail-url]', '[data-testid=detail-headers]']
      .map((sel) => root.querySelector(sel)?.querySelectorAll('*').length ?? -1);`, [hostileDetail]);
  assert.deepEqual(made, [0, 0, 0], "no element was made from captured text");
  await sleep(1000); // let any error handler that could fire do so
  const pwned = await run("return window.__trawlPwned === undefined ? null : String(window.__trawlPwned)");
  assert.equal(pwned, null, `a payload ran in the app: ${pwned}`);

  // Closing the only window quits the app the normal way (it drains and stops its database).
  log("closing the app window");
  await wd("DELETE", `/session/${session}/window`).catch((err) => log(`closing: ${err.message}`));
  await wd("DELETE", `/session/${session}`).catch(() => {});
  session = null;
  log("passed");
}

function page(offset, limit) {
  return { offset, limit, sort: "id", descending: false, status: null, domain: null };
}

main().catch(async (err) => {
  console.error(err);
  if (session) {
    const shot = await wd("GET", `/session/${session}/screenshot`).catch(() => null);
    if (shot && process.env.E2E_ARTIFACTS) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${process.env.E2E_ARTIFACTS}/failure.png`, Buffer.from(shot, "base64"));
    }
    await wd("DELETE", `/session/${session}`).catch(() => {});
  }
  process.exit(1);
});
