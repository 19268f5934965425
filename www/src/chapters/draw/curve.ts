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
//
// The scales and lines (d3-scale, d3-shape and the d3 modules they bring,
// more than half of the page's start-up script) load when the page is idle
// after start-up, or at the first point if that comes first: until a run
// starts the charts are a placeholder, and the start-up's one long task
// need not compile them (BENCHMARKS.md, issue 21).

import type { ScaleLinear } from 'd3-scale';
import type { line as d3Line } from 'd3-shape';
import { drawInFrame, whenIdle } from '../../frames';
import type { CurvePoint } from '../../protocol';
import { grouped } from '../shared/lesson';

interface D3 {
  scaleLinear: () => Linear;
  line: typeof d3Line;
}

/** d3's scales and lines, once loaded. */
let d3: D3 | null = null;
let loading: Promise<D3> | null = null;

/** Loads d3's scales and lines (once; again after a failure). A failure
 * rejects, and reaches the page's error panel as an unhandled rejection. */
function loadD3(): Promise<D3> {
  loading ??= Promise.all([import('d3-scale'), import('d3-shape')]).then(
    ([scale, shape]) => (d3 = { scaleLinear: () => scale.scaleLinear(), line: shape.line }),
    (error: Error) => {
      loading = null;
      throw new Error(`the learning curves' chart code did not load (${error.message}); reload the page`);
    },
  );
  return loading;
}

/** Space between the two charts (CSS .curve gap). */
const GAP = 16;
/** Plot's default margins and our chart height, so the charts look as before. */
const HEIGHT = 210;
const MARGIN = { top: 20, right: 20, bottom: 30, left: 44 };
/** The legend row above the first chart: its min-height (33 px) and bottom margin (0.5em of 10 px), as `legend` sets them. */
const LEGEND_HEIGHT = 38;
/** Room for ticks on an axis of either chart (more are never needed: see `ticks`). */
const MAX_TICKS = 16;

const SETS = ['training', 'test'] as const;
type Series = (typeof SETS)[number];
const COLOURS: Record<Series, string> = { training: '#2563eb', test: '#e4572e' };
const SVG = 'http://www.w3.org/2000/svg';

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

const METRICS = [COST, ACCURACY];

/** Two made-up points a chart is drawn with, hidden, when it is made at
 * idle time (`LearningCurve.rehearse`). */
const WARM_UP: CurvePoint[] = [
  { iteration: 0, epoch: 0, train_cost: 2.3, train_accuracy: 0.1, test_cost: 2.3, test_accuracy: 0.1 },
  { iteration: 100, epoch: 0.2, train_cost: 0.5, train_accuracy: 0.85, test_cost: 0.5, test_accuracy: 0.85 },
];

