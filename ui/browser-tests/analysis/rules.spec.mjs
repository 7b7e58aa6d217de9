// The Rules view in Chromium: a YARA error is marked at the right line (gutter, band and list,
// aligned with the text), a test against a target before saving, save, IOK import through the
// open-directory dialog, and retro-hunt progress following "jobs-changed".

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, emit, gotoView, openApp, unhandled, waitForListener } from "../harness.mjs";

const BROKEN = [
  "rule Kit_Login",
  "{",
  "  strings:",
  '    $a = "verify your account" nocase',
  '    $b = "card number',
  "  condition:",
  "    $a and $b",
  "}",
].join("\n");

async function openYara(page) {
  await gotoView(page, "Rules");
  await page.getByRole("tab", { name: "YARA" }).click();
  await page.getByRole("button", { name: /Phish_Kit_Generic/ }).click();
  return page.getByLabel("yara rule source");
}

describe("rules view", () => {
  test("the YARA editor shows a compile error at the right line", async () => {
    const { page, context, errors } = await openApp();
    const editor = await openYara(page);
    await editor.fill(BROKEN);

    const marked = page.locator(".rule-line-number.has-error");
    await marked.first().waitFor();
    assert.deepEqual(await marked.evaluateAll((els) => els.map((e) => e.dataset.line)), ["5"]);
    const list = page.getByRole("list", { name: "Compile errors" });
    assert.match(await list.textContent(), /line 5, column 10: unterminated string/);
    assert.deepEqual((await callsOf(page, "check_rule")).at(-1).args, {
      kind: "yara",
      source: BROKEN,
    });

    // The band behind the text sits on line 5 of the textarea, level with gutter number 5.
    const band = await page.locator("[data-error-line='5']").boundingBox();
    const number = await page.locator(".rule-line-number[data-line='5']").boundingBox();
    const area = await editor.boundingBox();
    assert.ok(Math.abs(band.y - number.y) < 2, `band ${band.y} vs gutter ${number.y}`);
    assert.ok(Math.abs(band.y - (area.y + 8 + 4 * 20)) < 2, "band on the fifth text line");
    assert.equal(await page.getByRole("button", { name: "Save" }).isDisabled(), true);

    // Clicking the error puts the cursor at line 5, column 10.
    await list.getByRole("button", { name: "line 5, column 10" }).click();
    const caret = await editor.evaluate((el) => el.value.slice(0, el.selectionStart).split("\n"));
    assert.equal(caret.length, 5);
    assert.equal(caret.at(-1).length, 9);

    await editor.fill(BROKEN.replace('"card number', '"card number"'));
    await marked.first().waitFor({ state: "detached" });
    await page.getByRole("status").getByText("Compiles").waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("tests the rule against a target, then saves it", async () => {
    const { page, context } = await openApp();
    const editor = await openYara(page);
    await editor.fill(BROKEN.replace('"card number', '"card number"'));
    await page.getByRole("status").getByText("Compiles").waitFor();
    await page.getByPlaceholder("target id").fill("11");
    await page.getByRole("button", { name: "Test", exact: true }).click();
    await page.getByText(/1 match in target #11/).waitFor();
    assert.equal((await callsOf(page, "test_rule")).at(-1).args.targetId, 11);

    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("button", { name: "Save" }).and(page.locator(":disabled")).waitFor();
    const saved = (await callsOf(page, "save_rule")).at(-1).args;
    assert.deepEqual(
      { kind: saved.kind, id: saved.id, name: saved.name },
      {
        kind: "yara",
        id: 3,
        name: "Phish_Kit_Generic",
      },
    );
    await context.close();
  });

  test("imports IOK rules and follows retro-hunt progress", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Rules");
    await page.getByRole("button", { name: "Import IOK rules…" }).click();
    await page.getByText("Imported 14 IOK rules.").waitFor();
    assert.deepEqual((await callsOf(page, "import_iok")).at(-1).args, {
      dir: "/home/analyst/iok-rules",
    });

    const hunts = page.getByRole("region", { name: "Retro-hunts" });
    await hunts.getByText("hunted 4,200 of 10,000 targets").waitFor();
    await waitForListener(page, "jobs-changed");
    await page.evaluate(() => {
      const job = window.TrawlMock.fixtures.jobs.find((j) => j.kind === "rules.retrohunt");
      job.progress = "hunted 10,000 of 10,000 targets";
      job.state = "done";
    });
    await emit(page, "jobs-changed", { ids: [103] });
    await hunts.getByText("hunted 10,000 of 10,000 targets").waitFor();
    assert.deepEqual(await unhandled(page), []);
    await context.close();
  });
});
