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

  test("campaign keys stay on one line in a narrow window", async () => {
    const { page, context, errors } = await openApp({
      viewport: { width: 1000, height: 700 },
      before: () => {
        const F = window.TrawlMock.fixtures;
        F.campaignKeys.unshift("c-146c3170fe");
        F.campaignMembers["c-146c3170fe"] = [5, 8, 11, 14, 22, 29, 35, 40, 45, 50, 55, 60, 61];
      },
    });
    await gotoView(page, "Campaigns");
    const table = page.getByRole("table", { name: "Campaigns" });
    await table.getByRole("button", { name: "c-146c3170fe" }).waitFor();
    const keys = await table.locator("tbody tr td:first-child button").evaluateAll((els) =>
      els.map((el) => ({
        key: el.textContent,
        height: el.getBoundingClientRect().height,
        line: parseFloat(getComputedStyle(el).lineHeight),
      })),
    );
    assert.ok(keys.length > 1);
    for (const k of keys) assert.ok(k.height < k.line * 1.5, `${k.key} wraps (${k.height} px)`);
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

  test("member cards keep the URL on one line above their evidence and fill the width", async () => {
    const { page, context, errors } = await openApp();
    const grid = await openCampaign(page, "c-2");
    const first = await page.evaluate(() => window.TrawlMock.fixtures.campaignMembers["c-2"][0]);
    await grid.locator(`[data-target-id="${first}"] .evidence li`).nth(6).waitFor();

    const cards = await grid.locator("[data-target-id]").evaluateAll((els) =>
      els.map((card) => {
        const box = (el) => el.getBoundingClientRect();
        const url = card.querySelector(".member-url");
        const evidence = card.querySelector(".evidence");
        const lineHeight = parseFloat(getComputedStyle(url).lineHeight);
        return {
          id: card.dataset.targetId,
          left: box(card).left,
          right: box(card).right,
          bottom: box(card).bottom,
          urlHeight: box(url).height,
          lineHeight,
          urlBottom: box(url).bottom,
          evidenceTop: box(evidence).top,
          evidenceBottom: box(evidence).bottom,
          evidenceScrolls: evidence.scrollHeight > evidence.clientHeight,
        };
      }),
    );
    assert.ok(cards.length >= 2, "at least one row of cards in view");
    for (const c of cards) {
      assert.ok(c.urlHeight >= c.lineHeight - 0.5, `card ${c.id}: URL line not squeezed`);
      assert.ok(c.urlBottom <= c.evidenceTop + 0.5, `card ${c.id}: evidence starts below the URL`);
      assert.ok(c.evidenceBottom <= c.bottom, `card ${c.id}: evidence stays inside the card`);
    }
    assert.ok(
      cards.find((c) => c.id === String(first)).evidenceScrolls,
      "a long evidence list scrolls inside its card",
    );

    // The columns share the grid's width: the rightmost card ends at the grid's content edge.
    const edge = await grid.evaluate((el) => el.getBoundingClientRect().left + el.clientWidth);
    const right = Math.max(...cards.map((c) => c.right));
    assert.ok(edge - right <= 2, `grid leaves ${Math.round(edge - right)} px empty on the right`);
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