export class LearningCurve {
  private points: CurvePoint[] = [];
  private live = false;
  private readonly renderNow = () => this.render();
  /** The root's width as the ResizeObserver last saw it (reading clientWidth
   * in a frame would force a layout there). */
  private width = 0;
  /** The two charts' SVGs (about 240 elements): made one at a time when
   * the page is idle after start-up (or at the first point), not during
   * start-up, when only the placeholder shows. Each goes into the page
   * when it is made, hidden under the placeholder, so that its first style
   * and layout are done then: at the first point they were 45 ms at 4x CPU
   * throttling in one trace (BENCHMARKS.md, issue 21's ninth round). */
  private readonly charts: Chart[] = [];
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
    this.resize.observe(root);
    const prepare = () => {
      if (this.charts.length === METRICS.length) return;
      if (!d3) {
        void loadD3().then(() => whenIdle(prepare));
        return;
      }
      this.rehearse(this.addChart(), d3);
      whenIdle(prepare);
    };
    whenIdle(prepare);
  }

  private addChart(): Chart {
    const chart = new Chart(METRICS[this.charts.length]);
    if (this.charts.length === 0) chart.element.firstElementChild!.prepend(legend());
    this.charts.push(chart);
    this.root.append(chart.element);
    return chart;
  }

  /** Draws `chart` with made-up points, hidden, at the width it will be
   * drawn at: d3's code then runs (and is compiled) at idle time and not in
   * a run's first frame (73 ms of script at 4x CPU throttling in one
   * trace), and the chart already takes the room it will take. */
  private rehearse(chart: Chart, lib: D3): void {
    chart.draw(WARM_UP, this.chartWidth(), lib);
    chart.hide();
  }

  /** A chart's width: always drawn at the size it is shown, unscaled. */
  private chartWidth(): number {
    const across = columns(this.width);
    return Math.max(240, Math.floor((this.width - GAP * (across - 1)) / across));
  }

  clear(): void {
    this.points = [];
    this.schedule();
  }

  /** Whether points are still coming (a run trains): then the iterations
   * axis runs ahead of them (iterationsEnd); otherwise it fits them. */
  setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    this.schedule();
  }

  add(point: CurvePoint): void {
    this.points.push(point);
    this.schedule();
  }

  private schedule(): void {
    drawInFrame(this.renderNow);
  }

  private render(): void {
    const points = this.points;
    const chartWidth = this.chartWidth();
    // The charts' room is kept from the start (the placeholder fills it),
    // so that neither the first point nor a Reset moves what is below: each
    // such move made the browser lay out, pre-paint and paint the whole page
    // again, 70-140 ms at 4x CPU throttling (BENCHMARKS.md, issue 21's
    // ninth round). Set here, in a frame, and not in the ResizeObserver's
    // callback, where changing the observed box's size is a loop the
    // browser reports as an error.
    const room = columns(this.width) === 2 ? LEGEND_HEIGHT + HEIGHT : LEGEND_HEIGHT + HEIGHT + GAP + HEIGHT;
    if (this.root.style.minHeight !== `${room}px`) this.root.style.minHeight = `${room}px`;
    if (points.length === 0) {
      this.root.dataset.points = '0';
      this.placeholder.hidden = false;
      for (const chart of this.charts) {
        // At a new width, drawn again so as to take the room it will take.
        if (d3 && !chart.fits(chartWidth)) this.rehearse(chart, d3);
        chart.hide();
      }
      return;
    }
    if (!d3) {
      // Drawn once d3 is in; data-points says only what is drawn.
      void loadD3().then(() => this.schedule());
      return;
    }
    // Made in a run's frame only if the first point came before the page
    // was idle: not rehearsed then, to keep that frame short.
    while (this.charts.length < METRICS.length) this.addChart().hide();
    this.placeholder.hidden = true;
    // A chart still showing other points (made-up ones, or a run's before a
    // Reset in the same frame) stays hidden until its frame.
    for (const chart of this.charts) if (!chart.showsRun(points)) chart.hide();
    // One chart a frame (both took 13-150 ms of a frame at 4x CPU
    // throttling, the most when their axes changed or at the first point):
    // the one drawn longest ago, so that while points keep coming they take
    // turns (the first stale one each time left the second behind for a
    // whole run); the other is drawn in the next frame.
    const stale = this.charts.filter((chart) => !chart.shows(points, chartWidth, this.live));
    const behind = stale.reduce<Chart | null>((oldest, chart) => (oldest && oldest.drawnAt <= chart.drawnAt ? oldest : chart), null);
    behind?.draw(points, chartWidth, d3, this.live);
    if (stale.length > 1) this.schedule();
    // What both charts show of this run.
    this.root.dataset.points = String(Math.min(...this.charts.map((chart) => (chart.showsRun(points) ? chart.drawnPoints : 0))));
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
  /** The axes' scales as last drawn (set by the first `draw`, before any
   * pointer can reach a point). */
  private x!: Linear;
  private y!: Linear;
  private points: CurvePoint[] = [];
  /** The iteration under the pointer, or null. */
  private pointed: number | null = null;

  constructor(private readonly metric: Metric) {
    this.element = document.createElement('div');
    this.element.className = 'chart';
    // Shown by its first drawing.
    this.hide();
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

  /** How many points the chart showed when it was last drawn. */
  drawnPoints = 0;
  /** Whether it was last drawn with its iterations axis ahead of the points. */
  private drawnLive = false;
  /** When it was last drawn (performance.now()). */
  drawnAt = -Infinity;

  /** Hidden (its room kept) until its next drawing. */
  hide(): void {
    this.element.style.visibility = 'hidden';
  }

  /** Whether the chart was last drawn at `width`. */
  fits(width: number): boolean {
    return this.width === width;
  }

  /** Whether the chart was last drawn from `points` (the curve's own list,
   * which only grows until it is replaced), at any length. */
  showsRun(points: CurvePoint[]): boolean {
    return this.points === points;
  }

  /** Whether the chart shows `points` (the curve's own list, which only
   * grows until it is replaced) at `width`, on an axis for a `live` run or not. */
  shows(points: CurvePoint[], width: number, live: boolean): boolean {
    return this.showsRun(points) && this.drawnPoints === points.length && this.fits(width) && this.drawnLive === live;
  }

  /** Draws `points` at `width`, its iterations axis ahead of them if the
   * run is `live`; only once d3 is loaded (LearningCurve.render). */
  draw(points: CurvePoint[], width: number, { scaleLinear, line }: D3, live = false): void {
    this.points = points;
    this.drawnPoints = points.length;
    this.drawnLive = live;
    this.drawnAt = performance.now();
    this.element.style.visibility = '';
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
    // As Plot does (with d3-scale): domains widened to whole steps of about
    // ten, and about a tick per 80 px across and per 35 px up; iterations
    // are whole numbers, so their ticks are too. While a run trains, the
    // iterations axis runs past the last point (iterationsEnd), so that it
    // changes seldom; once it stops, the axis fits the points again.
    const xCount = (width - MARGIN.left - MARGIN.right) / 80;
    const yCount = (HEIGHT - MARGIN.top - MARGIN.bottom) / 35;
    const first = points[0].iteration;
    this.x = scaleLinear()
      .domain(live ? [first, iterationsEnd(first, last.iteration)] : spread(first, last.iteration, 1))
      .nice(10)
      .range([MARGIN.left, width - MARGIN.right]);
    this.y = scaleLinear()
      .domain(spread(low, high, Math.abs(low) * 0.1 || 1))
      .nice(10)
      .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
    const key = `${width} ${this.x.domain()} ${this.y.domain()}`;
    // For tests: the iterations axis, whether it was drawn for a live run,
    // and the first and last points' iterations.
    this.element.dataset.iterations = `${this.x.domain().join(' ')} ${live ? 'live' : 'fitted'} ${first} ${last.iteration}`;
    if (key !== this.axesKey) {
      this.axesKey = key;
      placeTicks(this.xTicks, this.x, xCount, Number.isInteger, this.x, this.y, width);
      placeTicks(this.yTicks, this.y, yCount, () => true, this.x, this.y, width);
    }
    for (const set of SETS) {
      const value = (point: CurvePoint) => this.metric.value(point, set);
      const path = line<CurvePoint>()
        .defined((point) => Number.isFinite(value(point)))
        .x((point) => round(this.x(point.iteration)))
        .y((point) => round(this.y(value(point))));
      this.lines[set].setAttribute('d', path(points) ?? '');
      const end = points.findLast((point) => Number.isFinite(value(point)));
      const dot = this.dots[set];
      if (end) {
        dot.setAttribute('cx', String(round(this.x(end.iteration))));
        dot.setAttribute('cy', String(round(this.y(value(end)))));
      }
      dot.setAttribute('display', end ? 'inline' : 'none');
    }
    const latest = SETS.map((set) => `${set} ${this.metric.format(this.metric.value(last, set))}`).join(', ');
    this.svg.setAttribute('aria-label', `Learning curve: ${this.metric.name} on training and test images against iterations; at iteration ${grouped(last.iteration)}, ${latest}`);
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
      this.x(nearest.iteration),
      rows.map((row) => ({ colour: COLOURS[row.set], y: this.y(row.value), text: `${row.set} ${this.metric.format(row.value)}` })),
      `iteration ${grouped(nearest.iteration)}`,
      this.width,
    );
  }
}

