// A target whose title, URL, headers and HTML carry script and markup payloads is shown as text
// everywhere (table, detail, captured text) and runs nothing: `window.__pwned` stays undefined
// and no element from the payloads appears in the document.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { gotoView, openApp } from "./harness.mjs";

/** Elements the payloads would create if they were parsed as markup. */
const injected = (page) =>
  page.evaluate(() => ({
    pwned: window.__pwned ?? window.__trawlPwned,
    imgs: [...document.querySelectorAll("img")].filter((i) => i.getAttribute("src") === "x").length,
    svgs: document.querySelectorAll("svg[onload], [onerror], [onload]").length,
    iframes: document.querySelectorAll("iframe").length,
    scripts: [...document.scripts].filter((s) => s.textContent.includes("__pwned")).length,
    links: document.querySelectorAll("a[href]").length,
  }));

const CLEAN = { pwned: undefined, imgs: 0, svgs: 0, iframes: 0, scripts: 0, links: 0 };

describe("hostile captured content", () => {
  test("title, URL, headers and HTML render as text and run nothing", async () => {
    const { page, context, errors } = await openApp({
      before: () => {
        window.TrawlMock.fixtures.targetCount = 3;
      },
    });
    await gotoView(page, "Targets");
    const row = page.locator('[data-row-id="1"]');
    await row.waitFor();
    const { title, url, headers, html } = await page.evaluate(
      () => window.TrawlMock.fixtures.hostile,
    );
    assert.equal(await row.locator(".col-title").textContent(), title);
    assert.equal(await row.locator(".col-url").textContent(), url);

    await row.click();
    const detail = page.getByRole("complementary", { name: "Target detail" });
    assert.equal(await detail.getByTestId("detail-title").textContent(), title);
    assert.ok((await detail.getByTestId("detail-url").textContent()).includes(url));
    assert.equal(await detail.getByTestId("detail-headers").textContent(), headers);
    assert.equal(await detail.getByTestId("html-excerpt").textContent(), html);
    await detail.getByRole("button", { name: "Captured HTML" }).click();
    assert.equal(await detail.getByTestId("captured-text").textContent(), html);

    // Give any injected handler a chance to run before checking.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    assert.deepEqual(await injected(page), CLEAN);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
