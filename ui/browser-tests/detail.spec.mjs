// The target detail: screenshot through the asset URL, chain with hop kinds, headers, TLS,
// assets, indicators, matches, risk factors, DOM text, and a pivot that opens the filtered table.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, gotoView, openApp } from "./harness.mjs";

async function openDetail(page, id) {
  await gotoView(page, "Targets");
  await page.locator(`[data-row-id="${id}"]`).click();
  return page.getByRole("complementary", { name: "Target detail" });
}

describe("target detail", () => {
  test("shows every section of a captured target", async () => {
    const { page, context, errors } = await openApp();
    const detail = await openDetail(page, 238);
    await detail.getByRole("heading", { name: "Target 238" }).waitFor();

    const img = detail.getByRole("img", { name: "Screenshot of the page" });
    await img.waitFor();
    assert.match(
      await img.getAttribute("src"),
      /\/__mock-asset\/asset\/%2Fdata%2Fblobs%2Fshots%2F238\.png$/,
    );
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), "screenshot loaded");

    const hops = detail.getByRole("list", { name: "Redirect chain" }).locator(".hop-kind");
    assert.deepEqual(await hops.allTextContents(), ["http", "meta", "js"]);
    await detail
      .getByTestId("detail-headers")
      .getByText(/Server: nginx/)
      .waitFor();
    await detail.getByText("CN=R11, O=Let's Encrypt").waitFor();
    await detail.getByText("a1b2c3d4e5f6", { exact: false }).first().waitFor();
    await detail.getByText("drop238@mailbox.example").waitFor();
    await detail.getByText("bank-login-form").waitFor();
    await detail
      .getByRole("table", { name: "Risk factors" })
      .getByText("credential form")
      .waitFor();

    await detail.getByRole("button", { name: "Rendered DOM" }).click();
    await detail
      .getByTestId("captured-text")
      .getByText(/<head><\/head>/)
      .waitFor();
    assert.deepEqual((await callsOf(page, "target_text")).at(-1).args, { id: 238, kind: "dom" });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a pivot opens the table filtered to the targets sharing the favicon", async () => {
    const { page, context } = await openApp();
    const detail = await openDetail(page, 238);
    await detail.getByRole("button", { name: "14 other targets share this favicon" }).click();

    await page.getByTestId("pivot-chip").waitFor();
    await page.getByTestId("target-total").getByText("16 targets").waitFor();
    const query = (await callsOf(page, "list_targets")).at(-1).args.query;
    assert.equal(query.pivot_kind, "favicon");
    assert.equal(query.pivot_value, "f5c3a1d9e2b47788a0c1d2e3f4a5b6c7");

    await page.keyboard.press("Escape");
    assert.equal(await page.getByRole("complementary", { name: "Target detail" }).count(), 0);
    await context.close();
  });

  test("j/k move through the table and Enter opens the detail", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Targets");
    await page.locator('[data-row-id="240"]').waitFor();
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("k");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Target 240" }).waitFor();
    await page.keyboard.press("j");
    await page.getByRole("heading", { name: "Target 239" }).waitFor();
    await context.close();
  });
});