/** A tick of one axis: its grid line, its mark and its label. */
class Tick {
  private readonly grid: SVGLineElement;
  private readonly mark: SVGLineElement;
  private readonly label: SVGTextElement;
  /** Where the tick was last placed, its label and the chart's width. */
  private shown = '';

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

  place(value: number | null, text: string, x: Linear, y: Linear, width: number): void {
    // Half-pixel offsets, as Plot draws them, keep the 1 px lines crisp.
    const at = value === null ? null : round(this.axis === 'x' ? x(value) : y(value)) + 0.5;
    // A tick that would be written as it is (the other axis's ticks when
    // one axis changes, the hidden ones) is skipped.
    const shown = `${at} ${text} ${width}`;
    if (shown === this.shown) return;
    this.shown = shown;
    const display = at === null ? 'none' : 'inline';
    for (const element of [this.grid, this.mark, this.label]) setAll(element, { display });
    if (at === null) return;
    if (this.axis === 'x') {
      setAll(this.grid, { x1: at, x2: at, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom });
      setAll(this.mark, { x1: at, x2: at, y1: HEIGHT - MARGIN.bottom, y2: HEIGHT - MARGIN.bottom + 6 });
      setAll(this.label, { x: at, y: HEIGHT - MARGIN.bottom + 9.5 });
    } else {
      setAll(this.grid, { x1: MARGIN.left, x2: width - MARGIN.right, y1: at, y2: at });
      setAll(this.mark, { x1: MARGIN.left - 6, x2: MARGIN.left, y1: at, y2: at });
      setAll(this.label, { x: MARGIN.left - 8.5, y: at });
    }
    if (this.label.textContent !== text) this.label.textContent = text;
  }
}

