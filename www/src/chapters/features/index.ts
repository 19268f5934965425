// Part 10, a pretrained network's features: the faces of all 40 ORL people
// described by SqueezeNet 1.1's fire9 layer (512 numbers per face, computed
// once by the native binary), part 8's small classifier on those features
// against the same classifier on pixels (test accuracies and both confusion
// matrices, from features.json), and the classifier retrained live in the
// worker on the exported features.

import type { Lab } from '../../lab';
import type { ClassifierResult, FacesCurvePoint, FacesSettings, FeaturesInfo } from '../../protocol';
import { chartWidth, legend, lineChart, onWidthChange, type Series } from '../shared/charts';
import { confusionHeatmap, mistakeList, rightCount } from '../shared/confusion';
import {
  betaOf,
  chapterHead,
  figure,
  grouped,
  numberField,
  percent,
  reportError,
  runSourceLine,
  whenReady,
  wireSaveButtons,
  type NumberField,
} from '../shared/lesson';
import { download } from '../shared/png';
import { tex, texBlock } from '../shared/math';
import { ChapterState } from '../shared/state';
import { mountOwnFeatures, OWN_FEATURES_MARKUP } from './own';

const COLORS = { training: '#2563eb', validation: '#7c3aed', test: '#e4572e', pixels: '#7b8494' } as const;

/** A heatmap wider than this only makes its squares bigger, not easier to read. */
const MAX_HEATMAP = 560;

