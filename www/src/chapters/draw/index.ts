// Draw a digit: the page's own feature. A person draws, the network reads the
// drawing as they draw (preprocessed the way MNIST was made), and they can
// switch network or retrain one live and watch its reading change.

import type { Lab } from '../../lab';
import { WorkerLost } from '../../lab';
import type { ModelKind, TrainingState } from '../../protocol';
import type { Chapter } from '../chapter';
import { afterNextFrame } from '../../frames';
import { grouped } from '../shared/lesson';
import { DrawingPad, PAD_SIZE } from './pad';
import { Readout } from './readout';
import { TRAINING_MARKUP, TrainingPanel } from './training';

const MARKUP = `
  <header class="chapter-head">
    <h2>Draw a digit</h2>
    <p class="lede">Draw a digit from 0 to 9 in the box, with a mouse, a pen or a finger. A neural network reads it as you
      draw; the bars show how sure it is of each digit.</p>
  </header>
  <div class="draw-grid">
    <div class="card draw-card" aria-labelledby="draw-title">
      <h3 id="draw-title" class="visually-hidden">Your drawing</h3>
      <div class="pad-row">
        <div class="pad-column">
          <canvas class="pad" data-testid="draw-canvas" role="application" aria-roledescription="drawing pad"
            aria-label="Drawing area: draw a digit with a mouse, pen or finger, or with the keyboard: the arrow keys move the pen, Space lowers or lifts it"></canvas>
          <button type="button" data-testid="clear-drawing">Clear</button>
        </div>
        <div class="verdict">
          <span class="verdict-label">The network reads</span>
          <output class="digit" data-testid="prediction"></output>
          <p class="visually-hidden" data-testid="reading-announcement" aria-live="polite"></p>
          <span class="confidence" data-testid="confidence"></span>
          <figure class="seen">
            <canvas class="input-view" data-testid="network-input" role="img"
              aria-label="Your drawing as the network sees it: 28 by 28 pixels"></canvas>
            <figcaption>What it sees: your drawing cropped, scaled to 20×20 and centred in 28×28, like MNIST</figcaption>
          </figure>
        </div>
      </div>
      <div class="bars" data-testid="probabilities" role="group" aria-label="Probability of each digit"></div>
      <fieldset class="network-choice">
        <legend>Network</legend>
        <label><input type="radio" name="model" value="softmax" data-testid="model-softmax" checked>
          Softmax <small>no hidden layer</small></label>
        <label><input type="radio" name="model" value="mlp" data-testid="model-mlp">
          One hidden layer <small>64 tanh units when shipped</small></label>
      </fieldset>
      <p class="reader" data-testid="reader"></p>
      <p class="note small">The shipped networks were trained ahead of time on all of MNIST by gradlab's native binary
        (<code>gradlab mnist train</code>) and are loaded with the page (a few hundred kB), so drawings are read the
        moment the page opens, before the 11 MB of MNIST arrive and without waiting for training.</p>
    </div>
    <div class="card train-card" aria-labelledby="train-title"></div>
  </div>
`;

const KIND_NAMES: Record<ModelKind, string> = { softmax: 'softmax network', mlp: 'one-hidden-layer network' };

/** Builds the section in two tasks: the pad and its reading, then (after
 * the browser has rendered them) the training panel. The page starts the
 * worker once both are built, so neither misses its first events. */
