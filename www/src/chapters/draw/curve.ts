// The live learning curves: cost and accuracy on training and test images
// against iterations, two SVG charts built once and then updated in place, at
// most once per animation frame, however many points arrive in it.
//
// Why not Observable Plot, as the lesson chapters use: a new Plot chart for
// every point (and the draw section gets one every few frames while it
// trains) was a new SVG and a new <style> in the page each frame, so every
// frame re-ran style, layout, paint and layerisation for it, 50-150 ms on
// this machine and 300-700 ms at a Chromebook's speed (BENCHMARKS.md, issue
// 21; bench/main-thread-profile.mjs shows it). Here a point costs a few
// attribute writes: the two lines' paths, the last points' dots and the
// ticks when the axes' domains change. The charts keep Plot's look (its
// margins, grid, ticks, labels and swatch legend) and add a tip under the
// pointer that gives both sets' values at the nearest iteration.

import type { CurvePoint } from '../../protocol';

/** Space between the two charts (CSS .curve gap). */
const GAP = 16;
/** Plot's default margins and our chart height, so the charts look as before. */
const HEIGHT = 210;
const MARGIN = { top: 20, right: 20, bottom: 30, left: 44 };
/** Room for ticks on an axis of either chart (more are never needed: see `ticks`). */
const MAX_TICKS = 16;

const SETS = ['training', 'test'] as const;
type Series = (typeof SETS)[number];
const COLOURS: Record<Series, string> = { training: '#2563eb', test: '#e4572e' };
const SVG = 'http://www.w3.org/2000/svg';

const integer = new Intl.NumberFormat('en');

interface Metric {
  label: string;
  /** What the charts' names say the metric is, for screen readers. */
  name: string;
  value(point: CurvePoint, set: Series): number;
  format(value: number): string;
}

const COST: Metric = {
  label: 'Cost per image ↓',
  name: 'cost per image',
  value: (p, set) => (set === 'training' ? p.train_cost : p.test_cost),
  format: (v) => v.toFixed(3),
};

const ACCURACY: Metric = {
  label: 'Accuracy (%) ↑',
  name: 'accuracy',
  value: (p, set) => 100 * (set === 'training' ? p.train_accuracy : p.test_accuracy),
  format: (v) => `${v.toFixed(1)}%`,
};

export class LearningCurve {
  private points: CurvePoint[] = [];
  private frame = 0;
  /** The root's width as the ResizeObserver last saw it (reading clientWidth
   * in a frame would force a layout there). */
  private width = 0;
  private readonly legend = legend();
  private readonly charts = [new Chart(COST), new Chart(ACCURACY)];
  private readonly placeholder = placeholder();
  private readonly resize = new ResizeObserver((entries) => {
    const width = Math.floor(entries[entries.length - 1].contentRect.width);
    if (width !== this.width) {
      this.width = width;
      this.schedule();
    }
  });

  constructor(private readonly root: HTMLElement) {
    root.dataset.points = '0';
    root.replaceChildren(this.placeholder);
    this.charts[0].element.firstElementChild!.prepend(this.legend);
    this.resize.observe(root);
  }

  clear(): void {
    this.points = [];
    this.schedule();
  }

  add(point: CurvePoint): void {
    this.points.push(point);
    this.schedule();
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = 0;
    const points = this.points;
    this.root.dataset.points = String(points.length);
    if (points.length === 0) {
      if (this.root.firstElementChild !== this.placeholder) this.root.replaceChildren(this.placeholder);
      return;
    }
    // Side by side when each chart can be drawn at a readable size, else
    // one above the other; always at the size they are shown, unscaled.
    const columns = this.width >= 700 ? 2 : 1;
    const chartWidth = Math.max(240, Math.floor((this.width - GAP * (columns - 1)) / columns));
    for (const chart of this.charts) chart.draw(points, chartWidth);
    if (this.root.firstElementChild === this.placeholder) this.root.replaceChildren(...this.charts.map((c) => c.element));
  }
}

