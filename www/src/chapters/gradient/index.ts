// Part 3, the gradient: the cost and its vectorised gradient, the project's
// Figure 5 check (total error of forward differences against h, on log-log
// axes) and the same check, with central differences, on real digits for
// both networks.

import type { Lab } from '../../lab';
import type { DigitsCheck, Figure5Row } from '../../protocol';
import { Plot, chartWidth, legend, lineChart, onWidthChange } from '../shared/charts';
import { chapterHead, figure, grouped, numberField, reportError, scientific, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { ChapterState } from '../shared/state';

const COLOURS: Record<DigitsCheck['network'], string> = { softmax: '#2563eb', mlp: '#e4572e' };

const MARKUP = `
  ${chapterHead(
    3,
    'The gradient',
    `To learn, the network needs to know how the cost changes when each weight changes: the gradient. Its formula is
     short, and it is easy to get wrong, so the project checks it against finite differences.`,
  )}
  <div class="lesson-grid">
    <div class="explain">
      <p>The cost is the negative log-probability of the right digits, summed over the images:</p>
      ${texBlock(String.raw`C = -\sum_{j=1}^{m} \sum_{k=0}^{9} Y_{kj} \log P_{kj}`)}
      <p>where ${tex(String.raw`P = \operatorname{softmax}(W^{\top} X)`)}, column by column.</p>
      <p>Its derivative with respect to the logits is simply “predicted minus true”, and the chain rule gives every
        weight's derivative in one matrix product:</p>
      ${texBlock(String.raw`\frac{\partial C}{\partial Z} = P - Y, \qquad \frac{\partial C}{\partial W} = X\,(P - Y)^{\top}`)}
      <p>a ${tex(String.raw`785 \times 10`)} matrix, the shape of ${tex('W')}.</p>
      <p>A finite difference estimates one derivative by nudging one weight ${tex(String.raw`W_{ij}`)} by a small ${tex('h')}:</p>
      ${texBlock(String.raw`\text{forward:}\quad \frac{\partial C}{\partial W_{ij}} \approx \frac{C(W + h\,e_{ij}) - C(W)}{h}`)}
      ${texBlock(String.raw`\text{central:}\quad \frac{\partial C}{\partial W_{ij}} \approx \frac{C(W + h\,e_{ij}) - C(W - h\,e_{ij})}{2h}`)}
      <p>where ${tex(String.raw`e_{ij}`)} is 1 at position ${tex('(i, j)')} and 0 elsewhere.</p>
      <p>Smaller ${tex('h')} is not always better. The forward difference is off by about ${tex(String.raw`\tfrac{h}{2} C''`)}
        (truncation), but the computer stores ${tex('C')} with about 16 significant digits, and dividing that rounding by
        ${tex('h')} makes an error of about ${tex(String.raw`\varepsilon\, C / h`)} (round-off) that grows as ${tex('h')} shrinks.</p>
      <p><strong>The project's test case (its Figure 5):</strong> ${tex('X')} is 5 × 4 with every row ${tex('[1, 2, 3, 4]')},
        ${tex('W')} is 5 × 4 and ${tex('Y')} is the 4 × 4 identity. The table adds up ${tex(String.raw`|G_{\text{vectorised}} - G_{\text{finite}}(h)|`)}
        over its 20 weights, in 64-bit floats.</p>
    </div>
    <div class="figures">
      ${figure(
        'gradient-figure5',
        'Figure 5: error of forward differences against h',
        'Both axes are logarithmic. From h = 1 down to 1e-7, the error falls ten times for every ten times smaller h (truncation); below that, rounding takes over and it rises again.',
        '<div class="chart"></div>',
      )}
      <table class="numbers" data-testid="gradient-table" data-report-title="Total error of forward differences for each h" data-report-caption="The project’s test case (X 5 × 4 with every row [1, 2, 3, 4], Y the 4 × 4 identity): the sum over its 20 weights of |vectorised gradient − forward difference|, in 64-bit floats, for h from 1 down to 1e-9."><caption class="visually-hidden">Figure 5: total absolute error for each h</caption></table>
    </div>
  </div>
  <h3 class="subhead">The same check on real digits</h3>
  <p class="lede">Now on a random mini-batch of MNIST training images, for both networks of the project (the softmax
    network and one with a hidden layer of tanh units), freshly initialised. Checking all of the MLP's weights would take
    two cost evaluations for each of its 23,000+ weights, so a random sample of weights is compared, with central
    differences (${tex('h = 10^{-6}')}, 64-bit floats).</p>
  <div class="card controls" role="group" aria-label="Gradient check settings">
    <div class="control-grid">
      <label>Images in the batch <input type="number" data-testid="gradient-images" min="1" max="200" step="1" inputmode="numeric"></label>
      <label>Weights sampled per network <input type="number" data-testid="gradient-weights" min="1" max="1000" step="1" inputmode="numeric"></label>
      <label>Hidden units (MLP) <input type="number" data-testid="gradient-hidden" min="1" max="300" step="1" inputmode="numeric"></label>
      <div class="buttons tight"><button type="button" class="primary" data-testid="gradient-run">New random batch</button></div>
    </div>
  </div>
  <div class="lesson-grid even">
    ${figure(
      'gradient-digits',
      'Backpropagation against central differences',
      'Each dot is one sampled weight: its derivative by backpropagation (across) and by central differences (up). A correct gradient puts every dot on the diagonal.',
      '<div class="chart"></div>',
    )}
    <div class="check-results" data-testid="gradient-results" aria-live="polite" data-report-title="The gradient check on real digits" data-report-caption="Backpropagation against central differences (h = 1e-6) on a mini-batch of MNIST training images, for both freshly initialised networks; the sample of weights and the batch are the settings above."></div>
  </div>
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('gradient');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const figure5Box = find<HTMLElement>('gradient-figure5').querySelector<HTMLElement>('.chart')!;
  const digitsBox = find<HTMLElement>('gradient-digits').querySelector<HTMLElement>('.chart')!;
  const table = find<HTMLTableElement>('gradient-table');
  const results = find<HTMLElement>('gradient-results');
  const runButton = find<HTMLButtonElement>('gradient-run');
  const images = numberField(section, 'gradient-images', state, 'images', 20, (v) => Number.isInteger(v) && v >= 1 && v <= 200);
  const weights = numberField(section, 'gradient-weights', state, 'weights', 100, (v) => Number.isInteger(v) && v >= 1 && v <= 1000);
  const hidden = numberField(section, 'gradient-hidden', state, 'hidden', 30, (v) => Number.isInteger(v) && v >= 1 && v <= 300);
  let seed = state.number('seed', 0, 0, 2 ** 31, true);
  let rows: Figure5Row[] = [];
  let checks: DigitsCheck[] = [];

  const drawFigure5 = () => {
    if (rows.length === 0) return;
    const best = rows.reduce((a, b) => (b.total_error < a.total_error ? b : a));
    const errors = rows.map((r) => r.total_error);
    const at = (h: number) => rows.find((r) => r.h === h) ?? rows[0];
    const note = (row: Figure5Row, text: string, options: Record<string, unknown>) =>
      Plot.text([row], { x: 'h', y: 'total_error', text: () => text, fontSize: 11, fill: '#1d2433', ...options });
    const chart = lineChart({
      width: chartWidth(figure5Box),
      height: 270,
      // h shrinks from left to right, as in the table.
      x: { label: 'h (smaller to the right) →', type: 'log', domain: [3, 3e-10], tickFormat: (v: number) => scientific(v, 0) },
      y: {
        label: '↑ Σ |error| over the 20 weights',
        type: 'log',
        domain: [Math.min(...errors) / 30, Math.max(...errors) * 5],
        tickFormat: (v: number) => scientific(v, 0),
      },
      series: [{ name: 'forward differences', color: '#2563eb', points: rows.map((r) => ({ x: r.h, y: r.total_error })), dots: true }],
      marks: [
        note(best, `smallest error at h = ${scientific(best.h, 0)}`, { dy: 16 }),
        note(at(1e-3), 'truncation error: falls with h', { textAnchor: 'start', dx: 10, dy: -10 }),
        note(at(1e-9), 'round-off: grows as h shrinks', { textAnchor: 'end', dx: -4, dy: -14 }),
      ],
      marginLeft: 60,
    });
    figure5Box.replaceChildren(chart);
  };

  const drawDigits = () => {
    if (checks.length === 0) return;
    const all = checks.flatMap((c) => c.comparison.weights.flatMap((w) => [w.backprop, w.finite]));
    const extent = Math.max(...all.map(Math.abs)) * 1.05 || 1;
    const chart = lineChart({
      width: chartWidth(digitsBox),
      height: 280,
      x: { label: 'by backpropagation →', domain: [-extent, extent] },
      y: { label: '↑ by central differences', domain: [-extent, extent] },
      series: checks.map((c) => ({
        name: c.network === 'softmax' ? 'softmax network' : 'one hidden layer',
        color: COLOURS[c.network],
        points: c.comparison.weights.map((w) => ({ x: w.backprop, y: w.finite })),
        noLine: true,
      })),
      marks: [Plot.line([[-extent, -extent], [extent, extent]], { stroke: '#9aa5b8', strokeDasharray: '4,4' })],
      marginLeft: 60,
    });
    digitsBox.replaceChildren(
      legend(checks.map((c) => ({ name: c.network === 'softmax' ? 'softmax network' : 'one hidden layer', color: COLOURS[c.network], dot: true }))),
      chart,
    );
  };
  onWidthChange(figure5Box, drawFigure5);
  onWidthChange(digitsBox, drawDigits);

  const showTable = () => {
    table.innerHTML = `<caption class="visually-hidden">Figure 5: total absolute error for each h</caption>
      <thead><tr><th scope="col">h</th><th scope="col">Σ |G<sub>vectorised</sub> − G<sub>forward</sub>(h)|</th></tr></thead>
      <tbody>${rows.map((r) => `<tr><td>${scientific(r.h, 0)}</td><td>${scientific(r.total_error, 3)}</td></tr>`).join('')}</tbody>`;
  };

  const showResults = () => {
    results.innerHTML = checks
      .map((c) => {
        const name = c.network === 'softmax' ? 'Softmax network' : 'One hidden layer';
        const shape = c.sizes.join(' → ');
        const first = c.comparison.weights.slice(0, 5);
        const ok = c.comparison.relative_error < 1e-6;
        return `<div class="card check" data-network="${c.network}">
          <h4 class="series-key" style="--series:${COLOURS[c.network]}">${name} <small>(${shape})</small></h4>
          <p>Relative error over ${grouped(c.comparison.weights.length)} weights, on ${c.images.length} images:
            <strong data-testid="gradient-error-${c.network}">${scientific(c.comparison.relative_error, 1)}</strong>
            ${ok ? '<span class="right">✓ the gradient is right</span>' : '<span class="wrong">✗ too large</span>'}</p>
          <table class="numbers small-table"><thead><tr><th scope="col">weight</th><th scope="col">backprop</th><th scope="col">central diff.</th></tr></thead>
          <tbody>${first
            .map((w) => `<tr><td>W${c.sizes.length > 2 ? `<sub>${w.layer + 1}</sub>` : ''}[${w.row}, ${w.col}]</td><td>${w.backprop.toExponential(6)}</td><td>${w.finite.toExponential(6)}</td></tr>`)
            .join('')}</tbody></table>
        </div>`;
      })
      .join('');
    results.insertAdjacentHTML(
      'beforeend',
      `${texBlock(String.raw`\text{relative error} = \frac{\lVert g_{\text{backprop}} - g_{\text{finite}} \rVert}{\lVert g_{\text{backprop}} \rVert + \lVert g_{\text{finite}} \rVert}`)}
       <p class="small">over the sampled weights (${tex('g')} holds their derivatives). With 64-bit floats and ${tex('h = 10^{-6}')},
       a correct gradient gives about ${tex('10^{-9}')}; a wrong formula gives something near 1. A weight from a pixel that
       is blank in every image of the batch has a derivative of exactly 0 both ways.</p>`,
    );
  };

  const runCheck = () => {
    const n = images.read();
    const w = weights.read();
    const h = hidden.read();
    if (n === null || w === null || h === null) return;
    runButton.disabled = true;
    results.setAttribute('aria-busy', 'true');
    lab
      .request({ type: 'gradient-check', images: n, weights: w, hiddenUnits: h, seed })
      .then((value) => {
        checks = value;
        drawDigits();
        showResults();
      })
      .catch((error) => reportError(lab, error))
      .finally(() => {
        runButton.disabled = false;
        results.removeAttribute('aria-busy');
      });
  };
  runButton.addEventListener('click', () => {
    seed += 1;
    state.set('seed', seed, 0);
    runCheck();
  });

  whenReady(section, lab, false, () => {
    lab
      .request({ type: 'figure5' })
      .then((value) => {
        rows = value;
        showTable();
        drawFigure5();
      })
      .catch((error) => reportError(lab, error));
  });
  whenReady(section, lab, true, runCheck);
}
