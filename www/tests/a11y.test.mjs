// The page for everyone (issue 17): axe-core finds no WCAG 2.1 A or AA
// violation with every chapter built and its figures drawn, and a digit can
// be drawn and read with the keyboard alone, the reading announced to a
// screen reader (an aria-live region).
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { assertNoProblems, open, openPage, useBrowser } from './lesson-harness.mjs';

useBrowser();

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** What each chapter shows once its figure is in (the same states chapters.test waits for). */
const DRAWN = {
  1: '[data-testid="data-counts-table"][data-total="70000"]',
  2: '[data-testid="network-verdict"][data-predicted]',
  3: '[data-testid="gradient-table"] tbody tr',
  4: '[data-testid="chapter-4"] .curve-pair[data-source="recorded"]:not([data-points="0"])',
  5: '[data-testid="chapter-5"] .curve-pair[data-source="recorded"]:not([data-points="0"])',
  6: '[data-testid="surface-summary"][data-momentum]',
  7: '[data-testid="backprop-units"] svg',
  8: '[data-testid="chapter-8"] .face-gallery[data-count]',
  9: '[data-testid="hidden-people"][data-count]',
  10: '[data-testid="features-load-status"][data-state="ready"]',
};

test('axe-core finds no WCAG 2.1 AA violation on any chapter', async () => {
  const { page, problems } = await openPage();
  for (let n = 1; n <= 10; n++) {
    await open(page, n);
    if (DRAWN[n]) await page.waitForSelector(DRAWN[n], { state: 'attached', timeout: 30000 });
  }
  await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const found = results.violations.map(
    (v) => `${v.id} (${v.impact}) on ${v.nodes.length}: ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1] ?? ''}`).join('\n    ')}`,
  );
  console.log(`axe-core ${results.testEngine.version}: ${results.passes.length} rules passed, ${results.violations.length} violated`);
  assert.deepEqual(found, [], `WCAG 2.1 AA violations:\n${found.join('\n')}`);
  assertNoProblems(problems);
  await page.close();
});

test('a digit drawn with the keyboard alone is read, and the reading is announced', async () => {
  const { page, problems } = await openPage();
  // Tab to the drawing pad, as a keyboard user would.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.dataset?.testid === 'draw-canvas')) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'draw-canvas', 'the drawing pad takes the focus');
  assert.equal(await page.getByTestId('pen-cursor').isVisible(), true, 'the pen shows where it is');
  // The pen starts in the middle: up 5 steps, down, 10 steps down, up: a "1".
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Space');
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]')?.textContent === '1', null, { timeout: 5000 });
  await page.waitForFunction(() => /^The network reads 1, \d+(\.\d)?% sure\.$/.test(document.querySelector('[data-testid="reading-announcement"]')?.textContent ?? ''));
  assert.equal(await page.getByTestId('reading-announcement').getAttribute('aria-live'), 'polite');
  assertNoProblems(problems);
  await page.close();
});
