// The worker's side of the draw section: the shipped networks, MNIST (fetched,
// unpacked, parsed), reading a drawing, and the draw section's training run
// (run 'draw' of the run loop), whose network reads drawings while it trains.
//
// Everything numeric is a library function behind src/web.rs.

import { Classifier, Data, DataDownload, Session, inkRgba, preprocessDrawing, type SessionConfig, type TrainingAdvance } from '../../pkg/gradlab.js';
import {
  MODEL_KINDS,
  type FromWorker,
  type ModelKind,
  type OpenedRun,
  type Prediction,
  type Reader,
  type ReplyValue,
  type Request,
  type TrainingState,
  type Urls,
} from '../protocol';
import { describe, fetchOk, isTrap } from './errors';
import { pieceReader } from './pieces';
import type { LiveRun, RunLoop } from './runs';

/** Hidden units whose weights are drawn for the one-hidden-layer network. */
const HIDDEN_UNITS_SHOWN = 10;
/** The draw section's run in the run loop. */
const RUN = 'draw';

export interface DigitsHost {
  post(message: FromWorker, transfer?: Transferable[]): void;
  urls(): Urls | null;
  runs: RunLoop;
  reportError(context: 'data' | 'training', error: unknown): void;
}

type DigitsRequest = Extract<
  Request,
  {
    type: 'predict' | 'select-model' | 'train-start' | 'train-pause' | 'train-resume' | 'train-step' | 'train-reset' | 'load-data' | 'digits-save';
  }
>;
const DIGITS_TYPES = new Set<string>([
  'predict',
  'select-model',
  'train-start',
  'train-pause',
  'train-resume',
  'train-step',
  'train-reset',
  'load-data',
  'digits-save',
]);

export function isDigitsRequest(request: Request): request is DigitsRequest {
  return DIGITS_TYPES.has(request.type);
}

