// The worker's one run loop: every training run the page shows (the draw
// section's, chapter 4's, chapter 5's pair) is a `Session` (a library `Run`,
// src/train.rs) advanced here in chunks of about CHUNK_MS, so that the worker
// answers other requests (a drawing to read) between chunks. The schedule
// (steps, epochs, when a curve point is measured) is the library's; this
// file only decides when to call it.
//
// Between chunks the loop yields to the worker's event loop through a
// MessageChannel, which unlike setTimeout is not clamped to 4 ms.

import type { Session, TrainingAdvance } from '../../pkg/gradlab.js';
import type { Phase } from '../protocol';

/** How long one chunk of training may hold the worker. */
const CHUNK_MS = 30;
/** The most steps one call may take (the deadline stops it long before). */
const ALL_STEPS = 2 ** 31;

/** What a run's owner hears. */
export interface RunHandlers {
  /** After every call into the module for the run: its new points, if any,
   * and whether it ended. */
  advanced(run: LiveRun, report: TrainingAdvance): void;
  /** Once after its start, a Step or a chunk: the run as it now is. */
  settled(run: LiveRun): void;
  /** The run threw (it diverged, or the module trapped); it is already discarded. */
  failed(run: LiveRun, error: unknown): void;
}

/** A run and what the page shows of it. */
export class LiveRun {
  phase: Phase;
  iteration = 0;
  epoch = 0;
  /** The last batch's mean cost before its step. */
  batchCost: number | null = null;
  /** The whole test set's accuracy, measured when the run ends. */
  finalTestAccuracy: number | null = null;
  /** Time spent training, in milliseconds (pauses left out). */
  activeMs = 0;
  readonly total: number;

  constructor(
    readonly id: string,
    readonly session: Session,
    readonly handlers: RunHandlers,
    phase: Phase,
  ) {
    this.phase = phase;
    this.total = session.totalIterations;
  }

  /** Takes in what one call into the module did. */
  apply(report: TrainingAdvance): void {
    this.iteration = report.iteration;
    this.epoch = report.epoch;
    if (report.batch_cost !== null && Number.isFinite(report.batch_cost)) this.batchCost = report.batch_cost;
    if (report.finished) {
      this.phase = 'finished';
      if (report.final_test) this.finalTestAccuracy = report.final_test.accuracy;
    }
  }
}

export class RunLoop {
  private readonly runs = new Map<string, LiveRun>();
  private readonly tick = new MessageChannel();
  private tickPending = false;
  /** Test hook (`hold-end-for-test`): runs wait one step before their end. */
  private holdEnd = false;

  constructor() {
    this.tick.port1.onmessage = () => {
      this.tickPending = false;
      this.runChunk();
    };
  }

  /** Starts `session` as run `id`, replacing any run of that id; reports its
   * starting point at once. A paused run waits for `resume` or `step`. */
  start(id: string, session: Session, handlers: RunHandlers, phase: 'running' | 'paused'): LiveRun {
    this.discard(id);
    const run = new LiveRun(id, session, handlers, phase);
    this.runs.set(id, run);
    if (this.call(run, () => session.advance(0, 0, performance.now.bind(performance)))) run.handlers.settled(run);
    this.schedule();
    return run;
  }

  get(id: string): LiveRun | undefined {
    return this.runs.get(id);
  }

  pause(id: string): void {
    const run = this.runs.get(id);
    if (run?.phase === 'running') run.phase = 'paused';
  }

  resume(id: string): void {
    const run = this.runs.get(id);
    if (run?.phase === 'paused') run.phase = 'running';
    this.schedule();
  }

  /** `steps` steps now, then a point where they left the network; the run
   * stays paused (the page's Step button). */
  step(id: string, steps: number): void {
    const run = this.runs.get(id);
    if (!run || run.phase === 'finished') return;
    run.phase = 'paused';
    if (this.call(run, () => run.session.step(Math.max(1, Math.floor(steps))))) run.handlers.settled(run);
  }

  /** Forgets run `id` and frees its network. */
  discard(id: string): void {
    const run = this.runs.get(id);
    if (!run) return;
    this.runs.delete(id);
    try {
      run.session.free();
    } catch {
      // A trapped module cannot free; the worker is replaced anyway.
    }
  }

  setHoldEnd(hold: boolean): void {
    this.holdEnd = hold;
    this.schedule();
  }

  /** Calls into the module for `run`; a throw discards the run and tells
   * its owner. Returns whether the run is still there. */
  private call(run: LiveRun, advance: () => TrainingAdvance): boolean {
    let report: TrainingAdvance;
    const started = performance.now();
    try {
      report = advance();
      run.activeMs += performance.now() - started;
    } catch (error) {
      this.discard(run.id);
      run.handlers.failed(run, error);
      return false;
    }
    run.apply(report);
    run.handlers.advanced(run, report);
    return true;
  }

  /** Steps `run` may take now: all of them, or while held, all but the last. */
  private allowed(run: LiveRun): number {
    return this.holdEnd ? Math.max(0, run.total - 1 - run.iteration) : ALL_STEPS;
  }

  private active(): LiveRun[] {
    return [...this.runs.values()].filter((run) => run.phase === 'running' && this.allowed(run) > 0);
  }

  private schedule(): void {
    if (!this.tickPending && this.active().length > 0) {
      this.tickPending = true;
      this.tick.port2.postMessage(null);
    }
  }

  /** One chunk: the running runs in turn until the deadline. Runs trained
   * together (chapter 5's pair) take one step each per turn, so that they
   * advance together; a run on its own takes as many as the chunk allows. */
  private runChunk(): void {
    const deadline = performance.now() + CHUNK_MS;
    const now = performance.now.bind(performance);
    const touched = new Set<LiveRun>();
    for (;;) {
      const active = this.active();
      if (active.length === 0) break;
      const each = active.length > 1 ? 1 : ALL_STEPS;
      for (const run of active) {
        if (this.runs.get(run.id) !== run || run.phase !== 'running') continue;
        if (this.call(run, () => run.session.advance(Math.min(each, this.allowed(run)), deadline, now))) touched.add(run);
      }
      if (performance.now() >= deadline) break;
    }
    for (const run of touched) if (this.runs.get(run.id) === run) run.handlers.settled(run);
    this.schedule();
  }
}
