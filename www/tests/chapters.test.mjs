// The lesson chapters (parts 1-7), end to end in headless Chromium: each
// chapter is opened, its main control worked, and its figure checked for
// having drawn something (canvas pixels that are not all one colour, SVG
// charts with marks in them); a screenshot of each is saved to
// tests/screenshots/chapter-N.png. Also: every figure's Save PNG button
// downloads a PNG, the URL hash carries the controls' state to a new page,
// and the page fits a phone's width. Any console error, uncaught page error
// or KaTeX error fails the test.
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoProblems, canvasColours, chapter, open, openPage, savesPng, shoot, svgMarks, textOf, tileColours, useBrowser } from './lesson-harness.mjs';

useBrowser();

// -------------------------------------------------------------------- tests --

test('chapters 1-7: each one draws its figure from its main control', async () => {
  const started = Date.now();
  const { page, problems } = await openPage();
  const toc = await page.getByTestId('toc').locator('a').allTextContents();
  assert.equal(toc.length, 11, `the table of contents lists the draw section and parts 1-10: ${toc.join(' | ')}`);

  // ---- 1. The data: gallery, resample, enlarge, counts.
  let section = await open(page, 1);
  await page.waitForFunction(() => document.querySelector('[data-testid="chapter-1"] .gallery')?.dataset.count === '100', null, { timeout: 10000 });
  const firstCell = section.locator('.gallery .cell').first();
  const firstIndex = await firstCell.getAttribute('data-index');
  // The hundred digits are 28-pixel tiles of one canvas (data/index.ts). A
  // blank tile is one colour; some MNIST digits have as few as five grey
  // levels, so more than one is what says a digit is there.
  const digits = await tileColours(section.locator('.gallery canvas'), 28);
  assert.equal(digits.length, 100, 'a hundred tiles');
  assert.ok(
    digits.every((n) => n > 1),
    `the gallery shows digits, not blank squares (colours per tile: ${digits})`,
  );
  await section.getByTestId('data-resample').click();
  await page.waitForFunction(
    (before) => document.querySelector('[data-testid="chapter-1"] .gallery .cell')?.dataset.index !== before,
    firstIndex,
    { timeout: 5000 },
  );
  // Enlarge a 7 (row 7, third image) and read its label.
  await section.locator('.gallery-row').nth(7).locator('.cell').nth(2).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="data-enlarged-label"]')?.dataset.label === '7', null, { timeout: 5000 });
  assert.ok((await canvasColours(section.getByTestId('data-enlarged-canvas'))) > 10);
  await page.waitForFunction(() => document.querySelector('[data-testid="data-counts-table"]')?.dataset.total === '70000');
  const counts = await textOf(section.getByTestId('data-counts-table'));
  assert.match(counts, /6,742/, 'ones in the training set');
  assert.match(counts, /5,421/, 'fives in the training set');
  assert.match(await page.evaluate(() => location.hash), /data\.sample=1/, 'the sample is in the hash');
  await shoot(section, 1);

  // ---- 2. The network: forward pass of a chosen test image.
  section = await open(page, 2);
  await page.waitForFunction(() => document.querySelector('[data-testid="network-verdict"]')?.dataset.predicted !== undefined, null, { timeout: 10000 });
  await section.getByTestId('network-index').fill('3');
  await page.waitForFunction(() => /It is a 0/.test(document.querySelector('[data-testid="network-verdict"]')?.textContent ?? ''), null, { timeout: 5000 });
  assert.ok((await svgMarks(section.locator('.diagram-box'))) > 70, 'the diagram has its nodes and edges');
  assert.ok((await svgMarks(section.locator('.forward-charts'))) >= 20, 'the logit and probability charts have bars');
  assert.ok((await canvasColours(section.getByTestId('network-contributions'))) > 10, 'the contributions image is drawn');
  await section.getByTestId('network-mistake').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="network-verdict"] .wrong') !== null, null, { timeout: 15000 });
  assert.match(await textOf(section.getByTestId('network-formula')), /=/);
  await shoot(section, 2);

  // ---- 3. The gradient: Figure 5 and the check on real digits.
  section = await open(page, 3);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="gradient-table"] tbody tr').length === 10, null, { timeout: 10000 });
  assert.ok((await svgMarks(section.getByTestId('gradient-figure5'))) >= 10, 'the error-against-h curve is drawn');
  await page.waitForSelector('[data-testid="gradient-error-mlp"]', { timeout: 15000 });
  const before3 = await section.getByTestId('gradient-error-mlp').textContent();
  await section.getByTestId('gradient-run').click();
  await page.waitForFunction((b) => document.querySelector('[data-testid="gradient-error-mlp"]')?.textContent !== b, before3, { timeout: 15000 });
  for (const network of ['softmax', 'mlp']) {
    const error = Number(await section.getByTestId(`gradient-error-${network}`).textContent());
    assert.ok(error < 1e-6, `${network}: relative error ${error}`);
  }
  assert.ok((await svgMarks(section.getByTestId('gradient-digits'))) >= 100, 'the scatter of sampled weights is drawn');
  await shoot(section, 3);

  // ---- 4. Gradient descent: train, curves and weight images.
  section = await open(page, 4);
  await section.getByTestId('descent-epochs').fill('1');
  await section.getByTestId('descent-train').click();
  await page.waitForSelector('[data-testid="descent-status"][data-phase="finished"]', { timeout: 30000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chapter-4"] .curve-pair')?.dataset.points) >= 5);
  assert.ok((await svgMarks(section.getByTestId('descent-curves'))) >= 4, 'the learning curves are drawn');
  assert.equal(await section.getByTestId('descent-weight-images').getAttribute('data-count'), '10');
  assert.ok((await canvasColours(section.getByTestId('descent-weight-images').locator('canvas').first())) > 10, 'the weight images are drawn');
  const status4 = await section.getByTestId('descent-status').textContent();
  const accuracy4 = Number(/([\d.]+)% of all 10,000 test images/.exec(status4)?.[1]);
  assert.ok(accuracy4 > 80, `gradient descent reaches over 80% in an epoch: ${status4}`);
  await shoot(section, 4);
  // Part 2 offers the network trained here while it exists, and not once it is reset.
  await page.waitForFunction(() => !document.querySelector('[data-testid="network-model-trained"]').disabled);
  await section.getByTestId('descent-reset').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="network-model-trained"]').disabled);

  // ---- 5. Momentum: both runs, overlaid.
  section = await open(page, 5);
  await section.getByTestId('momentum-epochs').fill('1');
  await section.getByTestId('momentum-train').click();
  await page.waitForSelector('[data-testid="momentum-status-momentum"][data-phase="finished"]', { timeout: 40000 });
  assert.ok((await svgMarks(section.getByTestId('momentum-curves'))) >= 4, 'both curves are drawn');
  const summary5 = await textOf(section.getByTestId('momentum-summary'));
  const [, gdAccuracy, momentumAccuracy] = /gets ([\d.]+)%[\s\S]*and ([\d.]+)%/.exec(summary5) ?? [];
  assert.ok(Number(momentumAccuracy) > Number(gdAccuracy), `momentum learns faster at the same rate: ${summary5}`);
  await shoot(section, 5);

  // ---- 6. The cost surface: presets, start point, picking weights, playing.
  section = await open(page, 6);
  const contours = section.locator('.contour-box');
  await page.waitForFunction(() => document.querySelector('[data-testid="surface-summary"]')?.dataset.momentum !== undefined, null, { timeout: 20000 });
  const closed = async () =>
    section.getByTestId('surface-summary').evaluate((s) => ({ gd: Number(s.dataset.gd), momentum: Number(s.dataset.momentum) }));
  const valley = await closed();
  console.log(`surface, valley preset: gradient descent closed ${(100 * valley.gd).toFixed(1)}% of the gap, momentum ${(100 * valley.momentum).toFixed(1)}%`);
  assert.ok(valley.momentum > valley.gd + 0.4, `momentum clearly beats gradient descent in the valley: ${JSON.stringify(valley)}`);
  assert.ok((await svgMarks(contours)) > 20, 'the contours and paths are drawn');
  // The round bowl: gradient descent gets there; momentum is no better.
  await section.getByTestId('surface-preset').selectOption('bowl');
  await page.waitForFunction(() => document.querySelector('[data-testid="surface-w2-digit"]')?.value === '8');
  await page.waitForFunction((v) => document.querySelector('[data-testid="surface-summary"]')?.dataset.gd !== v, String(valley.gd), { timeout: 20000 });
  const bowl = await closed();
  console.log(`surface, bowl preset: gradient descent closed ${(100 * bowl.gd).toFixed(1)}% of the gap, momentum ${(100 * bowl.momentum).toFixed(1)}%`);
  assert.ok(bowl.gd > 0.95 && bowl.gd >= bowl.momentum, `gradient descent does as well in the round bowl: ${JSON.stringify(bowl)}`);
  assert.match(await page.evaluate(() => location.hash), /surface\.preset=bowl/);
  // Clicking on the plot moves the start.
  const startBefore = await section.getByTestId('surface-start-1').inputValue();
  const box = await contours.locator('svg').first().boundingBox();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.75);
  await page.waitForFunction((b) => document.querySelector('[data-testid="surface-start-1"]')?.value !== b, startBefore);
  assert.equal(await section.getByTestId('surface-preset').inputValue(), 'custom');
  // Clicking a pixel of a weight image picks w1.
  const digit5 = section.getByTestId('surface-weight-images').locator('canvas[data-digit="5"]');
  const pixel = await digit5.boundingBox();
  await page.mouse.click(pixel.x + pixel.width * (10.5 / 28), pixel.y + pixel.height * (20.5 / 28));
  await page.waitForFunction(() => document.querySelector('[data-testid="surface-w1-digit"]')?.value === '5');
  assert.equal(await section.getByTestId('surface-w1-y').inputValue(), '20');
  assert.equal(await section.getByTestId('surface-w1-x').inputValue(), '10');
  // Back to the valley, played step by step.
  await section.getByTestId('surface-preset').selectOption('valley');
  await page.waitForFunction(() => document.querySelector('[data-testid="surface-w1-digit"]')?.value === '3');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="surface-summary"]')?.dataset.momentum) > 0.9, null, { timeout: 20000 });
  // Every step the animation shows is recorded as it is drawn, so the check
  // does not depend on catching the animation half-way.
  await contours.evaluate((box) => {
    window.__shownSteps = [];
    const record = (mutations) => {
      for (const m of mutations) if (m.target.dataset?.step !== undefined) window.__shownSteps.push(Number(m.target.dataset.step));
    };
    new MutationObserver(record).observe(box, { attributes: true, attributeFilter: ['data-step'], subtree: true });
  });
  await section.getByTestId('surface-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="surface-play"]')?.textContent === 'Play', null, { timeout: 20000 });
  assert.equal(await section.locator('.paths').getAttribute('data-step'), '40');
  const shownSteps = await page.evaluate(() => window.__shownSteps);
  assert.ok(shownSteps.some((step) => step > 0 && step < 40), `Play shows the paths step by step (steps shown: ${shownSteps.join(', ')})`);
  await shoot(section, 6);

  // ---- 7. The cost of backpropagation: timed live, as the chapter comes
  // into view (the chapter-opening test checks that no click is needed).
  section = await open(page, 7);
  await page.waitForSelector('[data-testid="backprop-status"][data-done="true"]', { timeout: 90000 });
  const slopes = JSON.parse(await section.getByTestId('backprop-slope-table').getAttribute('data-slopes'));
  assert.equal(slopes.length, 2, 'one sweep along K and one along N');
  for (const s of slopes) {
    console.log(
      `backprop cost, ${s.sweep === 'units' ? `K grows at N = ${s.fixed}` : `N grows at K = ${s.fixed}`}: ` +
        `backprop slope ${s.backprop.measured?.toFixed(2)} (counted ${s.backprop.counted?.toFixed(2)}, theory ${s.backprop.asymptotic}), ` +
        `one-at-a-time slope ${s.naive.measured?.toFixed(2)} (counted ${s.naive.counted?.toFixed(2)}, theory ${s.naive.asymptotic})`,
    );
    assert.ok(s.naive.measured > s.backprop.measured + 0.5, `the per-weight method grows faster: ${JSON.stringify(s)}`);
  }
  assert.ok((await svgMarks(section.getByTestId('backprop-units'))) >= 8);
  assert.ok((await svgMarks(section.getByTestId('backprop-layers'))) >= 8);
  await shoot(section, 7);
  // Measure repeats it; Stop ends it after the size being timed.
  await section.getByTestId('backprop-run').click();
  await section.getByTestId('backprop-stop').click();
  await page.waitForSelector('[data-testid="backprop-status"][data-done="false"]', { timeout: 90000 });
  assert.match(await section.getByTestId('backprop-status').textContent(), /^Stopped after \d+ sizes\.$/);

  // ---- Every figure built by now saves as a PNG: parts 1-7's, and those of
  // parts 8-10 that were built as they came near.
  const names = await page.locator('button[data-save]').evaluateAll((buttons) => buttons.map((b) => b.dataset.save));
  assert.ok(names.length >= 14, `a Save PNG button per figure (found ${names.length})`);
  for (const name of names) await savesPng(page, name);
  // A canvas with no pixels yet (a figure caught before it drew) is left
  // out of the picture: drawImage would throw on it.
  await page.getByTestId('data-counts').evaluate((body) => {
    const empty = document.createElement('canvas');
    empty.width = 0;
    empty.style.cssText = 'width: 20px; height: 20px';
    body.append(empty);
  });
  await savesPng(page, 'data-counts');

  assert.equal(await page.locator('.katex-error').count(), 0, 'every formula typesets');
  assert.equal(await page.getByTestId('error-panel').isHidden(), true, `no error shown: ${await page.getByTestId('error-panel').innerText()}`);
  assertNoProblems(problems);
  console.log(`chapters test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.close();
});

test('a link with state in its hash opens that chapter in that state, and the page fits a phone', async () => {
  const { page, problems } = await openPage('#surface?surface.preset=bowl&network.image=42', { width: 390, height: 844 });
  const section = chapter(page, 6);
  await page.waitForFunction(() => document.querySelector('[data-testid="surface-summary"]')?.dataset.momentum !== undefined, null, { timeout: 20000 });
  assert.equal(await section.getByTestId('surface-preset').inputValue(), 'bowl');
  assert.equal(await section.getByTestId('surface-w2-digit').inputValue(), '8');
  const top = await section.evaluate((s) => s.getBoundingClientRect().top);
  assert.ok(Math.abs(top) < 900, `the linked chapter is scrolled into view (top at ${top})`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `nothing is wider than a phone's screen (${overflow} px too wide)`);
  await shoot(section, 6, '-phone');
  // Chapter 2 is built when it comes near (www/src/main.ts), in the state
  // the link gave it.
  await open(page, 2);
  assert.equal(await page.getByTestId('network-index').inputValue(), '42');
  await page.waitForFunction(() => document.querySelector('[data-testid="network-verdict"]')?.dataset.predicted !== undefined, null, { timeout: 10000 });
  await shoot(chapter(page, 2), 2, '-phone');
  assertNoProblems(problems);
  await page.close();
});
