// The Targets view: a 100,000-row table that scrolls to its end with a bounded DOM, filters
// reaching list_targets, multi-selection with tag and export (save dialog), and a live refresh
// that keeps scroll position and selection.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, emit, gotoView, openApp, waitForListener } from "./harness.mjs";

const renderedRows = (page) => page.locator(".targets-scroller [role=row]").count();

describe("targets view", () => {
  test("a 100,000-row table scrolls to the end and keeps the DOM bounded", async () => {
    const { page, context, errors } = await openApp({
      before: () => {
        window.TrawlMock.fixtures.targetCount = 100000;
      },
    });
    await gotoView(page, "Targets");
    await page.getByTestId("target-total").getByText("100,000 targets").waitFor();
    // Newest first: the first row is id 100000.
    await page.locator('[data-row-id="100000"]').waitFor();
    const atTop = await renderedRows(page);

    const scroller = page.getByTestId("scroller");
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      await scroller.evaluate((el, f) => {
        el.scrollTop = el.scrollHeight * f;
      }, fraction);
      await page.waitForTimeout(50);
    }
    // The last rows (ids 1..3) render once their page arrives.
    await page.locator('[data-row-id="1"]').waitFor();
    await page.locator('[data-row-id="3"]').waitFor();
    const atEnd = await renderedRows(page);

    assert.ok(atTop < 100, `rows in the DOM at the top: ${atTop}`);
    assert.ok(atEnd < 100, `rows in the DOM at the end: ${atEnd}`);
    const offsets = (await callsOf(page, "list_targets")).map((c) => c.args.query.offset);
    assert.ok(offsets.includes(99800), `pages requested: ${offsets.join(",")}`);
    assert.ok(offsets.length < 40, `${offsets.length} page requests`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("filters go to list_targets and the empty state explains itself", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Targets");
    await page.locator('[data-row-id="240"]').waitFor();

    await page.getByLabel("Status").selectOption("FAILED");
    await page.getByLabel("Risk ≥").fill("10");
    await page.getByLabel("Tag", { exact: true }).fill("phish");
    await page.getByLabel("Matches").selectOption("true");
    await page.getByLabel("From").fill("2026-11-01");
    await page.waitForFunction(() =>
      window.TrawlMock.calls.some((c) => c.cmd === "list_targets" && c.args.query.since),
    );
    const last = (await callsOf(page, "list_targets")).at(-1).args.query;
    assert.equal(last.status, "FAILED");
    assert.equal(last.risk_min, 10);
    assert.equal(last.tag, "phish");
    assert.equal(last.has_matches, true);
    assert.equal(last.since, "2026-11-01T00:00:00Z");

    await page.getByLabel("Domain").fill("no-such-domain");
    await page.getByText(/No target matches these filters/).waitFor();
    await context.close();
  });

  test("empty day filters show only their format; a day is sent once it is whole", async () => {
    const { page, context, errors } = await openApp();
    await gotoView(page, "Targets");
    await page.locator('[data-row-id="240"]').waitFor();
    for (const label of ["From", "To"]) {
      const field = page.getByRole("group", { name: "Target filters" }).getByLabel(label);
      const shown = await field.evaluate((el) => ({
        type: el.type,
        value: el.value,
        placeholder: el.placeholder,
        placeholderShown: el.matches(":placeholder-shown"),
      }));
      assert.deepEqual(shown, {
        type: "text",
        value: "",
        placeholder: "yyyy-mm-dd",
        placeholderShown: true,
      });
    }

    const since = async () => (await callsOf(page, "list_targets")).at(-1).args.query.since;
    const from = page.getByLabel("From");
    await from.fill("2026-11");
    await page.getByLabel("Tag", { exact: true }).fill("x");
    await page.waitForFunction(() =>
      window.TrawlMock.calls.some((c) => c.cmd === "list_targets" && c.args.query.tag === "x"),
    );
    assert.equal(await since(), undefined, "a partial day is not sent");
    await from.fill("2026-11-01");
    await page.waitForFunction(() =>
      window.TrawlMock.calls.some((c) => c.cmd === "list_targets" && c.args.query.since),
    );
    assert.equal(await since(), "2026-11-01T00:00:00Z");
    await from.fill("2026-02-30");
    assert.equal(await from.getAttribute("aria-invalid"), "true");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("shift-selects rows, tags them and exports them through the save dialog", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Targets");
    await page.locator('[data-row-id="240"]').click({ modifiers: ["Control"] });
    await page.locator('[data-row-id="236"]').click({ modifiers: ["Shift"] });
    await page.getByText("5 selected").waitFor();

    await page.getByLabel("Tag for selection").fill("reviewed");
    await page.getByRole("button", { name: "Add tag" }).click();
    await page.getByText("Tagged 5 targets.").waitFor();
    const [tag] = await callsOf(page, "tag_targets");
    assert.deepEqual(tag.args, { ids: [240, 239, 238, 237, 236], tag: "reviewed", remove: false });

    await page.getByRole("button", { name: "Export selected" }).click();
    await page.getByText(/Exported 5 targets to/).waitFor();
    const [dialog] = await callsOf(page, "plugin:dialog|save");
    assert.equal(dialog.args.options.defaultPath, "targets.jsonl");
    const [exported] = await callsOf(page, "export_targets");
    assert.equal(exported.args.path, "/home/analyst/exports/targets.jsonl");
    assert.equal(exported.args.format, "jsonl");
    await context.close();
  });

  test("targets-changed refreshes in place, keeping scroll position and selection", async () => {
    const { page, context } = await openApp({
      before: () => {
        window.TrawlMock.fixtures.targetCount = 5000;
      },
    });
    await gotoView(page, "Targets");
    const scroller = page.getByTestId("scroller");
    await page.locator('[data-row-id="5000"]').waitFor();
    await scroller.evaluate((el) => {
      el.scrollTop = 3000;
    });
    await page.locator('[data-row-id="4900"]').click({ modifiers: ["Control"] });
    const before = (await callsOf(page, "list_targets")).length;

    await waitForListener(page, "targets-changed");
    await page.evaluate(() => {
      window.TrawlMock.fixtures.statuses = ["FAILED"];
    });
    await emit(page, "targets-changed", { ids: [4900] });
    await page.locator('[data-row-id="4900"] .col-status').getByText("FAILED").waitFor();

    assert.ok((await callsOf(page, "list_targets")).length > before);
    assert.equal(await scroller.evaluate((el) => el.scrollTop), 3000);
    assert.equal(await page.locator('[data-row-id="4900"]').getAttribute("aria-selected"), "true");
    await page.getByText("1 selected").waitFor();
    await context.close();
  });
});
