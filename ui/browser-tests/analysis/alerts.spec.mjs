// The Alerts view in Chromium: the unacknowledged list, hostile text shown as text and never
// run, acknowledging one and several, and jumping to the target's detail.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, gotoView, openApp, unhandled } from "../harness.mjs";

describe("alerts view", () => {
  test("lists open alerts, shows hostile text as text, acknowledges", async () => {
    const { page, context, errors } = await openApp();
    await gotoView(page, "Alerts");
    const table = page.getByRole("table", { name: "Alerts" });
    await table.getByRole("row").nth(1).waitFor();
    const open = await page.evaluate(
      () => window.TrawlMock.fixtures.alerts.filter((a) => !a.acknowledged_at).length,
    );
    assert.equal(await table.locator("tbody tr").count(), open);

    const hostile = await page.evaluate(() => window.TrawlMock.fixtures.hostile.title);
    await table.getByText(hostile, { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await table.locator("img, script, svg").count(), 0);

    await table.locator("tbody tr").first().getByRole("button", { name: "Acknowledge" }).click();
    await page.waitForFunction((n) => document.querySelectorAll("tbody tr").length === n - 1, open);
    await page.getByLabel("Select all on this page").check();
    await page.getByRole("button", { name: `Acknowledge selected (${open - 1})` }).click();
    await page.getByText(/No alerts to look at/).waitFor();
    assert.equal((await callsOf(page, "ack_alerts")).at(-1).args.ids.length, open - 1);

    await page.getByLabel("Show").selectOption("acknowledged");
    await table.locator("tbody tr").first().waitFor();
    assert.deepEqual(await unhandled(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("jumps to the alert's target", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Alerts");
    const row = page.getByRole("table", { name: "Alerts" }).locator("tbody tr").nth(1);
    const label = await row.getByRole("button", { name: /^#\d+$/ }).textContent();
    await row.getByRole("button", { name: label }).click();
    await page.getByRole("heading", { name: "Targets", level: 2 }).waitFor();
    const detail = page.getByRole("complementary", { name: "Target detail" });
    await detail.getByRole("heading", { name: `Target ${label.slice(1)}` }).waitFor();
    await context.close();
  });
});