/** One metric's chart: its SVG elements, made once and then moved. */
class Chart {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly xTicks: Tick[] = [];
  private readonly yTicks: Tick[] = [];
  private readonly lines: Record<Series, SVGPathElement>;
  private readonly dots: Record<Series, SVGCircleElement>;
  private readonly xLabel: SVGTextElement;
  private readonly tip: Tip;
  private width = 0;
  /** What the axes show now, so that unchanged ticks are not written again. */
  private axesKey = '';
  private x = new Scale(0, 1, 0, 1);
  private y = new Scale(0, 1, 0, 1);
  private points: CurvePoint[] = [];
  /** The iteration under the pointer, or null. */
  private pointed: number | null = null;

  constructor(private readonly metric: Metric) {
    this.element = document.createElement('div');
    this.element.className = 'chart';
    const figure = document.createElement('figure');
    this.svg = svg('svg', {
      fill: 'currentColor',
      'font-family': 'system-ui, sans-serif',
      'font-size': '12',
      'text-anchor': 'middle',
      height: String(HEIGHT),
      role: 'img',
    });
    this.svg.style.display = 'block';
    const grid = append(this.svg, 'g', { stroke: 'currentColor', 'stroke-opacity': '0.1', 'aria-hidden': 'true' });
    const marks = append(this.svg, 'g', { stroke: 'currentColor', fill: 'none', 'aria-hidden': 'true' });
    const labels = append(this.svg, 'g', { 'font-variant': 'tabular-nums', 'aria-hidden': 'true' });
    for (let i = 0; i < MAX_TICKS; i++) {
      this.xTicks.push(new Tick(grid, marks, labels, 'x'));
      this.yTicks.push(new Tick(grid, marks, labels, 'y'));
    }
    const yLabel = append(this.svg, 'text', { x: '3.5', y: '3.5', dy: '0.71em', 'text-anchor': 'start', 'aria-hidden': 'true' });
    yLabel.textContent = metric.label;
    this.xLabel = append(this.svg, 'text', { y: String(HEIGHT - MARGIN.bottom + 27.5), 'text-anchor': 'end', 'aria-hidden': 'true' });
    this.xLabel.textContent = 'iteration →';
    const lineGroup = append(this.svg, 'g', { fill: 'none', 'stroke-width': '2', 'stroke-linejoin': 'round', 'stroke-linecap': 'round', transform: 'translate(0.5,0.5)' });
    const dotGroup = append(this.svg, 'g', { transform: 'translate(0.5,0.5)' });
    this.lines = { training: append(lineGroup, 'path', { stroke: COLOURS.training }), test: append(lineGroup, 'path', { stroke: COLOURS.test }) };
    this.dots = { training: append(dotGroup, 'circle', { r: '3', fill: COLOURS.training }), test: append(dotGroup, 'circle', { r: '3', fill: COLOURS.test }) };
    this.tip = new Tip(this.svg);
    figure.append(this.svg);
    this.element.append(figure);
    this.svg.addEventListener('pointermove', (event) => this.point(event));
    this.svg.addEventListener('pointerdown', (event) => this.point(event));
    this.svg.addEventListener('pointerleave', () => {
      this.pointed = null;
      this.tip.hide();
    });
  }

