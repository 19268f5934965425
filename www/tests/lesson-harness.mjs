// What the page's tests share: the page served from www/dist on a loopback
// port, Debian's Chromium, a page opened with every console error and page
// error collected, and checks that a figure drew something. Not a test file
// itself.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

export const www = join(dirname(fileURLToPath(import.meta.url)), '..');
export const dist = join(www, 'dist');
export const screenshots = join(www, 'tests', 'screenshots');

// Debian's Chromium on a closed network: without the background-networking
// flags its connections are refused many at a time.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server;
let context;
let profile;

/** Registers hooks that serve www/dist and launch Chromium around a file's tests. */
export function useBrowser() {
before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'www/dist is missing: run `npm run build` in www/ first');
  mkdirSync(screenshots, { recursive: true });
  server = await serve(dist);
  profile = mkdtempSync(join(tmpdir(), 'gradlab-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    // The offline copy (a service worker) would answer requests the tests
    // route or fail on purpose: only tests/offline.test.mjs allows it.
    serviceWorkers: 'block',
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});
}

// ------------------------------------------------------------------ helpers --

/**
 * Opens the page and records every console error, page error and Observable
 * Plot warning in `problems`. `search` and `hash` go after the page's
 * address; `allowed` lists patterns of console errors a test provokes on
 * purpose; `beforeLoad(page)` runs before the page loads (to set up routes);
 * `data` also waits for MNIST to load.
 */
export async function openPageWith({ search = '', hash = '', viewport = null, allowed = [], beforeLoad, data = false } = {}) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const problems = [];
  const onConsole = (where) => (message) => {
    const text = message.text();
    if (message.type() === 'error' && !allowed.some((pattern) => pattern.test(text))) problems.push(`${where} console error: ${text}`);
    // Observable Plot warns (and draws a ⚠ on the chart) about data it misreads.
    if (message.type() === 'warning' && text.startsWith('Warning:')) problems.push(`${where} chart warning: ${text}`);
  };
  page.on('console', onConsole('page'));
  page.on('worker', (worker) => worker.on('console', onConsole('worker')));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  if (beforeLoad) await beforeLoad(page);
  await page.goto(server.url + search + hash);
  await waitForReady(page);
  if (data) await waitForData(page);
  return { page, problems };
}

/**
 * Options for `openPageWith` under which the files matching `glob` answer
 * HTTP 404; the browser's own console error for them is expected.
 */
export function missing(glob) {
  return {
    allowed: [/Failed to load resource: the server responded with a status of 404/],
    beforeLoad: (page) => page.route(glob, (route) => route.fulfill({ status: 404, body: 'gone' })),
  };
}

/** The page at `hash`, once it reads drawings and MNIST has loaded: what the lesson tests need. */
export async function openPage(hash = '', viewport = null) {
  return openPageWith({ hash, viewport, data: true });
}

/** Waits until the page reads drawings (the module and the shipped networks loaded). */
export async function waitForReady(page) {
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 15000 });
}

/** Waits until MNIST has loaded in the worker. */
export async function waitForData(page) {
  await page.waitForSelector('[data-testid="data-status"][data-state="ready"]', { timeout: 60000 });
}

export function assertNoProblems(problems) {
  assert.deepEqual(problems, [], `the page logged errors:\n${problems.join('\n')}`);
}

export function chapter(page, n) {
  return page.getByTestId(`chapter-${n}`);
}

/** Scrolls chapter `n` into view (which builds it and starts its figures).
 * Chapters are built as they come near (www/src/main.ts), and those above
 * grow as their figures arrive, which can push this one down again: it
 * scrolls until the chapter is built and still in view a frame later, so
 * that the chapter has seen itself in view (a lesson starts its figures
 * then; shared/lesson.ts's whenVisible). */
export async function open(page, n) {
  const section = chapter(page, n);
  for (let attempt = 1; ; attempt++) {
    await section.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => (document.documentElement.dataset.building ?? '0') === '0', null, { timeout: 15000 });
    await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.mounted === 'true', `chapter-${n}`, { timeout: 10000 });
    const stayed = await section.evaluate(
      (s) =>
        new Promise((resolve) => {
          const inView = () => {
            const box = s.getBoundingClientRect();
            return box.top < window.innerHeight && box.bottom > 0;
          };
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(inView())));
        }),
    );
    if (stayed) return section;
    assert.ok(attempt < 20, `chapter ${n} does not stay in view: the page keeps moving it`);
  }
}

/** Builds and shows every chapter, as a reader scrolling through would,
 * and waits for the figures the last chapters load once seen
 * (www/bench's mem-probe.mjs; page-bench.mjs does the same in its bare
 * browser). */
export async function showEveryChapter(page) {
  for (let n = 1; n <= 10; n++) {
    await page.getByTestId(`chapter-${n}`).scrollIntoViewIfNeeded();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.mounted === 'true', `chapter-${n}`, { timeout: 120000 });
  }
  await page.waitForFunction(() => document.querySelector('[data-testid="features-load-status"]')?.dataset.state === 'ready', null, { timeout: 120000 });
}

/** Draws a "1" on the draw section's pad with the mouse: one stroke down
 * the middle, as the page tests and benchmarks write a digit. */