const MARKUP = `
  ${chapterHead(
    10,
    'A pretrained network’s features',
    `A network trained on a million photographs has learned to describe pictures. Its description of a face,
     a few hundred numbers, tells people apart better than the face’s pixels do, with the same small classifier.`,
  )}
  <p class="run-source small" data-testid="features-source" data-report-note></p>
  ${OWN_FEATURES_MARKUP}
  <div class="lesson-grid">
    <div class="explain">
      <p><strong>SqueezeNet 1.1</strong> (Iandola et al., 2016) was trained to sort the 1.2 million photographs of
        ImageNet into 1,000 classes (dogs, cars, mushrooms; no people). Its authors sum it up as “AlexNet-level
        accuracy with 50x fewer parameters”: 1.2 million weights, against AlexNet’s 61 million. It is a stack of
        <em>fire modules</em>: a 1×1 convolution squeezes the channels down, then 1×1 and 3×3 convolutions expand
        them again.</p>
      <p>Each photograph (ORL’s full 92×112 picture, its centred square scaled to 227×227, the grey copied into the
        three colour channels) goes through the network up to its last fire module,
        <code data-field="layer">fire9</code>: <span data-field="dim">512</span> channels over a 14×14 grid. Averaging
        each channel ${tex('c')} over the grid gives one number per channel, <span data-field="dim">512</span> per face:</p>
      ${texBlock(String.raw`f_c = \frac{1}{HW} \sum_{h=1}^{H} \sum_{w=1}^{W} a_{c,h,w}, \qquad H = W = 14`)}
      <p>${tex('a_{c,h,w}')} is channel ${tex('c')}’s output at row ${tex('h')}, column ${tex('w')}. Each feature is
        scaled by its largest value on the training faces and stored as a byte, as pixels are. The network ran once,
        in the native binary (<code>gradlab features</code>); the page loads its features and trains only the small
        classifier on them.</p>
      <p>The project used AlexNet’s <code>conv4</code> layer. AlexNet is too big to ship with a page, so it runs in the
        native binary only, from the weights file torchvision publishes, which you download yourself:
        <code>gradlab features --backbone alexnet --weights alexnet-owt-7be5be79.pth</code>.</p>
    </div>
    <div class="card versus" data-testid="features-versus" role="group" aria-label="Test accuracy on features and on pixels">
      <h3>Test accuracy, <span data-field="people">40</span> people</h3>
      <div class="versus-grid">
        <p class="versus-item on-features"><span class="versus-number" data-testid="features-accuracy-features">…</span>
          <span class="versus-count" data-testid="features-count-features"></span>
          <span class="versus-label">on <span data-field="backbone-layer">SqueezeNet 1.1 fire9</span> features
          (<span data-field="dim">512</span> numbers per face)</span></p>
        <p class="versus-vs" aria-hidden="true">vs</p>
        <p class="versus-item on-pixels"><span class="versus-number" data-testid="features-accuracy-pixels">…</span>
          <span class="versus-count" data-testid="features-count-pixels"></span>
          <span class="versus-label">on pixels (<span data-field="pixels">1,024</span> numbers per face)</span></p>
      </div>
      <p class="small" data-testid="features-versus-note" data-report-note></p>
      <p class="small">The faces are all <span data-field="people">40</span> people of the ORL set
        (<span data-field="faces">398</span> photographs), not part 8’s six: on the default six people, pixels and
        features both get all 12 test faces right on the default split (over 30 random splits of those six, features
        got 100% on every split and pixels 93.6% on average).</p>
      <p class="status small" data-testid="features-load-status" role="status">Loading the features…</p>
      <div class="buttons" hidden><button type="button" data-testid="features-retry">Try loading again</button></div>
    </div>
  </div>
  ${figure(
    'features-confusion',
    'Which test faces each classifier gets wrong',
    'Rows: who the face really is; columns: who the classifier says it is. A green square on the diagonal holds the faces named rightly (paler when only one of the person’s two test faces is), a red square a mistake.<span class="screen-only"> Point at a square for its people and count.</span>',
    `<div class="heatmap-pair">
       <div class="heatmap-panel"><h4 data-png-text>On pixels</h4><div class="heatmap" data-testid="features-heatmap-pixels"></div><div class="mistakes" data-testid="features-mistakes-pixels"></div></div>
       <div class="heatmap-panel"><h4 data-png-text>On features</h4><div class="heatmap" data-testid="features-heatmap-features"></div><div class="mistakes" data-testid="features-mistakes-features"></div></div>
     </div>`,
  )}
  <div class="lesson-grid">
    <div class="explain">
      <p>The classifier is part 8’s network with the features in place of the pixels:</p>
      ${texBlock(String.raw`h = \tanh(W_1^\top f), \qquad p = \operatorname{softmax}(W_2^\top h)`)}
      <p>${tex('f')} is the <span data-field="dim">512</span> features (plus a 1 for the bias), ${tex('h')} the hidden
        units and ${tex('p')} the <span data-field="people">40</span> probabilities, one per person. It learns from
        the <span data-field="train">238</span> training faces, in batches of <span data-field="batch">12</span>, with
        momentum; the settings were chosen on the <span data-field="validation">80</span> validation faces, and the
        <span data-field="test">80</span> test faces are kept for the accuracy. On pixels the same network uses a
        learning rate of <span data-field="pixel-rate">0.005</span> and part 9’s small random start (weights scaled
        by <span data-field="pixel-scale">0.01</span>, for pictures of them); features, mostly near 0 for any one
        face, learn faster with <span data-field="feature-rate">0.01</span> and the usual start.</p>
    </div>
    <div class="card controls" role="group" aria-label="Retrain the classifier on the features">
      <h3>Retrain the classifier</h3>
      <div class="control-grid">
        <label>Hidden units <input type="number" data-testid="features-hidden" min="1" max="200" step="1" inputmode="numeric" disabled></label>
        <label>Learning rate ${tex(String.raw`\alpha`)} <input type="number" data-testid="features-lr" min="0" max="1" step="any" inputmode="decimal" disabled></label>
        <label>Momentum ${tex(String.raw`\beta`)} <input type="number" data-testid="features-momentum" min="0" max="0.999" step="0.05" inputmode="decimal" disabled></label>
        <label>Epochs <input type="number" data-testid="features-epochs" min="1" max="2000" step="1" inputmode="numeric" disabled></label>
        <label>Seed <input type="number" data-testid="features-seed" min="0" step="1" inputmode="numeric" disabled></label>
      </div>
      <div class="buttons">
        <button type="button" class="primary" data-testid="features-train" disabled>Retrain</button>
        <button type="button" class="quiet" data-testid="features-save-classifier" disabled>Save classifier.safetensors</button>
      </div>
      <p class="status small" data-testid="features-status" role="status">The settings start as the shipped classifier’s (from features.json).</p>
      <p class="small">Training runs in the page’s worker on the exported features; an epoch is
        <span data-field="steps">20</span> steps.</p>
    </div>
  </div>
  ${figure(
    'features-curves',
    'Learning curves on features',
    'Cost per face (lower is better) and accuracy (higher is better) of the classifier on features, measured after every epoch, with the same classifier on pixels (grey, dashed, its test faces) for comparison.',
    '<p class="accuracy-line" data-testid="features-curve-line" data-png-text></p><div class="curve-pair"></div>',
  )}
  ${figure(
    'features-retrained',
    'The classifier retrained here',
    'Its test faces as above: rows the true person, columns the one it names. Its mistakes are listed by name beside the matrix (below it on a narrow screen).',
    `<p class="accuracy-line" data-testid="features-retrained-accuracy" data-png-text>Press Retrain: the classifier trained here shows up here.</p>
     <div class="heatmap-single"><div class="heatmap" data-testid="features-heatmap-retrained"></div><div class="mistakes" data-testid="features-mistakes-retrained"></div></div>`,
  )}
`;

