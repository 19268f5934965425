// The page's failure paths, end to end in headless Chromium: a data file that
// fails to load, a corrupt shipped weight file, a diverging training run and
// a panic inside the WebAssembly module. Each must show a message in the
// error panel that says what happened and what to do, and the page must keep
// working afterwards: draw-a-digit still answers, and training starts again
// where it can. Screenshots of each failure go to
// tests/screenshots/failure-*.png.
//
// Run: npm test (node --test), after `npm run build` (or
// scripts/build-page.sh). Needs Chromium at /usr/bin/chromium, or set
// CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertNoProblems, openPageWith as openPage, screenshots, useBrowser, waitForData, waitForReady, www } from './lesson-harness.mjs';

useBrowser();

// ------------------------------------------------------------------ helpers --

/** A "1": one stroke down the middle of the pad (unit coordinates). */
const ONE = [
  [0.53, 0.14],
  [0.5, 0.5],
  [0.47, 0.86],
];

async function drawOne(page) {
  const canvas = page.getByTestId('draw-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(ONE[0]));
  await page.mouse.down();
  for (const point of ONE.slice(1)) await page.mouse.move(...at(point), { steps: 6 });
  await page.mouse.up();
}

/** Draw-a-digit still answers: a drawn "1" is read as 1, then the pad is cleared. */
async function drawingStillAnswers(page, why) {
  await page.getByTestId('clear-drawing').click();
  await drawOne(page);
  try {
    await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]')?.textContent === '1', null, { timeout: 5000 });
  } catch {
    const shown = await page.getByTestId('prediction').textContent();
    assert.fail(`${why}: a drawn 1 should be read as 1, the page shows "${shown}"`);
  }
  await page.getByTestId('clear-drawing').click();
}

/** The error panel's entries, newest first: { context, title, message, advice }. */
async function errorEntries(page) {
  return page.locator('[data-testid="error-panel"] li').evaluateAll((items) =>
    items.map((item) => ({
      context: item.dataset.context,
      title: item.querySelector('strong')?.textContent ?? '',
      message: item.querySelector('.error-message')?.textContent ?? '',
      advice: item.querySelector('.error-advice')?.textContent ?? '',
    })),
  );
}

/** Waits for an error of `context` in the panel and returns it. */
async function waitForError(page, context, timeout = 15000) {
  await page.waitForSelector(`[data-testid="error-panel"]:not([hidden]) li[data-context="${context}"]`, { timeout });
  const entry = (await errorEntries(page)).find((e) => e.context === context);
  console.log(`${context}: ${entry.title}\n  ${entry.message}\n  ${entry.advice}`);
  return entry;
}

/** A screenshot of the top of the page: the error panel and draw-a-digit under it. */
async function shoot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(screenshots, `failure-${name}.png`) });
}

async function iteration(page) {
  return Number(await page.getByTestId('iteration').getAttribute('data-value'));
}

/** Starts a run with the form's settings and waits until it has taken steps. */
async function trainingRuns(page) {
  await page.waitForSelector('[data-testid="train-start"]:not([disabled])', { timeout: 60000 });
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="iteration"]')?.dataset.value) > 0, null, {
    timeout: 15000,
  });
  assert.match(await page.getByTestId('reader').textContent(), /being trained/);
}

async function resetRun(page) {
  await page.getByTestId('train-reset').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="iteration"]')?.dataset.value === '0');
}

// -------------------------------------------------------------------- tests --

