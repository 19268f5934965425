// "Print the report" (issue 17): the whole project as one document, printed
// to PDF by Chromium (page.pdf, as the print dialog's "Save as PDF" does)
// and read back with Debian's poppler-utils (pdftotext, pdftoppm; installed
// by scripts/setup.sh). The numbers of Table 1 (the counts) and Table 2 (the
// finite-difference errors) are read from the page's own chapters and must
// be in the PDF as text; every figure's title and caption must be on one page
// (so that the figure between them is not cut across pages), and the band
// between them, rendered, must hold ink (the figure is drawn).
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium (or CHROMIUM=...) and poppler-utils.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertNoProblems, missing, openPage, openPageWith, screenshots, useBrowser } from './lesson-harness.mjs';

useBrowser();

const scratch = mkdtempSync(join(tmpdir(), 'gradlab-report-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A word as compared: letters and digits only, lower case. */
const norm = (word) => word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The PDF's words with their boxes, page by page (pdftotext -bbox). */
function pdfWords(pdf) {
  const xhtml = execFileSync('pdftotext', ['-bbox', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const pages = [];
  for (const [, width, height, body] of xhtml.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)) {
    const words = [...body.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map(([, x0, y0, x1, y1, text]) => ({
      x0: Number(x0),
      y0: Number(y0),
      x1: Number(x1),
      y1: Number(y1),
      text: text.replace(/&[a-z#0-9]+;/g, (e) => ENTITIES[e] ?? e),
    }));
    pages.push({ width: Number(width), height: Number(height), words });
  }
  return pages;
}

/** Index in `words` (from `from` on) where `wanted` words follow one another. */
function findSequence(words, wanted, from = 0) {
  const keys = wanted.map(norm).filter(Boolean);
  const texts = words.map((w) => norm(w.text));
  outer: for (let i = from; i < texts.length; i++) {
    let j = i;
    for (const key of keys) {
      while (j < texts.length && texts[j] === '') j++;
      if (texts[j] !== key) continue outer;
      j++;
    }
    return i;
  }
  return -1;
}

/** Page `n` (1-based) of `pdf` rendered in grey at `dpi`: { width, height, pixels }. */
function renderPage(pdf, n, dpi) {
  const out = join(scratch, `page-${n}`);
  execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-f', String(n), '-l', String(n), '-singlefile', pdf, out]);
  const bytes = readFileSync(`${out}.pgm`);
  // P5 <width> <height> <max>\n then one byte a pixel.
  const header = bytes.subarray(0, 40).toString('latin1').match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  assert.ok(header, `pdftoppm wrote a PGM for page ${n}`);
  const [text, width, height] = header;
  return { width: Number(width), height: Number(height), pixels: bytes.subarray(text.length) };
}

/** The share of pixels darker than near-white in a band of rows. */
function inkIn(image, top, bottom) {
  let ink = 0;
  let all = 0;
  for (let y = Math.max(0, top); y < Math.min(image.height, bottom); y++) {
    for (let x = 0; x < image.width; x++) {
      all++;
      if (image.pixels[y * image.width + x] < 230) ink++;
    }
  }
  return all === 0 ? 0 : ink / all;
}

test('the report prints every part: its tables as text, each figure drawn and on one page', { timeout: 600000 }, async () => {
  const { page, problems } = await openPage();
  // What the chapters show, read from the chapters themselves once drawn.
  await page.getByTestId('print-report').click();
  await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 300000 });
  assert.equal(await page.getByTestId('report-not-drawn').count(), 0, 'every chapter drew its figures in time');
  const cells = (testid) =>
    page.$$eval(`#chapters [data-testid="${testid}"] tbody td, #chapters [data-testid="${testid}"] tbody th`, (all) => all.map((c) => c.textContent.trim()));
  const counts = await cells('data-counts-table');
  const errors = await cells('gradient-table');
  assert.ok(counts.includes('5,923'), `Table 1 counts MNIST's 5,923 training zeros (LeCun's files): ${counts.join(' ')}`);
  assert.equal(errors.length, 20, 'Table 2 has h = 1 .. 1e-9 and an error for each');

  const items = await page.$$eval('#report .report-item', (all) =>
    all.map((item) => ({
      kind: item.dataset.kind,
      number: Number(item.dataset.number),
      title: item.querySelector('.report-item-title').textContent.trim(),
      caption: item.querySelector('.report-caption')?.textContent.trim() ?? '',
      inked: Number(item.querySelector('img')?.dataset.inked ?? 1),
    })),
  );
  const figures = items.filter((i) => i.kind === 'figure');
  const tables = items.filter((i) => i.kind === 'table');
  // The parts' figures (issue 17's list): at least one per part, more in most.
  assert.ok(figures.length >= 15, `the report has the parts' figures: ${figures.map((f) => f.title).join(' | ')}`);
  assert.match(tables[0].title, /^Table 1\. Images of each digit/);
  assert.match(tables[1].title, /^Table 2\. Total error of forward differences/);
  for (const item of items) assert.ok(item.caption.length > 0, `${item.title} has a caption`);
  for (const figure of figures) assert.ok(figure.inked > 0.005, `${figure.title} is drawn (ink on ${figure.inked} of its picture)`);
  for (let part = 1; part <= 10; part++) assert.equal(await page.getByTestId(`report-chapter-${part}`).count(), 1, `part ${part} is in the report`);
  await page.getByTestId('report').screenshot({ path: join(screenshots, 'report-screen.png') });

  for (const format of ['A4', 'Letter']) {
    // Kept beside the screenshots, to be looked at.
    const pdf = join(screenshots, `report-${format}.pdf`);
    await page.pdf({ path: pdf, format, printBackground: true });
    const pages = pdfWords(pdf);
    const text = pages.map((p) => p.words.map((w) => w.text).join(' ')).join('\n');
    assert.ok(pages.length >= 10, `${format}: a page a part at least (${pages.length})`);
    for (const number of counts) assert.ok(text.includes(number), `${format}: Table 1's ${number} is in the PDF`);
    for (const number of errors) assert.ok(text.includes(number), `${format}: Table 2's ${number} is in the PDF`);
    assert.match(text, /gradlab: the project report/);

    const rendered = new Map();
    for (const item of items) {
      // "Figure 3. Learning curves" (the contents name it too, without its title).
      const heading = item.title.split(/\s+/).slice(0, 5);
      const found = pages.flatMap((p, index) => {
        const at = findSequence(p.words, heading);
        return at < 0 ? [] : [{ index, at }];
      });
      assert.equal(found.length, 1, `${format}: "${heading.join(' ')}" is printed once`);
      const { index, at } = found[0];
      const words = pages[index].words;
      const captionAt = findSequence(words, item.caption.split(/\s+/).slice(0, 4), at + heading.length);
      assert.ok(captionAt > at, `${format}: ${item.title}: its caption is on its page (${index + 1}), so the figure is not cut`);
      if (item.kind !== 'figure') continue;
      // The picture lies between the title's line and the caption's.
      const dpi = 40;
      if (!rendered.has(index)) rendered.set(index, renderPage(pdf, index + 1, dpi));
      const image = rendered.get(index);
      const scale = dpi / 72;
      const ink = inkIn(image, Math.ceil(words[at].y1 * scale) + 1, Math.floor(words[captionAt].y0 * scale) - 1);
      assert.ok(ink > 0.01, `${format}: ${item.title} is drawn on page ${index + 1} (ink ${ink.toFixed(3)})`);
    }
    if (format === 'A4') {
      for (const n of [1, 2, pages.length]) {
        execFileSync('pdftoppm', ['-png', '-r', '60', '-f', String(n), '-l', String(n), '-singlefile', pdf, join(screenshots, `report-page-${n}`)]);
      }
    }
  }
  assert.ok(readdirSync(screenshots).some((f) => f.startsWith('report-page-')));

  // Back to the lab, as it was.
  await page.getByTestId('report-back').click();
  await page.waitForSelector('[data-testid="report"]', { state: 'detached' });
  assert.equal(await page.getByTestId('chapter-1').isVisible(), true);
  assertNoProblems(problems);
  await page.close();
});

test('the report shows the run trained in the page, with its settings, and its link reopens them', { timeout: 600000 }, async () => {
  const { page, problems } = await openPage('#descent');
  const section = page.getByTestId('chapter-4');
  await page.waitForSelector('[data-testid="chapter-4"][data-mounted="true"]');
  await section.getByTestId('descent-epochs').fill('1');
  await section.getByTestId('descent-seed').fill('7');
  await section.getByTestId('descent-train').click();
  await page.waitForSelector('[data-testid="descent-status"][data-phase="finished"]', { timeout: 120000 });
  const status = (await section.getByTestId('descent-status').textContent()).trim();

  await page.getByTestId('print-report').click();
  await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 300000 });
  const part = page.getByTestId('report-chapter-4');
  const text = await part.innerText();
  assert.ok(text.includes(status), `part 4 of the report gives the finished run's status "${status}": ${text}`);
  // The first page gives every part's settings and a link that reopens them.
  const settings = await page.locator('[data-testid="report-settings"] tr[data-part="chapter-4"] td').innerText();
  assert.match(settings, /Epochs: 1\b/, `the settings give 1 epoch: ${settings}`);
  assert.match(settings, /Seed: 7\b/, `the settings give seed 7: ${settings}`);
  const link = await page.getByTestId('report-link').getAttribute('href');
  assert.match(link, /descent\.seed=7/);
  const again = await page.context().newPage();
  await again.goto(link);
  await again.waitForSelector('[data-testid="chapter-4"][data-mounted="true"]', { timeout: 60000 });
  assert.equal(await again.getByTestId('descent-seed').inputValue(), '7');
  assert.equal(await again.getByTestId('descent-epochs').inputValue(), '1');
  await again.close();
  assertNoProblems(problems);
  await page.close();
});

test('a part whose data did not load does not hold the report: the learner shows it as it stands, and it says what is missing', { timeout: 600000 }, async () => {
  const { page, problems } = await openPageWith({ ...missing('**/features/features.safetensors'), data: true });
  await page.getByTestId('print-report').click();
  // Parts 1-9 draw; part 10 cannot, and the report says it waits for it.
  await page.waitForSelector('[data-testid="report-progress"][data-waiting="chapter-10"]', { timeout: 300000 });
  assert.match(await page.getByTestId('report-progress').textContent(), /9 of 10 parts done; waiting for Pretrained features/);
  await page.getByTestId('report-now').click();
  await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 60000 });
  assert.match(await page.getByTestId('report-not-drawn').textContent(), /Part 10: A pretrained network’s features/);
  for (let part = 1; part <= 10; part++) assert.equal(await page.getByTestId(`report-chapter-${part}`).count(), 1, `part ${part} is in the report`);
  assert.ok((await page.locator('[data-testid="report-chapter-9"] .report-figure img').count()) >= 1, 'part 9 is drawn');
  assertNoProblems(problems);
  await page.close();
});