  draw(points: CurvePoint[], width: number): void {
    this.points = points;
    if (width !== this.width) {
      this.width = width;
      this.element.style.width = `${width}px`;
      this.svg.setAttribute('width', String(width));
      this.svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
      this.xLabel.setAttribute('x', String(width - MARGIN.right + 17.5));
      this.axesKey = '';
    }
    const last = points[points.length - 1];
    let low = Infinity;
    let high = -Infinity;
    for (const point of points) {
      for (const set of SETS) {
        const v = this.metric.value(point, set);
        if (Number.isFinite(v)) {
          low = Math.min(low, v);
          high = Math.max(high, v);
        }
      }
    }
    if (!(low <= high)) [low, high] = [0, 1];
    // As Plot does: domains widened to whole steps of about ten, and about a
    // tick per 80 px across and per 35 px up.
    const xCount = (width - MARGIN.left - MARGIN.right) / 80;
    const yCount = (HEIGHT - MARGIN.top - MARGIN.bottom) / 35;
    const [x0, x1] = nice(points[0].iteration, last.iteration, 10, 1);
    const [y0, y1] = nice(low, high, 10);
    this.x = new Scale(x0, x1, MARGIN.left, width - MARGIN.right);
    this.y = new Scale(y0, y1, HEIGHT - MARGIN.bottom, MARGIN.top);
    const key = `${width} ${x0} ${x1} ${y0} ${y1}`;
    if (key !== this.axesKey) {
      this.axesKey = key;
      placeTicks(this.xTicks, ticks(x0, x1, xCount, 1), this.x, this.y, width);
      placeTicks(this.yTicks, ticks(y0, y1, yCount), this.x, this.y, width);
    }
    for (const set of SETS) {
      let d = '';
      let end: CurvePoint | null = null;
      for (const point of points) {
        const v = this.metric.value(point, set);
        if (!Number.isFinite(v)) continue;
        d += `${d ? 'L' : 'M'}${round(this.x.at(point.iteration))},${round(this.y.at(v))}`;
        end = point;
      }
      this.lines[set].setAttribute('d', d);
      const dot = this.dots[set];
      if (end) {
        dot.setAttribute('cx', String(round(this.x.at(end.iteration))));
        dot.setAttribute('cy', String(round(this.y.at(this.metric.value(end, set)))));
      }
      dot.setAttribute('display', end ? 'inline' : 'none');
    }
    const latest = SETS.map((set) => `${set} ${this.metric.format(this.metric.value(last, set))}`).join(', ');
    this.svg.setAttribute('aria-label', `Learning curve: ${this.metric.name} on training and test images against iterations; at iteration ${integer.format(last.iteration)}, ${latest}`);
    if (this.pointed !== null) this.showTip(this.pointed);
  }

  /** The pointer moved over the chart: the tip goes to the nearest point. */
  private point(event: PointerEvent): void {
    if (this.points.length === 0 || this.width === 0) return;
    // The chart is drawn unscaled unless the page is narrower than 240 px.
    const box = this.svg.getBoundingClientRect();
    const scale = box.width > 0 ? this.width / box.width : 1;
    this.pointed = this.x.invert((event.clientX - box.left) * scale);
    this.showTip(this.pointed);
  }

  private showTip(iteration: number): void {
    let nearest = this.points[0];
    for (const point of this.points) if (Math.abs(point.iteration - iteration) < Math.abs(nearest.iteration - iteration)) nearest = point;
    const rows = SETS.map((set) => ({ set, value: this.metric.value(nearest, set) })).filter((row) => Number.isFinite(row.value));
    this.tip.show(
      this.x.at(nearest.iteration),
      rows.map((row) => ({ colour: COLOURS[row.set], y: this.y.at(row.value), text: `${row.set} ${this.metric.format(row.value)}` })),
      `iteration ${integer.format(nearest.iteration)}`,
      this.width,
    );
  }
}

/** A tick of one axis: its grid line, its mark and its label. */
class Tick {
  private readonly grid: SVGLineElement;
  private readonly mark: SVGLineElement;
  private readonly label: SVGTextElement;

  constructor(
    grid: SVGGElement,
    marks: SVGGElement,
    labels: SVGGElement,
    private readonly axis: 'x' | 'y',
  ) {
    this.grid = append(grid, 'line', {});
    this.mark = append(marks, 'line', {});
    this.label = append(labels, 'text', axis === 'x' ? { dy: '0.71em' } : { dy: '0.32em', 'text-anchor': 'end' });
  }

  place(value: number | null, text: string, x: Scale, y: Scale, width: number): void {
    const display = value === null ? 'none' : 'inline';
    for (const element of [this.grid, this.mark, this.label]) element.setAttribute('display', display);
    if (value === null) return;
    // Half-pixel offsets, as Plot draws them, keep the 1 px lines crisp.
    if (this.axis === 'x') {
      const at = round(x.at(value)) + 0.5;
      setAll(this.grid, { x1: at, x2: at, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom });
      setAll(this.mark, { x1: at, x2: at, y1: HEIGHT - MARGIN.bottom, y2: HEIGHT - MARGIN.bottom + 6 });
      setAll(this.label, { x: at, y: HEIGHT - MARGIN.bottom + 9.5 });
    } else {
      const at = round(y.at(value)) + 0.5;
      setAll(this.grid, { x1: MARGIN.left, x2: width - MARGIN.right, y1: at, y2: at });
      setAll(this.mark, { x1: MARGIN.left - 6, x2: MARGIN.left, y1: at, y2: at });
      setAll(this.label, { x: MARGIN.left - 8.5, y: at });
    }
    if (this.label.textContent !== text) this.label.textContent = text;
  }
}