export function createDigits(host: DigitsHost) {
  const shipped = new Map<ModelKind, Classifier>();
  let kind: ModelKind = 'softmax';
  let data: Data | null = null;
  let dataLoading: Promise<void> | null = null;
  /** The draw run's hidden units, for its weight images. */
  let hiddenUnits = HIDDEN_UNITS_SHOWN;
  /** A network the learner opened (their own run), reading in place of the
   * shipped one of its kind. */
  let opened: { classifier: Classifier; run: OpenedRun } | null = null;

  const run = (): LiveRun | undefined => host.runs.get(RUN);

  /** Who reads drawings now. */
  const readerOf = (): Reader => (run() ? 'session' : opened && opened.run.digits?.kind === kind ? 'opened' : 'shipped');

  const state = (): TrainingState => {
    const current = run();
    return {
      phase: current?.phase ?? 'idle',
      kind,
      reader: readerOf(),
      openedName: readerOf() === 'opened' ? (opened?.run.name ?? null) : null,
      iteration: current?.iteration ?? 0,
      totalIterations: current?.total ?? 0,
      epoch: current?.epoch ?? 0,
      batchCost: current?.batchCost ?? null,
      finalTestAccuracy: current?.finalTestAccuracy ?? null,
    };
  };

  const postState = () => host.post({ type: 'training', state: state() });

  /** The network that reads drawings now. */
  const reader = (): Session | Classifier => {
    const current = run();
    if (current) return current.session;
    if (opened && readerOf() === 'opened') return opened.classifier;
    const model = shipped.get(kind);
    if (!model) throw new Error(`the shipped ${kind} network did not load, so it cannot read drawings (see the error about it)`);
    return model;
  };

  const postWeights = () => {
    let source: Session | Classifier;
    try {
      source = reader();
    } catch {
      return; // No network to draw; the missing model was reported already.
    }
    const count = kind === 'softmax' ? 10 : HIDDEN_UNITS_SHOWN;
    const rgba = source.weightImages(0, run() ? Math.min(count, hiddenUnits) : count);
    const shown = rgba.length / (28 * 28 * 4);
    host.post({ type: 'weights', images: { kind, reader: readerOf(), rgba, count: shown } }, [rgba.buffer]);
  };

  const handlers = {
    advanced(_run: LiveRun, report: TrainingAdvance) {
      for (const point of report.points) host.post({ type: 'curve-point', point });
      if (report.points.length > 0) postWeights();
    },
    settled() {
      postState();
    },
    /** The run went wrong (it diverged, or the module threw): report it and
     * go back to the shipped network, which still reads drawings. */
    failed(_run: LiveRun, error: unknown) {
      host.post({ type: 'curve-reset' });
      host.reportError('training', error);
      if (!isTrap(error)) postWeights();
      postState();
    },
  };

  const newRun = (config: SessionConfig, phase: 'running' | 'paused') => {
    if (!data) {
      throw new Error(dataLoading ? 'MNIST is still loading; training can start when it is in' : 'MNIST is not loaded (see the error about it)');
    }
    host.runs.discard(RUN);
    const session = new Session(data, config);
    kind = config.model.kind;
    hiddenUnits = config.model.hidden_units;
    host.post({ type: 'curve-reset' });
    host.runs.start(RUN, session, handlers, phase);
  };

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
        host.post({ type: 'data-progress', loadedBytes, totalBytes: totalBytes !== null && loadedBytes <= totalBytes ? totalBytes : null });
      }
    };
    // Each piece of a body goes into the module as it comes, where it is
    // unpacked into the buffers the data keeps (src/mnist/download.rs): no
    // copy of a file, packed or unpacked, is held here, and the pieces pass
    // through one buffer per file (pieces.ts).
    const download = new DataDownload();
    /** Until finish() takes it (whatever it returns), the download is ours to free. */
    let owned = true;
    /** Set as the first file fails: the other readers stop at their next piece. */
    let failed = false;
    try {
      await Promise.all(
        responses.map(async (response, i) => {
          const body = response.body;
          if (!body) throw new Error(`empty response for ${order[i]}`);
          const pieces = pieceReader(body);
          let size = 0;
          for (;;) {
            const piece = await pieces.read();
            // Another file failed: the download may be freed already.
            if (failed) {
              await pieces.cancel();
              return;
            }
            if (piece === null) break;
            download.push(i, piece);
            size += piece.length;
            loadedBytes += piece.length;
            report(false);
          }
          // A server that sent the file with Content-Encoding: gzip (Vite's
          // dev server does) had the browser unpack it: what crossed the wire
          // is then the Content-Length.
          downloadedBytes += download.isGzip(i) || !(lengths[i] > 0) ? size : lengths[i];
        }),
      );
      report(true);
      const unpackedBytes = download.unpackedBytes;
      owned = false;
      const parsed = download.finish();
      data?.free();
      data = parsed;
      host.post({
        type: 'data-ready',
        data: {
          trainLength: parsed.trainLength,
          testLength: parsed.testLength,
          downloadedBytes,
          unpackedBytes,
          milliseconds: performance.now() - started,
        },
      });
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // A failed download's buffers go now, not when it is collected.
      if (owned) download.free();
    }
  }

  function startLoadingData(): void {
    const urls = host.urls();
    if (data || dataLoading || !urls) return;
    dataLoading = loadData(urls.data)
      .catch((error) => host.reportError('data', error))
      .finally(() => {
        dataLoading = null;
      });
  }

  return {
    data: () => data,
    /** The learner's digits network reads from now on (in place of the
     * shipped one of its kind), until `closeRun`. */
    useRun(classifier: Classifier, openedRun: OpenedRun) {
      host.runs.discard(RUN);
      opened?.classifier.free();
      opened = { classifier, run: openedRun };
      kind = openedRun.digits?.kind ?? kind;
      host.post({ type: 'curve-reset' });
      postWeights();
      postState();
    },
    closeRun() {
      if (!opened) return;
      opened.classifier.free();
      opened = null;
      postWeights();
      postState();
    },
    /** The opened network, for the lessons (chapters 2 and 6). */
    openedClassifier: () => opened?.classifier,
    dataLoading: () => dataLoading !== null,
    shippedSoftmax: () => shipped.get('softmax'),
    loadModels,
    /** Once the module is in: the weights of the network that reads, then MNIST. */
    started() {
      postWeights();
      startLoadingData();
    },

    handle(request: DigitsRequest): { value: ReplyValue[DigitsRequest['type']]; transfer?: Transferable[] } {
      switch (request.type) {
        case 'load-data':
          startLoadingData();
          return { value: null };
        case 'predict': {
          const pixels = preprocessDrawing(new Uint8Array(request.rgba), request.width, request.height);
          const who = readerOf();
          if (!pixels) {
            const value: Prediction = { probabilities: null, input: null, reader: who, kind };
            return { value };
          }
          const probabilities = Array.from(reader().predict(pixels));
          const input = inkRgba(pixels);
          const value: Prediction = { probabilities, input, reader: who, kind };
          return { value, transfer: [input.buffer] };
        }
        case 'select-model':
          host.runs.discard(RUN);
          kind = request.kind;
          host.post({ type: 'curve-reset' });
          postWeights();
          // Every stop of a run is an event too (main.ts waits for one).
          postState();
          return { value: state() };
        case 'train-start':
          newRun(request.config, 'running');
          return { value: state() };
        case 'train-pause':
          host.runs.pause(RUN);
          postState();
          return { value: state() };
        case 'train-resume':
          host.runs.resume(RUN);
          return { value: state() };
        case 'train-step': {
          const current = run();
          if (!current || current.phase === 'finished') newRun(request.config, 'paused');
          host.runs.step(RUN, request.steps);
          return { value: state() };
        }
        case 'digits-save': {
          const current = run();
          if (!current) throw new Error('no network is being trained here: train one (or take a few steps) first');
          const model = current.session.toSafetensors();
          const report = current.session.reportJson(current.activeMs / 1000);
          return { value: { 'model.safetensors': model, 'report.json': report }, transfer: [model.buffer, report.buffer] };
        }
        case 'train-reset':
          host.runs.discard(RUN);
          host.post({ type: 'curve-reset' });
          postWeights();
          postState();
          return { value: state() };
      }
    },
  };
}
