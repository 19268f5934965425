// The page's worker: owns the WebAssembly module, the shipped models, MNIST
// and the training session, so that nothing heavy runs on the page's thread.
//
// Training runs in chunks of about CHUNK_MS milliseconds; between chunks the
// worker yields to its event loop (through a MessageChannel, which unlike
// setTimeout is not clamped to 4 ms), so a prediction request waits at most
// one chunk. Every call into the module is wrapped: a thrown error becomes a
// reply or an `error` event with the module's message, never a silent stop.

import init, { Classifier, Data, Session, inkRgba, panicForTest, preprocessDrawing, relaxedSimdEnabled, simdEnabled } from '../pkg/gradlab.js';
import {
  MODEL_KINDS,
  type CurvePoint,
  type ErrorContext,
  type FromWorker,
  type InitResult,
  type ModelKind,
  type Phase,
  type Prediction,
  type ReplyValue,
  type Request,
  type SessionConfig,
  type ToWorker,
  type TrainingState,
  type Urls,
} from './protocol';
import { createLessons, isLessonRequest } from './lessons-worker';
import { createFaces, isFacesRequest } from './faces-worker';
import { createFeatures, isFeaturesRequest } from './features-worker';
import { chooseWasmBuild, supportsRelaxedSimd, type WasmPreference } from './wasm-build';

/** The relaxed-SIMD build of the module (scripts/build-page.sh); the glue is shared. */
const RELAXED_MODULE = new URL('../pkg/gradlab_relaxed_bg.wasm', import.meta.url);

/** Starts the module the browser runs fastest; falls back to the plain SIMD
 * one if the relaxed one fails to load. Returns why it fell back, if it did. */
async function startModule(preference: WasmPreference): Promise<string | null> {
  if (chooseWasmBuild(preference, supportsRelaxedSimd()) === 'simd128') {
    await init();
    return null;
  }
  try {
    await init({ module_or_path: RELAXED_MODULE });
    return null;
  } catch (error) {
    await init();
    return `the relaxed-SIMD module did not load (${(error as Error).message}); running the plain SIMD one`;
  }
}

/** How long one training chunk may hold the worker. */
const CHUNK_MS = 30;
/** At most this many learning-curve points per run. */
const MAX_POINTS = 150;
/**
 * A curve point evaluates 4,000 images (2,000 training, 2,000 test), about
 * the work of 4,000 / 3 images' training steps (a step is a forward and a
 * backward pass). Measuring at most every ~5,000 / batch steps keeps the
 * curve's share of the time under about a quarter.
 */
const POINT_WORK = 5000;
/** Hidden units whose weights are drawn for the one-hidden-layer network. */
const HIDDEN_UNITS_SHOWN = 10;

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

// console_error_panic_hook writes a panic's message with console.error just
// before the module traps with a bare "unreachable"; keep it to report.
let lastConsoleError = '';
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  lastConsoleError = args.map(String).join(' ');
  consoleError(...args);
};

/** A trap (a Rust panic) leaves the module's state undefined. */
function isTrap(error: unknown): boolean {
  return error instanceof WebAssembly.RuntimeError;
}

/** A panic as console_error_panic_hook logs it ("panicked at FILE:LINE:COL:\n
 * MESSAGE\n\nStack:\n\n…"), on one line: the message, then where. */
function panicMessage(logged: string): string {
  const head = logged.split('\n\nStack:')[0].trim();
  const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, ' ');
  const parts = /^panicked at ([^\n]*?):?\n([\s\S]*)$/.exec(head);
  return parts ? `${oneLine(parts[2])} (at ${parts[1]})` : oneLine(head);
}

