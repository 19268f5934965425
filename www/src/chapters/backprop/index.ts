// Part 7, the cost of backpropagation: backpropagation against computing
// each weight's derivative on its own, timed live in the worker for networks
// of N layers of K units as N and K grow, on log-log axes, with the fitted
// slopes beside the exponents each method's complexity predicts.

import type { Lab } from '../../lab';
import type { SweepSlopes, TimingRow } from '../../protocol';
import { Plot, chartWidth, legend, lineChart, onWidthChange } from '../shared/charts';
import { chapterHead, figure, grouped, numberField, reportError, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { ChapterState } from '../shared/state';

const BACKPROP = '#2563eb';
const NAIVE = '#e4572e';

const MARKUP = `
  ${chapterHead(
    7,
    'The cost of backpropagation',
    `Backpropagation computes the derivative of the cost with respect to every weight in about the time of two
     forward passes. Here it races a method that works out each weight's derivative on its own, timed live in your browser.`,
  )}
  <div class="lesson-grid">
    <div class="explain">
      <p>The network has ${tex('N')} layers of ${tex('K')} units (tanh, softmax output), so about ${tex('N K^2')} weights,
        and the gradient is computed on a batch of ${tex('m')} examples.</p>
      <p><strong>Backpropagation</strong> goes forward once, then backward once, computing each layer's
        ${tex(String.raw`\delta_\ell = \partial C / \partial Z_\ell`)} a single time and reusing it for every weight of the
        layer and for the layer below:</p>
      ${texBlock(String.raw`\frac{\partial C}{\partial W_\ell} = A_{\ell-1}\, \delta_\ell^{\top}, \qquad \delta_{\ell-1} = \big(W_\ell\, \delta_\ell\big) \odot g'(Z_{\ell-1})`)}
      <p>Each of the ${tex('N')} layers costs a few ${tex(String.raw`K \times K`)} by ${tex(String.raw`K \times m`)} products: in all
        ${tex('O(N K^2 m)')}.</p>
      <p><strong>One weight at a time</strong>, the chain rule is followed from each weight up to the cost on its own: a
        weight in layer ${tex(String.raw`\ell`)} changes one unit, and that change is carried through the
        ${tex(String.raw`N - \ell`)} layers above, each a ${tex(String.raw`K \times K`)} product. With about ${tex('K^2')}
        weights per layer:</p>
      ${texBlock(String.raw`\sum_{\ell=1}^{N} K^2 \cdot (N - \ell)\, K^2 m \;\Rightarrow\; O(N^2 K^4 m)`)}
      <p>Both give the same gradient (checked on every size: the largest difference is shown). On log-log axes a cost
        ${tex(String.raw`\propto K^p`)} is a straight line of slope ${tex('p')}, so the slopes of the measured times are
        the exponents, to compare with 2 and 4 along ${tex('K')}, 1 and 2 along ${tex('N')}. At these small sizes the
        lower-order work (the forward pass, the tanh and exp, fixed costs per call) still bends the lines, so the
        slopes come out below the exponents; the “counted” column is the slope of the exact number of multiply-adds on
        the same sizes.</p>
    </div>
    <div class="card controls" role="group" aria-label="Timing settings">
      <div class="control-grid">
        <label>Batch ${tex('m')} <input type="number" data-testid="backprop-batch" min="1" max="256" step="1" inputmode="numeric"></label>
        <label>Best of <input type="number" data-testid="backprop-repeats" min="1" max="10" step="1" inputmode="numeric"></label>
        <label>Seed <input type="number" data-testid="backprop-seed" min="0" step="1" inputmode="numeric"></label>
      </div>
      <p class="small">Sizes: ${tex('K')} = 4, 8, 16, 32 with ${tex('N')} = 4, and ${tex('N')} = 2, 4, 8, 16 with
        ${tex('K')} = 16. Each method is run again and again for at least 25 ms per size, and the time per call is reported; that is repeated
        (“best of”) and the fastest kept, since other programs on the computer can only slow a measurement down. The whole
        measurement takes several seconds.</p>
      <div class="buttons">
        <button type="button" class="primary" data-testid="backprop-run">Measure</button>
        <button type="button" data-testid="backprop-stop" disabled>Stop</button>
      </div>
      <progress data-testid="backprop-progress" max="1" value="0"></progress>
      <p class="status small" data-testid="backprop-status" data-report-note role="status">Both methods are timed on this machine as this part comes into view.</p>
    </div>
  </div>
  <div class="lesson-grid even">
    ${figure('backprop-units', 'Time against K (N = 4 layers)', 'Milliseconds per gradient, both axes logarithmic; dots are measurements, lines the fitted power laws.', '<div class="chart"></div>')}
    ${figure('backprop-layers', 'Time against N (K = 16 units)', 'Milliseconds per gradient, both axes logarithmic; dots are measurements, lines the fitted power laws.', '<div class="chart"></div>')}
  </div>
  ${figure(
    'backprop-slopes',
    'Slopes: measured, counted and in theory',
    'Measured: the slope of the fitted line through the times above. Counted: the slope of the exact number of multiply-adds on the same sizes. Theory: the exponent of the leading term.',
    '<table class="numbers text-2" data-testid="backprop-slope-table"></table>',
  )}
  <details class="card">
    <summary>All the measurements</summary>
    <table class="numbers" data-testid="backprop-rows"></table>
  </details>
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('backprop');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const batch = numberField(section, 'backprop-batch', state, 'batch', 32, (v) => Number.isInteger(v) && v >= 1 && v <= 256);
  const seed = numberField(section, 'backprop-seed', state, 'seed', 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  const repeats = numberField(section, 'backprop-repeats', state, 'repeats', 3, (v) => Number.isInteger(v) && v >= 1 && v <= 10);
  const runButton = find<HTMLButtonElement>('backprop-run');
  const stopButton = find<HTMLButtonElement>('backprop-stop');
  const progress = find<HTMLProgressElement>('backprop-progress');
  const status = find<HTMLElement>('backprop-status');
  const unitsBox = find<HTMLElement>('backprop-units').querySelector<HTMLElement>('.chart')!;
  const layersBox = find<HTMLElement>('backprop-layers').querySelector<HTMLElement>('.chart')!;
  const slopeTable = find<HTMLTableElement>('backprop-slope-table');
  const rowTable = find<HTMLTableElement>('backprop-rows');
  let rows: TimingRow[] = [];
  let fits: SweepSlopes[] = [];
  let running = false;
  let stopRequested = false;

  const placeholder = (box: HTMLElement) => {
    box.innerHTML = '<p class="placeholder">The times appear here size by size, measured on this machine as this part comes into view.</p>';
  };
  placeholder(unitsBox);
  placeholder(layersBox);

  const drawSweep = (box: HTMLElement, sweep: 'units' | 'layers') => {
    const fixedValue = sweep === 'units' ? 4 : 16;
    const group = rows.filter((r) => (sweep === 'units' ? r.n_layers === fixedValue : r.n_units === fixedValue));
    if (group.length === 0) return;
    const size = (r: TimingRow) => (sweep === 'units' ? r.n_units : r.n_layers);
    const fit = fits.find((f) => f.sweep === sweep && f.fixed === fixedValue);
    const sizes = group.map(size);
    const line = (f: { slope: number; coefficient: number } | null | undefined, name: string, color: string) => {
      if (!f) return null;
      const lo = Math.min(...sizes);
      const hi = Math.max(...sizes);
      const xs = Array.from({ length: 20 }, (_, i) => lo * (hi / lo) ** (i / 19));
      return { name, color, points: xs.map((x) => ({ x, y: f.coefficient * x ** f.slope })) };
    };
    const series = [
      { name: 'backpropagation', color: BACKPROP, points: group.map((r) => ({ x: size(r), y: r.backprop_ms })), noLine: true },
      { name: 'one weight at a time', color: NAIVE, points: group.map((r) => ({ x: size(r), y: r.naive_ms })), noLine: true },
      line(fit?.backprop_fit, `backprop fit`, BACKPROP),
      line(fit?.naive_fit, `one-at-a-time fit`, NAIVE),
    ].filter((s): s is NonNullable<typeof s> => s !== null);
    const label = (f: { slope: number } | null | undefined, r: TimingRow | undefined, time: (r: TimingRow) => number, color: string) =>
      f && r ? Plot.text([r], { x: size, y: time, text: () => `slope ${f.slope.toFixed(2)}`, dx: -8, dy: -12, textAnchor: 'end', fill: color, fontSize: 12, fontWeight: 700 }) : null;
    const last = [...group].sort((a, b) => size(a) - size(b)).pop();
    const times = group.flatMap((r) => [r.backprop_ms, r.naive_ms]);
    const chart = lineChart({
      width: chartWidth(box),
      height: 260,
      x: {
        label: sweep === 'units' ? 'K, units per layer →' : 'N, layers →',
        type: 'log',
        domain: [Math.min(...sizes) / 1.25, Math.max(...sizes) * 1.25],
        ticks: [...sizes].sort((a, b) => a - b),
        tickFormat: (v: number) => String(v),
      },
      y: {
        label: '↑ milliseconds per gradient',
        type: 'log',
        domain: [Math.min(...times) / 2, Math.max(...times) * 3],
        // Labels at the powers of ten only: 0.01, 0.1, 1, 10, 100 ms.
        tickFormat: (v: number) => (Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? String(Number(v.toPrecision(1))) : ''),
      },
      series,
      marks: [label(fit?.naive_fit, last, (r) => r.naive_ms, NAIVE), label(fit?.backprop_fit, last, (r) => r.backprop_ms, BACKPROP)].filter(
        (m): m is NonNullable<typeof m> => m !== null,
      ),
      marginLeft: 56,
    });
    box.replaceChildren(
      legend([
        { name: 'backpropagation', color: BACKPROP, dot: true },
        { name: 'one weight at a time', color: NAIVE, dot: true },
      ]),
      chart,
    );
    box.dataset.points = String(group.length);
  };

  const drawAll = () => {
    drawSweep(unitsBox, 'units');
    drawSweep(layersBox, 'layers');
  };
  onWidthChange(unitsBox, drawAll);

  const showRows = () => {
    rowTable.innerHTML = `<thead><tr><th scope="col">N</th><th scope="col">K</th><th scope="col">weights</th><th scope="col">backprop ms</th>
      <th scope="col">one-at-a-time ms</th><th scope="col">ratio</th><th scope="col">largest difference</th></tr></thead>
      <tbody>${rows
        .map(
          (r) => `<tr><td>${r.n_layers}</td><td>${r.n_units}</td><td>${grouped(r.n_weights)}</td><td>${r.backprop_ms.toPrecision(3)}</td>
            <td>${r.naive_ms.toPrecision(3)}</td><td>${Math.round(r.naive_ms / r.backprop_ms)}×</td><td>${r.max_abs_difference.toExponential(1)}</td></tr>`,
        )
        .join('')}</tbody>`;
  };

  const showSlopes = () => {
    const cell = (v: number | null) => (v === null ? '–' : v.toFixed(2));
    slopeTable.innerHTML = `<thead><tr><th scope="col">sweep</th><th scope="col">method</th><th scope="col">measured</th><th scope="col">counted</th><th scope="col">theory</th></tr></thead>
      <tbody>${fits
        .flatMap((f) => {
          const sweep = f.sweep === 'units' ? `K grows, N = ${f.fixed}` : `N grows, K = ${f.fixed}`;
          return [
            `<tr data-sweep="${f.sweep}" data-method="backprop"><td>${sweep}</td><td>backpropagation</td><td><strong>${cell(f.backprop.measured)}</strong></td><td>${cell(f.backprop.counted)}</td><td>${f.backprop.asymptotic} (${f.sweep === 'units' ? 'K²' : 'N'})</td></tr>`,
            `<tr data-sweep="${f.sweep}" data-method="naive"><td>${sweep}</td><td>one weight at a time</td><td><strong>${cell(f.naive.measured)}</strong></td><td>${cell(f.naive.counted)}</td><td>${f.naive.asymptotic} (${f.sweep === 'units' ? 'K⁴' : 'N²'})</td></tr>`,
          ];
        })
        .join('')}</tbody>`;
    slopeTable.dataset.slopes = JSON.stringify(fits.map((f) => ({ sweep: f.sweep, fixed: f.fixed, backprop: f.backprop, naive: f.naive })));
  };

  const measure = async () => {
    const m = batch.read();
    const s = seed.read();
    const r = repeats.read();
    if (m === null || s === null || r === null || running) return;
    running = true;
    stopRequested = false;
    delete status.dataset.done;
    runButton.disabled = true;
    stopButton.disabled = false;
    rows = [];
    fits = [];
    slopeTable.innerHTML = '';
    try {
      const sizes = await lab.request({ type: 'backprop-grid' });
      // Smallest first, so that the charts fill in quickly; one size per
      // request, so that the worker answers other requests in between.
      sizes.sort((a, b) => a[0] * a[1] ** 2 - b[0] * b[1] ** 2);
      for (const [i, [n, k]] of sizes.entries()) {
        if (stopRequested) break;
        status.textContent = `Timing N = ${n} layers of K = ${k} units (${i + 1} of ${sizes.length})…`;
        progress.value = i / sizes.length;
        const row = await lab.request({ type: 'backprop-time', nLayers: n, nUnits: k, batch: m, seed: s, repeats: r });
        rows.push(row);
        fits = await lab.request({ type: 'backprop-slopes', rows });
        showRows();
        showSlopes();
        drawAll();
      }
      progress.value = stopRequested ? progress.value : 1;
      const biggest = rows.reduce((a, r) => (r.naive_ms / r.backprop_ms > a ? r.naive_ms / r.backprop_ms : a), 0);
      status.textContent = stopRequested
        ? `Stopped after ${rows.length} sizes.`
        : `Done: ${rows.length} sizes, batch ${m}. Backpropagation was up to ${Math.round(biggest)} times faster.`;
      status.dataset.done = String(!stopRequested);
    } catch (error) {
      reportError(lab, error);
      status.textContent = 'The timing stopped (see the error above).';
    } finally {
      running = false;
      runButton.disabled = false;
      stopButton.disabled = true;
    }
  };
  runButton.addEventListener('click', () => void measure());
  stopButton.addEventListener('click', () => {
    stopRequested = true;
    status.textContent = 'Stopping after this size…';
  });
  runButton.disabled = true;
  // The chapter opens with its figures: the first measurement starts by
  // itself when the chapter is seen (the worker answers other requests
  // between sizes), and Measure repeats it with other settings.
  let measuredOnView = false;
  whenReady(section, lab, false, () => {
    if (!running) runButton.disabled = false;
    if (!measuredOnView) {
      measuredOnView = true;
      void measure();
    }
  });
}
