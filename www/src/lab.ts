// The page's side of the worker: requests as promises, the worker's events to
// whoever listens, and recovery when the worker dies (a Rust panic traps the
// module, after which its state cannot be trusted): the worker is replaced
// by a fresh one, and the chapters hear `restarted`.

import { ErrorPanel } from './errors';
import { wasmPreference } from './wasm-build';
import type { DataReady, FromWorker, InitResult, ModelKind, OpenedRun, ReplyValue, Request, RunArea, ToWorker, Urls, WorkerEvent } from './protocol';

export type LabEvent = WorkerEvent | { type: 'ready'; init: InitResult } | { type: 'restarted' };
type Listener = (event: LabEvent) => void;

/** A request whose worker died before answering. */
export class WorkerLost extends Error {}

/** Restarts allowed before the page gives up and asks for a reload. */
const MAX_RESTARTS = 3;

export function assetUrl(path: string): string {
  return new URL(path, document.baseURI).href;
}

export class Lab {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<Listener>();
  private restarts = 0;
  private readonly urls: Urls = {
    models: { softmax: assetUrl('models/softmax.safetensors'), mlp: assetUrl('models/mlp.safetensors') },
    data: {
      trainImages: assetUrl('data/train-images-idx3-ubyte.gz'),
      trainLabels: assetUrl('data/train-labels-idx1-ubyte.gz'),
      testImages: assetUrl('data/t10k-images-idx3-ubyte.gz'),
      testLabels: assetUrl('data/t10k-labels-idx1-ubyte.gz'),
    },
    faces: { data: assetUrl('faces/faces.safetensors'), model: assetUrl('faces/model.safetensors'), training: assetUrl('faces/training.json') },
    features: {
      data: assetUrl('features/features.safetensors'),
      classifier: assetUrl('features/classifier.safetensors'),
      results: assetUrl('features/features.json'),
    },
    recorded: { descent: assetUrl('models/softmax-gd.safetensors') },
  };

  /** True once a shipped network can read drawings. */
  ready = false;
  init: InitResult | null = null;
  data: DataReady | null = null;
  /** Shipped networks that loaded. */
  readonly available = new Set<ModelKind>();
  /** The learner's runs now shown in place of the shipped ones, per part. */
  ownRuns: Record<RunArea, OpenedRun | null> = { digits: null, faces: null, features: null };

  constructor(readonly errors: ErrorPanel) {
    this.spawn();
  }

  on(listener: Listener): void {
    this.listeners.add(listener);
  }

  private emit(event: LabEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private spawn(): void {
    const worker = new Worker(new URL('./worker/index.ts', import.meta.url), { type: 'module', name: 'gradlab' });
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const what = event.message || 'its script or the WebAssembly module did not load';
      this.crash(`the worker stopped: ${what}`);
    };
    worker.onmessageerror = () => this.crash('a message from the worker could not be read');
    this.worker = worker;
  }

  private receive(message: FromWorker): void {
    if (message.type === 'reply') {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) {
        waiting?.resolve(message.value);
      } else {
        // After a trap the crash report says it all; the caller stays quiet.
        waiting?.reject(message.fatal ? new WorkerLost(message.message) : new Error(message.message));
        if (message.fatal) this.crash(message.message);
      }
      return;
    }
    if (message.type === 'error') {
      this.errors.show({ context: message.context, message: message.message });
      if (message.fatal) this.crash(message.message, false);
    } else if (message.type === 'data-ready') {
      this.data = message.data;
    } else if (message.type === 'own-runs') {
      this.ownRuns = message.runs;
    }
    this.emit(message);
  }

  /** Sends a request; the promise rejects with the worker's message. */
  request<T extends Request['type']>(request: Extract<Request, { type: T }>, transfer: Transferable[] = []): Promise<ReplyValue[T]> {
    const id = this.nextId++;
    return new Promise<ReplyValue[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message: ToWorker = { id, request };
      this.worker.postMessage(message, transfer);
    });
  }

  /** Starts the module and loads the shipped networks; MNIST follows. */
  async start(): Promise<void> {
    let init: InitResult;
    try {
      init = await this.request({ type: 'init', urls: this.urls, wasm: wasmPreference(location.search) });
    } catch (error) {
      if (!(error instanceof WorkerLost)) this.errors.show({ context: 'init', message: (error as Error).message });
      return;
    }
    this.init = init;
    this.available.clear();
    for (const [kind, problem] of Object.entries(init.models) as [ModelKind, string | null][]) {
      if (problem === null) this.available.add(kind);
      else this.errors.show({ context: 'models', message: `the ${kind} network: ${problem}` });
    }
    this.ready = this.available.size > 0;
    this.emit({ type: 'ready', init });
  }

  retryData(): void {
    this.request({ type: 'load-data' }).catch(() => {});
  }

  private crash(message: string, show = true): void {
    if (show) this.errors.show({ context: 'worker', message });
    this.worker.terminate();
    for (const waiting of this.pending.values()) waiting.reject(new WorkerLost(message));
    this.pending.clear();
    this.ready = false;
    this.data = null;
    this.ownRuns = { digits: null, faces: null, features: null };
    if (this.restarts >= MAX_RESTARTS) {
      this.errors.show({ context: 'worker', message: `the worker failed ${this.restarts + 1} times; reload the page` });
      return;
    }
    this.restarts += 1;
    this.spawn();
    this.emit({ type: 'restarted' });
    void this.start();
  }
}
