// The Campaigns view in Chromium: the list, a campaign's page with screenshots (loaded through
// the asset URL), evidence and the neighbourhood drawing, and split / pin / merge / generic
// calling their commands and refreshing.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, gotoView, openApp, unhandled } from "../harness.mjs";

async function openCampaign(page, key) {
  await gotoView(page, "Campaigns");
  await page.getByRole("table", { name: "Campaigns" }).getByRole("button", { name: key }).click();
  await page.getByRole("heading", { name: `Campaign ${key}` }).waitFor();
  return page.getByRole("list", { name: "Members" });
}

describe("campaigns view", () => {
  test("lists campaigns largest first and sorts by risk", async () => {
    const { page, context, errors } = await openApp();
    await gotoView(page, "Campaigns");
    const table = page.getByRole("table", { name: "Campaigns" });
    await table.locator("tbody tr").first().waitFor();
    assert.equal(await table.locator("tbody tr").count(), 12);
    const sizes = await table.locator("tbody tr td:nth-child(2)").allTextContents();
    const numbers = sizes.map(Number);
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => b - a),
    );
    await table.getByRole("button", { name: "Risk" }).click();
    await page.waitForFunction(() =>
      window.TrawlMock.calls.some((c) => c.cmd === "list_campaigns" && c.args.sort === "risk"),
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a campaign page shows members, screenshots, evidence and the neighbourhood", async () => {
    const { page, context, errors } = await openApp();
    const grid = await openCampaign(page, "c-2");
    const expected = await page.evaluate(() => window.TrawlMock.fixtures.campaignMembers["c-2"]);
    await page.getByText(`${expected.length} members ·`).waitFor();
    // The grid is virtualized: scrolling to its end brings the last member into the DOM.
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await grid.locator(`[data-target-id="${expected.at(-1)}"]`).waitFor();
    const img = grid.getByRole("img").first();
    await img.waitFor();
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), "screenshot loaded");
    await grid
      .getByText(/^shares favicon hash /)
      .first()
      .waitFor();
    const mini = page.getByRole("img", { name: "Graph of campaign c-2" });
    await mini.waitFor();
    assert.ok(Number(await mini.getAttribute("data-node-count")) > expected.length);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("split, pin, mark generic and merge call their commands and refresh", async () => {
    const { page, context } = await openApp();
    const grid = await openCampaign(page, "c-2");
    const cards = grid.locator("[data-target-id]");
    const before = await page.evaluate(
      () => window.TrawlMock.fixtures.campaignMembers["c-2"].length,
    );
    const moved = Number(await cards.nth(0).getAttribute("data-target-id"));
    await cards.nth(0).getByRole("checkbox").check();
    await page.getByRole("button", { name: "Split selected into a new campaign" }).click();
    await page.getByRole("status").getByRole("button", { name: "c-new1" }).waitFor();
    await page.getByText(`${before - 1} members ·`).waitFor();
    assert.deepEqual((await callsOf(page, "campaign_split")).at(-1).args, {
      key: "c-2",
      targetIds: [moved],
    });

    await cards.nth(0).getByRole("button", { name: "Pin" }).click();
    await cards.nth(0).getByRole("button", { name: "Pinned" }).waitFor();

    const chip = page.getByRole("button", { name: /^Mark jarm .* generic$/ });
    await chip.click();
    await chip.waitFor({ state: "detached" });
    assert.equal((await callsOf(page, "mark_generic")).at(-1).args.kind, "jarm");

    await page.getByRole("button", { name: "Merge another campaign…" }).click();
    await page.getByRole("combobox").selectOption("c-new1");
    await page.getByRole("button", { name: "Merge", exact: true }).click();
    await page.getByText(`${before} members ·`).waitFor();
    assert.deepEqual((await callsOf(page, "campaign_merge")).at(-1).args, {
      key: "c-2",
      other: "c-new1",
    });
    assert.deepEqual(await unhandled(page), []);
    await context.close();
  });
});
