// Measures how the 100,000-row target table scrolls in headless Chromium with the mocked IPC:
// frame intervals while the table is scrolled 10 rows every animation frame (each size twice,
// interleaved, to expose machine noise), long
// tasks, and the number of rows in the DOM. Prints figures; asserts nothing (the browser tests
// check behaviour). Usage: node browser-tests/bench-scroll.mjs [--no-build]

import { existsSync } from "node:fs";

import { gotoView, openApp } from "./harness.mjs";
import { CHROMIUM, startEnv } from "./serve.mjs";

if (!existsSync(CHROMIUM)) {
  console.log(`SKIP scroll benchmark: ${CHROMIUM} is missing.`);
  process.exit(0);
}

const FRAMES = 300;
const ROWS_PER_FRAME = 10;
const stop = await startEnv({ useDist: process.argv.includes("--no-build") });

try {
  for (const count of [1000, 100000, 1000, 100000]) {
    const { page, context } = await openApp({
      viewport: { width: 1440, height: 900 },
      before: (n) => {
        window.TrawlMock.fixtures.targetCount = n;
      },
      arg: count,
    });
    await gotoView(page, "Targets");
    await page.locator(`[data-row-id="${count}"]`).waitFor();

    const result = await page.evaluate(
      ([frames, step]) =>
        new Promise((resolve) => {
          const el = document.querySelector("[data-testid=scroller]");
          const intervals = [];
          const rowCounts = [];
          let longTasks = 0;
          new PerformanceObserver((list) => (longTasks += list.getEntries().length)).observe({
            type: "longtask",
          });
          let last = performance.now();
          let n = 0;
          let direction = 1;
          let scrolled = 0;
          const tick = (now) => {
            intervals.push(now - last);
            last = now;
            rowCounts.push(el.querySelectorAll("[role=row]").length);
            // Bounce at either end so every size scrolls for the same number of frames.
            if (el.scrollTop + el.clientHeight >= el.scrollHeight) direction = -1;
            if (el.scrollTop <= 0) direction = 1;
            el.scrollTop += direction * step * 30;
            scrolled += step;
            if (++n < frames) requestAnimationFrame(tick);
            else resolve({ intervals, rowCounts, longTasks, scrolledRows: scrolled });
          };
          requestAnimationFrame(tick);
        }),
      [FRAMES, ROWS_PER_FRAME],
    );

    const sorted = result.intervals.slice(1).sort((a, b) => a - b);
    const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    console.log(
      `${count.toLocaleString("en")} rows: ${sorted.length} frames, ` +
        `median ${pick(0.5).toFixed(1)} ms, p95 ${pick(0.95).toFixed(1)} ms, ` +
        `max ${sorted.at(-1).toFixed(1)} ms, long tasks ${result.longTasks}, ` +
        `max DOM rows ${Math.max(...result.rowCounts)}, scrolled ${Math.round(result.scrolledRows)} rows`,
    );
    await context.close();
  }
} finally {
  await stop();
}
