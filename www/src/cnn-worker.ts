// Part 10's worker: SqueezeNet 1.1 on the learner's own faces, in a module
// and a worker of their own (www/pkg-cnn, the crate built with its `cnn`
// feature, candle and all), so that the page's start-up does not carry that
// code and the main worker
// keeps reading drawings while the network runs. The page starts it the
// first time chapter 10 runs on the learner's faces.
//
// It takes the faces as `faces.safetensors` (what `gradlab faces prepare`
// writes) and gives back the three files `gradlab features --out` writes, so
// the main worker opens the result as it opens a learner's run. The network
// is the library's (src/cnn), the same code as the binary's; its weights,
// 2.5 MB in half precision, are fetched once, with progress, and kept for the
// worker's life (the service worker keeps the file for the next visit).

import init, { Cnn, Faces } from '../pkg-cnn/gradlab_cnn.js';
import type { CnnReply, CnnRequest, SavedFiles } from './protocol';
import { chooseWasmBuild, supportsRelaxedSimd, type WasmPreference } from './wasm-build';
import { describe, fetchOk, isTrap } from './worker/errors';
import { readWhole } from './worker/pieces';

/** The relaxed-SIMD build (scripts/build-page.sh), as for the main module. */
const RELAXED_MODULE = new URL('../pkg-cnn/gradlab_cnn_relaxed_bg.wasm', import.meta.url);

/** Starts the build the browser runs fastest, falling back to the plain one. */
async function startModule(preference: WasmPreference): Promise<void> {
  if (chooseWasmBuild(preference, supportsRelaxedSimd()) === 'relaxed-simd') {
    try {
      await init({ module_or_path: RELAXED_MODULE });
      return;
    } catch {
      // The plain build below; the main module's status line says why, if it failed too.
    }
  }
  await init();
}

/** The layer part 10 takes, as `gradlab features` does by default. */
const LAYER = 'fire9';
/** Faces per forward pass (`gradlab features --batch`'s default). */
const BATCH = 16;

interface WorkerScope {
  postMessage(message: CnnReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<CnnRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** `url`'s bytes, reporting `(done, total)` as they arrive. */
async function download(url: string, progress: (done: number, total: number | null) => void): Promise<Uint8Array> {
  const response = await fetchOk(url);
  const length = Number(response.headers.get('Content-Length'));
  const total = length > 0 ? length : null;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    progress(bytes.length, bytes.length);
    return bytes;
  }
  return readWhole(response.body, total, (done) => progress(done, total !== null && done <= total ? total : null));
}

let network: Promise<Cnn> | null = null;

async function load(weightsUrl: string, preference: WasmPreference): Promise<Cnn> {
  await startModule(preference);
  const bytes = await download(weightsUrl, (done, total) => scope.postMessage({ type: 'progress', stage: 'weights', done, total }));
  return Cnn.squeezeNet(weightsUrl.split('/').pop() ?? 'weights', bytes);
}

async function compute(request: CnnRequest): Promise<{ files: SavedFiles; milliseconds: number }> {
  // Loaded once per worker; a failed fetch may be tried again.
  network ??= load(request.weightsUrl, request.wasm).catch((error: unknown) => {
    network = null;
    throw error;
  });
  const cnn = await network;
  const started = performance.now();
  const faces = new Faces('your faces', request.faces);
  try {
    const total = faces.labels().length;
    scope.postMessage({ type: 'progress', stage: 'faces', done: 0, total });
    const features = cnn.featuresOf(faces, LAYER, BATCH, request.settings, (done: number) =>
      scope.postMessage({ type: 'progress', stage: 'faces', done, total }),
    );
    try {
      const files = {
        'features.safetensors': features.featuresSafetensors(),
        'classifier.safetensors': features.classifierSafetensors(),
        'features.json': features.resultsJson(),
      };
      return { files, milliseconds: performance.now() - started };
    } finally {
      features.free();
    }
  } finally {
    faces.free();
  }
}

scope.onmessage = (event: MessageEvent<CnnRequest>) => {
  compute(event.data).then(
    ({ files, milliseconds }) =>
      scope.postMessage({ type: 'done', files, milliseconds }, Object.values(files).map((bytes) => bytes.buffer)),
    // A trap leaves the module unusable: the page starts a new worker next time.
    (error: unknown) => scope.postMessage({ type: 'failed', message: describe(error), fatal: isTrap(error) }),
  );
};
