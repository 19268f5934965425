// The messages between the page and its worker (src/worker.ts).
//
// The page sends requests `{ id, request }`; the worker answers each with one
// reply carrying the same id. Besides replies, the worker posts events of its
// own: data-loading progress, training progress, curve points, weight images
// and errors that no request is waiting for (a run that diverged, MNIST that
// failed to load).
//
// Field names of the Rust side's JSON (SessionConfig, CurvePoint) keep its
// snake_case serde names, so that they can be passed through as they are.

export type ModelKind = 'softmax' | 'mlp';
export type Activation = 'tanh' | 'relu';

export const MODEL_KINDS: readonly ModelKind[] = ['softmax', 'mlp'];

/** What `new Session(data, config)` takes (src/web.rs `SessionConfig`). */
export interface SessionConfig {
  model: { kind: ModelKind; hidden_units: number; activation: Activation };
  train: {
    optimizer: { kind: 'gd' } | { kind: 'momentum'; beta: number };
    learning_rate: number;
    /** `null` for full-batch gradient descent. */
    batch_size: number | null;
    epochs: number;
    seed: number;
    evaluations_per_epoch: number;
    train_evaluation_size: number;
    /** `null` for the whole test set. */
    test_evaluation_size: number | null;
  };
}

/** One learning-curve point (src/train.rs `CurvePoint`). */
export interface CurvePoint {
  iteration: number;
  epoch: number;
  train_cost: number;
  train_accuracy: number;
  test_cost: number;
  test_accuracy: number;
}

/** Where the worker fetches what it needs; absolute URLs made by the page. */
export interface Urls {
  models: Record<ModelKind, string>;
  data: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
}

export type Phase = 'idle' | 'running' | 'paused' | 'finished';

/** The training session as the controls need to know it. */
export interface TrainingState {
  phase: Phase;
  /** The network that reads drawings and would be trained. */
  kind: ModelKind;
  /** Who reads drawings: the shipped model or the session being trained. */
  reader: 'shipped' | 'session';
  iteration: number;
  totalIterations: number;
  epoch: number;
  /** Mean cost of the last batch, before its step. */
  batchCost: number | null;
  /** The whole test set's accuracy, measured when a run finishes. */
  finalTestAccuracy: number | null;
}

export interface Prediction {
  /** The ten class probabilities, or null when nothing is drawn. */
  probabilities: number[] | null;
  /** The 28x28 input the network read, as RGBA (ink dark on white). */
  input: Uint8Array | null;
  reader: 'shipped' | 'session';
  kind: ModelKind;
}

export interface WeightImages {
  kind: ModelKind;
  reader: 'shipped' | 'session';
  /** `count` RGBA images of 28x28, one after another. */
  rgba: Uint8Array;
  count: number;
}

export interface InitResult {
  simd: boolean;
  /** Per shipped model: null when loaded, else what went wrong. */
  models: Record<ModelKind, string | null>;
  milliseconds: number;
}

export interface DataReady {
  trainLength: number;
  testLength: number;
  /** Bytes fetched (gzip), and after unpacking. */
  downloadedBytes: number;
  unpackedBytes: number;
  milliseconds: number;
}

export type Request =
  | { type: 'init'; urls: Urls }
  | { type: 'predict'; rgba: ArrayBuffer; width: number; height: number }
  | { type: 'select-model'; kind: ModelKind }
  | { type: 'train-start'; config: SessionConfig }
  | { type: 'train-pause' }
  | { type: 'train-resume' }
  | { type: 'train-step'; steps: number; config: SessionConfig }
  | { type: 'train-reset' }
  | { type: 'load-data' };

/** What each request is answered with. */
export interface ReplyValue {
  init: InitResult;
  predict: Prediction;
  'select-model': TrainingState;
  'train-start': TrainingState;
  'train-pause': TrainingState;
  'train-resume': TrainingState;
  'train-step': TrainingState;
  'train-reset': TrainingState;
  'load-data': null;
}

/** Where an error came from, so the page can say what to do about it. */
export type ErrorContext = 'init' | 'models' | 'data' | 'predict' | 'training' | 'worker' | 'page';

export type WorkerEvent =
  | { type: 'data-progress'; loadedBytes: number; totalBytes: number | null }
  | { type: 'data-ready'; data: DataReady }
  | { type: 'training'; state: TrainingState }
  | { type: 'curve-reset' }
  | { type: 'curve-point'; point: CurvePoint }
  | { type: 'weights'; images: WeightImages }
  | {
      type: 'error';
      message: string;
      context: ErrorContext;
      /** The wasm module trapped (a panic): the worker must be restarted. */
      fatal: boolean;
    };

export type FromWorker =
  | WorkerEvent
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string; fatal: boolean };

export interface ToWorker {
  id: number;
  request: Request;
}