test('an MNIST file that fails to load names the file and what to do; drawing still works and retrying loads it', async () => {
  const file = '**/data/train-images-idx3-ubyte.gz';
  const whole = readFileSync(join(www, 'dist', 'data', 'train-images-idx3-ubyte.gz'));
  // First the server fails (HTTP 500), then the connection fails, then the
  // download is cut short (its first half, as a dropped connection leaves
  // it), then the file is served.
  let attempts = 0;
  const failing = (route) => {
    attempts += 1;
    if (attempts === 1) return route.fulfill({ status: 500, contentType: 'text/plain', body: 'internal error' });
    if (attempts === 2) return route.abort('connectionrefused');
    if (attempts === 3) return route.fulfill({ status: 200, contentType: 'application/gzip', body: whole.subarray(0, whole.length >> 1) });
    return route.continue();
  };
  const { page, problems } = await openPage({
    // The browser itself logs the failed requests; they are the point here.
    allowed: [/Failed to load resource/],
    beforeLoad: (p) => p.route(file, failing),
  });

  const error = await waitForError(page, 'data');
  assert.equal(error.title, 'MNIST did not load');
  assert.match(error.message, /HTTP 500/, 'it says what the server answered');
  assert.match(error.message, /train-images-idx3-ubyte\.gz/, 'it names the file');
  assert.match(error.advice, /Drawing still works/, 'it says what still works');
  assert.match(error.advice, /server/, 'it says to check the server');
  assert.match(error.advice, /Retry loading MNIST/, 'it says how to try again');
  assert.match(await page.getByTestId('data-status').textContent(), /MNIST did not load/);
  assert.equal(await page.getByTestId('train-start').isDisabled(), true, 'no training without MNIST');
  await shoot(page, 'data');
  await drawingStillAnswers(page, 'with MNIST missing');

  // Retrying while the server is unreachable: another message, still a retry button.
  await page.getByTestId('error-dismiss').click();
  await page.getByTestId('retry-data').click();
  const unreachable = await waitForError(page, 'data');
  assert.match(unreachable.message, /[Cc]ould not fetch .*train-images-idx3-ubyte\.gz/);
  assert.match(unreachable.message, /is the server still running/);
  await drawingStillAnswers(page, 'with the server unreachable');

  // Cut short: the unpacking names the file and says what is wrong with it.
  await page.getByTestId('error-dismiss').click();
  await page.getByTestId('retry-data').click();
  const cutShort = await waitForError(page, 'data');
  assert.match(cutShort.message, /[Tt]rain-images-idx3-ubyte: not a valid gzip stream .*cut short/);
  await drawingStillAnswers(page, 'after a download cut short');

  // The file is back: retrying loads MNIST and training works.
  await page.getByTestId('error-dismiss').click();
  await page.getByTestId('retry-data').click();
  await waitForData(page);
  assert.equal(attempts, 4);
  await trainingRuns(page);
  await resetRun(page);
  await drawingStillAnswers(page, 'after MNIST loaded on retry');
  assert.equal(await page.getByTestId('error-panel').isHidden(), true, 'no new error after the retry');
  assertNoProblems(problems);
  await page.unroute(file, failing);
  await page.close();
});

test('a corrupt shipped weight file is named, the other network reads drawings, and reloading fetches it again', async () => {
  const file = '**/models/softmax.safetensors';
  const good = readFileSync(join(www, 'public', 'models', 'softmax.safetensors'));
  // Cut off in the middle of the weights, as an interrupted download would be.
  const truncated = good.subarray(0, Math.floor(good.length / 2));
  let corrupt = true;
  const serveCorrupt = (route) =>
    corrupt ? route.fulfill({ status: 200, contentType: 'application/octet-stream', body: truncated }) : route.continue();
  const { page, problems } = await openPage({ beforeLoad: (p) => p.route(file, serveCorrupt) });

  const error = await waitForError(page, 'models');
  assert.equal(error.title, 'A shipped network did not load');
  assert.match(error.message, /softmax/, 'it says which network');
  assert.match(error.message, /softmax\.safetensors/, 'it names the file');
  assert.match(error.advice, /other network still reads drawings/, 'it says what still works');
  assert.match(error.advice, /[Rr]eload the page/, 'it says what to do');
  // The softmax network cannot be chosen; the one-hidden-layer network reads instead.
  assert.equal(await page.getByTestId('model-softmax').isDisabled(), true, 'the broken network cannot be chosen');
  assert.equal(await page.getByTestId('model-mlp').isChecked(), true, 'the network that loaded is chosen');
  assert.match(await page.getByTestId('reader').textContent(), /shipped one-hidden-layer network/);
  await shoot(page, 'model');
  await drawingStillAnswers(page, 'with the softmax network broken');

  // Reloading, as advised, once the good file is served: both networks read again.
  corrupt = false;
  await page.reload();
  await waitForReady(page);
  assert.equal(await page.getByTestId('error-panel').isHidden(), true, 'no error after reloading');
  assert.equal(await page.getByTestId('model-softmax').isDisabled(), false);
  await page.getByTestId('model-softmax').check();
  await page.waitForFunction(() => /shipped softmax/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''));
  await drawingStillAnswers(page, 'with the softmax network reloaded');
  assertNoProblems(problems);
  await page.unroute(file, serveCorrupt);
  await page.close();
});

