// The worker's side of the lesson chapters (parts 1-7): thin calls into the
// WebAssembly module for each figure, and the lessons' own training runs
// (chapter 4's gradient descent, chapter 5's pair), which run in time-boxed
// chunks like the draw section's run so that the worker keeps answering.
//
// Everything numeric is a library function behind src/web.rs; this file only
// picks the network and the images, and turns results into messages.

import {
  Classifier,
  Session,
  Surface,
  defaultBackpropGrid,
  figure5Table,
  gapClosed,
  loglogFit,
  sweepSlopes,
  timeBackprop,
  type Data,
} from '../pkg/gradlab.js';
import type {
  ClassCounts,
  CurvePoint,
  DigitsCheck,
  Figure5Row,
  ForwardResult,
  FromWorker,
  LessonModel,
  LessonRunId,
  LessonRunState,
  LogLogFit,
  Phase,
  ReplyValue,
  Request,
  SessionConfig,
  SurfaceResult,
  SweepFit,
  SweepSlopes,
  TimingRow,
  Trajectory,
} from './protocol';

/** How long one chunk of lesson training may hold the worker. */
const CHUNK_MS = 30;
/** At most this many learning-curve points per run. */
const MAX_POINTS = 120;
/** As in the worker: a curve point costs about the work of this many images' steps. */
const POINT_WORK = 5000;
/** The cost grid of part 6 is computed in slices of about this long. */
const SURFACE_SLICE_MS = 40;

