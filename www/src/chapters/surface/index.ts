// Part 6, the cost surface: the person picks two weights of the softmax
// network by clicking pixels of its weight images; the page draws the
// contours of the cost over those two weights (all others fixed at their
// trained values) and, from a start point the person clicks or drags, the
// paths of gradient descent and momentum, step by step.

import type { Lab } from '../../lab';
import type { LessonModel, PixelWeight, SurfacePaths, SurfaceResult } from '../../protocol';
import { Plot, chartWidth, legend, lineChart, onWidthChange, plot as plotChart } from '../shared/charts';
import {
  SIDE,
  chapterHead,
  digitCanvas,
  divergingKey,
  figure,
  grouped,
  numberField,
  percent,
  reducedMotion,
  reportError,
  whenReady,
  wireSaveButtons,
} from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { ChapterState } from '../shared/state';

/** Training images the cost is the mean over. */
const IMAGES = 2000;
/** Grid points a side. */
const RESOLUTION = 51;
const GD = '#f08c00';
const MOMENTUM = '#7c3aed';
const SVG_NS = 'http://www.w3.org/2000/svg';

interface Settings {
  w1: PixelWeight;
  w2: PixelWeight;
  lr: number;
  beta: number;
  steps: number;
  span: number;
  start: [number, number];
}

interface Preset extends Settings {
  id: string;
  name: string;
  note: string;
}

/**
 * Measured with `gradlab surface` on the shipped model (2,000 images):
 * neighbouring pixels of a 3 make a valley about 30 times longer than wide,
 * where gradient descent closes 33% of the gap to the minimum in 40 steps
 * and momentum 94%; one pixel into two digits makes a nearly round bowl
 * (axes about 1.3 : 1), where gradient descent gets all the way and momentum
 * overshoots and circles.
 */
const PRESETS: Preset[] = [
  {
    id: 'valley',
    name: 'Momentum helps: two neighbouring pixels of a 3',
    note: 'Neighbouring pixels are inked together in most images, so the cost depends mostly on their sum: a long, narrow valley. Gradient descent zigzags across it and crawls along it; momentum builds up speed along it.',
    w1: { y: 14, x: 13, digit: 3 },
    w2: { y: 14, x: 14, digit: 3 },
    lr: 5,
    beta: 0.9,
    steps: 40,
    span: 3,
    start: [-2.5, 2.5],
  },
  {
    id: 'bowl',
    name: 'Momentum does not help: one pixel, two digits',
    note: 'The same pixel into the outputs for 3 and for 8: the two weights act on different outputs, the contours are nearly round, and gradient descent heads straight for the minimum. Momentum overshoots and circles around it.',
    w1: { y: 14, x: 14, digit: 3 },
    w2: { y: 14, x: 14, digit: 8 },
    lr: 20,
    beta: 0.9,
    steps: 40,
    span: 3,
    start: [-2.5, 2.5],
  },
];

