// The Graph view in Chromium with WebGL (sigma): the drawing renders under the node cap,
// filtering changes the drawn node count, a real mouse click on a node opens its side panel,
// expansion and exports work, and without WebGL the nodes are listed in a table.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { callsOf, gotoView, openApp, unhandled } from "../harness.mjs";

/** The drawn node count the canvas reports, once it is above zero. */
async function drawnNodes(page) {
  const canvas = page.getByTestId("graph-canvas");
  await canvas.waitFor();
  await page.waitForFunction(
    () => Number(document.querySelector("[data-testid=graph-canvas]")?.dataset.nodeCount) > 0,
  );
  return Number(await canvas.getAttribute("data-node-count"));
}

/** Locks the layout, centres the camera on the node found by `text`, clicks the centre. */
async function clickNodeFound(page, text) {
  await page.getByLabel("Lock layout").check();
  await page.getByLabel("Find a node").fill(text);
  await page.getByRole("button", { name: "Find", exact: true }).click();
  await page.waitForTimeout(600); // the camera animation lasts 300 ms
  const box = await page.getByTestId("graph-canvas").boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

describe("graph view", () => {
  test("draws the graph and filtering changes the drawn node count", async () => {
    const { page, context, errors } = await openApp();
    await gotoView(page, "Graph");
    const all = await drawnNodes(page);
    const line = page.getByTestId("node-count");
    assert.match(await line.textContent(), new RegExp(`^Showing ${all.toLocaleString("en")} of `));
    assert.ok((await page.locator(".sigma-container canvas").count()) >= 3, "sigma layers");

    await page.getByRole("group", { name: "Node kinds" }).getByLabel("target").uncheck();
    await page.waitForFunction(
      (before) =>
        Number(document.querySelector("[data-testid=graph-canvas]").dataset.nodeCount) < before,
      all,
    );
    const withoutTargets = await drawnNodes(page);
    assert.ok(withoutTargets < all, `${withoutTargets} < ${all}`);
    const query = (await callsOf(page, "graph_query")).at(-1).args;
    assert.ok(!query.kinds.includes("target") && query.kinds.includes("ip"));

    await page.getByLabel(/Collapse hubs above/).check();
    await page.waitForFunction(
      (before) =>
        Number(document.querySelector("[data-testid=graph-canvas]").dataset.nodeCount) < before,
      withoutTargets,
    );
    assert.deepEqual(await unhandled(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a click on a node opens its side panel; expansion adds its neighbourhood", async () => {
    const { page, context, errors } = await openApp({
      before: () => {
        window.TrawlMock.fixtures.graphTargets = 120;
      },
    });
    await gotoView(page, "Graph");
    await page.getByLabel("Node cap").selectOption("1000");
    await drawnNodes(page);
    // Only campaign c-3's shared values: expanding one then adds the targets that carry it.
    await page.getByRole("group", { name: "Node kinds" }).getByLabel("target").uncheck();
    await page.getByPlaceholder("campaign key").fill("c-3");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(() => {
      const n = Number(document.querySelector("[data-testid=graph-canvas]")?.dataset.nodeCount);
      return n > 0 && n < 10;
    });
    await clickNodeFound(page, "ip-c-3");

    const panel = page.getByRole("complementary", { name: "Node detail" });
    await panel.getByRole("heading", { name: "ip" }).waitFor();
    await panel.getByText("ip-c-3", { exact: true }).waitFor();
    const detail = (await callsOf(page, "graph_node_detail")).at(-1).args;
    assert.equal(typeof detail.nodeId, "number");
    assert.ok((await panel.getByRole("listitem").count()) > 0, "targets listed");

    const before = await drawnNodes(page);
    await panel.getByRole("button", { name: "Expand neighbourhood" }).click();
    await page.waitForFunction(
      (n) => Number(document.querySelector("[data-testid=graph-canvas]").dataset.nodeCount) > n,
      before,
    );
    await panel.getByRole("heading", { name: "ip" }).waitFor();
    assert.deepEqual((await callsOf(page, "graph_neighbourhood")).at(-1).args, {
      nodeId: detail.nodeId,
      depth: 1,
      nodeCap: 1000,
    });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("exports a non-blank PNG, an SVG and GEXF through the save dialog", async () => {
    const { page, context } = await openApp({
      before: () => {
        window.TrawlMock.fixtures.graphTargets = 150;
        window.TrawlMock.fixtures.savePath = "/home/analyst/exports/graph.out";
      },
    });
    await gotoView(page, "Graph");
    await drawnNodes(page);
    await page.getByLabel("Lock layout").check();
    for (const name of ["PNG", "SVG", "GEXF"]) {
      await page.getByRole("button", { name, exact: true }).click();
      await page.getByText("Saved to /home/analyst/exports/graph.out").waitFor();
    }
    const saved = await page.evaluate(() => window.TrawlMock.fixtures.exports);
    assert.deepEqual(
      saved.map((e) => e.format),
      ["out", "out", "gexf"],
    );
    const coloured = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      [c.width, c.height] = [img.width, img.height];
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - px[i + 2]) > 40) n += 1;
      return n;
    }, saved[0].dataBase64);
    assert.ok(coloured > 50, `PNG has drawn nodes (${coloured} coloured pixels)`);
    const svg = Buffer.from(saved[1].dataBase64, "base64").toString("utf8");
    assert.match(svg, /^<\?xml[^]*<svg [^]*<circle /);
    const dialogs = (await callsOf(page, "plugin:dialog|save")).length;
    assert.equal(dialogs, 3);
    await context.close();
  });

  test("without WebGL the nodes are listed in a table that opens the same panel", async () => {
    const { page, context, errors } = await openApp({
      before: () => {
        const original = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
          return /webgl/.test(type) ? null : original.call(this, type, ...rest);
        };
      },
    });
    await gotoView(page, "Graph");
    await page.getByText(/cannot be drawn here/).waitFor();
    assert.equal(await page.getByTestId("graph-canvas").count(), 0);
    const table = page.getByRole("table", { name: "Graph nodes" });
    await table.getByRole("row").nth(3).click();
    await page.getByRole("complementary", { name: "Node detail" }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});
