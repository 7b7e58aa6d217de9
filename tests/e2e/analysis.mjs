// The analysis views in the end-to-end test of the desktop app: the Campaigns view lists the
// campaigns the scan formed and each expected group's members sit together in one of them (read
// from each campaign's page, as an analyst sees it); the Graph view draws the graph (or lists
// its nodes when the webview has no WebGL) and a click on a node opens its side panel.

import assert from "node:assert/strict";

import { until } from "./webdriver.mjs";

const LIST = 'table[aria-label="Campaigns"]';
const PANEL = 'aside[aria-label="Node detail"]';

/** Key and size of every campaign on the list's first page. */
function listedCampaigns(app) {
  return app.run(
    `return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'), (tr) => ({
      key: tr.cells[0].textContent.trim(),
      size: Number(tr.cells[1].textContent.replace(/[^0-9]/g, '')),
    }));`,
    [LIST],
  );
}

/** Opens the page of the `index`th listed campaign; resolves to its members' URLs. */
async function openCampaign(app, index, campaign) {
  await app.click(`${LIST} tbody tr:nth-child(${index + 1}) td:first-child button`);
  await until(`the page of campaign ${campaign.key}`, 30_000, async () => {
    const title = await app.text("#campaign-title");
    return title?.includes(campaign.key) && (await app.has(".member-card"));
  });
  const urls = await app.run(
    `return Array.from(document.querySelectorAll('.member-card .mono'), (el) => el.textContent);`,
  );
  if (urls.length < campaign.size) {
    // The grid renders the rows in view; the rest come from the same command the page calls.
    const detail = await app.ok("campaign_detail", { key: campaign.key });
    return detail.members.map((m) => m.url);
  }
  return urls;
}

/** Back from a campaign's page to the list. */
async function backToList(app) {
  await app.click(".analysis-toolbar > button.link-button"); // "← Campaigns"
  await until("the campaign list", 30_000, () => app.has(`${LIST} tbody tr`));
}

/** Every expected group in one campaign of its own; screenshots of the list and a page. */
export async function checkCampaigns({ app, openView, shot, log }, groups) {
  await openView("campaigns", `${LIST} tbody tr`);
  await shot("campaigns");
  const listed = await listedCampaigns(app);
  log(`campaigns view lists ${listed.length}: ${listed.map((c) => c.size).join(", ")} members`);

  const members = [];
  for (const [i, campaign] of listed.entries()) {
    const urls = await openCampaign(app, i, campaign);
    assert.equal(urls.length, campaign.size, `campaign ${campaign.key}: ${urls}`);
    members.push({ ...campaign, index: i, urls });
    await backToList(app);
  }

  const holders = new Map();
  for (const group of groups) {
    const holder = members.find((c) => group.urls.every((u) => c.urls.includes(u)));
    assert.ok(holder, `${group.name} is not one campaign: ${JSON.stringify(group.urls)}`);
    const other = holders.get(holder.key);
    assert.equal(other, undefined, `${group.name} and ${other} share campaign ${holder.key}`);
    holders.set(holder.key, group.name);
    const extra = holder.urls.filter((u) => !group.urls.includes(u));
    log(
      `${group.name}: campaign ${holder.key}, ${holder.size} members` +
        (extra.length ? ` (also ${extra.join(", ")})` : ""),
    );
  }

  // The page of the biggest expected group, once its members' screenshots have loaded.
  const biggest = groups.reduce((a, b) => (b.urls.length > a.urls.length ? b : a));
  const page = members.find((c) => biggest.urls.every((u) => c.urls.includes(u)));
  await openCampaign(app, page.index, page);
  await until("the members' screenshots", 30_000, () =>
    app.run(`const imgs = Array.from(document.querySelectorAll('.member-card img'));
      return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);`),
  );
  await shot("campaign");
}

/** The drawing (or the node table without WebGL), and a node click opening the side panel. */
export async function checkGraph({ app, openView, shot, log }) {
  await openView("graph", '[data-testid="node-count"]');
  const count = await until("the graph's nodes", 60_000, async () => {
    const text = await app.text('[data-testid="node-count"]');
    const m = text?.match(/^Showing ([\d,]+) of ([\d,]+) nodes/);
    return m && Number(m[1].replace(/,/g, "")) > 0 ? text : null;
  });
  log(`graph: ${count}`);

  let clicked = null;
  const drawn = await until("the drawing or the node table", 30_000, () =>
    app.run(`if (document.querySelector('[data-testid="graph-canvas"] canvas')) return 'canvas';
      if (document.querySelector('[aria-label="Graph nodes"]')) return 'table';
      return null;`),
  );
  if (drawn === "canvas") {
    const nodes = Number(
      await app.run(
        `return document.querySelector('[data-testid="graph-canvas"]').dataset.nodeCount`,
      ),
    );
    assert.ok(nodes > 0, "the drawing has nodes");
    log(`graph drawn with WebGL: ${nodes} nodes`);
    await new Promise((r) => setTimeout(r, 2000)); // the layout starts once the canvas is up
    await until("the layout to settle", 120_000, async () => {
      const buttons = await app.run(
        `return Array.from(document.querySelectorAll('.graph-view button'), (b) => b.textContent)`,
      );
      return buttons.includes("Run layout");
    });
    await shot("graph");
    clicked = await clickDrawnNode(app, log);
  } else {
    const note = await app.text('.graph-view [role="note"]');
    log(`graph shown as the node table (${note})`);
    await app.click('[aria-label="Graph nodes"] .node-scroller [role="row"]');
  }
  const heading = await until("the node's side panel", 15_000, () => app.text(`${PANEL} h4`));
  log(`node panel open: ${await app.text(`${PANEL} .node-value`)} · ${heading}`);
  assert.match(heading, /^Targets \(\d+\)$/);
  if (clicked) {
    // The panel is the clicked node's: a target node lists its own target.
    const listed = await app.text(`${PANEL} .node-targets`);
    assert.ok(listed?.includes(clicked.label.replace(/…$/, "")), `panel lists ${listed}`);
    // It names the target by its URL (the stored value is only its id).
    const value = await app.text(`${PANEL} .node-value`);
    assert.ok(value?.includes(clicked.label.replace(/…$/, "")), `panel value ${value}`);
  }
  await shot(drawn === "canvas" ? "graph-node" : "graph");
}

/** Centres the drawing on a well-linked target node through Find, clicks it; returns it. */
async function clickDrawnNode(app, log) {
  const slice = await app.ok("graph_query", {
    kinds: null,
    campaign: null,
    since: null,
    until: null,
    nodeCap: 5000,
  });
  const targets = slice.nodes.filter((n) => n.kind === "target" && n.campaign);
  assert.ok(targets.length > 0, "the graph has target nodes in campaigns");
  const node = targets.reduce((a, b) => (b.degree > a.degree ? b : a));
  await app.type('input[aria-label="Find a node"]', node.label);
  await app.click(".graph-view form.inline-form button[type=submit]");
  // The camera moves to the node in a short animation, slower on a busy machine: click again
  // until the panel opens.
  for (let attempt = 1; attempt <= 4; attempt++) {
    await new Promise((r) => setTimeout(r, 1500));
    await app.click('[data-testid="graph-canvas"]');
    const opened = await until("the panel", 5_000, () => app.has(PANEL)).catch(() => false);
    log(`clicked the centre of the drawing, on ${node.label} (try ${attempt})`);
    if (opened) return node;
  }
  return node;
}
