// A learner's own runs in the page (issue 15), end to end with the real
// binary: `gradlab` trains small runs here (a 2,000-image digits network, a
// three-person faces network), the page opens what it wrote (through the
// folder picker, by drag-and-drop, and as ?run=PATH), and its numbers must
// be the binary's: the report's test accuracy, the confusion matrix, the
// digit read from given test images. Then the page saves what it trained and
// the binary reads it back with the same numbers. Every bad file is a named
// message, after which the page still reads drawings and trains.
//
// Run: npm test (node --test), after `npm run build` and a `cargo build`
// (the binary: $GRADLAB_BIN, else target/debug/gradlab). Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertNoProblems, chapter, drawOne, forgetKeptRuns, gradlabBinary, open, openPageWith, useBrowser, waitForData } from './lesson-harness.mjs';

useBrowser();

let work;
let gradlab;
/** What the binary printed for the runs the tests open. */
const runs = {};

/** Runs the binary with `args` and returns its --json object. */
function json(args) {
  return JSON.parse(execFileSync(gradlab, [...args, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }));
}

before(() => {
  gradlab = gradlabBinary();
  work = mkdtempSync(join(tmpdir(), 'gradlab-own-runs-'));
  // A small digits network: one hidden layer of 16, one epoch on 2,000 images.
  runs.digits = json(['mnist', 'train', '--model', 'mlp', '--hidden', '16', '--train-limit', '2000', '--epochs', '1', '--out', join(work, 'mine')]);
  runs.digitsEval = json(['mnist', 'eval', '--model', join(work, 'mine', 'model.safetensors'), '--show', '20']);
  // Three ORL people, trained a little.
  json(['faces', 'prepare', '--people', 's1,s2,s3', '--out', join(work, 'faces')]);
  runs.faces = json(['faces', 'train', '--data', join(work, 'faces'), '--epochs', '60']);
  // A network of two of those people, to open beside faces of three.
  json(['faces', 'prepare', '--people', 's1,s2', '--out', join(work, 'two')]);
  json(['faces', 'train', '--data', join(work, 'two'), '--epochs', '5']);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const percent = (x) => `${(100 * x).toFixed(1)}%`;

/** Opens the page with no kept runs (`search` after its address); with
 * `data`, once MNIST is in. */
async function freshPage(search = '', { data = false, ...options } = {}) {
  const opened = await openPageWith({ search, ...options });
  await forgetKeptRuns(opened.page);
  await opened.page.reload();
  await opened.page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  if (data) await waitForData(opened.page);
  return opened;
}

/** Waits until the runs panel says what happened; returns its text. */
async function runStatus(page, state) {
  await page.waitForSelector(`[data-testid="own-runs-status"][data-state="${state}"]`, { timeout: 20000 });
  return page.getByTestId('own-runs-status').textContent();
}

/** Drops `files` ({ path on disk, name }) on the page as a drag and drop would. */
async function drop(page, files) {
  const payload = files.map(({ path, name }) => ({ name: name ?? basename(path), base64: readFileSync(path).toString('base64') }));
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const { name, base64 } of list) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], name));
    }
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, payload);
}

/** The digit the page's worker reads from test image `index` with the learner's network. */
async function pageReads(page, index) {
  return page.evaluate((i) => window.__gradlab.lab.request({ type: 'forward', split: 'test', index: i, model: 'opened' }).then((r) => r.predicted), index);
}

/** A drawn "1" is still read, and training still takes a step. */
async function pageStillWorks(page, why) {
  await drawOne(page);
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]')?.textContent !== '', null, { timeout: 5000 }).catch(() => {
    assert.fail(`${why}: a drawing is no longer read`);
  });
  await page.getByTestId('clear-drawing').click();
  await waitForData(page);
  await page.getByTestId('step-count').fill('1');
  await page.getByTestId('train-step').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="iteration"]')?.dataset.value) === 1, null, { timeout: 10000 });
  await page.getByTestId('train-reset').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="iteration"]')?.dataset.value === '0');
}

