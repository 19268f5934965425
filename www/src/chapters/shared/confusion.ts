// Confusion matrices of the faces chapters (parts 8 and 10), rows the true
// person and columns the one the network names. A few people fit a table of
// counts (part 8's six); with many (part 10's forty) the counts are too small
// to read and too wide for a phone, so they are drawn as a heatmap instead:
// one square per (true, named) pair, green on the diagonal, red off it, paler
// for a smaller share of the person's test faces.

import type { FacePrediction } from '../../protocol';
import { Plot, plot } from './charts';

/** The test faces the network names wrongly, in the order they came. */
export function mistakes(predictions: FacePrediction[]): FacePrediction[] {
  return predictions.filter((p) => p.predicted !== p.label);
}

/** Test faces named rightly, and all of them. */
export function rightCount(predictions: FacePrediction[]): { right: number; total: number } {
  return { right: predictions.length - mistakes(predictions).length, total: predictions.length };
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The confusion matrix as a table of counts (markup), for a few people. */
export function confusionTable(people: string[], confusion: number[][], testid: string): string {
  const names = people.map(escape);
  const head = `<tr><th scope="col">true ↓ / said →</th>${names.map((p) => `<th scope="col">${p}</th>`).join('')}</tr>`;
  const body = confusion
    .map(
      (row, i) =>
        `<tr><th scope="row">${names[i]}</th>${row
          .map((n, j) => `<td class="${i === j ? 'right-cell' : n > 0 ? 'wrong-cell' : ''}">${n}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  return `<table class="counts confusion" data-testid="${testid}"><caption class="visually-hidden">Test faces: true person by row, predicted person by column</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

interface Cell {
  truth: string;
  said: string;
  count: number;
  /** The true person's test faces, and the share of them in this square. */
  total: number;
  share: number;
  right: boolean;
}

/** `from` mixed towards `to` by `t` (0..1); colours as #rrggbb. */
function mix(from: string, to: string, t: number): string {
  const channel = (hex: string, i: number) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  const parts = [0, 1, 2].map((i) => Math.round(channel(from, i) + (channel(to, i) - channel(from, i)) * t));
  return `#${parts.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** The colours of the table's right and wrong cells, deepened by share. */
const RIGHT = ['#bfe6cf', '#1f8a50'] as const;
const WRONG = ['#f6b8ab', '#b42318'] as const;
/** A diagonal square with no face named rightly: still drawn, so the diagonal reads as a line. */
const EMPTY_DIAGONAL = '#eef0f4';

function fill(cell: Cell): string {
  if (cell.count === 0) return EMPTY_DIAGONAL;
  const [pale, deep] = cell.right ? RIGHT : WRONG;
  return mix(pale, deep, cell.share);
}

export interface HeatmapOptions {
  width: number;
  /** Read by screen readers, and the chart's title in the tooltip. */
  label: string;
}

/**
 * The confusion matrix as a heatmap (an SVG chart). The axes name every
 * person when there is room, else every fifth (with the first); each
 * square's tooltip names both people and counts the faces.
 */
export function confusionHeatmap(people: string[], confusion: number[][], options: HeatmapOptions): SVGSVGElement | HTMLElement {
  const cells: Cell[] = [];
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (count > 0 || t === p) cells.push({ truth: people[t], said: people[p], count, total, share: total > 0 ? count / total : 0, right: t === p });
    });
  });
  const marginLeft = 40;
  const marginBottom = 44;
  const marginTop = 20;
  const marginRight = 8;
  const side = Math.max(120, options.width - marginLeft - marginRight);
  const step = side / Math.max(1, people.length);
  // Every name needs about a line of text across; else every fifth.
  const every = step >= 12 ? 1 : 5;
  const ticks = people.filter((_, i) => every === 1 || i === 0 || (i + 1) % every === 0);
  const wrong = cells.filter((c) => !c.right);
  const chart = plot({
    width: side + marginLeft + marginRight,
    height: side + marginTop + marginBottom,
    marginLeft,
    marginBottom,
    marginTop,
    marginRight,
    style: { fontSize: '10px', background: 'transparent' },
    x: { domain: people, ticks, tickRotate: -90, label: 'named as →', labelAnchor: 'right', labelOffset: 40, padding: 0.06 },
    y: { domain: people, ticks, label: '↓ true person', labelAnchor: 'top', padding: 0.06 },
    marks: [
      Plot.frame({ stroke: '#dfe3ea' }),
      Plot.cell(cells, {
        className: 'confusion-cell',
        x: 'said',
        y: 'truth',
        fill: fill,
        title: (c: Cell) =>
          c.right
            ? `${c.truth}: ${c.count} of ${c.total} test faces named rightly`
            : `${c.truth} taken for ${c.said}: ${c.count} test face${c.count === 1 ? '' : 's'}`,
        tip: true,
      }),
      // The mistakes' counts, where a digit fits in a square.
      step >= 11 ? Plot.text(wrong, { x: 'said', y: 'truth', text: (c: Cell) => String(c.count), fill: '#fff', fontWeight: 700 }) : null,
    ],
  });
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-label', options.label);
  return chart;
}

/** A mistake as text: "s12 taken for s30, p = 0.61" (p: the network's probability for its answer). */
export function mistakeText(people: string[], p: FacePrediction): string {
  return `${people[p.label]} taken for ${people[p.predicted]}, p = ${p.probability.toFixed(2)}`;
}

/** The list of mistakes under a heatmap, or a line saying there are none. */
export function mistakeList(people: string[], predictions: FacePrediction[], testid: string): HTMLElement {
  const wrong = mistakes(predictions);
  if (wrong.length === 0) {
    const p = document.createElement('p');
    p.className = 'none-confused';
    p.dataset.testid = testid;
    p.dataset.count = '0';
    p.dataset.pngText = '';
    p.textContent = `No mistakes: all ${predictions.length} test faces are named rightly.`;
    return p;
  }
  const list = document.createElement('ul');
  list.className = 'mistake-list';
  list.dataset.testid = testid;
  list.dataset.count = String(wrong.length);
  for (const p of wrong) {
    const item = document.createElement('li');
    item.dataset.pngText = '';
    item.textContent = mistakeText(people, p);
    list.append(item);
  }
  return list;
}