function placeTicks(pool: Tick[], values: number[], x: Scale, y: Scale, width: number): void {
  const format = tickFormat(values);
  pool.forEach((tick, i) => tick.place(i < values.length ? values[i] : null, i < values.length ? format(values[i]) : '', x, y, width));
}

/** The tip under the pointer: a rule at the iteration, a ring on each line
 * and a box with the iteration and each set's value. */
class Tip {
  private readonly group: SVGGElement;
  private readonly rule: SVGLineElement;
  private readonly rings: SVGCircleElement[];
  private readonly box: SVGRectElement;
  private readonly lines: { marker: SVGTSpanElement; text: SVGTSpanElement; line: SVGTextElement }[];

  constructor(svg: SVGSVGElement) {
    this.group = append(svg, 'g', { display: 'none', 'pointer-events': 'none', 'aria-hidden': 'true' });
    this.rule = append(this.group, 'line', { stroke: 'currentColor', 'stroke-opacity': '0.3', y1: String(MARGIN.top), y2: String(HEIGHT - MARGIN.bottom) });
    this.rings = SETS.map(() => append(this.group, 'circle', { r: '4.5', fill: 'none', 'stroke-width': '2' }));
    this.box = append(this.group, 'rect', { fill: 'var(--plot-background, white)', stroke: 'currentColor', 'stroke-opacity': '0.4', rx: '3' });
    this.lines = [0, 1, 2].map(() => {
      const line = append(this.group, 'text', { 'text-anchor': 'start', 'font-variant': 'tabular-nums' });
      // The set's colour on a marker only: the text stays in the page's
      // colour, which reads well on the box (the orange would not).
      return { line, marker: append(line, 'tspan', {}), text: append(line, 'tspan', {}) };
    });
  }

  show(x: number, rows: { colour: string; y: number; text: string }[], title: string, width: number): void {
    this.group.setAttribute('display', 'inline');
    const at = round(x) + 0.5;
    setAll(this.rule, { x1: at, x2: at });
    this.rings.forEach((ring, i) => {
      const row = rows[i];
      ring.setAttribute('display', row ? 'inline' : 'none');
      if (row) setAll(ring, { cx: at, cy: round(row.y) + 0.5, stroke: row.colour });
    });
    const texts = [{ text: title, colour: null }, ...rows.map((row) => ({ text: row.text, colour: row.colour }))];
    // No text measurement (it would force a layout): 7 px a character is
    // wide enough for these labels at 12 px.
    const boxWidth = 30 + 7 * Math.max(...texts.map((t) => t.text.length));
    const boxHeight = 10 + 16 * texts.length;
    const left = x + 10 + boxWidth <= width ? x + 10 : x - 10 - boxWidth;
    setAll(this.box, { x: round(left), y: MARGIN.top, width: boxWidth, height: boxHeight });
    this.lines.forEach(({ line, marker, text }, i) => {
      const row = texts[i];
      line.setAttribute('display', row ? 'inline' : 'none');
      if (!row) return;
      setAll(line, { x: round(left) + 8, y: MARGIN.top + 20 + 16 * i });
      const mark = row.colour ? '■ ' : '';
      if (marker.textContent !== mark) marker.textContent = mark;
      if (row.colour) marker.setAttribute('fill', row.colour);
      if (text.textContent !== row.text) text.textContent = row.text;
    });
  }

  hide(): void {
    this.group.setAttribute('display', 'none');
  }
}

/** A linear map from [d0, d1] to [r0, r1]. */
class Scale {
  constructor(
    private readonly d0: number,
    private readonly d1: number,
    private readonly r0: number,
    private readonly r1: number,
  ) {}

