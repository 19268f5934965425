// Part 2, the network: the 784 -> 10 softmax network as a diagram, and the
// forward pass of a chosen test image: its logits, its probabilities, and
// which pixels pushed the winning score up or down.

import type { Lab } from '../../lab';
import type { ForwardResult, LessonModel } from '../../protocol';
import { Plot, chartWidth, onWidthChange, plot } from '../shared/charts';
import { chapterHead, divergingKey, figure, grouped, numberField, paint, reportError, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { ChapterState } from '../shared/state';
import { diagram } from './diagram';

const TEST_SIZE = 10000;
const ACCENT = '#2563eb';
const WRONG = '#e4572e';
const GREY = '#9aa5b8';
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

const MARKUP = `
  ${chapterHead(
    2,
    'The network',
    `The simplest network the project uses has no hidden layer: every pixel is joined to each of the ten outputs by a
     weight, and the outputs are turned into probabilities by the softmax.`,
  )}
  <div class="lesson-grid">
    <div class="explain">
      <p>Each output ${tex('k')} adds up the pixels, each multiplied by its own weight, plus a bias. For all ten at once,
        and for a whole batch, that is one matrix product:</p>
      ${texBlock(String.raw`z_k = b_k + \sum_{p=1}^{784} W_{pk}\, x_p, \qquad Z = W^{\top} X`)}
      <p>where ${tex('W')} is ${tex(String.raw`785 \times 10`)}: its row 0 holds the biases ${tex('b_k')} (the 1 on top of
        ${tex('x')} multiplies them), and row ${tex('p')} the weights of pixel ${tex('p')}.</p>
      <p>The softmax turns the ten scores (logits) into ten positive numbers that add up to 1, the probability the
        network gives to each digit:</p>
      ${texBlock(String.raw`\begin{aligned} p_k &= \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}} \\[4pt] &= \frac{e^{z_k - \max_j z_j}}{\sum_{j} e^{z_j - \max_j z_j}} \end{aligned}`)}
      <p>The second form is the same number, but no exponential can overflow: subtracting the largest logit keeps every
        exponent at most 0. The project's own code used the first form, which gives <code>inf / inf = NaN</code> as soon
        as a logit passes about 709 (in 64-bit floats).</p>
      <p>The network's answer is the digit with the largest probability (which is also the largest logit).</p>
    </div>
    <div class="figures">
      ${figure(
        'network-diagram',
        'The 784 → 10 network',
        'Inputs on the left, one circle per pixel (most left out), then the ten logits and their probabilities; the chosen image’s values are filled in.',
        '<div class="diagram-box"></div>',
      )}
    </div>
  </div>
  <div class="card controls" role="group" aria-label="Forward pass settings">
    <div class="control-grid">
      <label>Test image (0 to 9,999)
        <input type="number" data-testid="network-index" min="0" max="9999" step="1" inputmode="numeric">
      </label>
      <div class="buttons tight span-2">
        <button type="button" data-testid="network-previous" aria-label="Previous test image">←</button>
        <button type="button" data-testid="network-next" aria-label="Next test image">→</button>
        <button type="button" data-testid="network-random">Random image</button>
        <button type="button" data-testid="network-mistake" title="Jump to the next test image the network gets wrong">Next mistake</button>
      </div>
      <fieldset class="choice span-2">
        <legend>Network</legend>
        <label><input type="radio" name="network-model" value="shipped" data-testid="network-model-shipped" checked> the shipped one <small>(92% on the test set)</small></label>
        <label><input type="radio" name="network-model" value="trained" data-testid="network-model-trained" disabled> the one trained in part 4</label>
      </fieldset>
    </div>
  </div>
  ${figure(
    'network-forward',
    'The forward pass of one image',
    'Left: the image. Middle: its ten logits (the predicted digit in blue; the true digit outlined in orange when the network is wrong). Right: what each pixel added to the winning logit.',
    `<div class="forward-grid">
       <div class="forward-image"><canvas class="big-digit" data-testid="network-image" role="img" aria-label="The chosen test image"></canvas>
         <p class="forward-verdict" data-testid="network-verdict" data-report-note aria-live="polite"></p></div>
       <div class="forward-charts"><div class="chart-logits"></div><div class="chart-probabilities"></div></div>
       <div class="forward-contrib"><canvas class="big-digit" data-testid="network-contributions" role="img" aria-label="Each pixel's contribution to the winning logit"></canvas>
         <p class="small contrib-caption" data-png-text></p>${divergingKey('−', '+')}</div>
     </div>`,
  )}
  <div class="formula-live card" data-testid="network-formula" aria-live="polite"></div>
`;

