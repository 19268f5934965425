// What a page's first use of Intl costs (issue 21): in a fresh page of
// headless Chromium, with the CPU throttled as page-bench.mjs throttles it,
// each expression is timed twice, its first and its second call. The first
// Intl call of a page loads the browser's locale data; the page groups
// digits with lesson.ts's grouped() instead, so that neither start-up nor a
// training run pays for it. Not a test: it prints milliseconds for
// BENCHMARKS.md.
//   node www/bench/intl-first-use.mjs [--rate 4] [--runs 3]
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/lesson-harness.mjs';
import { option } from './options.mjs';

const RATE = Number(option('--rate', '4'));
const RUNS = Number(option('--runs', '3'));

/** Each in a page of its own, so that each is that page's first use. */
const EXPRESSIONS = [
  "new Intl.NumberFormat('en')",
  "(60000).toLocaleString('en')",
  "'a'.localeCompare('b')",
  // What the page does instead, for comparison.
  "String(60000).replace(/\\B(?=(\\d{3})+$)/g, ',')",
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
try {
  console.log(`CPU throttling ${RATE}x; ms of the first and the second call in a fresh page, ${RUNS} runs`);
  for (const expression of EXPRESSIONS) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.newPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
      await page.setContent('<p>gradlab</p>');
      const timed = await page.evaluate(`(() => {
        const t0 = performance.now();
        ${expression};
        const t1 = performance.now();
        ${expression};
        return [t1 - t0, performance.now() - t1];
      })()`);
      runs.push(timed.map((ms) => ms.toFixed(1)).join(' then '));
      await page.close();
    }
    console.log(`  ${expression}: ${runs.join('; ')}`);
  }
} finally {
  await browser.close();
}