test('a diverging run says so and suggests a lower learning rate; the default rate then trains and drawing still works', async () => {
  const { page, problems } = await openPage();
  await waitForData(page);
  const defaultRate = await page.getByTestId('setting-learning-rate').inputValue();
  await page.getByTestId('setting-learning-rate').fill('1e6');
  await page.getByTestId('train-start').click();

  const error = await waitForError(page, 'training', 20000);
  assert.equal(error.title, 'Training stopped');
  assert.match(error.message, /diverged/, 'it says the run diverged');
  assert.match(error.message, /lower the learning rate/, 'it suggests a lower learning rate');
  assert.match(error.advice, /Drawings are read by the shipped network again/, 'it says what still works');
  await page.waitForFunction(() => /shipped softmax/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''));
  assert.equal(await iteration(page), 0, 'the diverged run is gone');
  await shoot(page, 'diverged');
  await drawingStillAnswers(page, 'after the run diverged');

  // The default learning rate trains.
  await page.getByTestId('error-dismiss').click();
  await page.getByTestId('setting-learning-rate').fill(defaultRate);
  await trainingRuns(page);
  await resetRun(page);
  await drawingStillAnswers(page, 'after training with the default rate');
  assert.equal(await page.getByTestId('error-panel').isHidden(), true, 'no new error with the default rate');
  assertNoProblems(problems);
  await page.close();
});

test('a panic inside the WebAssembly module is shown with its message, the worker restarts, and drawing and training work again', async () => {
  const message = 'a panic on purpose from the failure-path test';
  const { page, problems } = await openPage({
    // console_error_panic_hook logs the panic in the worker before the trap.
    allowed: [new RegExp(message)],
  });
  await waitForData(page);
  assert.equal(await page.evaluate(() => typeof window.__gradlab?.lab?.request), 'function', 'the test hook is there');

  // A run in progress when the module traps.
  await page.getByTestId('setting-epochs').fill('20');
  await trainingRuns(page);
  const rejected = await page.evaluate(
    (text) =>
      window.__gradlab.lab.request({ type: 'panic-for-test', message: text }).then(
        () => 'resolved',
        (error) => `rejected: ${error.message}`,
      ),
    message,
  );
  assert.match(rejected, new RegExp(`^rejected: the WebAssembly module crashed: ${message}`), 'the request fails with the panic');

  const error = await waitForError(page, 'worker');
  assert.equal(error.title, 'The worker crashed and was restarted');
  assert.match(error.message, /WebAssembly module crashed/, 'it says the module crashed');
  assert.match(error.message, new RegExp(message), "it gives the panic's message");
  assert.match(error.message, /\(at src\/web\.rs:\d+:\d+\)/, 'and where it panicked');
  assert.match(error.advice, /training run in progress was lost/, 'it says what was lost');
  assert.match(error.advice, /reload the page/, 'it says what to do if it happens again');
  const entries = await errorEntries(page);
  assert.equal(entries.length, 1, `one error for one panic: ${JSON.stringify(entries)}`);

  // A fresh worker: ready again, the run gone, MNIST loaded again.
  await waitForReady(page);
  await page.waitForFunction(() => /shipped softmax/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''));
  assert.equal(await iteration(page), 0, 'the lost run is gone');
  await shoot(page, 'panic');
  await drawingStillAnswers(page, 'after the worker restarted');
  await waitForData(page);
  await page.getByTestId('setting-epochs').fill('2');
  await trainingRuns(page);
  await resetRun(page);
  await drawingStillAnswers(page, 'after training in the restarted worker');
  assert.equal((await errorEntries(page)).length, 1, 'no new error after the restart');
  assertNoProblems(problems);
  await page.close();
});
