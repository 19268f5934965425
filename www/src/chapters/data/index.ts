// Part 1, the data: ten training images of each digit (another sample on
// request), any of them enlarged with its label, and how many images of each
// digit each split holds.

import type { Lab } from '../../lab';
import type { ClassCounts, Gallery } from '../../protocol';
import { chapterHead, digitImage, figure, grouped, paint, reportError, SIDE, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { ChapterState } from '../shared/state';

const PER_CLASS = 10;
const DIGITS = 10;
/** Successive samples start their search this far apart in the training set. */
const SAMPLE_STRIDE = 6007;
const TRAIN_SIZE = 60000;

const MARKUP = `
  ${chapterHead(
    1,
    'The data',
    `MNIST holds 70,000 handwritten digits: 60,000 to train on and 10,000 to test with, images the network never
     sees while it learns. Each is 28×28 pixels of grey levels from 0 (paper) to 255 (ink).`,
  )}
  <div class="lesson-grid">
    <div class="explain">
      <p>The network does not see a picture: it sees a column of numbers. Each image's 784 pixels, read row by row and
        divided by 255, become a vector, with a 1 on top that will multiply the bias:</p>
      ${texBlock(String.raw`x = \begin{bmatrix} 1 \\ x_1 \\ \vdots \\ x_{784} \end{bmatrix} \in \mathbb{R}^{785}`)}
      <p>A batch of ${tex('m')} images is the matrix ${tex('X')}, one image per column:</p>
      ${texBlock(String.raw`X = \begin{bmatrix} x^{(1)} & x^{(2)} & \cdots & x^{(m)} \end{bmatrix} \in \mathbb{R}^{785 \times m}`)}
      <p>Its labels are one-hot columns, ${tex('Y')} being ${tex(String.raw`10 \times m`)}: ${tex(String.raw`Y_{c j}`)} is 1 when
        image ${tex('j')} shows the digit ${tex('c')} and 0 otherwise.</p>
      <p>Click any image to see it enlarged with its label. The digits are written by about 500 people, and some are
        hard to read even for us.</p>
      <div class="enlarged card" data-testid="data-enlarged" aria-live="polite">
        <canvas class="big-digit" data-testid="data-enlarged-canvas" role="img" aria-label="The selected image, enlarged"></canvas>
        <p class="enlarged-label" data-testid="data-enlarged-label">Click an image of the gallery.</p>
      </div>
    </div>
    <div class="figures">
      ${figure(
        'data-gallery',
        'Ten training images of each digit',
        'Each row is one digit, 0 at the top, taken in order from the training set starting at the sample’s first image.<span class="screen-only"> Use the arrow keys to move through the gallery and Enter to enlarge.</span>',
        '<div class="gallery" role="grid" aria-label="Gallery: ten images of each digit"></div>',
      )}
      <div class="controls-row">
        <button type="button" data-testid="data-resample">Another sample</button>
        <span class="small" data-testid="data-sample-note"></span>
      </div>
      ${figure(
        'data-counts',
        'Images of each digit in each split',
        'Not quite balanced: there are 6,742 ones but only 5,421 fives in the training set, so a network that always said “1” would be right 11% of the time.',
        '<table class="counts" data-testid="data-counts-table"><caption class="visually-hidden">Images per digit</caption></table>',
      )}
    </div>
  </div>
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('data');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const gallery = section.querySelector<HTMLElement>('.gallery')!;
  const note = find<HTMLElement>('data-sample-note');
  const resample = find<HTMLButtonElement>('data-resample');
  const bigCanvas = find<HTMLCanvasElement>('data-enlarged-canvas');
  const bigLabel = find<HTMLElement>('data-enlarged-label');
  bigCanvas.width = SIDE;
  bigCanvas.height = SIDE;
  // The hundred images are tiles of one canvas under the grid of buttons:
  // a canvas each cost the browser a resource of its own to create and
  // hand to the compositor, and the gallery arrives with MNIST, usually in
  // the first training run's frames (BENCHMARKS.md, issue 21's ninth round).
  const sheet = document.createElement('canvas');
  sheet.className = 'gallery-sheet';
  sheet.width = PER_CLASS * SIDE;
  sheet.height = DIGITS * SIDE;
  sheet.setAttribute('aria-hidden', 'true');
  const sheetContext = sheet.getContext('2d');
  if (!sheetContext) throw new Error('the browser gave no 2D canvas for the gallery');

  let sample = state.number('sample', 0, 0, 1e6, true);
  let selected = state.number('image', -1, -1, TRAIN_SIZE - 1, true);
  let current: Gallery | null = null;
  let focusCell = 0;

  /** Shows image `index` enlarged; `remember` puts it in the hash (a person's choice). */
  const enlarge = (index: number, remember = true) => {
    selected = index;
    if (remember) state.set('image', index, -1);
    lab
      .request({ type: 'digit', split: 'train', index })
      .then((digit) => {
        paint(bigCanvas, digit.rgba);
        bigCanvas.setAttribute('aria-label', `Training image ${index}, a handwritten ${digit.label}, enlarged`);
        bigLabel.innerHTML = `Label: <strong class="big-label">${digit.label}</strong><br><span class="small">training image #${grouped(index)}</span>`;
        bigLabel.dataset.label = String(digit.label);
        for (const cell of gallery.querySelectorAll<HTMLElement>('.cell')) cell.setAttribute('aria-selected', String(Number(cell.dataset.index) === index));
      })
      .catch((error) => reportError(lab, error));
  };

  const render = (g: Gallery) => {
    current = g;
    const rows: HTMLElement[] = [];
    g.indices.forEach((indices, digit) => {
      const row = document.createElement('div');
      row.className = 'gallery-row';
      row.setAttribute('role', 'row');
      const label = document.createElement('span');
      label.className = 'row-label';
      label.setAttribute('role', 'rowheader');
      label.dataset.pngText = '';
      label.textContent = String(digit);
      row.append(label);
      indices.forEach((index, k) => {
        const n = digit * PER_CLASS + k;
        const cell = document.createElement('button');
        cell.type = 'button';
        cell.className = 'cell';
        cell.setAttribute('role', 'gridcell');
        cell.dataset.index = String(index);
        cell.dataset.n = String(n);
        cell.tabIndex = n === focusCell ? 0 : -1;
        cell.setAttribute('aria-selected', String(index === selected));
        cell.setAttribute('aria-label', `a ${digit}, training image ${index}`);
        sheetContext.putImageData(digitImage(g.rgba, n), k * SIDE, digit * SIDE);
        cell.addEventListener('click', () => {
          focusCell = n;
          enlarge(index);
        });
        row.append(cell);
      });
      rows.push(row);
    });
    gallery.replaceChildren(sheet, ...rows);
    gallery.dataset.count = String(g.indices.flat().length);
    const offset = (sample * SAMPLE_STRIDE) % TRAIN_SIZE;
    note.textContent = `Sample ${sample + 1}: the first ten of each digit from training image #${grouped(offset)} on.`;
  };

  // Arrow keys move between images (one tab stop for the whole gallery).
  gallery.addEventListener('keydown', (event) => {
    if (!current) return;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: PER_CLASS, ArrowUp: -PER_CLASS, Home: -focusCell, End: 99 - focusCell };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    focusCell = Math.max(0, Math.min(99, focusCell + move));
    for (const cell of gallery.querySelectorAll<HTMLButtonElement>('.cell')) {
      const here = Number(cell.dataset.n) === focusCell;
      cell.tabIndex = here ? 0 : -1;
      if (here) cell.focus();
    }
  });

  const load = () => {
    const offset = (sample * SAMPLE_STRIDE) % TRAIN_SIZE;
    resample.disabled = true;
    lab
      .request({ type: 'gallery', perClass: PER_CLASS, offset })
      .then((g) => {
        render(g);
        if (selected < 0) enlarge(g.indices[0][0], false);
      })
      .catch((error) => reportError(lab, error))
      .finally(() => {
        resample.disabled = false;
      });
  };

  resample.addEventListener('click', () => {
    sample += 1;
    state.set('sample', sample, 0);
    load();
  });

  whenReady(section, lab, true, () => {
    load();
    if (selected >= 0) enlarge(selected, false);
    lab
      .request({ type: 'class-counts' })
      .then((counts) => showCounts(find<HTMLTableElement>('data-counts-table'), counts))
      .catch((error) => reportError(lab, error));
  });
}

function showCounts(table: HTMLTableElement, counts: ClassCounts): void {
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const share = (n: number, all: number) => `${((100 * n) / all).toFixed(1)}%`;
  const trainTotal = total(counts.train);
  const testTotal = total(counts.test);
  const rows = counts.train
    .map(
      (n, digit) =>
        `<tr><th scope="row">${digit}</th><td>${grouped(n)}</td><td class="share">${share(n, trainTotal)}</td><td>${grouped(counts.test[digit])}</td><td class="share">${share(counts.test[digit], testTotal)}</td></tr>`,
    )
    .join('');
  table.innerHTML = `
    <caption class="visually-hidden">Images per digit in the training and test sets</caption>
    <thead><tr><th scope="col">digit</th><th scope="col">training</th><th scope="col" class="share">share</th><th scope="col">test</th><th scope="col" class="share">share</th></tr></thead>
    <tbody>${rows}</tbody>
    <tfoot><tr><th scope="row">all</th><td>${grouped(trainTotal)}</td><td class="share">100%</td><td>${grouped(testTotal)}</td><td class="share">100%</td></tr></tfoot>`;
  table.dataset.total = String(trainTotal + testTotal);
}
