// The Scan view: a simulated native file drop (the Tauri drag-drop events), a paste preview,
// starting a scan with the chosen options, progress from scan-progress events, and cancel.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, emit, gotoView, openApp, unhandled, waitForListener } from "./harness.mjs";

const LIST = "/home/analyst/lists/urls.txt";

describe("scan view", () => {
  test("a file drop previews the list with rejected and duplicate lines", async () => {
    const { page, context, errors } = await openApp();
    await gotoView(page, "Scan");
    await page.getByText(/Drop URL-list files anywhere/).waitFor();
    await waitForListener(page, "tauri://drag-drop");

    await emit(page, "tauri://drag-enter", { paths: [LIST], position: { x: 40, y: 40 } });
    await page.getByText("Release to preview these files.").waitFor();
    await emit(page, "tauri://drag-drop", { paths: [LIST], position: { x: 40, y: 40 } });

    await page.getByRole("table", { name: "Rejected lines" }).getByText("not a url").waitFor();
    assert.deepEqual((await callsOf(page, "parse_url_lists")).at(-1).args, { paths: [LIST] });
    await page.getByRole("button", { name: "Start scan of 2 URLs" }).waitFor();
    assert.deepEqual(await unhandled(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("pasted URLs start a scan whose progress and cancel work", async () => {
    const { page, context } = await openApp();
    await gotoView(page, "Scan");
    await page.getByRole("textbox").fill("https://shop1.example/a\nhttps://shop2.example/b\n");
    await page.getByRole("button", { name: "Preview pasted text" }).click();
    await page.getByRole("combobox").selectOption("full");
    await page.getByRole("button", { name: "Start scan of 2 URLs" }).click();
    await page.getByText(/Scan 7: 1 targets queued/).waitFor();

    const [start] = await callsOf(page, "start_scan");
    assert.equal(start.args.request.mode, "full");
    assert.equal(start.args.request.sources.text.split("\n")[0], "https://shop1.example/a");

    await waitForListener(page, "scan-progress");
    const progress = {
      scan_id: 7,
      total: 4,
      done: 1,
      failed: 1,
      skipped: 0,
      queued: 1,
      running: 1,
    };
    await emit(page, "scan-progress", progress);
    const panel = page.getByRole("region", { name: "Scan progress" });
    await panel.getByText(/2 of 4 finished/).waitFor();
    await panel.getByRole("button", { name: "Cancel scan" }).click();
    await page.waitForFunction(() => window.TrawlMock.calls.some((c) => c.cmd === "cancel_scan"));
    assert.deepEqual((await callsOf(page, "cancel_scan"))[0].args, { scanId: 7 });
    await context.close();
  });
});
