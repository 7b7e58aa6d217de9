// Screenshots of the main views with the mock data, in headless Chromium, into
// docs/screenshots/mock-<view>.png (scan, targets, target-detail, jobs, logs, settings, palette,
// and the targets table in the dark theme). The "mock-" prefix keeps them apart from the
// screenshots of the real app taken under Xvfb. Usage: npm run screenshots [-- --no-build]

import { emit, gotoView, waitForListener } from "./harness.mjs";
import { startShooter } from "./shooter.mjs";

const { shoot, stop } = await startShooter();

const bigTable = {
  before: () => {
    window.TrawlMock.fixtures.targetCount = 100000;
  },
};

try {
  await shoot("scan", async (page) => {
    await gotoView(page, "Scan");
    await waitForListener(page, "tauri://drag-drop");
    const paths = ["/home/analyst/lists/urls.txt"];
    await emit(page, "tauri://drag-drop", { paths, position: { x: 10, y: 10 } });
    await page.getByRole("table", { name: "Rejected lines" }).waitFor();
  });
  await shoot(
    "targets",
    async (page) => {
      await gotoView(page, "Targets");
      await page.locator('[data-row-id="100000"]').waitFor();
      await page.locator('[data-row-id="99998"]').click({ modifiers: ["Control"] });
      await page.locator('[data-row-id="99995"]').click({ modifiers: ["Shift"] });
    },
    bigTable,
  );
  await shoot("target-detail", async (page) => {
    await gotoView(page, "Targets");
    await page.locator('[data-row-id="238"]').click();
    await page.getByRole("button", { name: /other targets share this favicon/ }).waitFor();
  });
  await shoot("jobs", async (page) => {
    await gotoView(page, "Jobs");
    await page.getByText("hunted 4,200 of 10,000 targets").waitFor();
  });
  await shoot("logs", async (page) => {
    await gotoView(page, "Logs");
    await page.getByRole("table", { name: "Log records" }).waitFor();
  });
  await shoot("settings", async (page) => {
    await gotoView(page, "Settings");
    await page
      .getByTestId("key-status")
      .getByText(/keyring/)
      .waitFor();
  });
  await shoot("palette", async (page) => {
    await gotoView(page, "Targets");
    await page.keyboard.press("Control+k");
    await page.getByRole("textbox", { name: "Command" }).fill("show");
  });
  await shoot(
    "targets-dark",
    async (page) => {
      await gotoView(page, "Targets");
      await page.locator('[data-row-id="100000"]').click();
      await page.getByRole("heading", { name: "Target 100000" }).waitFor();
    },
    {
      ...bigTable,
      before: () => {
        window.TrawlMock.fixtures.targetCount = 100000;
        localStorage.setItem("trawl.theme", "dark");
      },
    },
  );
} finally {
  await stop();
}
