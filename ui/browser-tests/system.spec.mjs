// The Jobs, Logs and Settings views against the mocked commands.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, gotoView, openApp, unhandled } from "./harness.mjs";

describe("jobs view", () => {
  test("lists jobs with progress, filters by state, cancels and retries", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Jobs");
    await page.getByText("hunted 4,200 of 10,000 targets").waitFor();
    await page.getByText("navigation timed out after 30 s").waitFor();

    await page.locator('[data-job-id="102"]').getByRole("button", { name: "Retry" }).click();
    await page.getByText("Job 102 queued again.").waitFor();
    await page.locator('[data-job-id="100"]').getByRole("button", { name: "Cancel" }).click();
    await page.getByText("Job 100 cancelled.").waitFor();

    await page.getByLabel("State").selectOption("RUNNING");
    await page.getByText("1 job", { exact: true }).waitFor();
    const last = (await callsOf(page, "list_jobs")).at(-1).args;
    assert.deepEqual(last, { state: "RUNNING", kind: null, offset: 0, limit: 100 });
    assert.deepEqual(await unhandled(page), []);
    await context.close();
  });
});

describe("logs view", () => {
  test("j/k move over the records and Enter opens the record's target", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Logs");
    await page.getByRole("table", { name: "Log records" }).locator("tbody tr").first().waitFor();
    for (const key of ["j", "j", "j", "k", "j"]) await page.keyboard.press(key);
    const active = page.locator("tbody tr.active");
    assert.equal(await active.getAttribute("data-cursor-index"), "2");
    await active.getByText("screenshot store unwritable for target 20").waitFor();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Target 20" }).waitFor();
    await context.close();
  });

  test("filters by level and text, loads older records and links targets", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Logs");
    const rows = page.getByRole("table", { name: "Log records" }).locator("tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 100);
    await page.getByRole("button", { name: "Load older" }).click();
    await page.waitForFunction(
      () => document.querySelectorAll("table[aria-label='Log records'] tbody tr").length > 100,
    );
    assert.ok((await callsOf(page, "list_logs")).at(-1).args.beforeId > 0);

    await page.getByLabel("Minimum level").selectOption("warn");
    await page.getByLabel("Text").fill("connection refused");
    await page.waitForFunction(() =>
      window.TrawlMock.calls.some((c) => c.cmd === "list_logs" && c.args.text),
    );
    await page
      .getByText(/capture failed for target/)
      .first()
      .waitFor();
    const query = (await callsOf(page, "list_logs")).at(-1).args;
    assert.equal(query.level, "warn");
    assert.equal(query.text, "connection refused");
    const levels = await page.locator("tbody .level").allTextContents();
    assert.ok(levels.length > 0 && levels.every((l) => l === "warn"), levels.join(","));

    await page.locator("tbody .link-button").first().click();
    await page.getByRole("complementary", { name: "Target detail" }).waitFor();
    await context.close();
  });
});

describe("settings view", () => {
  test("database mode, masked keys, capture defaults and keyring status", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Settings");
    const urlscan = page.locator('[data-setting="api.urlscan_key"]');
    await urlscan.getByText("set (****1234)").waitFor();
    await page
      .getByTestId("key-status")
      .getByText(/From the system keyring/)
      .waitFor();

    await page.locator('[data-setting="api.virustotal_key"] input').fill("vt-secret-abcd");
    await page
      .locator('[data-setting="api.virustotal_key"]')
      .getByRole("button", { name: "Set" })
      .click();
    await page.locator('[data-setting="api.virustotal_key"]').getByText("set (****abcd)").waitFor();
    assert.equal(await page.locator('[data-setting="api.virustotal_key"] input').inputValue(), "");
    await urlscan.getByRole("button", { name: "Clear" }).click();
    await urlscan.getByText("not set").waitFor();

    const concurrency = page.locator('[data-setting="capture.concurrency"]');
    await concurrency.locator("input").fill("1e3");
    await concurrency.getByRole("button", { name: "Save" }).click();
    await concurrency
      .getByRole("alert")
      .getByText(/whole number/)
      .waitFor();
    await concurrency.locator("input").fill("12");
    await concurrency.getByRole("button", { name: "Save" }).click();
    await concurrency.getByText("Saved.").waitFor();

    const mode = page.locator('[data-setting="capture.mode"] select');
    assert.deepEqual(await mode.locator("option").allTextContents(), ["fast", "full"]);
    await mode.selectOption("full");
    await page
      .locator('[data-setting="capture.mode"]')
      .getByRole("button", { name: "Save" })
      .click();
    await page.locator('[data-setting="capture.mode"]').getByText("Saved.").waitFor();

    await page.getByLabel("Remote server").check();
    await page.getByLabel("PostgreSQL URL").fill("postgres://trawl:pw@127.0.0.1:5432/trawl");
    await page.getByRole("button", { name: "Save database choice" }).click();
    await page
      .getByText(/applies at the next start/)
      .first()
      .waitFor();
    const [db] = await callsOf(page, "set_database_config");
    assert.deepEqual(db.args, { mode: "remote", url: "postgres://trawl:pw@127.0.0.1:5432/trawl" });

    await page.getByLabel("Theme").selectOption("dark");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    assert.deepEqual(await unhandled(page), []);
    await context.close();
  });
});
