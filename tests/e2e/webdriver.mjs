// A small W3C WebDriver client over HTTP (plain fetch, no client library) for the desktop
// end-to-end test: one session on WebKitWebDriver, which launches the app binary itself. It
// runs scripts in the app's webview, calls Tauri commands and emits Tauri events from there,
// finds, clicks and types into elements, and saves screenshots of the window.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value; fails naming `what` after `ms`. */
export async function until(what, ms, probe) {
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

/** One WebDriver session on the app. */
export class AppSession {
  constructor(driverUrl) {
    this.driver = driverUrl;
    this.id = null;
  }

  /** One WebDriver call; throws with the driver's error text. */
  async call(method, path, body) {
    const res = await fetch(`${this.driver}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value ?? json)}`);
    return json.value;
  }

  /** Starts the app binary with `args` through the driver. */
  async start(binary, args = []) {
    const caps = { "webkitgtk:browserOptions": { binary, args } };
    const created = await this.call("POST", "/session", { capabilities: { alwaysMatch: caps } });
    this.id = created.sessionId;
  }

  /** Calls of this session. */
  session(method, path, body) {
    return this.call(method, `/session/${this.id}${path}`, body);
  }

  /** Runs `script` in the webview; returns what it returns. */
  run(script, args = []) {
    return this.session("POST", "/execute/sync", { script, args });
  }

  /** Whether an element matches `selector` now. */
  has(selector) {
    return this.run("return !!document.querySelector(arguments[0])", [selector]);
  }

  /** The text of the first element matching `selector`, or null. */
  text(selector) {
    return this.run("return document.querySelector(arguments[0])?.textContent ?? null", [selector]);
  }

  /** Invokes a Tauri command from the page; resolves to {ok} or {err}. */
  invoke(cmd, args = {}) {
    const script = `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
        .then((ok) => done({ ok }), (err) => done({ err }));`;
    return this.session("POST", "/execute/async", { script, args: [cmd, args] });
  }

  /** Invokes a Tauri command; resolves to its result, throws with its error. */
  async ok(cmd, args) {
    const res = await this.invoke(cmd, args);
    if (res.err !== undefined) throw new Error(`${cmd} failed: ${JSON.stringify(res.err)}`);
    return res.ok;
  }

  /** Emits a Tauri event from the page to every listener, as the app's own events arrive. */
  emit(event, payload) {
    return this.ok("plugin:event|emit", { event, payload });
  }

  /** The WebDriver reference of the first element matching `selector`. */
  async find(selector) {
    const el = await this.session("POST", "/element", { using: "css selector", value: selector });
    return Object.values(el)[0];
  }

  /** Clicks the element matching `selector` at its centre, as a pointer would. */
  async click(selector) {
    await this.session("POST", `/element/${await this.find(selector)}/click`, {});
  }

  /** Types `text` into the element matching `selector`. */
  async type(selector, text) {
    await this.session("POST", `/element/${await this.find(selector)}/value`, { text });
  }

  /** Waits for `selector`, then clicks it. */
  async clickWhenThere(selector, ms = 30_000) {
    await until(selector, ms, () => this.has(selector));
    await this.click(selector);
  }

  /** Saves a PNG of the window as `dir/name.png`; returns its path. */
  async screenshot(dir, name) {
    const png = await this.session("GET", "/screenshot");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.png`);
    writeFileSync(path, Buffer.from(png, "base64"));
    return path;
  }
}
