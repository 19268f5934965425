// Line charts for the lessons, drawn with Observable Plot (axes, grids,
// log scales and tooltips are Plot's), and a legend that survives "Save PNG"
// (small SVG swatches and text labels).

import * as Plot from '@observablehq/plot';
import { unlabelMarks } from './plot-aria';

export { Plot };

/** Plot.plot, with the inner groups' names that ARIA does not allow removed
 * (plot-aria.ts). Every chart of the page goes through here. */
export function plot(options: Plot.PlotOptions): SVGSVGElement | HTMLElement {
  return unlabelMarks(Plot.plot(options));
}

export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
  /** Draw a dot at every point (measurements), not only a line. */
  dots?: boolean;
  /** No line, dots only. */
  noLine?: boolean;
}

export interface Axis {
  label: string;
  type?: 'linear' | 'log';
  domain?: [number, number];
  ticks?: number[];
  tickFormat?: string | ((value: number) => string);
}

export interface LineChartOptions {
  width: number;
  height?: number;
  x: Axis;
  y: Axis;
  series: Series[];
  /** More Plot marks, drawn on top. */
  marks?: Plot.Markish[];
  marginLeft?: number;
}

interface Row {
  x: number;
  y: number;
  series: string;
}

/** A chart of `series` against a shared x. */
export function lineChart(options: LineChartOptions): SVGSVGElement | HTMLElement {
  const lines: Plot.Markish[] = [];
  const all: Row[] = [];
  for (const s of options.series) {
    const rows = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => ({ ...p, series: s.name }));
    all.push(...rows);
    if (!s.noLine) lines.push(Plot.line(rows, { x: 'x', y: 'y', stroke: s.color, strokeWidth: 2, strokeDasharray: s.dashed ? '5,4' : undefined }));
    if (s.dots || s.noLine) lines.push(Plot.dot(rows, { x: 'x', y: 'y', fill: s.color, r: 3 }));
  }
  const axis = (a: Axis) => ({
    label: a.label,
    type: a.type ?? 'linear',
    grid: true,
    nice: a.domain === undefined,
    domain: a.domain,
    ticks: a.ticks,
    tickFormat: a.tickFormat,
  });
  return plot({
    width: options.width,
    height: options.height ?? 240,
    marginLeft: options.marginLeft ?? 52,
    marginRight: 16,
    style: { fontSize: '12px', background: 'transparent' },
    x: axis(options.x),
    y: axis(options.y),
    marks: [
      ...lines,
      ...(options.marks ?? []),
      Plot.tip(all, Plot.pointer({ x: 'x', y: 'y', title: (d: Row) => `${d.series}\n${fmt(d.x)}, ${fmt(d.y)}` })),
    ],
  });
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/** A legend as HTML that Save PNG keeps: a line swatch and a name per series. */
export function legend(series: { name: string; color: string; dashed?: boolean; dot?: boolean }[]): HTMLElement {
  const root = document.createElement('div');
  root.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    item.className = 'legend-item';
    const swatch = s.dot
      ? `<circle cx="9" cy="6" r="4" fill="${s.color}"/>`
      : `<line x1="1" y1="6" x2="19" y2="6" stroke="${s.color}" stroke-width="3" ${s.dashed ? 'stroke-dasharray="5,3"' : ''}/>`;
    item.innerHTML = `<svg width="20" height="12" viewBox="0 0 20 12" aria-hidden="true">${swatch}</svg><span data-png-text></span>`;
    item.querySelector('span')!.textContent = s.name;
    root.append(item);
  }
  return root;
}

/** Each chart root's width when a chart was last sized to it (chartWidth), so
 * that onWidthChange need not read the layout when it starts watching. */
const sizedAt = new WeakMap<HTMLElement, number>();

/** The width a chart inside `root` can take: its content width, at least 260. */
export function chartWidth(root: HTMLElement, columns = 1, gap = 16): number {
  const width = root.clientWidth;
  sizedAt.set(root, width);
  return Math.max(260, Math.floor(((width || 600) - gap * (columns - 1)) / columns));
}

/** Calls `redraw` when `root`'s width changes from the one its chart was
 * sized to (not on every pixel of height). Reading `clientWidth` while a
 * chapter is being built forces the page's layout there and then (issue 21:
 * 300-660 ms of a 4x-throttled start-up's CPU profile went to it); inside the observer's
 * callback the layout is already done, so the width is read only there. */
export function onWidthChange(root: HTMLElement, redraw: () => void): void {
  let frame = 0;
  new ResizeObserver(() => {
    const width = root.clientWidth;
    if (width === sizedAt.get(root)) return;
    sizedAt.set(root, width);
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(redraw);
  }).observe(root);
}
