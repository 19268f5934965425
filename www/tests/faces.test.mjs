// Parts 8 and 9 (faces), end to end in headless Chromium: chapter 8's
// gallery, shipped learning curves and confusion matrix are drawn, the
// network is retrained live (briefly) and its curve redrawn; chapter 9 is
// worked by picking two people, for the shipped and the retrained network,
// and its unit images are checked for having drawn something. Screenshots go
// to tests/screenshots/chapter-8.png and chapter-9.png. Any console error,
// uncaught page error or KaTeX error fails the test.
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoProblems, canvasColours, chapter, open, openPage, savesPng, shoot, svgMarks, textOf, useBrowser } from './lesson-harness.mjs';

useBrowser();

// -------------------------------------------------------------------- tests --

test('chapters 8 and 9: faces, retraining, and the hidden units of two people', async () => {
  const started = Date.now();
  const { page, problems } = await openPage();

  // ---- 8. Faces: gallery, the shipped network's curves and confusion matrix.
  let section = await open(page, 8);
  await page.waitForFunction(() => document.querySelector('[data-testid="chapter-8"] .face-gallery')?.dataset.count === '60', null, { timeout: 15000 });
  assert.equal(await section.locator('.face-row').count(), 6, 'a gallery row per person');
  assert.ok((await canvasColours(section.locator('.face-gallery canvas').first())) > 20, 'the gallery shows faces, not blank squares');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chapter-8"] .curve-pair')?.dataset.points) >= 100, null, { timeout: 10000 });
  assert.ok((await svgMarks(section.getByTestId('faces-curves'))) >= 6, 'the shipped learning curves are drawn');
  const shipped = await section.getByTestId('faces-accuracy').textContent();
  const shippedAccuracy = Number(/Test accuracy ([\d.]+)%/.exec(shipped)?.[1]);
  assert.ok(shippedAccuracy >= 90, `the shipped network gets at least 90% of the test faces: ${shipped}`);
  assert.equal(await section.locator('[data-testid="faces-confusion-table"] tbody tr').count(), 6);
  const confusedShipped = Number(await section.getByTestId('faces-confused').getAttribute('data-count'));
  if (confusedShipped === 0) assert.match(await textOf(section.getByTestId('faces-confused')), /No mistakes/);
  else assert.equal(await section.getByTestId('faces-confused').locator('canvas').count(), confusedShipped);

  // Retrain briefly, from the keyboard: fewer units and epochs, a new seed.
  await section.getByTestId('faces-hidden').fill('12');
  await section.getByTestId('faces-epochs').fill('40');
  await section.getByTestId('faces-seed').fill('3');
  await section.getByTestId('faces-train').focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="faces-status"][data-phase="finished"]', { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="faces-accuracy"]')?.dataset.who === 'retrained');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chapter-8"] .curve-pair')?.dataset.points) === 41, null, { timeout: 5000 });
  assert.ok((await svgMarks(section.getByTestId('faces-curves'))) >= 6, 'the retrained learning curves are drawn');
  const retrained = await section.getByTestId('faces-accuracy').textContent();
  assert.match(retrained, /12 hidden units/);
  assert.match(retrained, /40 epochs, seed 3/);
  const confusedRetrained = Number(await section.getByTestId('faces-confused').getAttribute('data-count'));
  if (confusedRetrained > 0) assert.ok((await canvasColours(section.getByTestId('faces-confused').locator('canvas').first())) > 20, 'a confused face is drawn');
  assert.match(await page.evaluate(() => location.hash), /faces\.epochs=40/, 'the settings are in the hash');
  console.log(`faces: shipped ${shipped.trim()} | retrained ${retrained.trim()} (${confusedRetrained} test faces confused)`);
  await shoot(section, 8);

  // ---- 9. What the hidden units see: pick two people, then the retrained network.
  section = await open(page, 9);
  await page.waitForFunction(() => document.querySelector('[data-testid="hidden-people"]')?.dataset.count === '8', null, { timeout: 15000 });
  await section.getByTestId('hidden-person-a').selectOption({ index: 2 });
  await section.getByTestId('hidden-person-b').selectOption({ index: 4 });
  const names = await section.getByTestId('hidden-person-a').locator('option').allTextContents();
  await page.waitForFunction(
    (want) => [...document.querySelectorAll('[data-testid="hidden-people"] h4')].map((h) => h.textContent).join(',') === want,
    `${names[2]},${names[4]}`,
    { timeout: 5000 },
  );
  assert.equal(await section.locator('.unit-cell canvas').count(), 8, 'four units for each of the two people');
  for (let i = 0; i < 8; i++) {
    assert.ok((await canvasColours(section.locator('.unit-cell canvas').nth(i))) > 20, `unit image ${i} is drawn`);
  }
  const trainedRadio = section.locator('input[name="hidden-model"][value="trained"]');
  assert.equal(await trainedRadio.isDisabled(), false, 'the network retrained in part 8 can be chosen');
  await trainedRadio.check();
  await page.waitForFunction(() => document.querySelector('[data-testid="hidden-people"]')?.dataset.model === 'trained', null, { timeout: 5000 });
  assert.match(await section.getByTestId('hidden-status').textContent(), /retrained/);
  assert.match(await page.evaluate(() => location.hash), /hidden\.a=2&hidden\.b=4|hidden\.b=4.*hidden\.a=2|hidden\.a=2.*hidden\.b=4/, 'the two people are in the hash');
  await section.getByTestId('hidden-person-a').focus();
  await trainedRadio.focus();
  await page.locator('input[name="hidden-model"][value="shipped"]').check();
  await page.waitForFunction(() => document.querySelector('[data-testid="hidden-people"]')?.dataset.model === 'shipped', null, { timeout: 5000 });
  await shoot(section, 9);

  // Both chapters' figures save as PNGs.
  for (const name of ['faces-gallery', 'faces-curves', 'faces-confusion', 'hidden-units']) await savesPng(page, name);

  assert.equal(await page.locator('.katex-error').count(), 0, 'every formula typesets');
  assert.equal(await page.getByTestId('error-panel').isHidden(), true, `no error shown: ${await page.getByTestId('error-panel').innerText()}`);
  assertNoProblems(problems);
  console.log(`faces test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.close();
});

test('a link with the faces chapters\' state opens them in that state', async () => {
  const { page, problems } = await openPage('#hidden?hidden.a=5&hidden.b=3&faces.hidden=7');
  const section = chapter(page, 9);
  await page.waitForFunction(() => document.querySelector('[data-testid="hidden-people"]')?.dataset.count === '8', null, { timeout: 20000 });
  assert.equal(await section.getByTestId('hidden-person-a').inputValue(), '5');
  assert.equal(await section.getByTestId('hidden-person-b').inputValue(), '3');
  assert.equal(await page.getByTestId('faces-hidden').inputValue(), '7');
  assertNoProblems(problems);
  await page.close();
});
