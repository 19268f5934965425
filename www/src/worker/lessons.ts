// The worker's side of the lesson chapters (parts 1-7): thin calls into the
// WebAssembly module for each figure, and the lessons' training runs
// (chapter 4's gradient descent, chapter 5's pair), which are runs of the
// worker's one run loop like the draw section's.
//
// Everything numeric is a library function behind src/web.rs; this file only
// picks the network and the images, and turns results into messages.

import { Classifier, Session, Surface, defaultBackpropGrid, figure5Table, sweepSlopes, timeBackprop, type Data, type TrainingAdvance } from '../../pkg/gradlab.js';
import type { ForwardResult, FromWorker, LessonModel, LessonRunId, LessonRunState, ReplyValue, Request, SurfaceResult, Urls } from '../protocol';
import { describe, fetchOk, isTrap } from './errors';
import type { LiveRun, RunLoop } from './runs';

/** The cost grid of part 6 is computed in slices of about this long. */
const SURFACE_SLICE_MS = 40;

export interface LessonHost {
  post(message: FromWorker, transfer?: Transferable[]): void;
  runs: RunLoop;
  /** MNIST, once loaded. */
  data(): Data | null;
  dataLoading(): boolean;
  /** The shipped softmax network, if it loaded. */
  shippedSoftmax(): Classifier | undefined;
  /** The learner's own digits network, if one is open. */
  openedClassifier(): Classifier | undefined;
  urls(): Urls | null;
}

type LessonRequest = Extract<
  Request,
  {
    type:
      | 'class-counts'
      | 'gallery'
      | 'digit'
      | 'forward'
      | 'figure5'
      | 'gradient-check'
      | 'lesson-train'
      | 'lesson-pause'
      | 'lesson-resume'
      | 'lesson-reset'
      | 'lesson-weights'
      | 'surface'
      | 'surface-paths'
      | 'backprop-grid'
      | 'backprop-time'
      | 'backprop-slopes';
  }
>;

const LESSON_TYPES = new Set<string>([
  'class-counts',
  'gallery',
  'digit',
  'forward',
  'figure5',
  'gradient-check',
  'lesson-train',
  'lesson-pause',
  'lesson-resume',
  'lesson-reset',
  'lesson-weights',
  'surface',
  'surface-paths',
  'backprop-grid',
  'backprop-time',
  'backprop-slopes',
]);

export function isLessonRequest(request: Request): request is LessonRequest {
  return LESSON_TYPES.has(request.type);
}

export type Handled = { value: ReplyValue[LessonRequest['type']]; transfer?: Transferable[] };

