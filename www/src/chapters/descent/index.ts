// Part 4, gradient descent: the softmax network trained live with plain
// (vanilla) gradient descent on mini-batches; its learning curves and the
// weights into each of the ten outputs, drawn as images, as it learns.

import type { Lab } from '../../lab';
import type { CurvePoint, LessonRunId } from '../../protocol';
import { chartWidth, legend, lineChart, onWidthChange } from '../shared/charts';
import { chapterHead, digitCanvas, divergingKey, figure, grouped, numberField, reportError, runSourceLine, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { recordedRun, recordedSample, recordedSettings } from '../shared/recorded';
import { ChapterState } from '../shared/state';
import { EVALUATION_SIZE, LessonRuns, setButtons, softmaxConfig, statusText } from '../shared/training';

const TRAIN = '#2563eb';
const TEST = '#e4572e';

const MARKUP = `
  ${chapterHead(
    4,
    'Gradient descent',
    `Training means lowering the cost. Gradient descent does it in small steps: work out the gradient on a batch of
     images, move every weight a little against it, repeat.`,
  )}
  <p class="run-source small" data-testid="descent-source" data-report-note></p>
  <div class="lesson-grid">
    <div class="explain">
      ${texBlock(String.raw`W \leftarrow W - \alpha\, \frac{1}{m} \frac{\partial C}{\partial W}`)}
      <p>${tex(String.raw`\alpha`)} is the learning rate. Each step uses the mean gradient over a mini-batch of
        ${tex('m')} training images, the next ones of a shuffled order; one pass over all 60,000 is an epoch. The network
        starts from small random weights.</p>
      <p>The curves are measured on ${grouped(EVALUATION_SIZE)} training images and ${grouped(EVALUATION_SIZE)}
        test images as it trains. The test images are never trained on, so the test accuracy is what to expect on
        new digits. A softmax network tops out around 92%: it can only draw one straight boundary per pair of digits.</p>
      <p>Watch the weight images: each is the 785 weights of one output (without its bias), drawn where their pixels
        are. They start as noise and turn into blurry templates of their digit: red where ink raises that digit's score,
        blue where ink lowers it.</p>
    </div>
    <div class="card controls" role="group" aria-label="Gradient descent settings">
      <div class="control-grid">
        <label>Learning rate ${tex(String.raw`\alpha`)} <input type="number" data-testid="descent-lr" min="0" step="any" inputmode="decimal"></label>
        <label>Batch size ${tex('m')} <input type="number" data-testid="descent-batch" min="1" max="10000" step="1" inputmode="numeric"></label>
        <label>Epochs <input type="number" data-testid="descent-epochs" min="1" max="20" step="1" inputmode="numeric"></label>
        <label>Seed <input type="number" data-testid="descent-seed" min="0" step="1" inputmode="numeric"></label>
      </div>
      <div class="buttons">
        <button type="button" class="primary" data-testid="descent-train">Train</button>
        <button type="button" data-testid="descent-pause">Pause</button>
        <button type="button" data-testid="descent-reset">Reset</button>
      </div>
      <progress data-testid="descent-progress" max="1" value="0"></progress>
      <p class="status small" data-testid="descent-status" data-report-note role="status">Gradient descent: not started</p>
      <p class="small">The network trained here can be used in parts 2 and 6.</p>
    </div>
  </div>
  <p class="recorded-note small" data-testid="descent-recorded" data-report-note hidden></p>
  ${figure(
    'descent-curves',
    'Learning curves',
    'Cost per image (lower is better) and accuracy (higher is better) against the number of steps. The test curve uses the first 2,000 test images, which are harder than the rest, so it ends below the whole test set’s accuracy given above.',
    '<div class="curve-pair"></div>',
  )}
  ${figure(
    'descent-weights',
    'The weights into each output',
    'One image per digit 0–9: the weight from each pixel to that digit’s output, on one colour scale shared by the ten images (white is zero).',
    `<div class="weight-row" data-testid="descent-weight-images"><p class="placeholder">Press Train to see the weights form.</p></div>${divergingKey()}`,
  )}
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('descent');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const lr = numberField(section, 'descent-lr', state, 'lr', 0.05, (v) => v > 0 && v <= 100);
  const batch = numberField(section, 'descent-batch', state, 'batch', 100, (v) => Number.isInteger(v) && v >= 1 && v <= 10000);
  const epochs = numberField(section, 'descent-epochs', state, 'epochs', 2, (v) => Number.isInteger(v) && v >= 1 && v <= 20);
  const seed = numberField(section, 'descent-seed', state, 'seed', 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  const startButton = find<HTMLButtonElement>('descent-train');
  const pauseButton = find<HTMLButtonElement>('descent-pause');
  const resetButton = find<HTMLButtonElement>('descent-reset');
  const progress = find<HTMLProgressElement>('descent-progress');
  const status = find<HTMLElement>('descent-status');
  const curves = section.querySelector<HTMLElement>('.curve-pair')!;
  const weights = find<HTMLElement>('descent-weight-images');
  let points: CurvePoint[] = [];
  /** Whose curve is drawn: the run trained here, the learner's own, or
   * (until Train) the one the binary recorded with this chapter's settings. */
  let curveOf: 'live' | 'opened' | 'recorded' = 'live';
  const note = find<HTMLElement>('descent-recorded');
  /** The images the curves are measured on: the page's sample, or the
   * recorded run's (the binary measures on more). */
  const LIVE_SAMPLE = { train: EVALUATION_SIZE, test: EVALUATION_SIZE };
  let sample = LIVE_SAMPLE;
  let frame = 0;

  const drawCurves = () => {
    frame = 0;
    curves.dataset.points = String(points.length);
    curves.dataset.source = curveOf;
    note.hidden = curveOf !== 'recorded';
    if (points.length === 0) {
      curves.innerHTML = '<p class="placeholder">Press Train to draw the learning curves.</p>';
      return;
    }
    const columns = curves.clientWidth >= 640 ? 2 : 1;
    const width = chartWidth(curves, columns);
    curves.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    const series = (value: (p: CurvePoint) => number, name: string, color: string) => ({ name, color, points: points.map((p) => ({ x: p.iteration, y: value(p) })) });
    const cost = lineChart({
      width,
      height: 230,
      x: { label: 'iteration →' },
      y: { label: '↑ cost per image' },
      series: [series((p) => p.train_cost, 'training', TRAIN), series((p) => p.test_cost, 'test', TEST)],
    });
    const accuracy = lineChart({
      width,
      height: 230,
      x: { label: 'iteration →' },
      y: { label: '↑ accuracy (%)' },
      series: [series((p) => 100 * p.train_accuracy, 'training', TRAIN), series((p) => 100 * p.test_accuracy, 'test', TEST)],
    });
    const box = (chart: Element) => {
      const div = document.createElement('div');
      div.append(chart);
      return div;
    };
    curves.replaceChildren(
      legend([
        { name: `training (${grouped(sample.train)} images)`, color: TRAIN },
        { name: `test (${grouped(sample.test)} images)`, color: TEST },
      ]),
      box(cost),
      box(accuracy),
    );
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(drawCurves);
  };
  onWidthChange(curves, schedule);
  drawCurves();

  const showWeights = (rgba: Uint8Array) => {
    const figures = Array.from({ length: 10 }, (_, digit) => {
      const f = document.createElement('figure');
      const caption = document.createElement('figcaption');
      caption.textContent = String(digit);
      caption.dataset.pngText = '';
      f.append(digitCanvas(rgba, digit, `weights into the output for digit ${digit}`), caption);
      return f;
    });
    weights.replaceChildren(...figures);
    weights.dataset.count = '10';
  };

  const runs = new LessonRuns(lab, ['gd'], {
    point: (_id: LessonRunId, point) => {
      if (curveOf !== 'live') {
        sample = LIVE_SAMPLE;
        points = [];
        curveOf = 'live';
      }
      points.push(point);
      schedule();
    },
    weights: showWeights,
    state: (states) => {
      const s = states.get('gd')!;
      status.textContent = statusText(s, 'Gradient descent');
      status.dataset.phase = s.phase;
      progress.value = s.totalIterations > 0 ? s.iteration / s.totalIterations : 0;
      render();
      // Back to the recorded run once a reset (or a restarted worker) has
      // left nothing to show.
      if (runs.phase === 'idle' && curveOf === 'live' && points.length === 0) showRecorded();
    },
    cleared: () => {
      points = [];
      schedule();
    },
  });

  const render = () => setButtons(runs, lab.data !== null, startButton, pauseButton, resetButton);

  startButton.addEventListener('click', () => {
    if (runs.phase === 'paused') {
      runs.resume();
      return;
    }
    const values = [lr.read(), batch.read(), epochs.read(), seed.read()];
    if (values.some((v) => v === null)) {
      status.textContent = 'Check the settings: the fields marked in red are not valid.';
      return;
    }
    const [a, m, e, s] = values as number[];
    runs.start([{ id: 'gd', config: softmaxConfig(a, null, m, e, s) }]);
  });
  pauseButton.addEventListener('click', () => runs.pause());
  resetButton.addEventListener('click', () => runs.reset());
  lab.on((event) => {
    if (event.type === 'data-ready' || event.type === 'restarted') render();
  });

  /** The run the native binary recorded with this chapter's settings, while
   * no run is trained here and none of the learner's is open: the chapter
   * opens with real curves and weights rather than empty boxes. */
  const showRecorded = () => {
    if (lab.ownRuns.digits || runs.phase !== 'idle') return;
    curveOf = 'recorded';
    recordedRun('softmax-gd')
      .then((report) => {
        if (curveOf !== 'recorded' || runs.phase !== 'idle') return;
        note.textContent = `Until you press Train: the run gradlab's native binary recorded with these settings (${recordedSettings(report)}), measured on ${recordedSample(report)}.`;
        points = report.curve.slice();
        sample = { train: report.config.train_evaluation_size, test: Math.min(report.config.test_evaluation_size ?? report.test_images, report.test_images) };
        schedule();
        return lab.request({ type: 'lesson-weights', model: 'recorded' }).then((rgba) => {
          if (curveOf === 'recorded' && runs.phase === 'idle') showWeights(rgba);
        });
      })
      .catch((error: unknown) => {
        note.textContent = `The recorded run did not load: ${error instanceof Error ? error.message : String(error)}. Press Train to draw a run of your own.`;
        note.hidden = false;
      });
  };

  /** The learner's own run, while no run is trained here: its curve (from
   * its report.json) and its first layer's weights. */
  const showOpened = () => {
    const run = lab.ownRuns.digits;
    if (!run || runs.phase !== 'idle') return;
    curveOf = 'opened';
    const report = run.digits?.report;
    points = report?.curve.slice() ?? [];
    if (report) sample = { train: report.config.train_evaluation_size, test: Math.min(report.config.test_evaluation_size ?? report.test_images, report.test_images) };
    schedule();
    lab
      .request({ type: 'lesson-weights', model: 'opened' })
      .then((rgba) => showWeights(rgba))
      .catch((error: unknown) => reportError(lab, error));
  };
  runSourceLine(
    find<HTMLElement>('descent-source'),
    lab,
    'digits',
    'Train trains a softmax network here, from fresh weights, and draws its curves and weights below as it learns.',
    () => {
      if (lab.ownRuns.digits) {
        showOpened();
      } else if (curveOf === 'opened') {
        points = [];
        schedule();
        showRecorded();
      }
    },
  );
  render();
  whenReady(section, lab, false, showRecorded);
  whenReady(section, lab, true, () => {
    render();
    showOpened();
  });
}