function subscript(n: number): string {
  return String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]);
}

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('network');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const diagramBox = section.querySelector<HTMLElement>('.diagram-box')!;
  const chartsBox = section.querySelector<HTMLElement>('.forward-charts')!;
  const logitsBox = section.querySelector<HTMLElement>('.chart-logits')!;
  const probabilitiesBox = section.querySelector<HTMLElement>('.chart-probabilities')!;
  const imageCanvas = find<HTMLCanvasElement>('network-image');
  const contribCanvas = find<HTMLCanvasElement>('network-contributions');
  const contribCaption = section.querySelector<HTMLElement>('.contrib-caption')!;
  const verdict = find<HTMLElement>('network-verdict');
  const formula = find<HTMLElement>('network-formula');
  const radios = [...section.querySelectorAll<HTMLInputElement>('input[name="network-model"]')];
  const trainedRadio = find<HTMLInputElement>('network-model-trained');
  diagramBox.innerHTML = diagram(null);

  let model = state.string('model', 'shipped', ['shipped', 'trained']) as LessonModel;
  let last: ForwardResult | null = null;
  let busy = false;
  let pending = false;
  const index = numberField(section, 'network-index', state, 'image', 0, (v) => Number.isInteger(v) && v >= 0 && v < TEST_SIZE, () => show());

  const show = () => {
    const i = index.read();
    if (i === null || !lab.data) return;
    if (busy) {
      pending = true;
      return;
    }
    busy = true;
    lab
      .request({ type: 'forward', split: 'test', index: i, model })
      .then((result) => {
        last = result;
        render(result);
      })
      .catch((error) => reportError(lab, error))
      .finally(() => {
        busy = false;
        if (pending) {
          pending = false;
          show();
        }
      });
  };

  const render = (r: ForwardResult) => {
    paint(imageCanvas, r.rgba);
    paint(contribCanvas, r.contributions);
    const right = r.predicted === r.label;
    verdict.innerHTML = `It is a <strong>${r.label}</strong>; the network says <strong class="${right ? 'right' : 'wrong'}">${r.predicted}</strong> ${right ? '✓' : '✗'}`;
    verdict.dataset.predicted = String(r.predicted);
    contribCaption.textContent = `What each pixel added to z${subscript(r.predicted)}: red raised it, blue lowered it`;
    diagramBox.innerHTML = diagram({ image: imageCanvas.toDataURL(), logits: r.logits, probabilities: r.probabilities, predicted: r.predicted });
    drawCharts(r);
    const k = r.predicted;
    const sum = r.logits[k] - r.biases[k];
    const fixed = (v: number) => v.toFixed(2);
    formula.innerHTML = `<p class="small">The winning output, digit ${k}, for test image #${grouped(r.index)}:</p>
      ${texBlock(
        String.raw`z_{${k}} = \underbrace{b_{${k}}}_{${fixed(r.biases[k])}} + \underbrace{\sum_p W_{p,${k}}\, x_p}_{${fixed(sum)}} = ${fixed(r.logits[k])}`,
      )}
      ${texBlock(
        String.raw`p_{${k}} = \frac{e^{${fixed(r.logits[k])}}}{\sum_{j=0}^{9} e^{z_j}} = ${r.probabilities[k].toFixed(4)}`,
      )}`;
  };

  const drawCharts = (r: ForwardResult) => {
    const columns = chartsBox.clientWidth >= 560 ? 2 : 1;
    const width = chartWidth(chartsBox, columns);
    const rows = r.logits.map((z, digit) => ({ digit, z, p: r.probabilities[digit] }));
    const fill = (d: { digit: number }) => (d.digit === r.predicted ? ACCENT : GREY);
    const wrong = r.predicted !== r.label ? rows.filter((d) => d.digit === r.label) : [];
    const x = { label: 'digit', type: 'band' as const, domain: DIGITS, padding: 0.2 };
    const common = { width, height: 210, marginLeft: 44, style: { fontSize: '12px', background: 'transparent' } };
    logitsBox.replaceChildren(
      plot({
        ...common,
        x,
        y: { label: 'logit z', grid: true },
        marks: [
          Plot.barY(rows, { x: 'digit', y: 'z', fill }),
          Plot.barY(wrong, { x: 'digit', y: 'z', fill: 'none', stroke: WRONG, strokeWidth: 2.5 }),
          Plot.ruleY([0]),
          Plot.tip(rows, Plot.pointerX({ x: 'digit', y: 'z', title: (d) => `digit ${d.digit}: z = ${d.z.toFixed(3)}` })),
        ],
      }),
    );
    probabilitiesBox.replaceChildren(
      plot({
        ...common,
        x,
        // Room above the tallest bar for its label.
        y: { label: 'probability p (%)', grid: true, domain: [0, 1.12], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], tickFormat: (v: number) => String(Math.round(100 * v)) },
        marks: [
          Plot.barY(rows, { x: 'digit', y: 'p', fill }),
          Plot.barY(wrong, { x: 'digit', y: 'p', fill: 'none', stroke: WRONG, strokeWidth: 2.5 }),
          Plot.text(
            rows.filter((d) => d.p >= 0.01),
            { x: 'digit', y: 'p', text: (d) => `${Math.round(100 * d.p)}%`, dy: -8, fontSize: 11 },
          ),
          Plot.ruleY([0]),
        ],
      }),
    );
  };
  onWidthChange(chartsBox, () => last && drawCharts(last));

  const step = (delta: number) => {
    const i = index.read() ?? 0;
    index.set((i + delta + TEST_SIZE) % TEST_SIZE);
    show();
  };
  find<HTMLButtonElement>('network-previous').addEventListener('click', () => step(-1));
  find<HTMLButtonElement>('network-next').addEventListener('click', () => step(1));
  find<HTMLButtonElement>('network-random').addEventListener('click', () => {
    index.set(Math.floor(Math.random() * TEST_SIZE));
    show();
  });
  // The next image the network gets wrong: asks image by image, a few at a time.
  find<HTMLButtonElement>('network-mistake').addEventListener('click', async (event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    try {
      let i = index.read() ?? 0;
      for (let tries = 0; tries < 400; tries++) {
        i = (i + 1) % TEST_SIZE;
        const r = await lab.request({ type: 'forward', split: 'test', index: i, model });
        if (r.predicted !== r.label) {
          index.set(i);
          last = r;
          render(r);
          break;
        }
      }
    } catch (error) {
      reportError(lab, error);
    } finally {
      button.disabled = false;
    }
  });

  const setModel = (value: LessonModel) => {
    model = value;
    state.set('model', value, 'shipped');
    for (const radio of radios) radio.checked = radio.value === value;
  };
  for (const radio of radios) {
    radio.addEventListener('change', () => {
      setModel(radio.value as LessonModel);
      show();
    });
  }
  // The network of part 4 can be chosen once it exists.
  lab.on((event) => {
    if (event.type === 'lesson-state' && event.state.id === 'gd') {
      const exists = event.state.phase !== 'idle';
      const was = trainedRadio.disabled;
      trainedRadio.disabled = !exists;
      if (!exists && model === 'trained') {
        setModel('shipped');
        show();
      } else if (exists && was && model === 'trained') {
        show();
      }
    } else if (event.type === 'restarted') {
      trainedRadio.disabled = true;
      if (model === 'trained') setModel('shipped');
    }
  });
  if (model === 'trained') setModel('shipped'); // No part-4 network exists on load.

  whenReady(section, lab, true, show);
}
