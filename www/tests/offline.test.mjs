// The page offline (issue 17): after one visit, with the network gone, the
// page reloads from its service worker's copy, reads a drawn digit and trains
// the softmax network for an epoch on MNIST from the same copy; no request
// reaches the network. The service worker is registered only while no
// network trains, in the draw section or a lesson (issue 21).
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, assertNoProblems, dist, open, waitForData, waitForReady } from './lesson-harness.mjs';
import { serve } from './static-server.mjs';

let server;
let context;
let profile;

/** The page opened in `browser`, its MNIST in; page errors go to `problems`.
 * `prepare(page)` runs once the page reads drawings, while MNIST may still
 * be coming. */
async function openWithData(browser, prepare = async () => {}) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(server.url);
  await waitForReady(page);
  await prepare(page);
  await waitForData(page);
  return { page, problems };
}

/** Chromium with service workers on, in a fresh browser profile of its own. */
function launch(dir) {
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    serviceWorkers: 'allow',
  });
}

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'www/dist is missing: run `npm run build` in www/ first');
  server = await serve(dist);
  profile = mkdtempSync(join(tmpdir(), 'gradlab-chromium-'));
  context = await launch(profile);
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * In a browser of its own (no service worker from another test), with MNIST
 * in: `startRun(page)` starts a run that is still training when main.ts's
 * wait after MNIST is over, and `stopRun(page)` stops it (`prepare(page)`,
 * as the page starts, does what need not wait for MNIST). No service worker
 * may be registered while it trains; once it has stopped, the page works
 * offline.
 */
async function checkRegistrationWaitsFor({ prepare, startRun, stopRun }) {
  const ownProfile = mkdtempSync(join(tmpdir(), 'gradlab-chromium-'));
  const own = await launch(ownProfile);
  try {
    const { page, problems } = await openWithData(own, prepare);
    await startRun(page);
    // The run trains before main.ts's wait after MNIST is over (a slow start would fail here, not later).
    assert.equal(await page.evaluate(() => document.documentElement.dataset.offline), undefined, 'the run started before the service worker was due');
    // main.ts's time after MNIST has passed during the run: the registration waits.
    await page.waitForFunction(() => document.documentElement.dataset.offline === 'after-run', null, { timeout: 60000 });
    assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r === undefined)), true, 'no service worker while the run trains');
    await stopRun(page);
    await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 60000 });
    assertNoProblems(problems);
  } finally {
    await own.close();
    rmSync(ownProfile, { recursive: true, force: true });
  }
}

test('the service worker is registered only once no network trains: a run started as MNIST arrives is not slowed by its precaching', async () => {
  await checkRegistrationWaitsFor({
    // A long run (300 hidden units, 50 epochs), started as MNIST is in.
    prepare: async (page) => {
      await page.getByTestId('model-mlp').check();
      await page.getByTestId('setting-hidden-units').fill('300');
      await page.getByTestId('setting-epochs').fill('50');
    },
    startRun: async (page) => {
      await page.getByTestId('train-start').click();
      await page.waitForSelector('[data-testid="status"][data-phase="running"]');
    },
    stopRun: (page) => page.getByTestId('train-pause').click(),
  });
});

test("a lesson's run (part 4) also holds the service worker back until it is paused", async () => {
  await checkRegistrationWaitsFor({
    // Part 4 built while MNIST comes, and a run of it started as MNIST is in.
    prepare: async (page) => {
      // The worker's test hook: the run waits one step before its end, still
      // training, however fast the machine is.
      await page.evaluate(() => window.__gradlab.lab.request({ type: 'hold-end-for-test', hold: true }));
      await (await open(page, 4)).getByTestId('descent-epochs').fill('1');
    },
    startRun: async (page) => {
      await page.getByTestId('descent-train').click();
      await page.waitForSelector('[data-testid="descent-status"][data-phase="running"]');
    },
    stopRun: (page) => page.getByTestId('descent-pause').click(),
  });
});

test('after one visit the page works offline: it reloads, reads a drawing and trains an epoch', async () => {
  const { page, problems } = await openWithData(context);
  // The copy is complete: the page and its code precached, MNIST kept.
  await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true' && document.documentElement.dataset.dataCached === 'true', null, {
    timeout: 60000,
  });

  await context.setOffline(true);
  const reachedNetwork = [];
  page.on('requestfailed', (request) => reachedNetwork.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (!response.fromServiceWorker() && response.url().startsWith(server.url)) reachedNetwork.push(`${response.url()} from the network`);
  });
  await page.reload();
  await waitForReady(page);

  // A drawn "1" is read.
  const canvas = page.getByTestId('draw-canvas');
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + 0.53 * box.width, box.y + 0.14 * box.height);
  await page.mouse.down();
  await page.mouse.move(box.x + 0.47 * box.width, box.y + 0.86 * box.height, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]')?.textContent === '1', null, { timeout: 10000 });

  // MNIST from the copy, and an epoch of the softmax network.
  await waitForData(page);
  await page.getByTestId('setting-epochs').fill('1');
  await page.getByTestId('train-start').click();
  await page.waitForSelector('[data-testid="status"][data-phase="finished"]', { timeout: 120000 });
  assert.match(await page.getByTestId('status').textContent(), /finished: \d+\.\d% of all test images right/);
  assert.deepEqual(reachedNetwork, [], 'offline, nothing reached the network');
  assert.deepEqual(problems, []);
  await context.setOffline(false);
  await page.close();
});
