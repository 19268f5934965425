// The page's worker: owns the WebAssembly module and everything computed with
// it, so that nothing heavy runs on the page's thread. One module per part of
// the page (digits.ts: the draw section; lessons.ts: parts 1-7; faces.ts:
// parts 8 and 9; features.ts: part 10), one run loop for every training run
// (runs.ts), and this file: start-up and the message dispatch.
//
// Every call into the module is wrapped: a thrown error becomes a reply or an
// `error` event with the module's message, never a silent stop.

import init, { panicForTest, relaxedSimdEnabled, simdEnabled } from '../../pkg/gradlab.js';
import type { ErrorContext, FromWorker, InitResult, ReplyValue, Request, ToWorker, Urls } from '../protocol';
import { chooseWasmBuild, supportsRelaxedSimd, type WasmPreference } from '../wasm-build';
import { createDigits, isDigitsRequest } from './digits';
import { describe, isTrap } from './errors';
import { createFaces, isFacesRequest } from './faces';
import { createFeatures, isFeaturesRequest } from './features';
import { createLessons, isLessonRequest } from './lessons';
import { createOwnFaces, isOwnFacesRequest } from './own-faces';
import { createOwnRuns } from './own-runs';
import { RunLoop } from './runs';

/** The relaxed-SIMD build of the module (scripts/build-page.sh); the glue is shared. */
const RELAXED_MODULE = new URL('../../pkg/gradlab_relaxed_bg.wasm', import.meta.url);

/** Starts the module the browser runs fastest; falls back to the plain SIMD
 * one if the relaxed one fails to load. Returns why it fell back, if it did. */
async function startModule(preference: WasmPreference): Promise<string | null> {
  if (chooseWasmBuild(preference, supportsRelaxedSimd()) === 'simd128') {
    wasmMemory = (await init()).memory;
    return null;
  }
  try {
    wasmMemory = (await init({ module_or_path: RELAXED_MODULE })).memory;
    return null;
  } catch (error) {
    wasmMemory = (await init()).memory;
    return `the relaxed-SIMD module did not load (${(error as Error).message}); running the plain SIMD one`;
  }
}

/** The module's memory, for the page benchmark's figures. */
let wasmMemory: WebAssembly.Memory | null = null;

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function reportError(context: ErrorContext, error: unknown): void {
  post({ type: 'error', context, message: describe(error), fatal: isTrap(error) });
}

let urls: Urls | null = null;
const runs = new RunLoop();
const digits = createDigits({ post, urls: () => urls, runs, reportError });
const lessons = createLessons({
  post,
  runs,
  data: digits.data,
  dataLoading: digits.dataLoading,
  shippedSoftmax: digits.shippedSoftmax,
  openedClassifier: digits.openedClassifier,
  urls: () => urls,
});
const faces = createFaces({ post, urls: () => urls });
const features = createFeatures({ post, urls: () => urls });
const ownRuns = createOwnRuns({ post, digits, faces, features });
const ownFaces = createOwnFaces();

type Handled<T extends Request['type']> = { value: ReplyValue[T]; transfer?: Transferable[] };

async function handle(request: Request): Promise<Handled<Request['type']>> {
  if (isDigitsRequest(request)) return digits.handle(request);
  if (isLessonRequest(request)) return lessons.handle(request);
  if (isFacesRequest(request)) return faces.handle(request);
  if (isFeaturesRequest(request)) return features.handle(request);
  if (isOwnFacesRequest(request)) {
    if (request.type === 'own-faces-add') return { value: await ownFaces.add(request.person, request.photos, request.taken) };
    // Parts 8 and 9 at their 32x32; part 10 from the 64x64 crops themselves.
    const forParts8And9 = ownFaces.prepare(request.faces, request.seed, 32);
    try {
      return { value: ownRuns.useOwnFaces(forParts8And9, ownFaces.prepare(request.faces, request.seed, 64)) };
    } catch (error) {
      forParts8And9.free();
      throw error;
    }
  }
  switch (request.type) {
    case 'init': {
      const started = performance.now();
      urls = request.urls;
      const moduleNote = await startModule(request.wasm);
      const models = await digits.loadModels(request.urls.models);
      const value: InitResult = {
        simd: simdEnabled(),
        wasmBuild: relaxedSimdEnabled() ? 'relaxed-simd' : 'simd128',
        moduleNote,
        models,
        milliseconds: performance.now() - started,
      };
      // The drawing works from here; MNIST, which only training needs, follows.
      queueMicrotask(() => digits.started());
      return { value };
    }
    case 'own-faces-set': {
      const set = ownRuns.ownFaces();
      if (!set) throw new Error('part 10 runs on your own faces once parts 8 and 9 show them: bring them in part 8, “Use your own faces”');
      const value = set.toSafetensors();
      return { value, transfer: [value.buffer] };
    }
    case 'own-features-use':
      return { value: ownRuns.useOwnFeatures(request.files) };
    case 'open-run':
      return { value: await ownRuns.open(request.files) };
    case 'close-run':
      ownRuns.close(request.area);
      return { value: null };
    case 'memory-for-test':
      return { value: { wasmBytes: wasmMemory?.buffer.byteLength ?? 0 } };
    case 'hold-end-for-test':
      runs.setHoldEnd(request.hold);
      return { value: null };
    case 'panic-for-test':
      // Traps the module: the reply is a fatal error and the page restarts the worker.
      panicForTest(request.message);
      return { value: null };
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const { id, request } = event.data;
  handle(request).then(
    ({ value, transfer }) => post({ type: 'reply', id, ok: true, value }, transfer ?? []),
    (error) => post({ type: 'reply', id, ok: false, message: describe(error), fatal: isTrap(error) }),
  );
};