test('a digits run from the binary opens through the folder picker, reads as the binary does, is kept, and is forgotten', async () => {
  const { page, problems } = await freshPage('', { data: true });
  await page.getByTestId('open-run-folder-input').setInputFiles(join(work, 'mine'));
  const said = await runStatus(page, 'opened');
  assert.match(said, /Opened mine/);
  // The report's figure, as `gradlab mnist train --json` printed it.
  assert.ok(said.includes(percent(runs.digits.test_accuracy)), `${said} gives ${percent(runs.digits.test_accuracy)}`);

  // Draw a digit reads with it.
  await page.waitForFunction(() => /your run mine/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''));
  assert.equal(await page.getByTestId('model-mlp').isChecked(), true, 'the run is a one-hidden-layer network');

  // The page reads given test images exactly as the binary does.
  const read = [];
  for (let i = 0; i < runs.digitsEval.predictions.length; i++) read.push(await pageReads(page, i));
  assert.deepEqual(read, runs.digitsEval.predictions, 'the digits read from the first 20 test images');

  // Chapter 4 shows its curve and weights.
  await open(page, 4);
  await page.waitForSelector('[data-testid="descent-source"][data-source="opened"]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="chapter-4"] .curve-pair')?.dataset.points) === n, runs.digits.curve.length);
  await page.waitForSelector('[data-testid="chapter-4"] [data-testid="descent-weight-images"][data-count="10"]', { state: 'attached' });

  // Kept on reload; forgotten on request.
  await page.reload();
  await page.waitForFunction(() => /your run mine/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''), null, { timeout: 15000 });
  assert.equal(await page.getByTestId('own-run').count(), 1);
  await page.getByTestId('forget-run').click();
  await page.waitForFunction(() => /shipped/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''));
  await page.waitForFunction(() => document.querySelector('[data-testid="own-runs"]')?.dataset.kept === '0');
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  assert.equal(await page.getByTestId('own-run').count(), 0, 'nothing kept after forgetting');
  assertNoProblems(problems);
  await page.close();
});

test('a faces run from the binary opens by drag and drop: its people, numbers and confusion matrix, then retrained and saved for the binary', async () => {
  const { page, problems } = await freshPage();
  const folder = join(work, 'faces');
  await drop(
    page,
    ['faces.safetensors', 'faces.json', 'model.safetensors', 'training.json', 'gallery.png'].map((name) => ({ path: join(folder, name) })),
  );
  const said = await runStatus(page, 'opened');
  assert.match(said, /Passed over: gallery\.png/);

  const section = await open(page, 8);
  await page.waitForSelector('[data-testid="faces-source"][data-source="opened"]');
  // Three people of ten faces each.
  await page.waitForFunction(() => document.querySelector('[data-testid="chapter-8"] .face-gallery')?.dataset.count === '30');
  assert.equal(await section.locator('.face-row').count(), 3);
  const accuracy = await section.getByTestId('faces-accuracy').textContent();
  assert.ok(accuracy.includes(`Test accuracy ${percent(runs.faces.test_accuracy)}`), `${accuracy} gives ${percent(runs.faces.test_accuracy)}`);
  const confusion = await section.locator('[data-testid="faces-confusion-table"] tbody tr').evaluateAll((rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((cell) => Number(cell.textContent))),
  );
  assert.deepEqual(confusion, runs.faces.confusion, 'the confusion matrix of gradlab faces train');

  // Retrain on those faces, save, and let the binary measure what was saved.
  await section.getByTestId('faces-epochs').fill('40');
  await section.getByTestId('faces-train').click();
  await page.waitForSelector('[data-testid="faces-status"][data-phase="finished"]', { timeout: 30000 });
  const retrained = await section.getByTestId('faces-accuracy').textContent();
  const saved = join(work, 'saved-faces');
  mkdirSync(saved);
  copyFileSync(join(folder, 'faces.safetensors'), join(saved, 'faces.safetensors'));
  for (const testid of ['faces-save-model', 'faces-save-training']) {
    const [download] = await Promise.all([page.waitForEvent('download'), section.getByTestId(testid).click()]);
    await download.saveAs(join(saved, download.suggestedFilename()));
  }
  const measured = json(['faces', 'eval', '--data', saved]);
  assert.ok(retrained.includes(`Test accuracy ${percent(measured.test_accuracy)}`), `${retrained} against the binary's ${percent(measured.test_accuracy)}`);
  const summary = JSON.parse(readFileSync(join(saved, 'training.json'), 'utf8'));
  assert.deepEqual(summary.confusion, measured.confusion, 'training.json saved by the page has the binary confusion matrix');
  assert.equal(summary.format, 'gradlab-faces-training');

  // Back to the shipped faces.
  await section.getByTestId('faces-source-back').click();
  await page.waitForSelector('[data-testid="faces-source"][data-source="shipped"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="chapter-8"] .face-gallery')?.dataset.count === '60');
  assertNoProblems(problems);
  await page.close();
});

