// The app frame: sidebar navigation, `g` shortcuts, the command palette and the theme toggle.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { gotoView, openApp, unhandled } from "./harness.mjs";

describe("app shell", () => {
  test("sidebar opens every view and the status view shows the database", async () => {
    const { page, context, errors } = await openApp();
    await page.getByRole("heading", { name: "Database" }).waitFor();
    for (const label of ["Scan", "Targets", "Jobs", "Logs", "Settings"]) {
      await gotoView(page, label);
    }
    assert.deepEqual(await unhandled(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("g-shortcuts and the command palette switch views", async () => {
    const { page, context } = await openApp();
    await page.getByRole("heading", { name: "Database" }).waitFor();
    await page.keyboard.press("g");
    await page.keyboard.press("j");
    await page.getByRole("heading", { name: "Jobs", level: 2 }).waitFor();

    await page.keyboard.press("Control+k");
    const palette = page.getByRole("dialog", { name: "Command palette" });
    await palette.getByRole("textbox").fill("go targ");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Targets", level: 2 }).waitFor();
    assert.equal(await palette.count(), 0);
    await context.close();
  });

  test("the theme toggle switches and persists across reloads", async () => {
    const { page, context } = await openApp();
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? "system");
    assert.equal(await theme(), "system");
    await page.keyboard.press("Control+k");
    await page.getByRole("textbox", { name: "Command" }).fill("theme");
    await page.keyboard.press("Enter");
    assert.equal(await theme(), "dark");
    await page.reload();
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    assert.equal(await theme(), "dark");
    await context.close();
  });
});
