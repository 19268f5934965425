// Chapter 10 on the learner's own faces: once chapter 8 shows faces the
// learner brought, SqueezeNet 1.1 runs on them in part 10's own worker
// (src/cnn-worker.ts, started on the first press), and its features, with
// the classifier on them against the same classifier on pixels, take the
// shipped run's place in the chapter: the faces go from the main worker to
// part 10's as `faces.safetensors`, and the result comes back as the three
// files `gradlab features --out` writes, which the main worker opens as a
// learner's run. The run downloads as those files, in a zip.

import { zipSync } from 'fflate';
import { assetUrl, type Lab } from '../../lab';
import { OWN_FACES_RUN, OWN_FEATURES_RUN, type CnnReply, type CnnRequest, type OwnFeaturesStage, type SavedFiles } from '../../protocol';
import { wasmPreference } from '../../wasm-build';
import { reportError } from '../shared/lesson';
import { download } from '../shared/png';

/** The folder the downloaded run unpacks to. */
const RUN_FOLDER = 'features-of-your-faces';

export const OWN_FEATURES_MARKUP = `
  <div class="card own-features" role="group" aria-label="Part 10 on your own faces" data-testid="own-features">
    <h3>On your own faces</h3>
    <p class="small">Bring faces in part 8 (<em>Use your own faces</em>), then press the button: SqueezeNet 1.1 runs
      here, in this page, on each of your faces (its 64×64 crop, scaled to 227×227), and this chapter then compares
      features and pixels on your faces. The network’s weights, 2.5 MB in half precision, download the first time.
      Nothing you bring leaves this machine.</p>
    <div class="buttons">
      <button type="button" class="primary" data-testid="own-features-run" disabled>Compute features of your faces</button>
      <button type="button" class="quiet" data-testid="own-features-download" disabled>Download this run (zip)</button>
    </div>
    <progress data-testid="own-features-progress" max="1" value="0" hidden></progress>
    <p class="status small" data-testid="own-features-status" role="status">No faces of yours in parts 8 and 9 yet.</p>
  </div>`;

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Part 10's worker, started on first use and kept; a new one after a crash. */
let cnnWorker: Worker | null = null;

/** Runs one request in part 10's worker, passing its progress to `progress`. */
function inCnnWorker(request: CnnRequest, progress: (stage: OwnFeaturesStage, done: number, total: number | null) => void): Promise<{ files: SavedFiles; milliseconds: number }> {
  cnnWorker ??= new Worker(new URL('../../cnn-worker.ts', import.meta.url), { type: 'module', name: 'gradlab part 10' });
  const worker = cnnWorker;
  return new Promise((resolve, reject) => {
    const finish = () => {
      worker.onmessage = null;
      worker.onerror = null;
    };
    const lost = (message: string) => {
      finish();
      worker.terminate();
      if (cnnWorker === worker) cnnWorker = null;
      reject(new Error(message));
    };
    worker.onmessage = (event: MessageEvent<CnnReply>) => {
      const reply = event.data;
      if (reply.type === 'progress') progress(reply.stage, reply.done, reply.total);
      else if (reply.type === 'done') {
        finish();
        resolve(reply);
      } else if (reply.fatal) lost(reply.message);
      else {
        finish();
        reject(new Error(reply.message));
      }
    };
    // A module that failed to load, or a worker script error.
    worker.onerror = (event) => lost(`part 10’s worker stopped: ${event.message || 'it could not start'}`);
    worker.postMessage(request, [request.faces.buffer]);
  });
}

/** Wires the card; `settings()` gives the classifier's settings to use. */
export function mountOwnFeatures(card: HTMLElement, lab: Lab, settings: () => { hidden_units: number; learning_rate: number; epochs: number; seed: number } | null): void {
  const find = <T extends Element>(testid: string) => card.querySelector<T>(`[data-testid="${testid}"]`)!;
  const runButton = find<HTMLButtonElement>('own-features-run');
  const downloadButton = find<HTMLButtonElement>('own-features-download');
  const progress = find<HTMLProgressElement>('own-features-progress');
  const status = find<HTMLElement>('own-features-status');
  let running = false;

  const ownFaces = () => lab.ownRuns.faces?.name === OWN_FACES_RUN;
  const ownFeatures = () => lab.ownRuns.features?.name === OWN_FEATURES_RUN;

  const render = () => {
    runButton.disabled = running || !ownFaces();
    downloadButton.disabled = running || !ownFeatures();
    if (running) return;
    progress.hidden = true;
    if (ownFeatures()) {
      status.textContent = `Shown below: ${lab.ownRuns.features!.description}.`;
      status.dataset.state = 'ready';
    } else {
      status.textContent = ownFaces()
        ? `Parts 8 and 9 show your faces (${lab.ownRuns.faces!.description}): press the button to compute their features.`
        : 'No faces of yours in parts 8 and 9 yet.';
      status.dataset.state = 'idle';
    }
  };

  const show = (stage: OwnFeaturesStage, done: number, total: number | null) => {
    progress.hidden = false;
    if (total) {
      progress.max = total;
      progress.value = done;
    } else {
      progress.removeAttribute('value');
    }
    status.textContent =
      stage === 'weights'
        ? `Downloading SqueezeNet 1.1’s weights: ${megabytes(done)}${total ? ` of ${megabytes(total)}` : ''}…`
        : `Computing features: ${done} of ${total ?? '?'} faces…`;
  };

  runButton.addEventListener('click', () => {
    const chosen = settings();
    if (!chosen) {
      status.textContent = 'Check the classifier’s settings below: the fields marked in red are not valid.';
      status.dataset.state = 'failed';
      return;
    }
    running = true;
    status.dataset.state = 'running';
    render();
    show('weights', 0, null);
    const started = performance.now();
    lab
      .request({ type: 'own-faces-set' })
      .then((faces) =>
        inCnnWorker({ faces, settings: chosen, weightsUrl: assetUrl('cnn/squeezenet1_1-f16.safetensors'), wasm: wasmPreference(location.search) }, show),
      )
      .then(({ files }) => lab.request({ type: 'own-features-use', files }))
      .then(() => {
        running = false;
        render();
        status.textContent += ` (${((performance.now() - started) / 1000).toFixed(1)} s)`;
      })
      .catch((error: unknown) => {
        running = false;
        render();
        status.textContent = `Part 10 did not run on your faces: ${error instanceof Error ? error.message : String(error)}`;
        status.dataset.state = 'failed';
        reportError(lab, error);
      });
  });

  downloadButton.addEventListener('click', () => {
    lab
      .request({ type: 'features-files' })
      .then((files) => {
        const entries = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${RUN_FOLDER}/${name}`, bytes]));
        download(new Blob([zipSync(entries) as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), `${RUN_FOLDER}.zip`);
      })
      .catch((error: unknown) => reportError(lab, error));
  });

  lab.on((event) => {
    if (event.type === 'own-runs' || event.type === 'restarted') render();
  });
  render();
}