async function mount(section: HTMLElement, lab: Lab): Promise<void> {
  section.innerHTML = MARKUP;
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const readerNote = find<HTMLElement>('reader');
  const radios = [...section.querySelectorAll<HTMLInputElement>('input[name="model"]')];
  const selectedKind = (): ModelKind => (radios.find((r) => r.checked)?.value as ModelKind) ?? 'softmax';

  const output = find<HTMLOutputElement>('prediction');
  const readout = new Readout(find('network-input'), find('prediction'), find('confidence'), find('probabilities'), find('reading-announcement'));

  // Predictions: at most one request in flight and one per animation frame;
  // a drawing changed meanwhile is read when the answer is in. `generation`
  // drops answers about a drawing that was cleared since.
  let dirty = false;
  let inFlight = false;
  let frame = 0;
  let generation = 0;
  const requestPrediction = () => {
    dirty = true;
    if (!frame) frame = requestAnimationFrame(flush);
  };
  const flush = () => {
    frame = 0;
    if (!dirty || inFlight || !lab.ready) return;
    dirty = false;
    if (!pad.hasInk) {
      readout.showEmpty();
      return;
    }
    inFlight = true;
    const asked = generation;
    // When the image was taken and when its reading was shown, on the
    // prediction: bench/page-bench.mjs measures from the last ink (the
    // canvas's data-inked-at) to the reading of the image that holds it.
    const takenAt = performance.now();
    const image = pad.pixels();
    const buffer = image.data.buffer as ArrayBuffer;
    lab
      .request({ type: 'predict', rgba: buffer, width: PAD_SIZE, height: PAD_SIZE }, [buffer])
      .then((prediction) => {
        if (asked !== generation) return;
        readout.show(prediction);
        output.dataset.takenAt = String(takenAt);
        output.dataset.shownAt = String(performance.now());
      })
      .catch((error: Error) => {
        if (!(error instanceof WorkerLost)) lab.errors.show({ context: 'predict', message: error.message });
      })
      .finally(() => {
        inFlight = false;
        if (dirty) requestPrediction();
      });
  };

  const canvas = find<HTMLCanvasElement>('draw-canvas');
  const pad = new DrawingPad(canvas, () => {
    canvas.dataset.inkedAt = String(performance.now());
    if (!pad.hasInk) {
      generation += 1;
      readout.showEmpty();
    }
    requestPrediction();
  });
  find<HTMLButtonElement>('clear-drawing').addEventListener('click', () => pad.clear());

  await afterNextFrame();
  const trainCard = section.querySelector<HTMLElement>('.train-card')!;
  trainCard.innerHTML = TRAINING_MARKUP;

  let lastState: TrainingState | null = null;
  const describeReader = () => {
    const kind = selectedKind();
    if (!lab.ready) {
      readerNote.textContent = 'Loading the shipped networks…';
    } else if (!lastState || lastState.reader === 'shipped') {
      readerNote.textContent = `Read by the shipped ${KIND_NAMES[kind]}.`;
    } else if (lastState.reader === 'opened') {
      const back = document.createElement('button');
      back.type = 'button';
      back.className = 'quiet';
      back.dataset.testid = 'reader-back';
      back.textContent = 'Back to the shipped network';
      back.addEventListener('click', () => {
        back.disabled = true;
        lab.request({ type: 'close-run', area: 'digits' }).catch((error: Error) => {
          if (!(error instanceof WorkerLost)) lab.errors.show({ context: 'run', message: error.message });
        });
      });
      readerNote.replaceChildren(`Read by your ${KIND_NAMES[kind]} from your run ${lastState.openedName ?? ''}. `, back);
    } else {
      readerNote.textContent = `Read by the ${KIND_NAMES[kind]} being trained (iteration ${grouped(lastState.iteration)}); Reset goes back to the shipped one.`;
    }
  };

  const training = new TrainingPanel(trainCard, lab, selectedKind, (state) => {
    const changed = !lastState || lastState.iteration !== state.iteration || lastState.reader !== state.reader;
    lastState = state;
    describeReader();
    // The network changed: read the drawing again, so its guess improves visibly.
    if (changed && pad.hasInk) requestPrediction();
  });
  training.setKind(selectedKind());

  // A learner's digits network opened: its kind is the one shown.
  lab.on((event) => {
    if (event.type !== 'own-runs' || !event.changed.includes('digits')) return;
    const kind = event.runs.digits?.digits?.kind;
    if (!kind) return;
    for (const radio of radios) radio.checked = radio.value === kind;
    training.setKind(kind);
  });

  for (const radio of radios) {
    radio.addEventListener('change', () => {
      const kind = selectedKind();
      training.setKind(kind);
      lab
        .request({ type: 'select-model', kind })
        .then((state) => training.setState(state))
        .catch((error: Error) => {
          if (!(error instanceof WorkerLost)) lab.errors.show({ context: 'predict', message: error.message });
        });
      requestPrediction();
    });
  }

  lab.on((event) => {
    if (event.type === 'ready') {
      for (const radio of radios) {
        const available = lab.available.has(radio.value as ModelKind);
        radio.disabled = !available;
        radio.closest('label')?.classList.toggle('unavailable', !available);
      }
      // A missing shipped model: read with the one that loaded.
      if (!lab.available.has(selectedKind())) {
        const other = radios.find((r) => !r.disabled);
        if (other) other.checked = true;
      }
      training.setKind(selectedKind());
      // The worker starts with softmax; tell it if the person chose otherwise meanwhile.
      lab.request({ type: 'select-model', kind: selectedKind() }).then((state) => training.setState(state), () => {});
      describeReader();
      requestPrediction();
    } else if (event.type === 'restarted') {
      lastState = null;
      describeReader();
    }
  });
  describeReader();
}

export const drawChapter: Chapter = {
  id: 'draw',
  testid: 'chapter-draw',
  title: 'Draw a digit',
  nav: 'Draw a digit',
  drawn: [],
  mount,
};
