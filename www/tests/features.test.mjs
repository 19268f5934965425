// Part 10 (a pretrained network's features), end to end in headless
// Chromium: the test accuracies on features and on pixels are shown as
// features.json has them, both confusion heatmaps are drawn with their
// mistakes listed by name, the classifier is retrained briefly in the worker
// with its curve drawn live and its accuracy and confusion matrix shown
// after. Also: a failed load reaches the error panel and the chapter works
// after trying again, and the chapter fits a phone. Screenshots go to
// tests/screenshots/chapter-10.png and chapter-10-phone.png. Any console
// error, uncaught page error or KaTeX error fails the test.
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertNoProblems, chapter, gradlabBinary, open, openPage, openPageWith, savesPng, shoot, svgMarks, textOf, useBrowser, www } from './lesson-harness.mjs';

useBrowser();

const results = JSON.parse(readFileSync(join(www, 'public', 'features', 'features.json'), 'utf8'));

/** "98.8%" as the page prints a fraction. */
const percent = (value) => `${(100 * value).toFixed(1)}%`;

/** Right and all test predictions of one classifier in features.json. */
function counts(classifier) {
  const right = classifier.test_predictions.filter((p) => p.predicted === p.label).length;
  return { right, total: classifier.test_predictions.length };
}

/** The names of the mistakes, as the page lists them. */
function mistakes(classifier) {
  return classifier.test_predictions
    .filter((p) => p.predicted !== p.label)
    .map((p) => `${results.people[p.label]} taken for ${results.people[p.predicted]}, p = ${p.probability.toFixed(2)}`);
}

/** Filled squares of a heatmap: Plot's cells, one per (true, named) pair shown. */
async function cells(locator) {
  return locator.evaluate((root) => root.querySelectorAll('svg g.confusion-cell rect').length);
}

// -------------------------------------------------------------------- tests --

