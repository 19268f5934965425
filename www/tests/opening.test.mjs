// Every chapter opens with its figure (issue 17): a learner who only
// scrolls through, touching no control, sees every figure drawn, and chapters
// 4 and 5 show the runs the native binary recorded with their settings
// (www/public/models/softmax-*.report.json, made by
// scripts/train-default-models.sh) until the learner trains one; chapter 7
// times backpropagation on this machine as it comes into view. Before any
// scroll, once the page is idle, part 1 is built and part 2's code loaded
// (with the chart library), part 2 itself not built.
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertNoProblems, canvasColours, open, openPage, svgMarks, textOf, useBrowser, www } from './lesson-harness.mjs';

useBrowser();

const recorded = (name) => JSON.parse(readFileSync(join(www, 'public', 'models', `${name}.report.json`), 'utf8'));

/** "91.3%" as the page prints a fraction. */
const percent = (value) => `${(100 * value).toFixed(1)}%`;

test('every chapter opens with its figure drawn, without a control touched', async () => {
  const { page, problems } = await openPage();
  const state = async (selector) => page.waitForSelector(selector, { state: 'attached', timeout: 90000 });

  // 1. The data: the gallery of a hundred digits and the counts.
  let section = await open(page, 1);
  await state('[data-testid="chapter-1"] .gallery[data-count="100"]');
  await state('[data-testid="data-counts-table"][data-total="70000"]');
  assert.ok((await canvasColours(section.locator('.gallery canvas').first())) > 10, '1: the gallery shows digits');

  // 2. The network: a test image's forward pass.
  section = await open(page, 2);
  await state('[data-testid="network-verdict"][data-predicted]');
  assert.ok((await svgMarks(section.locator('.forward-charts'))) >= 20, '2: the logit and probability charts have bars');
  assert.ok((await svgMarks(section.locator('.diagram-box'))) > 70, '2: the network diagram is drawn');

  // 3. Figure 5 and the gradient check on real digits.
  section = await open(page, 3);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="gradient-table"] tbody tr').length === 10, null, { timeout: 30000 });
  assert.ok((await svgMarks(section.getByTestId('gradient-figure5'))) >= 10, '3: the error against h is plotted');
  await state('[data-testid="gradient-error-mlp"]');
  assert.ok((await svgMarks(section.getByTestId('gradient-digits'))) >= 100, '3: the sampled weights are plotted');

  // 4. Gradient descent: the recorded run's curves and weights.
  const gd = recorded('softmax-gd');
  section = await open(page, 4);
  await state(`[data-testid="chapter-4"] .curve-pair[data-source="recorded"][data-points="${gd.curve.length}"]`);
  await state('[data-testid="descent-weight-images"][data-count="10"]');
  assert.ok((await svgMarks(section.getByTestId('descent-curves'))) >= 4, '4: the recorded learning curves are drawn');
  assert.ok((await canvasColours(section.getByTestId('descent-weight-images').locator('canvas').first())) > 10, '4: the weight images are drawn');
  assert.match(await section.getByTestId('descent-recorded').textContent(), /gradient descent, learning rate 0\.05, batch 100, 2 epochs, seed 0/);

  // 5. Momentum: the recorded pair, and the summary of where they stand.
  const momentum = recorded('softmax-momentum');
  section = await open(page, 5);
  await state(`[data-testid="chapter-5"] .curve-pair[data-source="recorded"][data-points="${gd.curve.length + momentum.curve.length}"]`);
  assert.ok((await svgMarks(section.getByTestId('momentum-curves'))) >= 4, '5: both recorded curves are drawn');
  const summary = await textOf(section.getByTestId('momentum-summary'));
  const last = (report) => report.curve[report.curve.length - 1];
  assert.ok(summary.includes(percent(last(gd).test_accuracy)) && summary.includes(percent(last(momentum).test_accuracy)), `5: the summary gives both recorded accuracies: ${summary}`);

  // 6. The cost surface with both paths.
  section = await open(page, 6);
  await state('[data-testid="surface-summary"][data-momentum]');
  assert.ok((await svgMarks(section.locator('.contour-box'))) > 20, '6: the contours and paths are drawn');

  // 7. Backpropagation, timed on this machine as the chapter is seen.
  section = await open(page, 7);
  await state('[data-testid="backprop-status"][data-done="true"]');
  assert.ok((await svgMarks(section.getByTestId('backprop-units'))) >= 8, '7: the times against K are plotted');
  assert.ok((await svgMarks(section.getByTestId('backprop-layers'))) >= 8, '7: the times against N are plotted');

  // 8. Faces: the gallery, the shipped network's curves and confusion matrix.
  section = await open(page, 8);
  await state('[data-testid="chapter-8"] .face-gallery[data-count]');
  assert.ok((await canvasColours(section.locator('.face-gallery canvas').first())) > 20, '8: the gallery shows faces');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chapter-8"] .curve-pair')?.dataset.points) > 0, null, { timeout: 30000 });
  assert.ok((await svgMarks(section.getByTestId('faces-curves'))) >= 6, '8: the learning curves are drawn');
  assert.ok((await section.locator('[data-testid="faces-confusion-table"] tbody tr').count()) > 0, '8: the confusion matrix is drawn');

  // 9. The hidden units of two people.
  section = await open(page, 9);
  await state('[data-testid="hidden-people"][data-count]');
  assert.ok((await canvasColours(section.locator('[data-testid="hidden-people"] canvas').first())) > 10, '9: the hidden units are drawn');

  // 10. Features against pixels.
  section = await open(page, 10);
  await state('[data-testid="features-load-status"][data-state="ready"]');
  assert.ok((await svgMarks(section.getByTestId('features-curves'))) >= 8, '10: the learning curves are drawn');
  assert.ok((await svgMarks(section.getByTestId('features-heatmap-features'))) >= 10, '10: the confusion matrices are drawn');

  assertNoProblems(problems);
  await page.close();
});

