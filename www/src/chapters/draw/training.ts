// Training live: the settings, the Train / Pause / Step / Reset buttons, the
// run's progress, MNIST's loading, the learning curves and the weight images.
// The worker does the training; this module only sends the person's choices
// and shows what comes back.

import type { Lab, LabEvent } from '../../lab';
import { WorkerLost } from '../../lab';
import type { Activation, ModelKind, SessionConfig, TrainingState } from '../../protocol';
import { drawInFrame } from '../../frames';
import { grouped } from '../shared/lesson';
import { download } from '../shared/png';
import { EVALUATION_SIZE, LIVE_CURVE } from '../shared/training';
import { LearningCurve } from './curve';
import { WeightGallery } from './weights';

export const TRAINING_MARKUP = `
  <h3 id="train-title">Train it live</h3>
  <p class="hint">Retrain the selected network from random weights on MNIST's 60,000 training images, right here in your
    browser. While it trains, your drawing is read by the network being trained, so you can watch its guess improve.</p>
  <form class="settings" novalidate>
    <fieldset class="settings-grid" data-testid="settings">
      <legend class="visually-hidden">Training settings</legend>
      <label>Learning rate
        <input type="number" name="learning_rate" data-testid="setting-learning-rate" value="0.05" min="0" step="any" required inputmode="decimal">
      </label>
      <label>Momentum β <small>(0 = plain gradient descent)</small>
        <input type="number" name="beta" data-testid="setting-momentum" value="0.9" min="0" max="0.999" step="0.05" required inputmode="decimal">
      </label>
      <label>Batch size
        <input type="number" name="batch_size" data-testid="setting-batch-size" value="100" min="1" max="10000" step="1" required inputmode="numeric">
      </label>
      <label>Epochs
        <input type="number" name="epochs" data-testid="setting-epochs" value="2" min="1" max="50" step="1" required inputmode="numeric">
      </label>
      <label class="mlp-only">Hidden units
        <input type="number" name="hidden_units" data-testid="setting-hidden-units" value="64" min="1" max="1000" step="1" required inputmode="numeric">
      </label>
      <label class="mlp-only">Activation
        <select name="activation" data-testid="setting-activation">
          <option value="tanh" selected>tanh</option>
          <option value="relu">ReLU</option>
        </select>
      </label>
      <label>Seed
        <input type="number" name="seed" data-testid="setting-seed" value="0" min="0" max="4294967295" step="1" required inputmode="numeric">
      </label>
    </fieldset>
    <p class="small locked-note" data-testid="settings-locked" hidden>Settings stay fixed during a run: Reset, or let it finish, to change them.</p>
    <p class="form-problem" data-testid="settings-problem" role="status" aria-live="polite"></p>
    <div class="buttons">
      <button type="submit" class="primary" data-testid="train-start">Train</button>
      <button type="button" data-testid="train-pause" disabled>Pause</button>
      <span class="step-group">
        <button type="button" data-testid="train-step">Step</button>
        <label class="inline">×<input type="number" name="steps" data-testid="step-count" value="1" min="1" max="1000" step="1" aria-label="Steps per Step"></label>
      </span>
      <button type="button" data-testid="train-reset" disabled>Reset</button>
    </div>
    <div class="buttons save-row">
      <button type="button" class="quiet" data-testid="save-model" disabled>Save model.safetensors</button>
      <button type="button" class="quiet" data-testid="save-report" disabled>Save report.json</button>
      <span class="small">the network trained here, as <code>gradlab mnist train --out</code> writes it
        (<code>gradlab mnist eval --model model.safetensors</code> reads it back)</span>
    </div>
  </form>
  <div class="progress-row">
    <progress data-testid="train-progress" max="1" value="0"></progress>
    <p class="status" data-testid="status" role="status">Iteration <span data-testid="iteration" data-value="0">0</span> · no run yet</p>
  </div>
  <p class="data-status" data-testid="data-status">MNIST: waiting for the page to start…</p>
  <h4>Learning curves</h4>
  <p class="small">Measured on ${grouped(EVALUATION_SIZE)} training and ${grouped(EVALUATION_SIZE)} test images
    while training runs; the whole test set is measured when the run ends.</p>
  <div class="curve" data-testid="learning-curve"></div>
  <h4>First-layer weights</h4>
  <div class="weights" data-testid="weights"></div>
  <p class="small" data-testid="weights-caption"></p>
`;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export class TrainingPanel {
  private readonly form: HTMLFormElement;
  private readonly settings: HTMLFieldSetElement;
  private readonly problem: HTMLElement;
  private readonly lockedNote: HTMLElement;
  private readonly startButton: HTMLButtonElement;
  private readonly pauseButton: HTMLButtonElement;
  private readonly stepButton: HTMLButtonElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly saveButtons: HTMLButtonElement[];
  private readonly stepCount: HTMLInputElement;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLElement;
  private readonly dataStatus: HTMLElement;
  private readonly curve: LearningCurve;
  private readonly weights: WeightGallery;
  private state: TrainingState | null = null;
  private dataReady = false;
  private busy = false;
  /** Shows the latest state: the worker sends one after every chunk of
   * training (about 30 a second), the page shows one a frame at most. */
  private readonly showState = () => {
    this.render();
    if (this.state) this.onState(this.state);
  };
  private readonly statusText = document.createTextNode('');
  private readonly statusIteration = document.createElement('span');

  constructor(
    root: HTMLElement,
    private readonly lab: Lab,
    private readonly selectedKind: () => ModelKind,
    private readonly onState: (state: TrainingState) => void,
  ) {
    const find = <T extends Element>(testid: string) => root.querySelector<T>(`[data-testid="${testid}"]`)!;
    this.form = root.querySelector('form')!;
    this.settings = find('settings');
    this.problem = find('settings-problem');
    this.lockedNote = find('settings-locked');
    this.startButton = find('train-start');
    this.pauseButton = find('train-pause');
    this.stepButton = find('train-step');
    this.resetButton = find('train-reset');
    this.saveButtons = [find('save-model'), find('save-report')];
    this.stepCount = find('step-count');
    this.progress = find('train-progress');
    this.status = find('status');
    this.dataStatus = find('data-status');
    this.statusIteration.dataset.testid = 'iteration';
    this.status.replaceChildren('Iteration ', this.statusIteration, this.statusText);
    this.curve = new LearningCurve(find('learning-curve'));
    this.weights = new WeightGallery(find('weights'), find('weights-caption'));

    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.startOrResume();
    });
    this.pauseButton.addEventListener('click', () => this.send({ type: 'train-pause' }));
    this.stepButton.addEventListener('click', () => this.step());
    this.resetButton.addEventListener('click', () => this.send({ type: 'train-reset' }));
    for (const button of this.saveButtons) {
      const file = button.dataset.testid === 'save-model' ? 'model.safetensors' : 'report.json';
      button.addEventListener('click', () => {
        this.lab
          .request({ type: 'digits-save' })
          .then((files) => download(new Blob([files[file] as Uint8Array<ArrayBuffer>]), file))
          .catch((error: Error) => {
            if (!(error instanceof WorkerLost)) this.lab.errors.show({ context: 'training', message: error.message });
          });
      });
    }
    lab.on((event) => this.onEvent(event));
    this.render();
  }

  /** Shows or hides the settings that only the one-hidden-layer network has. */
  setKind(kind: ModelKind): void {
    for (const field of this.form.querySelectorAll<HTMLElement>('.mlp-only')) {
      field.hidden = kind !== 'mlp';
    }
  }

  private onEvent(event: LabEvent): void {
    switch (event.type) {
      case 'ready':
        this.dataStatus.textContent = 'MNIST: downloading…';
        break;
      case 'training':
        this.setState(event.state);
        break;
      case 'curve-reset':
        this.curve.clear();
        break;
      case 'curve-point':
        this.curve.add(event.point);
        break;
      case 'weights':
        this.weights.show(event.images);
        break;
      case 'data-progress': {
        const total = event.totalBytes ? ` of ${megabytes(event.totalBytes)}` : '';
        this.dataStatus.textContent = `MNIST: downloading ${megabytes(event.loadedBytes)}${total} (gzip)…`;
        break;
      }
      case 'data-ready': {
        const d = event.data;
        this.dataReady = true;
        this.dataStatus.textContent =
          `MNIST: ${grouped(d.trainLength)} training and ${grouped(d.testLength)} test images, ` +
          `${megabytes(d.downloadedBytes)} downloaded (gzip; ${megabytes(d.unpackedBytes)} unpacked) in ${(d.milliseconds / 1000).toFixed(1)} s.`;
        this.dataStatus.dataset.state = 'ready';
        this.render();
        break;
      }
      case 'error':
        if (event.context === 'data') this.showDataFailure();
        break;
      case 'restarted':
        this.dataReady = false;
        this.state = null;
        this.curve.setLive(false);
        this.curve.clear();
        this.dataStatus.textContent = 'MNIST: loading again after the restart…';
        delete this.dataStatus.dataset.state;
        this.render();
        break;
    }
  }

  private showDataFailure(): void {
    this.dataReady = false;
    this.dataStatus.dataset.state = 'failed';
    this.dataStatus.textContent = 'MNIST did not load, so training is off (see the error above). ';
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'quiet';
    retry.dataset.testid = 'retry-data';
    retry.textContent = 'Retry loading MNIST';
    retry.addEventListener('click', () => {
      this.dataStatus.textContent = 'MNIST: downloading…';
      delete this.dataStatus.dataset.state;
      this.lab.retryData();
    });
    this.dataStatus.append(retry);
    this.render();
  }

  /** The session settings from the form, or null (and a message) if one is not valid. */
  private readConfig(): SessionConfig | null {
    const value = (name: string) => (this.form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const number = (name: string) => Number(value(name));
    const problems: string[] = [];
    const learningRate = number('learning_rate');
    if (!(Number.isFinite(learningRate) && learningRate > 0)) problems.push('the learning rate must be a positive number');
    const beta = number('beta');
    if (!(Number.isFinite(beta) && beta >= 0 && beta < 1)) problems.push('momentum β must be at least 0 and below 1');
    const whole = (name: string, label: string, min: number, max: number) => {
      const n = number(name);
      if (!(Number.isInteger(n) && n >= min && n <= max)) problems.push(`${label} must be a whole number from ${min} to ${grouped(max)}`);
      return n;
    };
    const batchSize = whole('batch_size', 'the batch size', 1, 10000);
    const epochs = whole('epochs', 'epochs', 1, 50);
    const hiddenUnits = whole('hidden_units', 'hidden units', 1, 1000);
    const seed = whole('seed', 'the seed', 0, 4294967295);
    if (problems.length > 0) {
      this.problem.textContent = `Check the settings: ${problems.join('; ')}.`;
      return null;
    }
    this.problem.textContent = '';
    return {
      model: { kind: this.selectedKind(), hidden_units: hiddenUnits, activation: value('activation') as Activation },
      train: {
        optimizer: beta === 0 ? { kind: 'gd' } : { kind: 'momentum', beta },
        learning_rate: learningRate,
        batch_size: batchSize,
        epochs,
        seed,
        ...LIVE_CURVE,
        cadence: 'even',
      },
    };
  }

  private startOrResume(): void {
    if (this.state?.phase === 'paused') {
      this.send({ type: 'train-resume' });
      return;
    }
    const config = this.readConfig();
    if (config) this.send({ type: 'train-start', config });
  }

  private step(): void {
    const config = this.readConfig();
    if (!config) return;
    const steps = Math.max(1, Math.min(1000, Math.floor(Number(this.stepCount.value)) || 1));
    this.send({ type: 'train-step', steps, config });
  }

  private send(request: Parameters<Lab['request']>[0]): void {
    this.busy = true;
    this.render();
    (this.lab.request(request) as Promise<TrainingState>)
      .then((state) => this.setState(state))
      .catch((error: Error) => {
        if (!(error instanceof WorkerLost)) this.lab.errors.show({ context: 'training', message: error.message });
      })
      .finally(() => {
        this.busy = false;
        this.render();
      });
  }

  setState(state: TrainingState): void {
    this.state = state;
    this.curve.setLive(state.phase === 'running');
    drawInFrame(this.showState);
  }

  private render(): void {
    const state = this.state;
    const phase = state?.phase ?? 'idle';
    const ready = this.lab.ready && this.dataReady && !this.busy;
    // Text written only when it changes: written again, it is laid out again.
    const start = phase === 'paused' ? 'Resume' : phase === 'finished' ? 'Train again' : 'Train';
    if (this.startButton.textContent !== start) this.startButton.textContent = start;
    this.startButton.disabled = !ready || phase === 'running';
    this.pauseButton.disabled = phase !== 'running' || this.busy;
    this.stepButton.disabled = !ready || phase === 'running';
    this.resetButton.disabled = !state || state.reader !== 'session' || this.busy;
    for (const button of this.saveButtons) button.disabled = !state || state.reader !== 'session' || phase === 'running';
    // Settings belong to a run: they can change between runs, not during one.
    this.settings.disabled = phase === 'running' || phase === 'paused';
    this.lockedNote.hidden = !this.settings.disabled;
    const iteration = state?.iteration ?? 0;
    const total = state?.totalIterations ?? 0;
    this.progress.value = total > 0 ? iteration / total : 0;
    this.status.dataset.phase = phase;
    // In place: the same nodes, their text changed only when it changes.
    const value = String(iteration);
    if (this.statusIteration.dataset.value !== value) {
      this.statusIteration.dataset.value = value;
      this.statusIteration.textContent = grouped(iteration);
    }
    const text = statusText(state);
    if (this.statusText.data !== text) this.statusText.data = text;
  }
}

/** The status line after its iteration. */
function statusText(state: TrainingState | null): string {
  if (!state || state.reader !== 'session') {
    const who = state?.reader === 'opened' ? 'your network' : 'the shipped network';
    return ` · no run yet: ${who} reads your drawing`;
  }
  const of = ` of ${grouped(state.totalIterations)} · epoch ${state.epoch.toFixed(2)}`;
  const cost = state.batchCost === null ? '' : ` · batch cost ${state.batchCost.toFixed(3)}`;
  const phase =
    state.phase === 'running'
      ? ' · training…'
      : state.phase === 'paused'
        ? ' · paused'
        : state.finalTestAccuracy !== null
          ? ` · finished: ${(100 * state.finalTestAccuracy).toFixed(1)}% of all test images right`
          : ' · finished';
  return of + cost + phase;
}
