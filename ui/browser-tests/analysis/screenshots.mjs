// Screenshots of the analysis views with the mock data, in headless Chromium, into
// docs/screenshots/mock-<view>.png (campaigns, campaign, graph, rules, alerts). The "mock-"
// prefix keeps them apart from the screenshots of the real app taken under Xvfb, which carry the
// plain view names.
// Usage: node browser-tests/analysis/screenshots.mjs [--no-build]

import { gotoView } from "../harness.mjs";
import { startShooter } from "../shooter.mjs";

const { shoot, stop } = await startShooter();

try {
  await shoot("campaigns", async (page) => {
    await gotoView(page, "Campaigns");
    await page.getByRole("table", { name: "Campaigns" }).locator("tbody tr").nth(11).waitFor();
  });
  await shoot("campaign", async (page) => {
    await gotoView(page, "Campaigns");
    await page.getByRole("button", { name: "c-2", exact: true }).click();
    await page.getByRole("img", { name: "Graph of campaign c-2" }).waitFor();
    await page.locator("[data-target-id]").nth(1).getByRole("checkbox").check();
    await page.locator("[data-target-id]").nth(2).getByRole("checkbox").check();
  });
  await shoot(
    "graph",
    async (page) => {
      await gotoView(page, "Graph");
      await page.getByRole("button", { name: "Run layout" }).waitFor({ timeout: 60_000 });
      await page.getByLabel("Find a node").fill("favicon_hash-c-2");
      await page.getByRole("button", { name: "Find", exact: true }).click();
      await page.waitForTimeout(600);
      const box = await page.getByTestId("graph-canvas").boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page
        .getByRole("complementary", { name: "Node detail" })
        .getByRole("listitem")
        .first()
        .waitFor();
      await page.waitForTimeout(300);
    },
    { before: () => (window.TrawlMock.fixtures.graphTargets = 300) },
  );
  await shoot("rules", async (page) => {
    await gotoView(page, "Rules");
    await page.getByRole("tab", { name: "YARA" }).click();
    await page.getByRole("button", { name: /Phish_Kit_Generic/ }).click();
    const editor = page.getByLabel("yara rule source");
    const text = await editor.inputValue();
    await editor.fill(text.replace('"card number"', '"card number'));
    await page.locator(".rule-line-number.has-error").first().waitFor();
    await page.getByPlaceholder("target id").fill("11");
  });
  await shoot("alerts", async (page) => {
    await gotoView(page, "Alerts");
    const rows = page.getByRole("table", { name: "Alerts" }).locator("tbody tr");
    await rows.nth(3).waitFor();
    await rows.nth(1).getByRole("checkbox").check();
    await rows.nth(2).getByRole("checkbox").check();
  });
} finally {
  await stop();
}