interface Fields {
  hidden: NumberField;
  lr: NumberField;
  momentum: NumberField;
  epochs: NumberField;
  seed: NumberField;
}

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('features');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const loadStatus = find<HTMLElement>('features-load-status');
  const retryButton = find<HTMLButtonElement>('features-retry');
  const trainButton = find<HTMLButtonElement>('features-train');
  const saveButton = find<HTMLButtonElement>('features-save-classifier');
  const status = find<HTMLElement>('features-status');
  const pair = section.querySelector<HTMLElement>('.heatmap-pair')!;
  const curves = section.querySelector<HTMLElement>('.curve-pair')!;
  const curveLine = find<HTMLElement>('features-curve-line');
  const retrainedLine = find<HTMLElement>('features-retrained-accuracy');
  const single = section.querySelector<HTMLElement>('.heatmap-single')!;

  let info: FeaturesInfo | null = null;
  let fields: Fields | null = null;
  /** Whether the worker holds the features (false again after it restarted). */
  let loaded = false;
  let loading = false;
  /** The last load failed: offer to try again. */
  let failed = false;
  let training = false;
  /** The curve on screen: the shipped classifier's, a run in progress or the last run's. */
  let points: FacesCurvePoint[] = [];
  let epochs = 0;
  let retrained: ClassifierResult | null = null;
  let frame = 0;

  const setField = (name: string, text: string) => {
    for (const element of section.querySelectorAll<HTMLElement>(`[data-field="${name}"]`)) element.textContent = text;
  };

  // ------------------------------------------------------------ drawing ----

  /** `result`'s confusion heatmap, `width` wide, and the list of its mistakes, into figure panel `which`. */
  const drawConfusion = (which: 'pixels' | 'features' | 'retrained', result: ClassifierResult, width: number, what: string) => {
    const people = info!.people;
    const root = find<HTMLElement>(`features-heatmap-${which}`);
    const label = `Confusion matrix of the classifier ${what}: true person by row, named person by column`;
    root.replaceChildren(confusionHeatmap(people, result.confusion, { width: Math.min(MAX_HEATMAP, width), label }));
    root.dataset.drawn = 'true';
    find<HTMLElement>(`features-mistakes-${which}`).replaceChildren(mistakeList(people, result.test_predictions, `features-mistake-list-${which}`));
  };

  const drawRetrained = () => {
    if (retrained) drawConfusion('retrained', retrained, chartWidth(single), 'retrained in the page');
  };

  const drawHeatmaps = () => {
    if (!info) return;
    const columns = pair.clientWidth >= 640 ? 2 : 1;
    pair.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    const width = chartWidth(pair, columns, 24);
    drawConfusion('pixels', info.results.on_pixels, width, 'on pixels');
    drawConfusion('features', info.results.on_features, width, 'on features');
    drawRetrained();
  };

  const drawCurves = () => {
    frame = 0;
    curves.dataset.points = String(points.length);
    if (!info || points.length === 0) {
      curves.innerHTML = `<p class="placeholder">${info ? 'Waiting for the first point…' : 'Loading the learning curves…'}</p>`;
      return;
    }
    const columns = curves.clientWidth >= 640 ? 2 : 1;
    const width = chartWidth(curves, columns);
    curves.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    // The run's whole length from the start, so that a live curve grows from the left.
    const domain: [number, number] = [0, Math.max(1, epochs)];
    const pixels = info.results.on_pixels.curve.filter((p) => p.epoch <= epochs);
    const sets = [
      ['training', 'train'],
      ['validation', 'validation'],
      ['test', 'test'],
    ] as const;
    const series = (kind: 'cost' | 'accuracy'): Series[] => [
      {
        name: 'pixels, test',
        color: COLORS.pixels,
        dashed: true,
        points: pixels.map((p) => ({ x: p.epoch, y: kind === 'cost' ? p.test_cost : 100 * p.test_accuracy })),
      },
      ...sets.map(([name, key]) => ({
        name,
        color: COLORS[name],
        points: points.map((p) => ({ x: p.epoch, y: kind === 'cost' ? p[`${key}_cost`] : 100 * p[`${key}_accuracy`] })),
      })),
    ];
    const box = (chart: Element) => {
      const div = document.createElement('div');
      div.append(chart);
      return div;
    };
    curves.replaceChildren(
      legend([
        ...sets.map(([name]) => ({ name: `${name} faces`, color: COLORS[name] })),
        { name: 'pixels: test faces', color: COLORS.pixels, dashed: true },
      ]),
      box(lineChart({ width, height: 230, x: { label: 'epoch →', domain }, y: { label: '↑ cost per face' }, series: series('cost') })),
      box(lineChart({ width, height: 230, x: { label: 'epoch →', domain }, y: { label: '↑ accuracy (%)', domain: [0, 100] }, series: series('accuracy') })),
    );
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(drawCurves);
  };
  onWidthChange(curves, schedule);
  onWidthChange(pair, drawHeatmaps);
  drawCurves();

  const describeRun = (result: ClassifierResult) => {
    const c = result.config;
    const { right, total } = rightCount(result.test_predictions);
    return (
      `${c.hidden_units} hidden units, α = ${c.train.learning_rate}, β = ${betaOf(c.train.optimizer)}, ` +
      `${c.train.epochs} epochs, seed ${c.train.seed}: test accuracy ${percent(result.test_accuracy)} (${right}/${total}), ` +
      `validation ${percent(result.validation_accuracy)}, training ${percent(result.train_accuracy)}.`
    );
  };

  /** The curve figure shows `result`'s whole run. */
  const showCurve = (result: ClassifierResult, who: 'shipped' | 'retrained') => {
    points = result.curve.slice();
    epochs = result.config.train.epochs;
    curveLine.textContent = `${who === 'shipped' ? 'Shipped classifier' : 'Retrained here'}: ${describeRun(result)}`;
    curveLine.dataset.who = who;
    schedule();
  };

  const showRetrained = (result: ClassifierResult) => {
    retrained = result;
    const shipped = info!.results.on_features;
    retrainedLine.textContent = `Retrained here: ${describeRun(result)} The shipped classifier: ${percent(shipped.test_accuracy)}.`;
    retrainedLine.dataset.who = 'retrained';
    drawRetrained();
  };

  // ------------------------------------------------------------ loading ----

  const showInfo = (loadedInfo: FeaturesInfo) => {
    info = loadedInfo;
    const r = loadedInfo.results;
    const config = r.on_features.config;
    setField('layer', r.layer);
    setField('dim', grouped(loadedInfo.dim));
    setField('pixels', grouped(r.pixels));
    setField('people', String(loadedInfo.people.length));
    setField('faces', grouped(loadedInfo.length));
    setField('backbone-layer', `${r.backbone} ${r.layer}`);
    setField('train', grouped(r.train_images));
    setField('validation', grouped(r.validation_images));
    setField('test', grouped(r.test_images));
    setField('pixel-rate', String(r.on_pixels.config.train.learning_rate));
    setField('pixel-scale', String(Number(r.on_pixels.config.initial_scale.toPrecision(3))));
    setField('feature-rate', String(config.train.learning_rate));
    const batch = config.train.batch_size ?? r.train_images;
    setField('batch', String(batch));
    setField('steps', String(Math.ceil(r.train_images / batch)));

    const onFeatures = rightCount(r.on_features.test_predictions);
    const onPixels = rightCount(r.on_pixels.test_predictions);
    find('features-accuracy-features').textContent = percent(r.on_features.test_accuracy);
    find('features-count-features').textContent = `(${onFeatures.right}/${onFeatures.total})`;
    find('features-accuracy-pixels').textContent = percent(r.on_pixels.test_accuracy);
    find('features-count-pixels').textContent = `(${onPixels.right}/${onPixels.total})`;
    const fewer = onPixels.total - onPixels.right - (onFeatures.total - onFeatures.right);
    find('features-versus-note').textContent =
      `The same classifier, the same ${grouped(r.train_images)} training faces and the same ${r.test_images} test faces; only its input differs` +
      (fewer > 0 ? `: ${fewer} fewer mistake${fewer === 1 ? '' : 's'} on features.` : '.') +
      ` Validation: ${percent(r.on_features.validation_accuracy)} against ${percent(r.on_pixels.validation_accuracy)}.`;
    loadStatus.textContent = `${grouped(loadedInfo.length)} faces × ${grouped(loadedInfo.dim)} features loaded; ${loadedInfo.source.kind === 'opened' ? 'your run’s' : 'the shipped'} classifier has ${loadedInfo.classifierHiddenUnits} hidden units.`;
    loadStatus.dataset.state = 'ready';

    // The settings start as the shipped classifier's; a link may set others.
    fields ??= {
      hidden: numberField(section, 'features-hidden', state, 'hidden', config.hidden_units, (v) => Number.isInteger(v) && v >= 1 && v <= 200),
      lr: numberField(section, 'features-lr', state, 'lr', config.train.learning_rate, (v) => v > 0 && v <= 1),
      momentum: numberField(section, 'features-momentum', state, 'momentum', betaOf(config.train.optimizer), (v) => v >= 0 && v <= 0.999),
      epochs: numberField(section, 'features-epochs', state, 'epochs', config.train.epochs, (v) => Number.isInteger(v) && v >= 1 && v <= 2000),
      seed: numberField(section, 'features-seed', state, 'seed', config.train.seed, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32),
    };
    if (!training) {
      if (retrained) showCurve(retrained, 'retrained');
      else showCurve(r.on_features, 'shipped');
    }
    drawHeatmaps();
  };

  const render = () => {
    const ready = loaded && !training;
    trainButton.disabled = !ready;
    saveButton.disabled = !ready || retrained === null;
    if (fields) for (const field of Object.values(fields)) field.input.disabled = !loaded;
    retryButton.parentElement!.hidden = !failed || loading;
  };

  const load = () => {
    if (loading) return;
    loading = true;
    loadStatus.textContent = 'Loading the features…';
    loadStatus.dataset.state = 'loading';
    render();
    lab
      .request({ type: 'features-load' })
      .then((loadedInfo) => {
        loaded = true;
        failed = false;
        showInfo(loadedInfo);
      })
      .catch((error: unknown) => {
        loadStatus.textContent = `The features did not load: ${error instanceof Error ? error.message : String(error)}`;
        loadStatus.dataset.state = 'failed';
        failed = true;
        if (!info) curves.innerHTML = '<p class="placeholder">No learning curves: the features did not load.</p>';
        reportError(lab, error);
      })
      .finally(() => {
        loading = false;
        render();
      });
  };

  retryButton.addEventListener('click', load);

  lab.on((event) => {
    if (event.type === 'features-point' && training) {
      points.push(event.point);
      schedule();
    } else if (event.type === 'restarted') {
      // The new worker has no features; they load again when it is ready.
      loaded = false;
      training = false;
      render();
    }
  });

  trainButton.addEventListener('click', () => {
    if (!fields || !info) return;
    const values = [fields.hidden.read(), fields.lr.read(), fields.momentum.read(), fields.epochs.read(), fields.seed.read()];
    if (values.some((v) => v === null)) {
      status.textContent = 'Check the settings: the fields marked in red are not valid.';
      status.dataset.phase = 'invalid';
      return;
    }
    const [h, a, b, e, s] = values as number[];
    const settings: FacesSettings = { hidden_units: h, learning_rate: a, momentum: b, epochs: e, seed: s };
    training = true;
    points = [];
    epochs = e;
    curveLine.textContent = `Retraining: ${h} hidden units, α = ${a}, β = ${b}, ${e} epochs, seed ${s}…`;
    curveLine.dataset.who = 'running';
    schedule();
    status.textContent = `Retraining on the features: ${h} hidden units, ${e} epochs…`;
    status.dataset.phase = 'running';
    render();
    const started = performance.now();
    lab
      .request({ type: 'features-train', settings })
      .then((result) => {
        showCurve(result, 'retrained');
        showRetrained(result);
        const seconds = (performance.now() - started) / 1000;
        status.textContent = `Retrained in ${seconds.toFixed(1)} s: test accuracy ${percent(result.test_accuracy)}.`;
        status.dataset.phase = 'finished';
      })
      .catch((error: unknown) => {
        status.textContent = `Retraining failed: ${error instanceof Error ? error.message : String(error)}`;
        status.dataset.phase = 'failed';
        // Back to the last whole curve, so the figure never shows half a run.
        if (info) showCurve(retrained ?? info.results.on_features, retrained ? 'retrained' : 'shipped');
        reportError(lab, error);
      })
      .finally(() => {
        training = false;
        render();
      });
  });

  // The retrained classifier as the file `gradlab features --out` writes;
  // `gradlab faces eval --data RUN --model FILE` measures it (README).
  saveButton.addEventListener('click', () => {
    lab
      .request({ type: 'features-save' })
      .then((bytes) => download(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'classifier.safetensors'))
      .catch((error: unknown) => reportError(lab, error));
  });

  // The classifier's settings as the fields show them, for part 10 on the
  // learner's faces (the fields exist once the shipped run has loaded).
  mountOwnFeatures(find<HTMLElement>('own-features'), lab, () => {
    if (!fields) return null;
    const [hidden, lr, epochs, seed] = [fields.hidden.read(), fields.lr.read(), fields.epochs.read(), fields.seed.read()];
    if (hidden === null || lr === null || epochs === null || seed === null) return null;
    return { hidden_units: hidden, learning_rate: lr, epochs, seed };
  });

  let started = false;
  runSourceLine(find<HTMLElement>('features-source'), lab, 'features', 'Showing the shipped run: SqueezeNet 1.1 fire9 features of all 40 ORL people.', () => {
    // Another run's features: its own shipped classifier, no retrained one.
    retrained = null;
    loaded = false;
    render();
    if (started) load();
  });
  render();
  whenReady(section, lab, false, () => {
    started = true;
    load();
  });
}