test('a network trained in the page saves as the binary writes it, and the binary measures the same accuracy', async () => {
  const { page, problems } = await freshPage('', { data: true });
  await page.getByTestId('setting-epochs').fill('1');
  await page.getByTestId('train-start').click();
  await page.waitForSelector('[data-testid="status"][data-phase="finished"]', { timeout: 60000 });
  const status = await page.getByTestId('status').textContent();
  const shown = Number(/finished: ([\d.]+)% of all test images right/.exec(status)?.[1]);
  const saved = join(work, 'saved-digits');
  mkdirSync(saved);
  for (const testid of ['save-model', 'save-report']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
    await download.saveAs(join(saved, download.suggestedFilename()));
  }
  const measured = json(['mnist', 'eval', '--model', join(saved, 'model.safetensors')]);
  // The page computes in WebAssembly with fused multiply-adds and the binary
  // natively: a borderline image may round to the other digit, so the two
  // may differ by an image or two of 10,000 (0.02%), never by more.
  assert.ok(Math.abs(100 * measured.test_accuracy - shown) <= 0.05 + 0.02, `the page says ${shown}%, the binary ${100 * measured.test_accuracy}%`);
  const report = JSON.parse(readFileSync(join(saved, 'report.json'), 'utf8'));
  assert.equal(report.format, 'gradlab-mnist-report');
  assert.ok(Math.abs(report.test_accuracy - measured.test_accuracy) <= 0.0002, `report.json ${report.test_accuracy}, binary ${measured.test_accuracy}`);
  // And the saved folder opens in the page again, as the learner's run.
  await page.getByTestId('train-reset').click();
  await page.getByTestId('open-run-folder-input').setInputFiles(saved);
  await runStatus(page, 'opened');
  await page.waitForFunction(() => /your run saved-digits/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''));
  assertNoProblems(problems);
  await page.close();
});

test('a run served beside the page opens from ?run=PATH', async () => {
  const served = join(work, 'mine');
  const { page, problems } = await freshPage('?run=runs/mine', {
    allowed: [/Failed to load resource: the server responded with a status of 404/],
    beforeLoad: (p) =>
      p.route('**/runs/mine/*', (route) => {
        const name = new URL(route.request().url()).pathname.split('/').pop();
        try {
          return route.fulfill({ status: 200, body: readFileSync(join(served, name)) });
        } catch {
          return route.fulfill({ status: 404, body: 'not here' });
        }
      }),
  });
  await runStatus(page, 'opened');
  await page.waitForFunction(() => /your run mine/.test(document.querySelector('[data-testid="reader"]')?.textContent ?? ''));
  assert.equal(await page.getByTestId('own-run').count(), 0, 'a linked run is not kept: the link opens it again');
  assertNoProblems(problems);
  await page.close();
});

test('bad files are each named with what is wrong, and the page keeps working', async () => {
  const { page, problems } = await freshPage('', { data: true, allowed: [] });
  const bad = join(work, 'bad');
  mkdirSync(bad);
  const model = readFileSync(join(work, 'mine', 'model.safetensors'));
  writeFileSync(join(bad, 'truncated.safetensors'), model.subarray(0, model.length - 100));
  // Another layout version: the header's "version":"1" made "9" (same length).
  const header = model.toString('latin1');
  writeFileSync(join(bad, 'newer.safetensors'), Buffer.from(header.replace('"version":"1"', '"version":"9"'), 'latin1'));
  // Two GB that are not a run (a sparse file: nothing is written to disk).
  const huge = join(bad, 'huge.safetensors');
  writeFileSync(huge, '');
  truncateSync(huge, 2 ** 31);

  const cases = [
    { files: [{ path: join(work, 'faces', 'gallery.png') }], says: /none of gallery\.png is a gradlab run/ },
    { files: [{ path: join(bad, 'truncated.safetensors'), name: 'model.safetensors' }], says: /model\.safetensors is not a valid safetensors file/ },
    { files: [{ path: join(bad, 'newer.safetensors'), name: 'model.safetensors' }], says: /model\.safetensors has layout version 9, and this gradlab reads version 1/ },
    { files: [{ path: join(work, 'faces', 'model.safetensors') }], says: /model\.safetensors does not go with MNIST: the network reads 32x32 images \(1024 inputs\)/ },
    {
      files: ['faces.safetensors', 'faces.json', 'training.json'].map((name) => ({ path: join(work, 'faces', name) })).concat([{ path: join(work, 'two', 'model.safetensors') }]),
      says: /model\.safetensors does not go with faces\.safetensors: the network tells 2 people apart and the faces are of 3/,
    },
  ];
  for (const { files, says } of cases) {
    await drop(page, files);
    const said = await runStatus(page, 'failed');
    assert.match(said, says);
    assert.match(said, /What the page showed before is unchanged/);
    // The panel starts its message with a capital.
    assert.match(await page.getByTestId('error-panel').innerText(), new RegExp(says.source, 'i'));
    await page.getByTestId('error-dismiss').click();
    await pageStillWorks(page, `after ${files.map((f) => f.name ?? basename(f.path)).join(', ')}`);
  }
  // The 2 GB file through the picker: refused by its size, before it is read.
  await page.getByTestId('open-run-files-input').setInputFiles(huge);
  assert.match(await runStatus(page, 'failed'), /huge\.safetensors is 2147483648 bytes; no file of a gradlab run is larger than 268435456 bytes/);
  await page.getByTestId('error-dismiss').click();
  await pageStillWorks(page, 'after a 2 GB file');
  assert.match(await page.getByTestId('reader').textContent(), /shipped/, 'the shipped network still reads');
  assert.equal(await chapter(page, 8).count(), 1);
  assertNoProblems(problems);
  await page.close();
});