/** The ticks d3-scale picks for `axis` (about `count`, those `keep` allows),
 * labelled as it formats them, on the pool's first ticks; the rest hidden. */
function placeTicks(pool: Tick[], axis: Linear, count: number, keep: (value: number) => boolean, x: Linear, y: Linear, width: number): void {
  const values = axis.ticks(count).filter(keep).slice(0, pool.length);
  const format = axis.tickFormat(count);
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

type Linear = ScaleLinear<number, number>;

/** Where the iterations axis ends while a run trains: past the last point,
 * at 1, 2 or 5 times a power of ten from the first. A domain fitted to the
 * points (as Plot's is) changed at every tick step the run passed, ten or
 * more times each time it grew tenfold, and each change rewrote every tick
 * of the chart: such frames took about twice as long as the others at 4x
 * CPU throttling, and most of those over 40 ms were among them (traces;
 * BENCHMARKS.md, issue 21, thirteenth round). This axis changes three times
 * in a tenfold growth, and the points fill 40-100% of its width. */
function iterationsEnd(first: number, last: number): number {
  const span = Math.max(1, last - first);
  let power = 1;
  while (power * 10 <= span) power *= 10;
  const step = [1, 2, 5].find((multiple) => multiple * power >= span) ?? 10;
  return first + step * power;
}

/** [start, stop], or room around a single value so that a scale can span it. */
function spread(start: number, stop: number, pad: number): [number, number] {
  if (stop > start) return [start, stop];
  return start === 0 ? [0, pad] : [start - pad, stop + pad];
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

/** Plot's swatch legend, as the cost chart had it, in the charts' 12 px
 * (Plot's 10 px was one more font in the first view). */
function legend(): HTMLElement {
  const row = document.createElement('div');
  row.style.cssText = 'display:flex;flex-wrap:wrap;align-items:center;min-height:33px;margin-bottom:0.5em;font:12px system-ui,sans-serif';
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

/** The charts side by side when each can be drawn at a readable size at
 * the root's `width`, else one above the other. */
function columns(width: number): 1 | 2 {
  return width >= 700 ? 2 : 1;
}

function placeholder(): HTMLElement {
  const note = document.createElement('p');
  note.className = 'placeholder';
  note.textContent = 'Press Train (or Step) to draw the learning curves here.';
  return note;
}