test('chapter 10: features against pixels, both confusion matrices, and the classifier retrained live', async () => {
  const started = Date.now();
  const { page, problems } = await openPage();
  const toc = await page.getByTestId('toc').locator('a').allTextContents();
  assert.match(toc.at(-1), /^10\. /, `the table of contents ends with part 10: ${toc.join(' | ')}`);

  const section = await open(page, 10);
  await page.waitForSelector('[data-testid="features-load-status"][data-state="ready"]', { timeout: 15000 });

  // ---- Both test accuracies, as features.json has them.
  const onFeatures = counts(results.on_features);
  const onPixels = counts(results.on_pixels);
  assert.equal(await section.getByTestId('features-accuracy-features').textContent(), percent(results.test_accuracy));
  assert.equal(await section.getByTestId('features-accuracy-pixels').textContent(), percent(results.pixel_test_accuracy));
  assert.equal(await section.getByTestId('features-count-features').textContent(), `(${onFeatures.right}/${onFeatures.total})`);
  assert.equal(await section.getByTestId('features-count-pixels').textContent(), `(${onPixels.right}/${onPixels.total})`);
  const versus = await textOf(section.getByTestId('features-versus'));
  assert.match(versus, new RegExp(`${results.backbone} ${results.layer}`), 'the card names the network and its layer');
  console.log(`features: ${percent(results.test_accuracy)} (${onFeatures.right}/${onFeatures.total}) vs pixels ${percent(results.pixel_test_accuracy)} (${onPixels.right}/${onPixels.total})`);

  // ---- Both confusion matrices, with their mistakes by name.
  const people = results.people.length;
  for (const which of ['pixels', 'features']) {
    const heatmap = section.getByTestId(`features-heatmap-${which}`);
    const classifier = results[`on_${which}`];
    const nonzero = classifier.confusion.flat().filter((n) => n > 0).length;
    const emptyDiagonal = classifier.confusion.filter((row, i) => row[i] === 0).length;
    assert.equal(await cells(heatmap), nonzero + emptyDiagonal, `${which}: a square per non-zero count, and the whole diagonal`);
    const size = await heatmap.locator('svg').evaluate((svg) => svg.getBoundingClientRect().width);
    assert.ok(size > 200, `${which}: the heatmap has a readable size (${size} px)`);
    const listed = await section.getByTestId(`features-mistakes-${which}`).locator('li').allTextContents();
    assert.deepEqual(listed, mistakes(classifier), `${which}: the mistakes are listed by name`);
  }
  assert.match(versus, new RegExp(`Test accuracy, ${people} people`), 'the card says how many people');

  // ---- The shipped classifier's curve, then a brief retraining with its curve drawn live.
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="chapter-10"] .curve-pair')?.dataset.points) === n,
    results.on_features.curve.length,
    { timeout: 10000 },
  );
  assert.ok((await svgMarks(section.getByTestId('features-curves'))) >= 8, 'the shipped learning curves are drawn');
  const config = results.on_features.config;
  assert.equal(await section.getByTestId('features-hidden').inputValue(), String(config.hidden_units), 'the settings start as the shipped ones');
  assert.equal(await section.getByTestId('features-lr').inputValue(), String(config.train.learning_rate));
  assert.equal(await section.getByTestId('features-epochs').inputValue(), String(config.train.epochs));

  await section.getByTestId('features-hidden').fill('20');
  await section.getByTestId('features-epochs').fill('30');
  await section.getByTestId('features-seed').fill('4');
  // Collect how many points the curve had each time it was drawn during the run.
  await page.evaluate(() => {
    const curve = document.querySelector('[data-testid="chapter-10"] .curve-pair');
    window.featureCurveSizes = [];
    new MutationObserver(() => window.featureCurveSizes.push(Number(curve.dataset.points))).observe(curve, { attributes: true, attributeFilter: ['data-points'] });
  });
  await section.getByTestId('features-train').click();
  await page.waitForSelector('[data-testid="features-status"][data-phase="finished"]', { timeout: 30000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chapter-10"] .curve-pair')?.dataset.points) === 31, null, { timeout: 5000 });
  const sizes = await page.evaluate(() => window.featureCurveSizes);
  assert.ok(sizes.includes(0), `the curve was cleared when the run started: ${sizes.join(',')}`);
  assert.ok((await svgMarks(section.getByTestId('features-curves'))) >= 8, 'the retrained learning curves are drawn');
  const line = await section.getByTestId('features-curve-line').textContent();
  assert.match(line, /^Retrained here: 20 hidden units, .*30 epochs, seed 4/);
  const retrained = await section.getByTestId('features-retrained-accuracy').textContent();
  const accuracy = Number(/test accuracy ([\d.]+)%/.exec(retrained)?.[1]);
  assert.ok(accuracy >= 50, `the retrained classifier names most test faces rightly: ${retrained}`);
  assert.ok((await cells(section.getByTestId('features-heatmap-retrained'))) >= people, 'the retrained confusion matrix is drawn');
  const wrong = Number(await section.getByTestId('features-mistakes-retrained').locator('[data-count]').getAttribute('data-count'));
  const [right, total] = /\((\d+)\/(\d+)\)/.exec(retrained).slice(1).map(Number);
  assert.equal(wrong, total - right, 'a listed mistake per test face named wrongly');
  assert.match(await page.evaluate(() => location.hash), /features\.epochs=30/, 'the settings are in the hash');
  console.log(`features retrained: ${retrained.trim()}`);

  // ---- Saved for the binary: `gradlab faces eval` on the same features
  // names the same test faces rightly as the page.
  assert.equal(await section.getByTestId('features-save-classifier').isEnabled(), true, 'the retrained classifier can be saved');
  const run = mkdtempSync(join(tmpdir(), 'gradlab-features-run-'));
  try {
    copyFileSync(join(www, 'public', 'features', 'features.safetensors'), join(run, 'features.safetensors'));
    const [saved] = await Promise.all([page.waitForEvent('download'), section.getByTestId('features-save-classifier').click()]);
    assert.equal(saved.suggestedFilename(), 'classifier.safetensors');
    const file = join(run, 'retrained.safetensors');
    await saved.saveAs(file);
    const measured = JSON.parse(
      execFileSync(gradlabBinary(), ['faces', 'eval', '--data', run, '--model', file, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }),
    );
    const binaryRight = measured.test_predictions.filter((p) => p.label === p.predicted).length;
    assert.deepEqual([binaryRight, measured.test_images], [right, total], 'the binary measures the saved classifier as the page did');
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
  await section.getByTestId('features-retrained-accuracy').scrollIntoViewIfNeeded();
  await shoot(section, 10);

  // ---- The figures save as PNGs.
  for (const name of ['features-confusion', 'features-curves', 'features-retrained']) await savesPng(page, name);

  assert.equal(await page.locator('.katex-error').count(), 0, 'every formula typesets');
  assert.equal(await page.getByTestId('error-panel').isHidden(), true, `no error shown: ${await page.getByTestId('error-panel').innerText()}`);
  assertNoProblems(problems);
  console.log(`features test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.close();
});

test('chapter 10: a failed load shows in the error panel, trying again works, and it fits a phone', async () => {
  // The first request for features.json fails as a server would fail it; the
  // next ones pass. Routed on the context (the worker's requests go there
  // too) before the page loads, so that the worker is routed from its start.
  let failures = 0;
  const failOnce = (route) => (failures++ === 0 ? route.fulfill({ status: 503, body: 'busy' }) : route.continue());
  const { page, problems } = await openPageWith({
    viewport: { width: 390, height: 844 },
    data: true,
    beforeLoad: (page) => page.context().route('**/features/features.json', failOnce),
  });
  const section = await open(page, 10);
  await page.waitForSelector('[data-testid="features-load-status"][data-state="failed"]', { timeout: 15000 });
  assert.equal(await page.getByTestId('error-panel').isHidden(), false, 'the failure is in the error panel');
  assert.match(await page.getByTestId('error-panel').innerText(), /HTTP 503.*features\.json/);
  assert.equal(await section.getByTestId('features-train').isDisabled(), true, 'nothing to train on yet');
  await page.getByTestId('error-dismiss').click();

  await section.getByTestId('features-retry').click();
  await page.waitForSelector('[data-testid="features-load-status"][data-state="ready"]', { timeout: 15000 });
  assert.equal(await section.getByTestId('features-retry').isHidden(), true, 'the retry button goes once the features are in');
  assert.ok((await cells(section.getByTestId('features-heatmap-features'))) >= 40, 'the heatmaps are drawn after trying again');
  assert.equal(await section.getByTestId('features-train').isEnabled(), true, 'the classifier can be retrained');

  // A phone: nothing wider than the screen, the heatmaps stacked and full width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `nothing is wider than a phone's screen (${overflow} px too wide)`);
  const boxes = await section.locator('.heatmap svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right, top: r.top })));
  assert.ok(boxes.length >= 2 && boxes[1].top > boxes[0].top, 'the two heatmaps are stacked');
  for (const box of boxes) assert.ok(box.left >= 0 && box.right <= 390, `a heatmap fits the screen (${box.left}-${box.right})`);
  await section.getByTestId('features-versus').scrollIntoViewIfNeeded();
  await shoot(section, 10, '-phone');
  // The 503 was reported in the console as a failed resource; that is the point of this test.
  assertNoProblems(problems.filter((p) => !/503/.test(p)));
  await page.context().unroute('**/features/features.json', failOnce);
  await page.close();
});