test("once the page is idle, part 1 is built and part 2's code loaded, though part 2 is built only when it comes near", async () => {
  const { page, problems } = await openPage();
  /** Run in the page: whether it has fetched the build's chunk `name`-HASH.js. */
  const fetched = (name) => performance.getEntriesByType('resource').some((entry) => new RegExp(`/assets/${name}-[^/]*\\.js$`).test(entry.name));
  await page.waitForSelector('[data-testid="chapter-1"][data-mounted="true"]', { state: 'attached', timeout: 30000 });
  // main.ts loads part 2's module when the page is next idle and no network trains.
  await page.waitForFunction(fetched, 'network', { timeout: 30000 });
  assert.ok(await page.evaluate(fetched, 'charts'), "the chart library came with part 2's code");
  assert.notEqual(await page.getByTestId('chapter-2').getAttribute('data-mounted'), 'true', 'part 2 is not built while it is more than a screen below the view');
  assertNoProblems(problems);
  await page.close();
});

test('chapters 4 and 5 go back to the recorded runs after a run trained here is reset', async () => {
  const { page, problems } = await openPage();
  const section = await open(page, 4);
  await page.waitForSelector('[data-testid="chapter-4"] .curve-pair[data-source="recorded"]', { state: 'attached', timeout: 30000 });
  await section.getByTestId('descent-epochs').fill('1');
  await section.getByTestId('descent-train').click();
  await page.waitForSelector('[data-testid="chapter-4"] .curve-pair[data-source="live"]', { state: 'attached', timeout: 30000 });
  assert.equal(await section.getByTestId('descent-recorded').isHidden(), true, 'the note on the recorded run goes with it');
  await page.waitForSelector('[data-testid="descent-status"][data-phase="finished"]', { timeout: 60000 });
  await section.getByTestId('descent-reset').click();
  await page.waitForSelector('[data-testid="chapter-4"] .curve-pair[data-source="recorded"]', { state: 'attached', timeout: 30000 });
  await page.waitForSelector('[data-testid="descent-weight-images"][data-count="10"]', { state: 'attached' });
  assert.equal(await section.getByTestId('descent-recorded').isVisible(), true);
  assertNoProblems(problems);
  await page.close();
});
