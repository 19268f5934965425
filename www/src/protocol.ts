// The messages between the page and its worker (src/worker/).
//
// The page sends requests `{ id, request }`; the worker answers each with one
// reply carrying the same id. Besides replies, the worker posts events of its
// own: data-loading progress, training progress, curve points, weight images
// and errors that no request is waiting for (a run that diverged, MNIST that
// failed to load).
//
// Every value computed by the Rust library has its type declared by the
// library itself: src/web.rs's types derive `Tsify`, wasm-bindgen writes the
// declarations into pkg/gradlab.d.ts, and this file imports them (keeping
// their snake_case field names), so the two sides cannot drift. What is
// declared here is the page's own: the messages, and the shapes the worker
// assembles from library values.

import type {
  ClassCounts,
  CurvePoint,
  DigitsRunInfo,
  ModelKind,
  DigitsCheck,
  FacesCurvePoint,
  FacesSettings,
  Figure5Row,
  PixelWeight,
  SessionConfig,
  SurfaceGrid,
  SurfacePaths,
  SweepSlopes,
  TimingRow,
  TrainingSummary,
  TransferSettings,
  TransferSummary,
  UnitScore,
  ClassifierResult,
} from '../pkg/gradlab.js';
import type { WasmBuild, WasmPreference } from './wasm-build';

export type {
  Activation,
  DigitsRunInfo,
  TrainingReport,
  ClassCounts,
  ClassifierResult,
  CurvePoint,
  DigitsCheck,
  FacesCurvePoint,
  FacesSettings,
  FacesTrainConfig,
  Figure5Row,
  ModelKind,
  PixelWeight,
  Prediction as FacePrediction,
  SessionConfig,
  SurfaceGrid,
  SurfacePaths,
  SweepSlopes,
  TimingRow,
  TrainingSummary,
  TransferSettings,
  TransferSummary,
  UnitScore,
  WeightComparison,
} from '../pkg/gradlab.js';

export const MODEL_KINDS: readonly ModelKind[] = ['softmax', 'mlp'];

/** Where the worker fetches what it needs; absolute URLs made by the page. */
export interface Urls {
  models: Record<ModelKind, string>;
  data: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
  /** Parts 8 and 9: the exported faces, the shipped network and its training.json. */
  faces: { data: string; model: string; training: string };
  /** Part 10: the exported features, the shipped classifier on them and features.json. */
  features: { data: string; classifier: string; results: string };
  /** Chapter 4's recorded run: the softmax network the binary trained with gradient descent. */
  recorded: { descent: string };
}

/** The names the learner's own faces, and part 10's features of them, go by
 * as runs (`OpenedRun.name`): the worker names them, chapter 10 asks for them. */
export const OWN_FACES_RUN = 'your faces';
export const OWN_FEATURES_RUN = 'features of your faces';

/** What part 10 on the learner's faces is doing: fetching the network's weights (bytes), or computing features (faces). */
export type OwnFeaturesStage = 'weights' | 'faces';

/** To part 10's worker (cnn-worker.ts): the learner's faces as `faces.safetensors`, the classifier's settings, and where the weights are. */
export interface CnnRequest {
  faces: Uint8Array;
  settings: TransferSettings;
  weightsUrl: string;
  /** Which build of the module, as for the main worker (`?wasm=simd128` asks for the plain one). */
  wasm: WasmPreference;
}

/** From part 10's worker: progress (`done` of `total` bytes or faces), then the three files of `gradlab features --out`, or why not. */
export type CnnReply =
  | { type: 'progress'; stage: OwnFeaturesStage; done: number; total: number | null }
  | { type: 'done'; files: SavedFiles; milliseconds: number }
  | { type: 'failed'; message: string; fatal: boolean };

export type Phase = 'idle' | 'running' | 'paused' | 'finished';

/** Which network reads drawings. */
export type Reader = 'shipped' | 'opened' | 'session';