export async function drawOne(page) {
  const canvas = page.getByTestId('draw-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + 0.53 * box.width, box.y + 0.14 * box.height);
  await page.mouse.down();
  await page.mouse.move(box.x + 0.47 * box.width, box.y + 0.86 * box.height, { steps: 8 });
  await page.mouse.up();
}

/** Distinct colours among a canvas's pixels (1 for a blank canvas). */
export async function canvasColours(locator) {
  return locator.evaluate((canvas) => {
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  });
}

/** Distinct colours in each `side`-pixel tile of the canvases under
 * `locator`, tiles `gap` pixels apart, row by row and canvas after canvas:
 * how the pages that draw many images into one canvas are checked. */
export async function tileColours(locator, side, gap = 0) {
  return locator.evaluateAll(
    (canvases, [side, gap]) =>
      canvases.flatMap((canvas) => {
        const columns = Math.floor((canvas.width + gap) / (side + gap));
        const rows = Math.floor((canvas.height + gap) / (side + gap));
        const context = canvas.getContext('2d');
        return Array.from({ length: rows * columns }, (_, tile) => {
          const x = (tile % columns) * (side + gap);
          const y = Math.floor(tile / columns) * (side + gap);
          const data = context.getImageData(x, y, side, side).data;
          const seen = new Set();
          for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          return seen.size;
        });
      }),
    [side, gap],
  );
}

/** The text under `locator`, its white space collapsed. Not Playwright's
 * `innerText()`: chapters are `content-visibility: auto`, and Chromium gives
 * an empty innerText for a chapter that has left the viewport (a chapter
 * above can grow as its figures arrive and push it out; CI saw chapter 8's
 * "No mistakes" read as ''). The text is there whether or not it is painted. */
export async function textOf(locator) {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Marks drawn in the SVG charts under `locator`: paths, rects, circles, images. */
export async function svgMarks(locator) {
  return locator.evaluate((root) => {
    let n = 0;
    for (const svg of root.querySelectorAll('svg')) {
      for (const mark of svg.querySelectorAll('path, rect, circle, image, line')) {
        const d = mark.getAttribute('d');
        if (mark.tagName === 'path' && (!d || d.length < 4)) continue;
        n += 1;
      }
    }
    return n;
  });
}

export async function shoot(section, n, suffix = '') {
  await section.screenshot({ path: join(screenshots, `chapter-${n}${suffix}.png`) });
}

/**
 * Clicks figure `name`'s Save PNG button and checks what downloads: a PNG
 * with content called gradlab-<name>.png. A save takes well under a second
 * (at most 0.3 s in 237 saves of every figure the page had built, with two
 * busy loops beside the browser on a 2-core machine); the bound is only how
 * long a failure takes to show. A failure says whether Playwright had clicked
 * (it waits for the button to be still and uncovered), and then whether the
 * page was still saving, showed an error, or had done neither.
 */
export async function savesPng(page, name) {
  const button = page.locator(`button[data-save="${name}"]`);
  await button.scrollIntoViewIfNeeded();
  let download;
  let clicked = false;
  try {
    [download] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), button.click().then(() => (clicked = true))]);
  } catch (error) {
    const panel = page.getByTestId('error-panel');
    const state = !clicked
      ? 'Playwright had not yet clicked the button'
      : (await button.isDisabled())
        ? 'the page is still saving it'
        : (await panel.isVisible())
          ? `the page shows: ${(await panel.innerText()).replace(/\s+/g, ' ')}`
          : 'the page is not saving it and shows no error';
    throw new Error(`${name}: no PNG came (${error.message.split('\n')[0]}); ${state}`);
  }
  assert.equal(download.suggestedFilename(), `gradlab-${name}.png`);
  const bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${name}: a PNG file`);
  assert.ok(bytes.length > 2000, `${name}: the PNG has content (${bytes.length} bytes)`);
}


/**
 * The `gradlab` binary the page tests run (issue 15's tests open its output
 * in the page): `$GRADLAB_BIN`, else the one `cargo test` built in the
 * repository's target folder. scripts/test.sh sets GRADLAB_BIN.
 */
export function gradlabBinary() {
  const repo = join(www, '..');
  const candidates = [
    process.env.GRADLAB_BIN,
    join(process.env.CARGO_TARGET_DIR ?? join(repo, 'target'), 'debug', 'gradlab'),
    join(process.env.CARGO_TARGET_DIR ?? join(repo, 'target'), 'release', 'gradlab'),
  ].filter(Boolean);
  const found = candidates.find((path) => existsSync(path));
  assert.ok(found, `no gradlab binary at ${candidates.join(' or ')}: run cargo build (or set GRADLAB_BIN)`);
  return found;
}

/** idb-keyval's store in IndexedDB, where the page keeps the learner's runs
 * and faces: `key`'s value (undefined if none), or, with no key, cleared. */
function keyvalStore(page, key) {
  return page.evaluate(
    (key) =>
      new Promise((resolve, reject) => {
        const opening = indexedDB.open('keyval-store');
        opening.onupgradeneeded = () => opening.result.createObjectStore('keyval');
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
          const db = opening.result;
          const store = db.transaction('keyval', key === null ? 'readwrite' : 'readonly').objectStore('keyval');
          const asked = key === null ? store.clear() : store.get(key);
          asked.onsuccess = () => {
            db.close();
            resolve(asked.result);
          };
          asked.onerror = () => reject(asked.error);
        };
      }),
    key,
  );
}

/** Forgets every run (and face) the page keeps in this browser profile, for
 * a test that must start with none. */
export async function forgetKeptRuns(page) {
  await keyvalStore(page, null);
}

/** What the page keeps under `key` in this browser profile, as its next
 * visit would find it. */
export function keptValue(page, key) {
  return keyvalStore(page, key);
}