export interface LessonHost {
  post(message: FromWorker, transfer?: Transferable[]): void;
  /** MNIST, once loaded. */
  data(): Data | null;
  dataLoading(): boolean;
  /** The shipped softmax network, if it loaded. */
  shippedSoftmax(): Classifier | undefined;
  describe(error: unknown): string;
  isTrap(error: unknown): boolean;
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

interface LessonRun {
  id: LessonRunId;
  session: Session;
  phase: Phase;
  iteration: number;
  total: number;
  epoch: number;
  pointEvery: number;
  nextPointAt: number;
  lastPointAt: number;
  finalTestAccuracy: number | null;
}

interface StepReport {
  iteration: number;
  epoch: number;
}

export type Handled = { value: ReplyValue[LessonRequest['type']]; transfer?: Transferable[] };

export function createLessons(host: LessonHost) {
  const runs = new Map<LessonRunId, LessonRun>();
  let surface: { surface: Surface; minimum: number } | null = null;

  const needData = (): Data => {
    const data = host.data();
    if (!data) {
      throw new Error(host.dataLoading() ? 'MNIST is still loading; this figure appears when it is in' : 'MNIST is not loaded (see the error about it)');
    }
    return data;
  };

  /** The softmax network a lesson reads with; `owned` ones must be freed. */
  const network = (model: LessonModel): { classifier: Classifier; owned: boolean } => {
    if (model === 'trained') {
      const run = runs.get('gd');
      if (!run) throw new Error('no network has been trained in chapter 4 yet: train one there, or use the shipped network');
      return { classifier: run.session.classifier(), owned: true };
    }
    const shipped = host.shippedSoftmax();
    if (!shipped) throw new Error('the shipped softmax network did not load (see the error about it)');
    return { classifier: shipped, owned: false };
  };

  // ------------------------------------------------------------ training --

  const stateOf = (run: LessonRun): LessonRunState => ({
    id: run.id,
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

  const postState = (run: LessonRun) => host.post({ type: 'lesson-state', state: stateOf(run) });

  const measure = (run: LessonRun) => {
    const point = run.session.curvePoint() as CurvePoint;
    run.lastPointAt = run.iteration;
    host.post({ type: 'lesson-point', id: run.id, point });
    if (run.id === 'gd') {
      const rgba = run.session.weightImages(0, 10);
      host.post({ type: 'lesson-weights', id: run.id, rgba }, [rgba.buffer]);
    }
  };

  const discard = (id: LessonRunId) => {
    const run = runs.get(id);
    if (!run) return;
    runs.delete(id);
    try {
      run.session.free();
    } catch {
      // A trapped module cannot free; the worker is replaced anyway.
    }
  };

  const start = (id: LessonRunId, config: SessionConfig): LessonRun => {
    const data = needData();
    discard(id);
    const session = new Session(data, config);
    const total = session.totalIterations;
    const batch = Math.min(config.train.batch_size ?? data.trainLength, data.trainLength);
    const pointEvery = Math.max(1, Math.ceil(total / MAX_POINTS), Math.ceil(POINT_WORK / batch));
    const run: LessonRun = {
      id,
      session,
      phase: 'running',
      iteration: 0,
      total,
      epoch: 0,
      pointEvery,
      nextPointAt: 1,
      lastPointAt: -1,
      finalTestAccuracy: null,
    };
    runs.set(id, run);
    measure(run);
    return run;
  };

  const finish = (run: LessonRun) => {
    run.phase = 'finished';
    if (run.lastPointAt !== run.iteration) measure(run);
    const full = run.session.testEvaluation() as { accuracy: number };
    run.finalTestAccuracy = full.accuracy;
  };

  const fail = (run: LessonRun, error: unknown) => {
    discard(run.id);
    host.post({ type: 'lesson-failed', id: run.id, message: host.describe(error) });
    host.post({ type: 'lesson-state', state: idleState(run.id) });
    if (host.isTrap(error)) throw error; // The worker reports it and is replaced.
  };

  const step = (run: LessonRun) => {
    const report = run.session.step(1) as StepReport;
    run.iteration = report.iteration;
    run.epoch = report.epoch;
    if (run.iteration >= run.nextPointAt) {
      measure(run);
      // Points close together at first, where the curves fall fastest, then
      // every pointEvery steps: a point a quarter of the way further on.
      run.nextPointAt = run.iteration + Math.min(run.pointEvery, Math.max(1, Math.floor(run.iteration / 4)));
    }
    if (run.iteration >= run.total) finish(run);
  };

  const tick = new MessageChannel();
  let tickPending = false;
  const schedule = () => {
    if (!tickPending && [...runs.values()].some((r) => r.phase === 'running')) {
      tickPending = true;
      tick.port2.postMessage(null);
    }
  };
  tick.port1.onmessage = () => {
    tickPending = false;
    const active = [...runs.values()].filter((r) => r.phase === 'running');
    const deadline = performance.now() + CHUNK_MS;
    // Round robin, one step each, so that runs trained together (chapter 5's
    // pair) advance together.
    for (let i = 0; performance.now() < deadline; i++) {
      const live = active.filter((r) => r.phase === 'running' && runs.get(r.id) === r);
      if (live.length === 0) break;
      const run = live[i % live.length];
      try {
        step(run);
      } catch (error) {
        fail(run, error);
      }
    }
    for (const run of active) if (runs.get(run.id) === run) postState(run);
    schedule();
  };

  // ------------------------------------------------------------ figures --

  const forward = (split: 'train' | 'test', index: number, model: LessonModel): ForwardResult => {
    const data = needData();
    const pixels = data.image(split, index);
    const { classifier, owned } = network(model);
    try {
      const pass = classifier.forwardPass(pixels) as { logits: number[]; probabilities: number[]; predicted: number };
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
        contributions: classifier.contributionsRgba(pixels, pass.predicted),
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
    const { classifier, owned } = network(request.model);
    let built: Surface;
    try {
      built = new Surface(data, classifier, request.w1, request.w2, request.images);
    } finally {
      if (owned) classifier.free();
    }
    const [t1, t2] = Array.from(built.trained());
    const span = request.span;
    const [w1Values, w2Values] = built.gridAxes(t1 - span, t1 + span, t2 - span, t2 + span, request.resolution) as [number[], number[]];
    const w1 = new Float32Array(w1Values);
    const costs: number[] = [];
    let sliceStart = performance.now();
    for (const w2 of w2Values) {
      costs.push(...built.costRow(w1, w2));
      if (performance.now() - sliceStart > SURFACE_SLICE_MS) {
        await yieldToEvents();
        sliceStart = performance.now();
        if (mine !== surfaceGeneration) break;
      }
    }
    const grid = { w1_values: w1Values, w2_values: w2Values, costs };
    const minimum = costs.reduce((m, c) => (c < m ? c : m), Infinity);
    if (mine !== surfaceGeneration) {
      built.free();
      return { trained: [t1, t2], grid, minimum };
    }
    surface?.surface.free();
    surface = { surface: built, minimum };
    return { trained: [t1, t2], grid, minimum };
  };

  const paths = (request: Extract<Request, { type: 'surface-paths' }>) => {
    if (!surface) throw new Error('no cost surface yet: pick two weights first');
    const { surface: current, minimum } = surface;
    const [a, b] = request.start;
    const gd = current.trajectory(a, b, { kind: 'gd' }, request.learningRate, request.steps) as Trajectory;
    const momentum = current.trajectory(a, b, { kind: 'momentum', beta: request.beta }, request.learningRate, request.steps) as Trajectory;
    const closed = (t: Trajectory) => t.costs.map((c) => gapClosed(t.costs[0], c, minimum));
    return { gd, momentum, gdClosed: closed(gd), momentumClosed: closed(momentum) };
  };

  const slopes = (rows: TimingRow[]): SweepFit[] => {
    const found = sweepSlopes(rows) as SweepSlopes[];
    return found.map((s) => {
      const group = rows.filter((r) => (s.sweep === 'units' ? r.n_layers === s.fixed : r.n_units === s.fixed));
      const size = (r: TimingRow) => (s.sweep === 'units' ? r.n_units : r.n_layers);
      const fit = (time: (r: TimingRow) => number) => loglogFit(group.map((r) => [size(r), time(r)])) as LogLogFit | null;
      return { ...s, backpropFit: fit((r) => r.backprop_ms), naiveFit: fit((r) => r.naive_ms) };
    });
  };

  const states = (ids: LessonRunId[]) => ids.map((id) => (runs.has(id) ? stateOf(runs.get(id)!) : idleState(id)));

  async function handle(request: LessonRequest): Promise<Handled> {
    switch (request.type) {
      case 'class-counts':
        return { value: needData().classCounts() as ClassCounts };
      case 'gallery': {
        const data = needData();
        const indices = data.galleryIndices(request.perClass, request.offset) as number[][];
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
        const value = forward(request.split, request.index, request.model);
        return { value, transfer: [value.rgba.buffer, value.contributions.buffer] };
      }
      case 'figure5':
        return { value: figure5Table() as Figure5Row[] };
      case 'gradient-check':
        return { value: needData().gradientCheck(request.images, request.weights, request.hiddenUnits, request.seed) as DigitsCheck[] };
      case 'lesson-train': {
        for (const { id, config } of request.runs) start(id, config);
        schedule();
        return { value: states(request.runs.map((r) => r.id)) };
      }
      case 'lesson-pause':
        for (const id of request.ids) {
          const run = runs.get(id);
          if (run?.phase === 'running') run.phase = 'paused';
        }
        return { value: states(request.ids) };
      case 'lesson-resume':
        for (const id of request.ids) {
          const run = runs.get(id);
          if (run?.phase === 'paused') run.phase = 'running';
        }
        schedule();
        return { value: states(request.ids) };
      case 'lesson-reset':
        for (const id of request.ids) discard(id);
        return { value: states(request.ids) };
      case 'lesson-weights': {
        const { classifier, owned } = network(request.model);
        try {
          const rgba = classifier.weightImages(0, 10);
          return { value: rgba, transfer: [rgba.buffer] };
        } finally {
          if (owned) classifier.free();
        }
      }
      case 'surface':
        return { value: await buildSurface(request) };
      case 'surface-paths':
        return { value: paths(request) };
      case 'backprop-grid':
        return { value: defaultBackpropGrid() as [number, number][] };
      case 'backprop-time':
        return { value: timeBackprop(request.nLayers, request.nUnits, request.batch, request.seed, request.repeats, () => performance.now()) as TimingRow };
      case 'backprop-slopes':
        return { value: slopes(request.rows) };
    }
  }

  return { handle };
}