/** The training session as the controls need to know it. */
export interface TrainingState {
  phase: Phase;
  /** The network that reads drawings and would be trained. */
  kind: ModelKind;
  /** Who reads drawings: the shipped model, a run the learner opened, or
   * the session being trained. */
  reader: Reader;
  /** The opened run's name, when it reads. */
  openedName: string | null;
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
  reader: Reader;
  kind: ModelKind;
}

export interface WeightImages {
  kind: ModelKind;
  reader: Reader;
  /** `count` RGBA images of 28x28, one after another. */
  rgba: Uint8Array;
  count: number;
}

export interface InitResult {
  simd: boolean;
  /** The module running (www/src/wasm-build.ts). */
  wasmBuild: WasmBuild;
  /** Why it is not the module the page asked for, if it is not. */
  moduleNote: string | null;
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

// ------------------------------------------------------------- lessons ----
// What the chapters of parts 1-7 ask the worker for (src/worker/lessons.ts).

export type Split = 'train' | 'test';
/** Which network a lesson reads with: the shipped softmax one, the one
 * trained with gradient descent in chapter 4, or the learner's own run. */
/** shipped: the network the page reads drawings with; trained: chapter 4's
 * run; opened: the learner's own; recorded: the run the binary recorded with
 * chapter 4's settings (scripts/train-default-models.sh). */
export type LessonModel = 'shipped' | 'trained' | 'opened' | 'recorded';
/** The lesson training runs: chapter 4's, and chapter 5's pair. */
export type LessonRunId = 'gd' | 'compare-gd' | 'compare-momentum';

export interface Gallery {
  /** Training-set indices, ten lists (digit 0 first). */
  indices: number[][];
  /** The images in that order, 28x28 RGBA each. */
  rgba: Uint8Array;
}

export interface Digit {
  split: Split;
  index: number;
  label: number;
  rgba: Uint8Array;
}

export interface ForwardResult extends Digit {
  model: LessonModel;
  logits: number[];
  probabilities: number[];
  predicted: number;
  biases: number[];
  /** W[1 + p, predicted] x_p as a 28x28 RGBA image (diverging colours). */
  contributions: Uint8Array;
}

export interface SurfaceResult {
  trained: [number, number];
  grid: SurfaceGrid;
  minimum: number;
}

export interface LessonRunState {
  id: LessonRunId;
  phase: Phase;
  iteration: number;
  totalIterations: number;
  epoch: number;
  finalTestAccuracy: number | null;
}

/** What part 8 loads: every face (grey RGBA, one after another) and the shipped network's training. */
/** Which run a part of the page shows: the one shipped with the page, or
 * one the learner opened (its folder's name). */
export type RunSource = { kind: 'shipped' } | { kind: 'opened'; name: string };

export interface FacesInfo {
  source: RunSource;
  size: number;
  people: string[];
  labels: number[];
  /** 0 training, 1 validation, 2 test. */
  splits: number[];
  rgba: Uint8Array;
  /** The network that came with the faces (shipped, or the run's
   * `gradlab faces train`), or null for faces not trained on yet. */
  trained: TrainingSummary | null;
}

export type FacesModel = 'shipped' | 'trained';

/** Part 9: for each chosen person, the units that favour them and their input weights as images. */
export interface FacesUnits {
  size: number;
  people: { person: number; units: UnitScore[] }[];
  /** `size x size` RGBA images, person by person, unit by unit, on one shared scale. */
  rgba: Uint8Array;
}

/** What part 10 loads: the features as the module read them, and features.json. */
export interface FeaturesInfo {
  source: RunSource;
  backbone: string;
  layer: string;
  /** Features per face. */
  dim: number;
  /** Faces. */
  length: number;
  people: string[];
  /** Hidden units of the shipped classifier (classifier.safetensors). */
  classifierHiddenUnits: number;
  results: TransferSummary;
}

/** The parts of the page a learner's run can take the place of the shipped one in. */
export type RunArea = 'digits' | 'faces' | 'features';

/** A learner's run the worker has opened: which part it is for, the folder
 * it came from and a line saying what it is. */
export interface OpenedRun {
  area: RunArea;
  name: string;
  description: string;
  /** For digits runs: the network, its report (curves, settings) if any. */
  digits?: DigitsRunInfo;
}

/** Files for the learner to save, by name (`model.safetensors`, ...). */
export type SavedFiles = Record<string, Uint8Array>;

/** What `open-run` found. */
export interface OpenResult {
  runs: OpenedRun[];
  /** Files passed over: pictures, notes, anything not of a run. */
  ignored: string[];
}

/** One file of a run: its path in the opened folder (`/` between folders)
 * and its contents, read by the worker once their size is checked. */
export interface RunFile {
  path: string;
  blob: Blob;
}

/** A photograph or webcam shot for "Use your own faces": a file the worker
 * decodes, or the RGBA pixels of the square under the webcam's guide box. */
export type OwnPhoto =
  | { kind: 'file'; name: string; blob: Blob }
  | { kind: 'pixels'; name: string; width: number; height: number; rgba: ArrayBuffer };

/** One of the learner's faces: whose, its path in their set (`person/name.png`)
 * and its 64x64 grey pixels (32x32 for faces kept before part 10 ran in the
 * page; see faceSide). The page keeps these. */
export interface OwnFace {
  person: string;
  path: string;
  pixels: Uint8Array;
}

/** The side of a face's square of pixels. */
export function faceSide(face: OwnFace): number {
  return Math.round(Math.sqrt(face.pixels.length));
}

/** What `own-faces-add` made of the photographs: the faces, and each file
 * refused with the reason. */
export interface OwnFacesAdded {
  added: OwnFace[];
  refused: { name: string; message: string }[];
}

export type Request =
  | { type: 'init'; urls: Urls; wasm: WasmPreference }
  | { type: 'predict'; rgba: ArrayBuffer; width: number; height: number }
  | { type: 'select-model'; kind: ModelKind }
  | { type: 'train-start'; config: SessionConfig }
  | { type: 'train-pause' }
  | { type: 'train-resume' }
  | { type: 'train-step'; steps: number; config: SessionConfig }
  | { type: 'train-reset' }
  | { type: 'load-data' }
  | { type: 'class-counts' }
  | { type: 'gallery'; perClass: number; offset: number }
  | { type: 'digit'; split: Split; index: number }
  | { type: 'forward'; split: Split; index: number; model: LessonModel }
  | { type: 'figure5' }
  | { type: 'gradient-check'; images: number; weights: number; hiddenUnits: number; seed: number }
  | { type: 'lesson-train'; runs: { id: LessonRunId; config: SessionConfig }[] }
  | { type: 'lesson-pause'; ids: LessonRunId[] }
  | { type: 'lesson-resume'; ids: LessonRunId[] }
  | { type: 'lesson-reset'; ids: LessonRunId[] }
  | { type: 'lesson-weights'; model: LessonModel }
  | { type: 'surface'; model: LessonModel; w1: PixelWeight; w2: PixelWeight; images: number; span: number; resolution: number }
  | { type: 'surface-paths'; start: [number, number]; learningRate: number; beta: number; steps: number }
  | { type: 'backprop-grid' }
  | { type: 'backprop-time'; nLayers: number; nUnits: number; batch: number; seed: number; repeats: number }
  | { type: 'backprop-slopes'; rows: TimingRow[] }
  | { type: 'faces-load' }
  | { type: 'faces-train'; settings: FacesSettings }
  | { type: 'faces-units'; model: FacesModel; people: number[]; count: number }
  /** A person's photographs or shots, made into faces; `taken`: the paths they already have. */
  | { type: 'own-faces-add'; person: string; photos: OwnPhoto[]; taken: string[] }
  /** The learner's faces, prepared (split with `seed`) and shown in parts 8 and 9. */
  | { type: 'own-faces-use'; faces: OwnFace[]; seed: number }
  | { type: 'features-load' }
  | { type: 'features-train'; settings: FacesSettings }
  | { type: 'features-save' }
  /** The features run shown, as the three files `gradlab features --out` writes. */
  | { type: 'features-files' }
  /** The learner's own faces, if parts 8 and 9 show them, as `faces.safetensors` (for part 10's worker). */
  | { type: 'own-faces-set' }
  /** Part 10's features of the learner's faces, from part 10's worker: shown in chapter 10. */
  | { type: 'own-features-use'; files: SavedFiles }
  | { type: 'open-run'; files: RunFile[] }
  /** The draw section's network being trained, as `gradlab mnist train --out` writes it. */
  | { type: 'digits-save' }
  /** Part 8's retrained network, as `gradlab faces train` writes it. */
  | { type: 'faces-save' }
  | { type: 'close-run'; area: RunArea }
  /** Test only (tests/failures.test.mjs): a Rust panic inside the module, to
   * check that the trap is shown and the worker restarted. The page never sends it. */
  | { type: 'panic-for-test'; message: string }
  /** Test only (tests/page.test.mjs): while `hold` is on, a run stops one step
   * before its end and waits there, still running, so that a test can pause a
   * running run however fast the machine trains. The page never sends it. */
  | { type: 'hold-end-for-test'; hold: boolean }
  /** Benchmark only (bench/page-bench.mjs): the size of the module's memory. */
  | { type: 'memory-for-test' };

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
  'class-counts': ClassCounts;
  gallery: Gallery;
  digit: Digit;
  forward: ForwardResult;
  figure5: Figure5Row[];
  'gradient-check': DigitsCheck[];
  'lesson-train': LessonRunState[];
  'lesson-pause': LessonRunState[];
  'lesson-resume': LessonRunState[];
  'lesson-reset': LessonRunState[];
  'lesson-weights': Uint8Array;
  surface: SurfaceResult;
  'surface-paths': SurfacePaths;
  'backprop-grid': [number, number][];
  'backprop-time': TimingRow;
  'backprop-slopes': SweepSlopes[];
  'faces-load': FacesInfo;
  'faces-train': TrainingSummary;
  'faces-units': FacesUnits;
  'own-faces-add': OwnFacesAdded;
  'own-faces-use': OpenedRun;
  'features-load': FeaturesInfo;
  'features-train': ClassifierResult;
  'features-save': Uint8Array;
  'features-files': SavedFiles;
  'own-faces-set': Uint8Array;
  'own-features-use': OpenedRun;
  'open-run': OpenResult;
  'digits-save': SavedFiles;
  'faces-save': SavedFiles;
  'close-run': null;
  'panic-for-test': null;
  'hold-end-for-test': null;
  'memory-for-test': { wasmBytes: number };
}

/** Where an error came from, so the page can say what to do about it. */
export type ErrorContext = 'init' | 'models' | 'data' | 'predict' | 'training' | 'worker' | 'page' | 'lesson' | 'run';

export type WorkerEvent =
  | { type: 'data-progress'; loadedBytes: number; totalBytes: number | null }
  | { type: 'data-ready'; data: DataReady }
  | { type: 'training'; state: TrainingState }
  | { type: 'curve-reset' }
  | { type: 'curve-point'; point: CurvePoint }
  | { type: 'weights'; images: WeightImages }
  | { type: 'lesson-state'; state: LessonRunState }
  | { type: 'lesson-point'; id: LessonRunId; point: CurvePoint }
  | { type: 'lesson-weights'; id: LessonRunId; rgba: Uint8Array }
  | { type: 'lesson-failed'; id: LessonRunId; message: string }
  | { type: 'faces-point'; point: FacesCurvePoint }
  /** Part 10's own event, so that a part 8 run queued behind it never takes its points. */
  | { type: 'features-point'; point: FacesCurvePoint }
  /** The runs now shown in place of the shipped ones, per part (null: the shipped one). */
  | { type: 'own-runs'; runs: Record<RunArea, OpenedRun | null>; changed: RunArea[] }
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