function describe(error: unknown): string {
  if (isTrap(error)) {
    const panic = panicMessage(lastConsoleError);
    lastConsoleError = '';
    // The trap itself says only "unreachable": the panic's message says why.
    return panic ? `the WebAssembly module crashed: ${panic}` : `the WebAssembly module crashed (${String((error as Error).message)})`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

function reportError(context: ErrorContext, error: unknown): void {
  post({ type: 'error', context, message: describe(error), fatal: isTrap(error) });
}

// ---------------------------------------------------------------- state ----

let urls: Urls | null = null;
const shipped = new Map<ModelKind, Classifier>();
let kind: ModelKind = 'softmax';
let data: Data | null = null;
let dataLoading: Promise<void> | null = null;

interface Run {
  session: Session;
  config: SessionConfig;
  phase: Phase;
  iteration: number;
  total: number;
  epoch: number;
  batchCost: number | null;
  pointEvery: number;
  nextPointAt: number;
  /** The iteration of the last curve point. */
  lastPointAt: number;
  finalTestAccuracy: number | null;
}
let run: Run | null = null;
/** Test hook ('hold-end-for-test'): runs wait one step before their end. */
let holdEnd = false;

function state(): TrainingState {
  return {
    phase: run?.phase ?? 'idle',
    kind,
    reader: run ? 'session' : 'shipped',
    iteration: run?.iteration ?? 0,
    totalIterations: run?.total ?? 0,
    epoch: run?.epoch ?? 0,
    batchCost: run?.batchCost ?? null,
    finalTestAccuracy: run?.finalTestAccuracy ?? null,
  };
}

function postState(): void {
  post({ type: 'training', state: state() });
}

/** The network that reads drawings now. */
function reader(): Session | Classifier {
  if (run) return run.session;
  const model = shipped.get(kind);
  if (!model) throw new Error(`the shipped ${kind} network did not load, so it cannot read drawings (see the error about it)`);
  return model;
}

function postWeights(): void {
  let source: Session | Classifier;
  try {
    source = reader();
  } catch {
    return; // No network to draw; the missing model was reported already.
  }
  const count = kind === 'softmax' ? 10 : Math.min(HIDDEN_UNITS_SHOWN, run?.config.model.hidden_units ?? HIDDEN_UNITS_SHOWN);
  const rgba = source.weightImages(0, count);
  const shown = rgba.length / (28 * 28 * 4);
  post({ type: 'weights', images: { kind, reader: run ? 'session' : 'shipped', rgba, count: shown } }, [rgba.buffer]);
}

// ---------------------------------------------------------------- loading --

async function fetchOk(url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`could not fetch ${url}: ${describe(error)} (is the server still running?)`);
  }
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} for ${url}`);
  }
  return response;
}

async function loadModels(modelUrls: Urls['models']): Promise<Record<ModelKind, string | null>> {
  const outcome = { softmax: null, mlp: null } as Record<ModelKind, string | null>;
  await Promise.all(
    MODEL_KINDS.map(async (model) => {
      try {
        const bytes = new Uint8Array(await (await fetchOk(modelUrls[model])).arrayBuffer());
        const name = modelUrls[model].split('/').pop() ?? model;
        const classifier = Classifier.fromSafetensors(name, bytes);
        if (classifier.kind !== model) {
          classifier.free();
          throw new Error(`${name} holds a ${classifier.kind} network, not a ${model} one`);
        }
        shipped.get(model)?.free();
        shipped.set(model, classifier);
      } catch (error) {
        outcome[model] = describe(error);
      }
    }),
  );
  return outcome;
}

/** Gzip's magic bytes; a server that sent the .gz with Content-Encoding: gzip
 * has had the browser unpack it already. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function gunzip(bytes: Uint8Array<ArrayBuffer>, url: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(`${url} is not a valid gzip file (${describe(error)}); rebuild it with npm run build`);
  }
}

async function loadData(dataUrls: Urls['data']): Promise<void> {
  const started = performance.now();
  const order = [dataUrls.trainImages, dataUrls.trainLabels, dataUrls.testImages, dataUrls.testLabels];
  const responses = await Promise.all(order.map(fetchOk));
  const lengths = responses.map((r) => Number(r.headers.get('content-length')));
  const totalBytes = lengths.every((n) => Number.isFinite(n) && n > 0) ? lengths.reduce((a, b) => a + b, 0) : null;
  let loadedBytes = 0;
  let downloadedBytes = 0;
  let lastReport = 0;
  const report = (force: boolean) => {
    const now = performance.now();
    if (force || now - lastReport > 100) {
      lastReport = now;
      post({ type: 'data-progress', loadedBytes, totalBytes: totalBytes !== null && loadedBytes <= totalBytes ? totalBytes : null });
    }
  };
  const files = await Promise.all(
    responses.map(async (response, i) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      const body = response.body;
      if (!body) throw new Error(`empty response for ${order[i]}`);
      const streamReader = body.getReader();
      for (;;) {
        const { done, value } = await streamReader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
        loadedBytes += value.length;
        report(false);
      }
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      // A server that sent the file with Content-Encoding: gzip (Vite's dev
      // server does) had the browser unpack it: what crossed the wire is
      // then the Content-Length.
      downloadedBytes += isGzip(bytes) || !(lengths[i] > 0) ? size : lengths[i];
      return gunzip(bytes, order[i]);
    }),
  );
  report(true);
  const parsed = new Data(files[0], files[1], files[2], files[3]);
  data?.free();
  data = parsed;
  post({
    type: 'data-ready',
    data: {
      trainLength: parsed.trainLength,
      testLength: parsed.testLength,
      downloadedBytes,
      unpackedBytes: files.reduce((sum, f) => sum + f.length, 0),
      milliseconds: performance.now() - started,
    },
  });
}

function startLoadingData(): void {
  if (data || dataLoading || !urls) return;
  dataLoading = loadData(urls.data)
    .catch((error) => reportError('data', error))
    .finally(() => {
      dataLoading = null;
    });
}

// ---------------------------------------------------------------- training -

function discardRun(): void {
  if (!run) return;
  run.session.free();
  run = null;
}

function newRun(config: SessionConfig, phase: Phase): Run {
  if (!data) {
    throw new Error(dataLoading ? 'MNIST is still loading; training can start when it is in' : 'MNIST is not loaded (see the error about it)');
  }
  discardRun();
  const session = new Session(data, config);
  const total = session.totalIterations;
  const batch = Math.min(config.train.batch_size ?? data.trainLength, data.trainLength);
  const pointEvery = Math.max(1, Math.ceil(total / MAX_POINTS), Math.ceil(POINT_WORK / batch));
  run = { session, config, phase, iteration: 0, total, epoch: 0, batchCost: null, pointEvery, nextPointAt: pointEvery, lastPointAt: -1, finalTestAccuracy: null };
  kind = config.model.kind;
  post({ type: 'curve-reset' });
  measure(run);
  return run;
}

function measure(current: Run): void {
  const point = current.session.curvePoint() as CurvePoint;
  current.lastPointAt = current.iteration;
  post({ type: 'curve-point', point });
  postWeights();
}

interface StepReport {
  iteration: number;
  epoch: number;
  batch_cost: number | null;
  total_iterations: number;
}

function takeSteps(current: Run, steps: number): void {
  const report = current.session.step(steps) as StepReport;
  current.iteration = report.iteration;
  current.epoch = report.epoch;
  if (report.batch_cost !== null && Number.isFinite(report.batch_cost)) current.batchCost = report.batch_cost;
}

function finish(current: Run): void {
  current.phase = 'finished';
  if (current.lastPointAt !== current.iteration) measure(current);
  const full = current.session.testEvaluation() as { cost: number; accuracy: number };
  current.finalTestAccuracy = full.accuracy;
}

/** The run went wrong (it diverged, or the module threw): report it and go
 * back to the shipped network, which still reads drawings. */
function abandonRun(error: unknown): void {
  try {
    discardRun();
  } catch {
    run = null;
  }
  post({ type: 'curve-reset' });
  reportError('training', error);
  if (!isTrap(error)) postWeights();
  postState();
}

const tick = new MessageChannel();
let tickPending = false;
tick.port1.onmessage = () => {
  tickPending = false;
  runChunk();
};

function scheduleChunk(): void {
  if (!tickPending) {
    tickPending = true;
    tick.port2.postMessage(null);
  }
}

function runChunk(): void {
  const current = run;
  if (!current || current.phase !== 'running') return;
  // Held by a test: the last step waits until the hold is released.
  const end = holdEnd ? current.total - 1 : current.total;
  try {
    const deadline = performance.now() + CHUNK_MS;
    while (current.iteration < end && performance.now() < deadline) {
      takeSteps(current, 1);
      if (current.iteration >= current.nextPointAt) {
        measure(current);
        current.nextPointAt += current.pointEvery;
      }
    }
    if (current.iteration >= current.total) finish(current);
  } catch (error) {
    abandonRun(error);
    return;
  }
  postState();
  if (current.phase === 'running' && current.iteration < end) scheduleChunk();
}

// ---------------------------------------------------------------- requests -

type Handled<T extends Request['type']> = { value: ReplyValue[T]; transfer?: Transferable[] };

// The lesson chapters' requests (parts 1-7).
const lessons = createLessons({
  post,
  data: () => data,
  dataLoading: () => dataLoading !== null,
  shippedSoftmax: () => shipped.get('softmax'),
  describe,
  isTrap,
});

// Parts 8 and 9: the faces.
const faces = createFaces({ post, urls: () => urls, fetchOk });
// Part 10: a pretrained network's features of the faces.
const features = createFeatures({ post, urls: () => urls, fetchOk });

async function handle(request: Request): Promise<Handled<Request['type']>> {
  if (isLessonRequest(request)) return lessons.handle(request);
  if (isFacesRequest(request)) return faces.handle(request);
  if (isFeaturesRequest(request)) return features.handle(request);
  switch (request.type) {
    case 'init': {
      const started = performance.now();
      urls = request.urls;
      const moduleNote = await startModule(request.wasm);
      const models = await loadModels(request.urls.models);
      const value: InitResult = {
        simd: simdEnabled(),
        wasmBuild: relaxedSimdEnabled() ? 'relaxed-simd' : 'simd128',
        moduleNote,
        models,
        milliseconds: performance.now() - started,
      };
      // The drawing works from here; MNIST, which only training needs, follows.
      queueMicrotask(() => {
        postWeights();
        startLoadingData();
      });
      return { value };
    }
    case 'load-data':
      startLoadingData();
      return { value: null };
    case 'predict': {
      const pixels = preprocessDrawing(new Uint8Array(request.rgba), request.width, request.height);
      const who = run ? 'session' : 'shipped';
      if (!pixels) {
        const value: Prediction = { probabilities: null, input: null, reader: who, kind };
        return { value };
      }
      const probabilities = Array.from(reader().predict(pixels));
      const input = inkRgba(pixels);
      const value: Prediction = { probabilities, input, reader: who, kind };
      return { value, transfer: [input.buffer] };
    }
    case 'select-model': {
      discardRun();
      kind = request.kind;
      post({ type: 'curve-reset' });
      postWeights();
      return { value: state() };
    }
    case 'train-start': {
      newRun(request.config, 'running');
      scheduleChunk();
      return { value: state() };
    }
    case 'train-pause': {
      if (run?.phase === 'running') run.phase = 'paused';
      return { value: state() };
    }
    case 'train-resume': {
      if (run?.phase === 'paused') {
        run.phase = 'running';
        scheduleChunk();
      }
      return { value: state() };
    }
    case 'train-step': {
      const current = run && run.phase !== 'finished' ? run : newRun(request.config, 'paused');
      current.phase = 'paused';
      try {
        takeSteps(current, Math.max(1, Math.floor(request.steps)));
        measure(current);
        current.nextPointAt = current.iteration + current.pointEvery;
        if (current.iteration >= current.total) finish(current);
      } catch (error) {
        abandonRun(error);
      }
      return { value: state() };
    }
    case 'train-reset': {
      discardRun();
      post({ type: 'curve-reset' });
      postWeights();
      return { value: state() };
    }
    case 'hold-end-for-test':
      holdEnd = request.hold;
      if (!holdEnd && run?.phase === 'running') scheduleChunk();
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
