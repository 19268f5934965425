// The live learning curves: cost and accuracy on training and test images
// against iterations, drawn with Observable Plot. Plot is loaded on first
// use, so it does not delay the moment the page can read a drawing.

import type { CurvePoint } from '../../protocol';
import { unlabelMarks } from '../shared/plot-aria';

type PlotModule = typeof import('@observablehq/plot');

let plotModule: Promise<PlotModule> | null = null;
function loadPlot(): Promise<PlotModule> {
  plotModule ??= import('@observablehq/plot');
  return plotModule;
}

interface Row {
  iteration: number;
  value: number;
  set: 'training' | 'test';
}

/** Space between the two charts (CSS .curve gap). */
const GAP = 16;

const COLOURS = { domain: ['training', 'test'], range: ['#2563eb', '#e4572e'] };

export class LearningCurve {
  private points: CurvePoint[] = [];
  private frame = 0;
  private width = 0;
  private readonly resize = new ResizeObserver(() => {
    if (this.root.clientWidth !== this.width) this.schedule();
  });

  constructor(
    private readonly root: HTMLElement,
    private readonly onError: (error: Error) => void,
  ) {
    root.dataset.points = '0';
    this.resize.observe(root);
    this.render();
  }

  /** Starts loading the chart library while the page is idle. */
  preload(): void {
    loadPlot().catch(() => {}); // A failure is reported when a chart is drawn.
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
      this.root.replaceChildren(placeholder());
      return;
    }
    loadPlot().then(
      (Plot) => {
        if (points !== this.points) return; // Cleared meanwhile.
        this.width = this.root.clientWidth;
        // Side by side when each chart can be drawn at a readable size, else
        // one above the other; always at the size they are shown, unscaled.
        const columns = this.width >= 700 ? 2 : 1;
        const chartWidth = Math.max(240, Math.floor((this.width - GAP * (columns - 1)) / columns));
        // One chart per frame: each is a task of its own, so that neither
        // holds the page for long on a slow laptop while the network trains.
        const cost = chart(Plot, points, chartWidth, 'Cost per image ↓', (p, set) => (set === 'training' ? p.train_cost : p.test_cost), true);
        const keep = this.root.children.length === 2 ? this.root.children[1] : null;
        this.root.replaceChildren(cost, ...(keep ? [keep] : []));
        requestAnimationFrame(() => {
          if (points !== this.points) return;
          const accuracy = chart(Plot, points, chartWidth, 'Accuracy (%) ↑', (p, set) => 100 * (set === 'training' ? p.train_accuracy : p.test_accuracy), false);
          if (this.root.firstElementChild === cost) this.root.replaceChildren(cost, accuracy);
        });
      },
      (error: Error) => this.onError(new Error(`the chart library did not load: ${error.message}`)),
    );
  }
}

function placeholder(): HTMLElement {
  const note = document.createElement('p');
  note.className = 'placeholder';
  note.textContent = 'Press Train (or Step) to draw the learning curves here.';
  return note;
}

function chart(
  Plot: PlotModule,
  points: CurvePoint[],
  width: number,
  label: string,
  value: (point: CurvePoint, set: Row['set']) => number,
  legend: boolean,
): HTMLElement {
  const rows: Row[] = [];
  for (const point of points) {
    for (const set of ['training', 'test'] as const) {
      const v = value(point, set);
      if (Number.isFinite(v)) rows.push({ iteration: point.iteration, value: v, set });
    }
  }
  const figure = Plot.plot({
    width,
    height: 210,
    marginLeft: 44,
    style: { fontSize: '12px', background: 'transparent' },
    x: { label: 'iteration →', grid: true, nice: true },
    y: { label, grid: true, nice: true },
    color: { ...COLOURS, legend },
    marks: [
      Plot.line(rows, { x: 'iteration', y: 'value', z: 'set', stroke: 'set', strokeWidth: 2 }),
      Plot.dot(rows, Plot.selectLast({ x: 'iteration', y: 'value', z: 'set', fill: 'set', r: 3 })),
      Plot.tip(rows, Plot.pointerX({ x: 'iteration', y: 'value', z: 'set', stroke: 'set' })),
    ],
  });
  const wrapper = document.createElement('div');
  wrapper.className = 'chart';
  wrapper.style.width = `${width}px`;
  wrapper.append(unlabelMarks(figure));
  return wrapper;
}
