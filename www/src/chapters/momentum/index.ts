// Part 5, momentum: the softmax network trained with momentum and, beside it
// with the same settings, with plain gradient descent, their learning curves
// overlaid.

import type { Lab } from '../../lab';
import type { CurvePoint, LessonRunId } from '../../protocol';
import { chartWidth, legend, lineChart, onWidthChange } from '../shared/charts';
import { chapterHead, figure, grouped, numberField, percent, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { recordedRun, recordedSample, recordedSettings } from '../shared/recorded';
import { ChapterState } from '../shared/state';
import { EVALUATION_SIZE, LessonRuns, setButtons, softmaxConfig, statusText } from '../shared/training';

const GD = '#f08c00';
const MOMENTUM = '#7c3aed';

const MARKUP = `
  ${chapterHead(
    5,
    'Momentum',
    `Plain gradient descent forgets each step as soon as it has taken it. Momentum keeps a running velocity: steps in
     a direction the gradients keep agreeing on grow, and back-and-forth jitter cancels out.`,
  )}
  <div class="lesson-grid">
    <div class="explain">
      ${texBlock(String.raw`\begin{aligned} v &\leftarrow \beta\, v + \alpha\, \frac{1}{m}\frac{\partial C}{\partial W} \\ W &\leftarrow W - v \end{aligned}`)}
      <p>With ${tex(String.raw`\beta = 0`)} this is gradient descent. With ${tex(String.raw`\beta = 0.9`)}, a gradient that
        stays the same builds up a step ${tex(String.raw`1/(1-\beta) = 10`)} times longer than gradient descent would
        take, so the same learning rate goes further. Part 6 shows why this helps most in long, narrow valleys of the cost.</p>
      <p>Both networks below start from the same random weights and see the same batches in the same order (same seed):
        the only difference is the update rule.</p>
    </div>
    <div class="card controls" role="group" aria-label="Momentum settings">
      <div class="control-grid">
        <label>Learning rate ${tex(String.raw`\alpha`)} <input type="number" data-testid="momentum-lr" min="0" step="any" inputmode="decimal"></label>
        <label>Momentum ${tex(String.raw`\beta`)} <input type="number" data-testid="momentum-beta" min="0" max="0.999" step="0.05" inputmode="decimal"></label>
        <label>Batch size ${tex('m')} <input type="number" data-testid="momentum-batch" min="1" max="10000" step="1" inputmode="numeric"></label>
        <label>Epochs <input type="number" data-testid="momentum-epochs" min="1" max="20" step="1" inputmode="numeric"></label>
      </div>
      <div class="buttons">
        <button type="button" class="primary" data-testid="momentum-train">Train both</button>
        <button type="button" data-testid="momentum-pause">Pause</button>
        <button type="button" data-testid="momentum-reset">Reset</button>
      </div>
      <progress data-testid="momentum-progress" max="1" value="0"></progress>
      <p class="status small" data-testid="momentum-status-gd" role="status">Gradient descent: not started</p>
      <p class="status small" data-testid="momentum-status-momentum" role="status">Momentum: not started</p>
    </div>
  </div>
  <p class="recorded-note small" data-testid="momentum-recorded" data-report-note hidden></p>
  ${figure(
    'momentum-curves',
    'Gradient descent and momentum, same learning rate',
    'Left: the cost on training images. Right: the accuracy on test images. Orange: plain gradient descent; purple: momentum.',
    '<div class="curve-pair"></div>',
  )}
  <p class="summary card" data-testid="momentum-summary" data-report-note aria-live="polite"></p>
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('momentum');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const lr = numberField(section, 'momentum-lr', state, 'lr', 0.05, (v) => v > 0 && v <= 100);
  const beta = numberField(section, 'momentum-beta', state, 'beta', 0.9, (v) => v >= 0 && v < 1);
  const batch = numberField(section, 'momentum-batch', state, 'batch', 100, (v) => Number.isInteger(v) && v >= 1 && v <= 10000);
  const epochs = numberField(section, 'momentum-epochs', state, 'epochs', 2, (v) => Number.isInteger(v) && v >= 1 && v <= 20);
  const startButton = find<HTMLButtonElement>('momentum-train');
  const pauseButton = find<HTMLButtonElement>('momentum-pause');
  const resetButton = find<HTMLButtonElement>('momentum-reset');
  const progress = find<HTMLProgressElement>('momentum-progress');
  const statusGd = find<HTMLElement>('momentum-status-gd');
  const statusMomentum = find<HTMLElement>('momentum-status-momentum');
  const summary = find<HTMLElement>('momentum-summary');
  const curves = section.querySelector<HTMLElement>('.curve-pair')!;
  const points = new Map<LessonRunId, CurvePoint[]>([
    ['compare-gd', []],
    ['compare-momentum', []],
  ]);
  let betaUsed = 0.9;
  /** Whose curves are drawn: the pair trained here, or (until "Train both")
   * the pair the binary recorded with these settings. */
  let source: 'live' | 'recorded' = 'live';
  /** The test images the curves' accuracy is measured on. */
  let testSample = `curves' ${grouped(EVALUATION_SIZE)} test images`;
  const note = find<HTMLElement>('momentum-recorded');
  let frame = 0;

  const drawCurves = () => {
    frame = 0;
    const gd = points.get('compare-gd')!;
    const mo = points.get('compare-momentum')!;
    curves.dataset.points = String(gd.length + mo.length);
    curves.dataset.source = source;
    note.hidden = source !== 'recorded';
    if (gd.length + mo.length === 0) {
      curves.innerHTML = '<p class="placeholder">Press “Train both” to draw the two learning curves.</p>';
      summary.textContent = '';
      return;
    }
    const columns = curves.clientWidth >= 640 ? 2 : 1;
    const width = chartWidth(curves, columns);
    curves.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    const names = { gd: 'gradient descent', momentum: `momentum, β = ${betaUsed}` };
    const series = (value: (p: CurvePoint) => number) => [
      { name: names.gd, color: GD, points: gd.map((p) => ({ x: p.iteration, y: value(p) })) },
      { name: names.momentum, color: MOMENTUM, points: mo.map((p) => ({ x: p.iteration, y: value(p) })) },
    ];
    const box = (chart: Element) => {
      const div = document.createElement('div');
      div.append(chart);
      return div;
    };
    curves.replaceChildren(
      legend([
        { name: names.gd, color: GD },
        { name: names.momentum, color: MOMENTUM },
      ]),
      box(lineChart({ width, height: 230, x: { label: 'iteration →' }, y: { label: '↑ training cost per image' }, series: series((p) => p.train_cost) })),
      box(lineChart({ width, height: 230, x: { label: 'iteration →' }, y: { label: '↑ test accuracy (%)' }, series: series((p) => 100 * p.test_accuracy) })),
    );
    const a = gd[gd.length - 1];
    const b = mo[mo.length - 1];
    if (a && b) {
      const at = Math.min(a.iteration, b.iteration);
      const near = (list: CurvePoint[]) => list.filter((p) => p.iteration <= at).pop() ?? list[0];
      const x = near(gd);
      const y = near(mo);
      summary.innerHTML = `At iteration ${grouped(at)}: plain gradient descent has a training cost of
        <strong>${x.train_cost.toFixed(3)}</strong> per image and gets <strong>${percent(x.test_accuracy)}</strong> of the
        ${testSample} right; momentum <strong>${y.train_cost.toFixed(3)}</strong> and
        <strong>${percent(y.test_accuracy)}</strong>.${
          source === 'live'
            ? ` (These ${grouped(EVALUATION_SIZE)}, the first of the test set, are harder than the rest: the whole test set's figure, shown when a run ends, is higher.)`
            : ''
        }`;
    }
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(drawCurves);
  };
  onWidthChange(curves, schedule);
  drawCurves();

  const runs = new LessonRuns(lab, ['compare-gd', 'compare-momentum'], {
    point: (id, point) => {
      goLive();
      points.get(id)!.push(point);
      schedule();
    },
    state: (states) => {
      const g = states.get('compare-gd')!;
      const m = states.get('compare-momentum')!;
      statusGd.textContent = statusText(g, 'Gradient descent');
      statusMomentum.textContent = statusText(m, 'Momentum');
      statusMomentum.dataset.phase = runs.phase;
      const total = g.totalIterations + m.totalIterations;
      progress.value = total > 0 ? (g.iteration + m.iteration) / total : 0;
      render();
      // Back to the recorded pair once a reset (or a restarted worker) has
      // left nothing to show.
      if (runs.phase === 'idle' && source === 'live' && [...points.values()].every((list) => list.length === 0)) showRecorded();
    },
    cleared: (ids) => {
      goLive();
      for (const id of ids) points.set(id, []);
      schedule();
    },
  });

  const render = () => setButtons(runs, lab.data !== null, startButton, pauseButton, resetButton);

  /** From the recorded pair to a run of the learner's: empty curves. */
  function goLive(): void {
    if (source === 'live') return;
    source = 'live';
    testSample = `curves' ${grouped(EVALUATION_SIZE)} test images`;
    for (const id of points.keys()) points.set(id, []);
  }

  /** The pair the native binary recorded with this chapter's settings, while
   * no pair is trained here: the chapter opens with real curves. */
  const showRecorded = () => {
    if (runs.phase !== 'idle') return;
    source = 'recorded';
    Promise.all([recordedRun('softmax-gd'), recordedRun('softmax-momentum')])
      .then(([gd, momentum]) => {
        if (source !== 'recorded' || runs.phase !== 'idle') return;
        if (momentum.config.optimizer.kind === 'momentum') betaUsed = momentum.config.optimizer.beta;
        testSample = `${grouped(Math.min(momentum.config.test_evaluation_size ?? momentum.test_images, momentum.test_images))} test images`;
        note.textContent = `Until you press Train: the pair gradlab's native binary recorded with these settings (${recordedSettings(momentum)}; the other with gradient descent), measured on ${recordedSample(momentum)}.`;
        points.set('compare-gd', gd.curve.slice());
        points.set('compare-momentum', momentum.curve.slice());
        schedule();
      })
      .catch((error: unknown) => {
        note.textContent = `The recorded runs did not load: ${error instanceof Error ? error.message : String(error)}. Press Train to draw them here.`;
        note.hidden = false;
      });
  };

  startButton.addEventListener('click', () => {
    if (runs.phase === 'paused') {
      runs.resume();
      return;
    }
    const values = [lr.read(), beta.read(), batch.read(), epochs.read()];
    if (values.some((v) => v === null)) {
      statusGd.textContent = 'Check the settings: the fields marked in red are not valid.';
      return;
    }
    const [a, b, m, e] = values as number[];
    betaUsed = b;
    runs.start([
      { id: 'compare-gd', config: softmaxConfig(a, null, m, e, 0) },
      { id: 'compare-momentum', config: softmaxConfig(a, b, m, e, 0) },
    ]);
  });
  pauseButton.addEventListener('click', () => runs.pause());
  resetButton.addEventListener('click', () => runs.reset());
  lab.on((event) => {
    if (event.type === 'data-ready' || event.type === 'restarted') render();
  });
  render();
  showRecorded();
  whenReady(section, lab, true, render);
}