const MARKUP = `
  ${chapterHead(
    6,
    'The cost surface',
    `The cost depends on all 7,850 weights at once, too many to draw. Fix all of them but two at their trained values,
     and the cost becomes a landscape over a plane: here you can watch gradient descent and momentum walk on it.`,
  )}
  <div class="lesson-grid">
    <div class="explain">
      ${texBlock(String.raw`C(w_1, w_2) = \frac{1}{n} \sum_{j=1}^{n} -\log P_{y_j j}`)}
      <p>with all the other weights fixed, over the first ${grouped(IMAGES)} training images (${tex('y_j')} is image
        ${tex('j')}'s digit). Both methods start from the same point and take the same number of steps with the same
        learning rate, moving only ${tex('w_1')} and ${tex('w_2')}:</p>
      ${texBlock(String.raw`\begin{aligned} \text{gradient descent:}\quad & w \leftarrow w - \alpha \nabla C \\ \text{momentum:}\quad & v \leftarrow \beta v + \alpha \nabla C \\ & w \leftarrow w - v \end{aligned}`)}
      <p>where ${tex('w = (w_1, w_2)')} and ${tex(String.raw`\nabla C = (\partial C/\partial w_1,\, \partial C/\partial w_2)`)}.</p>
      <p><strong>How to use it:</strong> pick a preset, or click a pixel in one of the weight images to choose
        ${tex('w_1')}, then another for ${tex('w_2')}. Click or drag on the contour plot to choose where both start
        (or use the arrow keys on it); press Play to watch them step by step.</p>
      <p class="preset-note small" data-testid="surface-preset-note"></p>
    </div>
    <div class="card controls" role="group" aria-label="Cost surface settings">
      <label class="wide">Preset
        <select data-testid="surface-preset"></select>
      </label>
      <div class="control-grid">
        <fieldset class="weight-fields"><legend>${tex('w_1')}: row, column, digit</legend>
          <input type="number" data-testid="surface-w1-y" min="0" max="27" step="1" aria-label="w1 pixel row (0 to 27)">
          <input type="number" data-testid="surface-w1-x" min="0" max="27" step="1" aria-label="w1 pixel column (0 to 27)">
          <input type="number" data-testid="surface-w1-digit" min="0" max="9" step="1" aria-label="w1 digit (0 to 9)">
        </fieldset>
        <fieldset class="weight-fields"><legend>${tex('w_2')}: row, column, digit</legend>
          <input type="number" data-testid="surface-w2-y" min="0" max="27" step="1" aria-label="w2 pixel row (0 to 27)">
          <input type="number" data-testid="surface-w2-x" min="0" max="27" step="1" aria-label="w2 pixel column (0 to 27)">
          <input type="number" data-testid="surface-w2-digit" min="0" max="9" step="1" aria-label="w2 digit (0 to 9)">
        </fieldset>
        <label>Learning rate ${tex(String.raw`\alpha`)} <input type="number" data-testid="surface-lr" min="0" step="any" inputmode="decimal"></label>
        <label>Momentum ${tex(String.raw`\beta`)} <input type="number" data-testid="surface-beta" min="0" max="0.999" step="0.05" inputmode="decimal"></label>
        <label>Steps <input type="number" data-testid="surface-steps" min="1" max="500" step="1" inputmode="numeric"></label>
        <label>Half-width of the plot <input type="number" data-testid="surface-span" min="0.1" max="50" step="any" inputmode="decimal"></label>
        <label>Start, ${tex('w_1')} offset <input type="number" data-testid="surface-start-1" step="any" inputmode="decimal"></label>
        <label>Start, ${tex('w_2')} offset <input type="number" data-testid="surface-start-2" step="any" inputmode="decimal"></label>
      </div>
      <fieldset class="choice">
        <legend>Network</legend>
        <label><input type="radio" name="surface-model" value="shipped" data-testid="surface-model-shipped" checked> the shipped one</label>
        <label><input type="radio" name="surface-model" value="trained" data-testid="surface-model-trained" disabled> the one trained in part 4</label>
        <label><input type="radio" name="surface-model" value="opened" data-testid="surface-model-opened" disabled> <span data-field="opened-name">your own softmax run</span></label>
      </fieldset>
    </div>
  </div>
  <div class="surface-grid">
    ${figure(
      'surface-weights',
      'Pick two weights',
      'The weights into each digit’s output (as in part 4).<span class="screen-only"> Click a pixel to choose it: the first click sets w₁, the next w₂, and so on.</span> ① marks w₁, ② marks w₂.',
      `<div class="pick-mode" role="radiogroup" aria-label="The next click sets" data-png-skip>
         <label><input type="radio" name="surface-pick" value="1" checked> next click sets ${tex('w_1')}</label>
         <label><input type="radio" name="surface-pick" value="2"> sets ${tex('w_2')}</label>
       </div>
       <div class="pick-grid" data-testid="surface-weight-images"></div>${divergingKey()}`,
    )}
    ${figure(
      'surface-contours',
      'The cost over the two weights, and the two paths',
      'Darker is lower cost; the white lines are contours (lines of equal cost), closer together near the bottom of the valley. ★ marks the trained values (the other 7,848 weights were trained with these; it need not be at the lowest point, since training used all 60,000 images and this cost only 2,000, and along a valley floor the cost hardly changes). Orange: gradient descent; purple: momentum; ● the start<span class="screen-only"> (click or drag to move it)</span>.',
      '<div class="contour-box" tabindex="0" role="application" aria-label="Contour plot: click, drag or use the arrow keys to move the start point"></div>',
    )}
  </div>
  <div class="card controls play-row" role="group" aria-label="Animation">
    <button type="button" class="primary" data-testid="surface-play">Play</button>
    <label class="step-slider">Step <input type="range" data-testid="surface-step" min="0" max="40" step="1" value="40" aria-describedby="surface-step-value"></label>
    <output id="surface-step-value" data-testid="surface-step-value">40</output>
    <p class="small status" data-testid="surface-status" role="status"></p>
  </div>
  <div class="lesson-grid even">
    ${figure('surface-costs', 'Cost at each step', 'The cost along each path; the dashed line is the lowest cost anywhere on the plotted grid.', '<div class="chart"></div>')}
    <div class="summary card" data-testid="surface-summary" data-report-note aria-live="polite"></div>
  </div>
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('surface');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const presetSelect = find<HTMLSelectElement>('surface-preset');
  const presetNote = find<HTMLElement>('surface-preset-note');
  const pickGrid = find<HTMLElement>('surface-weight-images');
  const contourBox = section.querySelector<HTMLElement>('.contour-box')!;
  const costBox = find<HTMLElement>('surface-costs').querySelector<HTMLElement>('.chart')!;
  const summary = find<HTMLElement>('surface-summary');
  const status = find<HTMLElement>('surface-status');
  const playButton = find<HTMLButtonElement>('surface-play');
  const stepInput = find<HTMLInputElement>('surface-step');
  const stepValue = find<HTMLOutputElement>('surface-step-value');
  const modelRadios = [...section.querySelectorAll<HTMLInputElement>('input[name="surface-model"]')];
  const trainedRadio = find<HTMLInputElement>('surface-model-trained');
  const openedRadio = find<HTMLInputElement>('surface-model-opened');
  const openedName = section.querySelector<HTMLElement>('[data-field="opened-name"]')!;
  /** Only a softmax network has the two-weight surface; the learner's run can be one. */
  const openedSoftmax = () => lab.ownRuns.digits?.digits?.kind === 'softmax';
  const showOpenedChoice = () => {
    const run = lab.ownRuns.digits;
    openedRadio.disabled = !openedSoftmax();
    openedName.textContent = run ? `your run ${run.name}${openedSoftmax() ? '' : ' (not a softmax network)'}` : 'your own softmax run';
  };
  showOpenedChoice();
  const pickRadios = [...section.querySelectorAll<HTMLInputElement>('input[name="surface-pick"]')];

  presetSelect.innerHTML =
    PRESETS.map((p) => `<option value="${p.id}">${p.name}</option>`).join('') + '<option value="custom">Your own choice</option>';
  const base = PRESETS[0];
  const presetId = state.string('preset', base.id, [...PRESETS.map((p) => p.id), 'custom']);
  presetSelect.value = presetId;
  const preset = PRESETS.find((p) => p.id === presetId) ?? base;

  // Every field: its value in the hash, relative to the chosen preset.
  const pixel = (v: number) => Number.isInteger(v) && v >= 0 && v < SIDE;
  const digit = (v: number) => Number.isInteger(v) && v >= 0 && v <= 9;
  const changed = () => {
    markCustom();
    void refresh('grid');
  };
  const pathsChanged = () => {
    markCustom();
    void refresh('paths');
  };
  const fields = {
    w1y: numberField(section, 'surface-w1-y', state, 'w1y', preset.w1.y, pixel, changed),
    w1x: numberField(section, 'surface-w1-x', state, 'w1x', preset.w1.x, pixel, changed),
    w1d: numberField(section, 'surface-w1-digit', state, 'w1d', preset.w1.digit, digit, changed),
    w2y: numberField(section, 'surface-w2-y', state, 'w2y', preset.w2.y, pixel, changed),
    w2x: numberField(section, 'surface-w2-x', state, 'w2x', preset.w2.x, pixel, changed),
    w2d: numberField(section, 'surface-w2-digit', state, 'w2d', preset.w2.digit, digit, changed),
    lr: numberField(section, 'surface-lr', state, 'lr', preset.lr, (v) => v > 0 && v <= 1000, pathsChanged),
    beta: numberField(section, 'surface-beta', state, 'beta', preset.beta, (v) => v >= 0 && v < 1, pathsChanged),
    steps: numberField(section, 'surface-steps', state, 'steps', preset.steps, (v) => Number.isInteger(v) && v >= 1 && v <= 500, pathsChanged),
    span: numberField(section, 'surface-span', state, 'span', preset.span, (v) => v >= 0.1 && v <= 50, changed),
    start1: numberField(section, 'surface-start-1', state, 'start1', preset.start[0], (v) => Math.abs(v) <= 100, pathsChanged),
    start2: numberField(section, 'surface-start-2', state, 'start2', preset.start[1], (v) => Math.abs(v) <= 100, pathsChanged),
  };
  let model = state.string('model', 'shipped', ['shipped', 'trained']) as LessonModel;
  if (model === 'trained') model = 'shipped'; // No part-4 network exists on load.
  let pick: 1 | 2 = 1;

  const settings = (): Settings | null => {
    const v = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.read()])) as Record<keyof typeof fields, number | null>;
    if (Object.values(v).some((x) => x === null)) return null;
    const n = v as Record<keyof typeof fields, number>;
    return {
      w1: { y: n.w1y, x: n.w1x, digit: n.w1d },
      w2: { y: n.w2y, x: n.w2x, digit: n.w2d },
      lr: n.lr,
      beta: n.beta,
      steps: n.steps,
      span: n.span,
      start: [n.start1, n.start2],
    };
  };

  const describePreset = () => {
    const p = PRESETS.find((q) => q.id === presetSelect.value);
    presetNote.textContent = p ? p.note : 'Your own choice of weights and settings. Momentum helps most where the contours are long and narrow.';
  };
  const markCustom = () => {
    if (presetSelect.value !== 'custom') {
      presetSelect.value = 'custom';
      state.set('preset', 'custom', base.id);
      describePreset();
    }
  };
  const applyPreset = (p: Preset) => {
    // Every field's default is the first preset's value (its hash key is
    // relative to that), so set them all explicitly.
    const entries: [keyof typeof fields, number, number][] = [
      ['w1y', p.w1.y, base.w1.y],
      ['w1x', p.w1.x, base.w1.x],
      ['w1d', p.w1.digit, base.w1.digit],
      ['w2y', p.w2.y, base.w2.y],
      ['w2x', p.w2.x, base.w2.x],
      ['w2d', p.w2.digit, base.w2.digit],
      ['lr', p.lr, base.lr],
      ['beta', p.beta, base.beta],
      ['steps', p.steps, base.steps],
      ['span', p.span, base.span],
      ['start1', p.start[0], base.start[0]],
      ['start2', p.start[1], base.start[1]],
    ];
    for (const [key, value, fallback] of entries) {
      fields[key].input.value = String(value);
      fields[key].read();
      state.set(key, value, fallback);
    }
    state.set('preset', p.id, base.id);
    describePreset();
  };
  // The fields' defaults are the first preset's; a link with another preset
  // and no field values means that preset's values.
  if (presetId !== base.id && presetId !== 'custom') {
    const explicit = Object.keys(fields).some((k) => new URLSearchParams(location.hash.split('?')[1] ?? '').has(`surface.${k}`));
    if (!explicit) applyPreset(preset);
  }
  describePreset();
  presetSelect.addEventListener('change', () => {
    const p = PRESETS.find((q) => q.id === presetSelect.value);
    if (p) {
      applyPreset(p);
      void refresh('grid');
    } else {
      state.set('preset', 'custom', base.id);
      describePreset();
    }
  });

  // ---------------------------------------------------- weight images --

  let weightRgba: Uint8Array | null = null;
  const drawPickGrid = () => {
    if (!weightRgba) return;
    const s = settings();
    const cells = Array.from({ length: 10 }, (_, d) => {
      const cell = document.createElement('figure');
      cell.className = 'pick-cell';
      const wrap = document.createElement('div');
      wrap.className = 'pick-wrap';
      const canvas = digitCanvas(weightRgba!, d, `weights into the output for digit ${d}: click a pixel to pick it`);
      canvas.dataset.digit = String(d);
      canvas.addEventListener('click', (event) => {
        const box = canvas.getBoundingClientRect();
        const x = Math.min(SIDE - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * SIDE)));
        const y = Math.min(SIDE - 1, Math.max(0, Math.floor(((event.clientY - box.top) / box.height) * SIDE)));
        choose(pick, { y, x, digit: d });
      });
      wrap.append(canvas);
      if (s) {
        for (const [n, w] of [
          [1, s.w1],
          [2, s.w2],
        ] as const) {
          if (w.digit !== d) continue;
          const mark = document.createElement('span');
          mark.className = `pick-mark mark-${n}`;
          mark.textContent = n === 1 ? '①' : '②';
          mark.dataset.pngText = '';
          mark.style.left = `${((w.x + 0.5) / SIDE) * 100}%`;
          mark.style.top = `${((w.y + 0.5) / SIDE) * 100}%`;
          wrap.append(mark);
        }
      }
      const caption = document.createElement('figcaption');
      caption.textContent = String(d);
      caption.dataset.pngText = '';
      cell.append(wrap, caption);
      return cell;
    });
    pickGrid.replaceChildren(...cells);
  };

  const choose = (which: 1 | 2, w: PixelWeight) => {
    const [y, x, d] = which === 1 ? [fields.w1y, fields.w1x, fields.w1d] : [fields.w2y, fields.w2x, fields.w2d];
    y.set(w.y);
    x.set(w.x);
    d.set(w.digit);
    pick = which === 1 ? 2 : 1;
    for (const r of pickRadios) r.checked = Number(r.value) === pick;
    markCustom();
    void refresh('grid');
  };
  for (const r of pickRadios) r.addEventListener('change', () => (pick = Number(r.value) as 1 | 2));

  // ---------------------------------------------------------- contours --

  let surface: SurfaceResult | null = null;
  let shownSettings: Settings | null = null;
  let paths: SurfacePaths | null = null;
  let plot: (SVGSVGElement & { scale: (name: string) => { apply(v: number): number; invert(v: number): number } }) | null = null;
  let overlay: SVGGElement | null = null;
  let step = state.number('step', -1, -1, 500, true);

  const drawContours = () => {
    if (!surface || !shownSettings) return;
    const { grid, trained } = surface;
    const n = grid.w1_values.length;
    const dx = (grid.w1_values[n - 1] - grid.w1_values[0]) / (n - 1);
    const dy = (grid.w2_values[n - 1] - grid.w2_values[0]) / (n - 1);
    const extent = {
      x1: grid.w1_values[0] - dx / 2,
      x2: grid.w1_values[n - 1] + dx / 2,
      y1: grid.w2_values[0] - dy / 2,
      y2: grid.w2_values[n - 1] + dy / 2,
    };
    // The interesting part is the valley floor, a small fraction of the
    // range: colours and contour levels are spaced more finely near the
    // lowest cost (a power below 1 of the height above it).
    const low = surface.minimum;
    const high = grid.costs.reduce((a, c) => (c > a ? c : a), -Infinity);
    const range = high - low || 1;
    const shade = grid.costs.map((c) => ((c - low) / range) ** 0.4);
    const levels = Array.from({ length: 16 }, (_, i) => low + range * ((i + 1) / 17) ** 2.5);
    const size = Math.min(560, chartWidth(contourBox));
    const name = (w: PixelWeight) => `pixel (${w.y}, ${w.x}) → digit ${w.digit}`;
    const s = shownSettings;
    const chart = plotChart({
      width: size,
      height: Math.round(size * 0.92),
      marginLeft: 56,
      marginBottom: 44,
      style: { fontSize: '12px', background: 'transparent' },
      x: { label: `w₁ = W[${name(s.w1)}] →`, domain: [extent.x1, extent.x2] },
      y: { label: `↑ w₂ = W[${name(s.w2)}]`, domain: [extent.y1, extent.y2] },
      color: { type: 'linear', scheme: 'ylgnbu', reverse: true, domain: [0, 1] },
      marks: [
        Plot.raster(shade, { width: n, height: n, ...extent, imageRendering: 'auto' }),
        Plot.contour(grid.costs, { width: n, height: n, ...extent, stroke: 'white', strokeOpacity: 0.8, strokeWidth: 1, fill: null, thresholds: levels }),
        Plot.text([trained], { x: (d) => d[0], y: (d) => d[1], text: () => '★', fontSize: 20, fill: '#fff', stroke: '#1d2433', strokeWidth: 1 }),
        Plot.frame(),
      ],
    }) as unknown as typeof plot;
    plot = chart;
    overlay = document.createElementNS(SVG_NS, 'g');
    overlay.setAttribute('class', 'paths');
    chart!.append(overlay);
    contourBox.replaceChildren(chart!);
    contourBox.dataset.ready = 'true';
    drawPaths();
  };

  const pathD = (points: [number, number][], upTo: number) => {
    const x = plot!.scale('x');
    const y = plot!.scale('y');
    return points
      .slice(0, upTo + 1)
      .map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${x.apply(a).toFixed(1)},${y.apply(b).toFixed(1)}`)
      .join('');
  };

  const currentStep = () => (paths ? (step < 0 ? paths.gd.points.length - 1 : Math.min(step, paths.gd.points.length - 1)) : 0);

  const drawPaths = () => {
    if (!plot || !overlay || !paths) return;
    const x = plot.scale('x');
    const y = plot.scale('y');
    const upTo = currentStep();
    const parts: string[] = [];
    for (const [trajectory, color] of [
      [paths.gd, GD],
      [paths.momentum, MOMENTUM],
    ] as const) {
      const d = pathD(trajectory.points, upTo);
      parts.push(`<path d="${d}" fill="none" stroke="#fff" stroke-width="5" stroke-linejoin="round" stroke-opacity="0.9"/>`);
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.5" stroke-linejoin="round"/>`);
      for (const [i, [a, b]] of trajectory.points.slice(0, upTo + 1).entries()) {
        if (i === 0) continue;
        const head = i === Math.min(upTo, trajectory.points.length - 1);
        parts.push(`<circle cx="${x.apply(a).toFixed(1)}" cy="${y.apply(b).toFixed(1)}" r="${head ? 5 : 2.2}" fill="${color}" stroke="#fff" stroke-width="${head ? 1.5 : 0.6}"/>`);
      }
    }
    const [sx, sy] = paths.gd.points[0] ?? [NaN, NaN];
    parts.push(`<circle cx="${x.apply(sx)}" cy="${y.apply(sy)}" r="6.5" fill="#fff" stroke="#1d2433" stroke-width="2"/>`);
    overlay.innerHTML = parts.join('');
    overlay.dataset.step = String(upTo);
    stepInput.max = String(paths.gd.points.length - 1);
    stepInput.value = String(upTo);
    stepValue.value = String(upTo);
    drawCosts(upTo);
    showSummary(upTo);
  };

  const drawCosts = (upTo: number) => {
    if (!paths || !surface) return;
    const series = (t: SurfacePaths['gd'], name: string, color: string) => ({ name, color, points: t.costs.map((c, i) => ({ x: i, y: c })) });
    const chart = lineChart({
      width: chartWidth(costBox),
      height: 230,
      x: { label: 'step →' },
      y: { label: '↑ cost' },
      series: [series(paths.gd, 'gradient descent', GD), series(paths.momentum, 'momentum', MOMENTUM)],
      marks: [Plot.ruleY([surface.minimum], { stroke: '#1d2433', strokeDasharray: '4,4' }), Plot.ruleX([upTo], { stroke: '#9aa5b8' })],
      marginLeft: 56,
    });
    costBox.replaceChildren(
      legend([
        { name: 'gradient descent', color: GD },
        { name: 'momentum', color: MOMENTUM },
        { name: 'lowest on the grid', color: '#1d2433', dashed: true },
      ]),
      chart,
    );
  };

  const showSummary = (upTo: number) => {
    if (!paths || !surface || !shownSettings) return;
    const at = (list: number[]) => list[Math.min(upTo, list.length - 1)];
    const g = at(paths.gd_closed);
    const m = at(paths.momentum_closed);
    const better = m > g + 0.05 ? 'momentum is ahead' : g > m + 0.05 ? 'gradient descent is ahead' : 'they are about even';
    const diverged = [paths.gd.diverged ? 'gradient descent diverged (the cost overflowed): lower the learning rate' : '', paths.momentum.diverged ? 'momentum diverged: lower the learning rate or β' : '']
      .filter(Boolean)
      .join('; ');
    summary.innerHTML = `<p>After <strong>${upTo}</strong> of ${paths.gd.points.length - 1} steps, of the way from the start's cost
      (${paths.gd.costs[0].toFixed(4)}) down to the lowest cost on the grid (${surface.minimum.toFixed(4)}):</p>
      <p class="closed"><span class="series-key" style="--series:${GD}">gradient descent</span> <strong data-testid="surface-gd-closed">${percent(g)}</strong>
      · <span class="series-key" style="--series:${MOMENTUM}">momentum</span> <strong data-testid="surface-momentum-closed">${percent(m)}</strong></p>
      <p class="small">So ${better}. ${diverged ? `<strong class="wrong">${diverged}.</strong>` : ''}
      Trained values: ${tex(String.raw`w_1 = ${surface.trained[0].toFixed(3)},\; w_2 = ${surface.trained[1].toFixed(3)}`)}.</p>`;
    summary.dataset.gd = String(paths.gd_closed[paths.gd_closed.length - 1]);
    summary.dataset.momentum = String(paths.momentum_closed[paths.momentum_closed.length - 1]);
  };

  onWidthChange(contourBox, drawContours);

  // Moving the start: click or drag on the plot, or the arrow keys.
  const setStart = (w1: number, w2: number) => {
    if (!surface) return;
    const round = (v: number) => Math.round(v * 100) / 100;
    fields.start1.set(round(w1 - surface.trained[0]));
    fields.start2.set(round(w2 - surface.trained[1]));
    markCustom();
    step = -1;
    state.set('step', -1, -1);
    void refresh('paths');
  };
  const fromPointer = (event: PointerEvent) => {
    if (!plot) return;
    const ctm = (plot as SVGSVGElement).getScreenCTM();
    if (!ctm) return;
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(ctm.inverse());
    setStart(plot.scale('x').invert(p.x), plot.scale('y').invert(p.y));
  };
  let dragging = false;
  contourBox.addEventListener('pointerdown', (event) => {
    if (!plot) return;
    dragging = true;
    contourBox.setPointerCapture(event.pointerId);
    fromPointer(event);
  });
  contourBox.addEventListener('pointermove', (event) => {
    if (dragging) fromPointer(event);
  });
  const stopDrag = () => {
    dragging = false;
  };
  contourBox.addEventListener('pointerup', stopDrag);
  contourBox.addEventListener('pointercancel', stopDrag);
  contourBox.addEventListener('keydown', (event) => {
    const s = settings();
    if (!s || !surface) return;
    const nudge = s.span / 20;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-nudge, 0], ArrowRight: [nudge, 0], ArrowUp: [0, nudge], ArrowDown: [0, -nudge] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    setStart(surface.trained[0] + s.start[0] + move[0], surface.trained[1] + s.start[1] + move[1]);
  });

  // ----------------------------------------------------------- compute --

  let generation = 0;
  let needsGrid = true;
  /** Recomputes what changed: the grid (and the paths), or only the paths. */
  const refresh = async (what: 'grid' | 'paths') => {
    if (!lab.data) return;
    if (what === 'grid') needsGrid = true;
    const s = settings();
    if (!s) {
      status.textContent = 'Check the settings: the fields marked in red are not valid.';
      return;
    }
    if (s.w1.y === s.w2.y && s.w1.x === s.w2.x && s.w1.digit === s.w2.digit) {
      status.textContent = 'w₁ and w₂ are the same weight: pick two different ones.';
      return;
    }
    const mine = ++generation;
    stopPlaying();
    try {
      if (needsGrid) {
        status.textContent = `Computing the cost at ${RESOLUTION * RESOLUTION} points…`;
        const started = performance.now();
        const result = await lab.request({ type: 'surface', model, w1: s.w1, w2: s.w2, images: IMAGES, span: s.span, resolution: RESOLUTION });
        if (mine !== generation) return;
        needsGrid = false;
        surface = result;
        shownSettings = s;
        paths = null;
        drawPickGrid();
        drawContours();
        status.textContent = `Cost at ${RESOLUTION * RESOLUTION} points computed in ${Math.round(performance.now() - started)} ms.`;
      }
      if (!surface) return;
      shownSettings = s;
      const start: [number, number] = [surface.trained[0] + s.start[0], surface.trained[1] + s.start[1]];
      const result = await lab.request({ type: 'surface-paths', start, learningRate: s.lr, beta: s.beta, steps: s.steps });
      if (mine !== generation) return;
      paths = result;
      drawPaths();
    } catch (error) {
      reportError(lab, error);
      status.textContent = 'The figure could not be computed (see the error above).';
    }
  };

  const loadWeights = async () => {
    try {
      weightRgba = await lab.request({ type: 'lesson-weights', model });
      drawPickGrid();
    } catch (error) {
      reportError(lab, error);
    }
  };

  // ---------------------------------------------------------- animation --

  let playing = 0;
  const stopPlaying = () => {
    if (playing) clearInterval(playing);
    playing = 0;
    playButton.textContent = 'Play';
  };
  playButton.addEventListener('click', () => {
    if (!paths) return;
    if (playing) {
      stopPlaying();
      return;
    }
    const last = paths.gd.points.length - 1;
    if (reducedMotion()) {
      step = -1;
      drawPaths();
      return;
    }
    step = 0;
    drawPaths();
    playButton.textContent = 'Stop';
    playing = window.setInterval(() => {
      step += 1;
      if (step >= last) {
        step = -1;
        stopPlaying();
      }
      state.set('step', step, -1);
      drawPaths();
    }, 110);
  });
  stepInput.addEventListener('input', () => {
    stopPlaying();
    const value = Number(stepInput.value);
    step = paths && value >= paths.gd.points.length - 1 ? -1 : value;
    state.set('step', step, -1);
    drawPaths();
  });

  // ------------------------------------------------------------- model --

  const setModel = (value: LessonModel) => {
    model = value;
    state.set('model', value, 'shipped');
    for (const r of modelRadios) r.checked = r.value === value;
  };
  setModel(model);
  for (const r of modelRadios) {
    r.addEventListener('change', () => {
      setModel(r.value as LessonModel);
      void loadWeights();
      void refresh('grid');
    });
  }
  lab.on((event) => {
    if (event.type === 'lesson-state' && event.state.id === 'gd') {
      const exists = event.state.phase !== 'idle';
      trainedRadio.disabled = !exists;
      if (!exists && model === 'trained') {
        setModel('shipped');
        void loadWeights();
        void refresh('grid');
      }
    } else if (event.type === 'own-runs' && event.changed.includes('digits')) {
      showOpenedChoice();
      // The surface of the learner's new run, or back from one that was closed.
      if (openedSoftmax() || model === 'opened') {
        setModel(openedSoftmax() ? 'opened' : 'shipped');
        void loadWeights();
        void refresh('grid');
      }
    } else if (event.type === 'restarted') {
      trainedRadio.disabled = true;
      showOpenedChoice();
      setModel('shipped');
      needsGrid = true;
    }
  });

  whenReady(section, lab, true, () => {
    needsGrid = true;
    void loadWeights();
    void refresh('grid');
  });
}