  at(value: number): number {
    return this.r0 + ((value - this.d0) / (this.d1 - this.d0 || 1)) * (this.r1 - this.r0);
  }

  invert(position: number): number {
    return this.d0 + ((position - this.r0) / (this.r1 - this.r0 || 1)) * (this.d1 - this.d0);
  }
}

// Ticks as d3-scale (and so Plot) chooses them: a step of 1, 2 or 5 times a
// power of ten giving about `count` ticks, and a domain widened to whole steps.
const E10 = Math.sqrt(50);
const E5 = Math.sqrt(10);
const E2 = Math.sqrt(2);

/** The step for about `count` ticks, at least `least` (1 for iterations). */
function tickStep(start: number, stop: number, count: number, least: number): number {
  const step = (stop - start) / Math.max(1, count);
  const power = Math.floor(Math.log10(step));
  const error = step / 10 ** power;
  const factor = error >= E10 ? 10 : error >= E5 ? 5 : error >= E2 ? 2 : 1;
  return Math.max(least, factor * 10 ** power);
}

/** The domain [start, stop] widened to whole tick steps; a single value gets
 * room around it (or above it, from 0). */
export function nice(start: number, stop: number, count: number, least = 0): [number, number] {
  if (!(stop > start)) {
    const pad = Math.max(least, Math.abs(start) * 0.1) || 1;
    [start, stop] = start === 0 ? [0, pad] : [start - pad, stop + pad];
  }
  let previous = NaN;
  for (let i = 0; i < 10; i++) {
    const step = tickStep(start, stop, count, least);
    if (step === previous) break;
    start = Math.floor(start / step) * step;
    stop = Math.ceil(stop / step) * step;
    previous = step;
  }
  return [start, stop];
}

export function ticks(start: number, stop: number, count: number, least = 0): number[] {
  const step = tickStep(start, stop, count, least);
  // Multiples of an integer step, or of its inverse below 1, so that 0.1 * 3
  // is 0.3 and not 0.30000000000000004.
  const inverse = step < 1 ? Math.round(1 / step) : 0;
  const first = Math.ceil(start / step - 1e-9);
  const last = Math.floor(stop / step + 1e-9);
  const values: number[] = [];
  // (+ 0 makes -0, which Math.ceil gives for a tiny negative, a plain 0.)
  for (let i = first; i <= last && values.length < MAX_TICKS; i++) values.push((inverse ? i / inverse : i * step) + 0);
  return values;
}

/** Labels with as many decimals as the step needs and thousands separated (1,800; 0.5). */
function tickFormat(values: number[]): (value: number) => string {
  const step = values.length > 1 ? values[1] - values[0] : 1;
  let decimals = 0;
  while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  const format = new Intl.NumberFormat('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return (value) => format.format(value);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function svg<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function append<K extends keyof SVGElementTagNameMap>(parent: Element, name: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const element = svg(name, attributes);
  parent.append(element);
  return element;
}

/** Sets attributes, skipping those that already hold the value. */
function setAll(element: Element, attributes: Record<string, string | number>): void {
  for (const [key, value] of Object.entries(attributes)) {
    const text = String(value);
    if (element.getAttribute(key) !== text) element.setAttribute(key, text);
  }
}

/** Plot's swatch legend, as the cost chart had it. */
function legend(): HTMLElement {
  const row = document.createElement('div');
  row.style.cssText = 'display:flex;flex-wrap:wrap;align-items:center;min-height:33px;margin-bottom:0.5em;font:10px system-ui,sans-serif';
  for (const set of SETS) {
    const swatch = document.createElement('span');
    swatch.style.cssText = 'display:inline-flex;align-items:center;margin-right:1em';
    const square = svg('svg', { width: '15', height: '15', fill: COLOURS[set], 'aria-hidden': 'true' });
    square.style.marginRight = '0.5em';
    append(square, 'rect', { width: '100%', height: '100%' });
    swatch.append(square, set);
    row.append(swatch);
  }
  return row;
}

function placeholder(): HTMLElement {
  const note = document.createElement('p');
  note.className = 'placeholder';
  note.textContent = 'Press Train (or Step) to draw the learning curves here.';
  return note;
}