export function createLessons(host: LessonHost) {
  let surface: { surface: Surface; minimum: number } | null = null;

  const needData = (): Data => {
    const data = host.data();
    if (!data) {
      throw new Error(host.dataLoading() ? 'MNIST is still loading; this figure appears when it is in' : 'MNIST is not loaded (see the error about it)');
    }
    return data;
  };

  /** Chapter 4's recorded run, fetched when a chapter first shows it. */
  let recorded: Promise<Classifier> | null = null;
  const loadRecorded = (): Promise<Classifier> => {
    const url = host.urls()?.recorded.descent;
    if (!url) return Promise.reject(new Error('the worker has not been told where the recorded run is'));
    recorded ??= fetchOk(url)
      .then(async (response) => {
        const name = url.split('/').pop() ?? 'softmax-gd.safetensors';
        const classifier = Classifier.fromSafetensors(name, new Uint8Array(await response.arrayBuffer()));
        if (classifier.kind !== 'softmax') {
          classifier.free();
          throw new Error(`${name} holds a ${classifier.kind} network, not the softmax one recorded for chapter 4`);
        }
        return classifier;
      })
      .catch((error: unknown) => {
        recorded = null; // Tried again next time.
        throw error;
      });
    return recorded;
  };

  /** The softmax network a lesson reads with; `owned` ones must be freed. */
  const network = async (model: LessonModel): Promise<{ classifier: Classifier; owned: boolean }> => {
    if (model === 'recorded') return { classifier: await loadRecorded(), owned: false };
    if (model === 'trained') {
      const run = host.runs.get('gd');
      if (!run) throw new Error('no network has been trained in chapter 4 yet: train one there, or use the shipped network');
      return { classifier: run.session.classifier(), owned: true };
    }
    if (model === 'opened') {
      const opened = host.openedClassifier();
      if (!opened) throw new Error('no run of yours is open: open one (gradlab mnist train --out) at the top of the page');
      return { classifier: opened, owned: false };
    }
    const shipped = host.shippedSoftmax();
    if (!shipped) throw new Error('the shipped softmax network did not load (see the error about it)');
    return { classifier: shipped, owned: false };
  };

  // ------------------------------------------------------------ training --

  const stateOf = (run: LiveRun): LessonRunState => ({
    id: run.id as LessonRunId,
    phase: run.phase,
    iteration: run.iteration,
    totalIterations: run.total,
    epoch: run.epoch,
    finalTestAccuracy: run.finalTestAccuracy,
  });

  const idleState = (id: LessonRunId): LessonRunState => ({
    id,
    phase: 'idle',
    iteration: 0,
    totalIterations: 0,
    epoch: 0,
    finalTestAccuracy: null,
  });

  const handlers = {
    advanced(run: LiveRun, report: TrainingAdvance) {
      const id = run.id as LessonRunId;
      for (const point of report.points) host.post({ type: 'lesson-point', id, point });
      if (id === 'gd' && report.points.length > 0) {
        const rgba = run.session.weightImages(0, 10);
        host.post({ type: 'lesson-weights', id, rgba }, [rgba.buffer]);
      }
    },
    settled(run: LiveRun) {
      host.post({ type: 'lesson-state', state: stateOf(run) });
    },
    failed(run: LiveRun, error: unknown) {
      const id = run.id as LessonRunId;
      host.post({ type: 'lesson-failed', id, message: describe(error) });
      host.post({ type: 'lesson-state', state: idleState(id) });
      if (isTrap(error)) throw error; // The worker reports it and is replaced.
    },
  };

  const states = (ids: LessonRunId[]) =>
    ids.map((id) => {
      const run = host.runs.get(id);
      return run ? stateOf(run) : idleState(id);
    });

  /** The runs' states, also posted as events: a run stops by finishing
   * (posted as it settles), failing, a pause or a reset, and the page
   * (main.ts, which waits for no run to train) hears each of them. */
  const postStates = (ids: LessonRunId[]) => {
    const now = states(ids);
    for (const state of now) host.post({ type: 'lesson-state', state });
    return now;
  };

  // ------------------------------------------------------------ figures --

  const forward = async (split: 'train' | 'test', index: number, model: LessonModel): Promise<ForwardResult> => {
    const data = needData();
    const pixels = data.image(split, index);
    const { classifier, owned } = await network(model);
    try {
      const pass = classifier.forwardPass(pixels);
      return {
        split,
        index,
        model,
        label: data.label(split, index),
        rgba: data.imagesRgba(split, new Uint32Array([index])),
        logits: pass.logits,
        probabilities: pass.probabilities,
        predicted: pass.predicted,
        biases: Array.from(classifier.biases()),
        // Pixel contributions are the softmax network's (chapter 2); a
        // learner's one-hidden-layer network has none to draw.
        contributions: classifier.kind === 'softmax' ? classifier.contributionsRgba(pixels, pass.predicted) : new Uint8Array(0),
      };
    } finally {
      if (owned) classifier.free();
    }
  };

  /** Lets the worker's event loop run (other requests, training chunks). */
  const yieldToEvents = () =>
    new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });

  let surfaceGeneration = 0;
  /**
   * The cost grid, a few rows at a time: the worker yields every
   * SURFACE_SLICE_MS so that drawings are still read while it computes. A
   * newer request makes an older one stop early; its caller has moved on.
   */
  const buildSurface = async (request: Extract<Request, { type: 'surface' }>): Promise<SurfaceResult> => {
    const data = needData();
    const mine = ++surfaceGeneration;
    const { classifier, owned } = await network(request.model);
    let built: Surface;
    try {
      built = new Surface(data, classifier, request.w1, request.w2, request.images);
    } finally {
      if (owned) classifier.free();
    }
    const [t1, t2] = Array.from(built.trained());
    const span = request.span;
    const axes = built.gridAxes(t1 - span, t1 + span, t2 - span, t2 + span, request.resolution);
    const w1 = new Float32Array(axes.w1_values);
    const costs: number[] = [];
    let sliceStart = performance.now();
    for (const w2 of axes.w2_values) {
      costs.push(...built.costRow(w1, w2));
      if (performance.now() - sliceStart > SURFACE_SLICE_MS) {
        await yieldToEvents();
        sliceStart = performance.now();
        if (mine !== surfaceGeneration) break;
      }
    }
    const grid = { w1_values: axes.w1_values, w2_values: axes.w2_values, costs };
    const minimum = costs.reduce((m, c) => (c < m ? c : m), Infinity);
    if (mine !== surfaceGeneration) {
      built.free();
      return { trained: [t1, t2], grid, minimum };
    }
    surface?.surface.free();
    surface = { surface: built, minimum };
    return { trained: [t1, t2], grid, minimum };
  };

  async function handle(request: LessonRequest): Promise<Handled> {
    switch (request.type) {
      case 'class-counts':
        return { value: needData().classCounts() };
      case 'gallery': {
        const data = needData();
        const { indices } = data.galleryIndices(request.perClass, request.offset);
        const rgba = data.imagesRgba('train', new Uint32Array(indices.flat()));
        return { value: { indices, rgba }, transfer: [rgba.buffer] };
      }
      case 'digit': {
        const data = needData();
        const rgba = data.imagesRgba(request.split, new Uint32Array([request.index]));
        const value = { split: request.split, index: request.index, label: data.label(request.split, request.index), rgba };
        return { value, transfer: [rgba.buffer] };
      }
      case 'forward': {
        const value = await forward(request.split, request.index, request.model);
        return { value, transfer: [value.rgba.buffer, value.contributions.buffer] };
      }
      case 'figure5':
        return { value: figure5Table() };
      case 'gradient-check':
        return { value: needData().gradientCheck(request.images, request.weights, request.hiddenUnits, request.seed) };
      case 'lesson-train': {
        const data = needData();
        for (const { id, config } of request.runs) host.runs.start(id, new Session(data, config), handlers, 'running');
        return { value: states(request.runs.map((r) => r.id)) };
      }
      case 'lesson-pause':
        for (const id of request.ids) host.runs.pause(id);
        return { value: postStates(request.ids) };
      case 'lesson-resume':
        for (const id of request.ids) host.runs.resume(id);
        return { value: states(request.ids) };
      case 'lesson-reset':
        for (const id of request.ids) host.runs.discard(id);
        return { value: postStates(request.ids) };
      case 'lesson-weights': {
        const { classifier, owned } = await network(request.model);
        try {
          const rgba = classifier.weightImages(0, 10);
          return { value: rgba, transfer: [rgba.buffer] };
        } finally {
          if (owned) classifier.free();
        }
      }
      case 'surface':
        return { value: await buildSurface(request) };
      case 'surface-paths': {
        if (!surface) throw new Error('no cost surface yet: pick two weights first');
        const [a, b] = request.start;
        return { value: surface.surface.paths(a, b, request.learningRate, request.beta, request.steps, surface.minimum) };
      }
      case 'backprop-grid':
        return { value: defaultBackpropGrid().sizes };
      case 'backprop-time':
        return { value: timeBackprop(request.nLayers, request.nUnits, request.batch, request.seed, request.repeats, () => performance.now()) };
      case 'backprop-slopes':
        return { value: sweepSlopes(request.rows) };
    }
  }

  return { handle };
}
