// What chapters 4 and 5 share: the settings of a lesson run (the softmax
// network trained on MNIST), a run's status line, and the buttons' states.

import type { Lab, LabEvent } from '../../lab';
import type { CurvePoint, LessonRunId, LessonRunState, SessionConfig } from '../../protocol';
import { grouped, percent, reportError } from './lesson';

/** Curve points are measured on this many training and test images. */
export const EVALUATION_SIZE = 2000;

/**
 * How every run in the page measures its learning curve (src/train.rs
 * `Schedule`): 12 points an epoch, which on MNIST's 60,000 images is a point
 * every 5,000 images whatever the batch size (a point evaluates 4,000
 * images, about the work of a third as many training steps, so the curve
 * costs under a quarter of the time), and at most 150 points in a run.
 */
export const LIVE_CURVE = {
  evaluations_per_epoch: 12,
  max_curve_points: 150,
  train_evaluation_size: EVALUATION_SIZE,
  test_evaluation_size: EVALUATION_SIZE,
} as const;

export function softmaxConfig(learningRate: number, beta: number | null, batchSize: number, epochs: number, seed: number): SessionConfig {
  return {
    model: { kind: 'softmax', hidden_units: 0, activation: 'tanh' },
    train: {
      optimizer: beta === null ? { kind: 'gd' } : { kind: 'momentum', beta },
      learning_rate: learningRate,
      batch_size: batchSize,
      epochs,
      seed,
      ...LIVE_CURVE,
      // Points close together at first, where the curves fall fastest.
      cadence: 'dense_start',
    },
  };
}

export interface RunCallbacks {
  point(id: LessonRunId, point: CurvePoint): void;
  state(states: Map<LessonRunId, LessonRunState>): void;
  weights?(rgba: Uint8Array): void;
  /** A run was started afresh: its curve starts empty. */
  cleared(ids: LessonRunId[]): void;
}

/** One or more lesson runs driven together by one set of buttons. */
export class LessonRuns {
  readonly states = new Map<LessonRunId, LessonRunState>();
  busy = false;

  constructor(
    private readonly lab: Lab,
    readonly ids: LessonRunId[],
    private readonly callbacks: RunCallbacks,
  ) {
    for (const id of ids) this.states.set(id, idle(id));
    lab.on((event) => this.onEvent(event));
  }

  /** The phase of the group: running if any runs, finished when all are. */
  get phase(): LessonRunState['phase'] {
    const phases = [...this.states.values()].map((s) => s.phase);
    if (phases.includes('running')) return 'running';
    if (phases.includes('paused')) return 'paused';
    if (phases.every((p) => p === 'finished')) return 'finished';
    return 'idle';
  }

  private onEvent(event: LabEvent): void {
    if (event.type === 'lesson-point' && this.ids.includes(event.id)) {
      this.callbacks.point(event.id, event.point);
    } else if (event.type === 'lesson-weights' && this.ids.includes(event.id)) {
      this.callbacks.weights?.(event.rgba);
    } else if (event.type === 'lesson-state' && this.ids.includes(event.state.id)) {
      this.states.set(event.state.id, event.state);
      this.callbacks.state(this.states);
    } else if (event.type === 'lesson-failed' && this.ids.includes(event.id)) {
      this.lab.errors.show({ context: 'lesson', message: event.message });
    } else if (event.type === 'restarted') {
      for (const id of this.ids) this.states.set(id, idle(id));
      this.callbacks.cleared(this.ids);
      this.callbacks.state(this.states);
    }
  }

  start(runs: { id: LessonRunId; config: SessionConfig }[]): void {
    this.callbacks.cleared(runs.map((r) => r.id));
    this.send({ type: 'lesson-train', runs });
  }

  pause(): void {
    this.send({ type: 'lesson-pause', ids: this.ids });
  }

  resume(): void {
    this.send({ type: 'lesson-resume', ids: this.ids });
  }

  reset(): void {
    this.callbacks.cleared(this.ids);
    this.send({ type: 'lesson-reset', ids: this.ids });
  }

  private send(request: Parameters<Lab['request']>[0]): void {
    this.busy = true;
    this.callbacks.state(this.states);
    (this.lab.request(request) as Promise<LessonRunState[]>)
      .then((states) => {
        for (const s of states) this.states.set(s.id, s);
      })
      .catch((error) => reportError(this.lab, error))
      .finally(() => {
        this.busy = false;
        this.callbacks.state(this.states);
      });
  }
}

function idle(id: LessonRunId): LessonRunState {
  return { id, phase: 'idle', iteration: 0, totalIterations: 0, epoch: 0, finalTestAccuracy: null };
}

/** A run's one-line status. */
export function statusText(state: LessonRunState, name: string): string {
  if (state.phase === 'idle') return `${name}: not started`;
  const where = `iteration ${grouped(state.iteration)} of ${grouped(state.totalIterations)} (epoch ${state.epoch.toFixed(2)})`;
  if (state.phase === 'finished') {
    return `${name}: finished, ${state.finalTestAccuracy === null ? '' : `${percent(state.finalTestAccuracy)} of all 10,000 test images right`}`;
  }
  return `${name}: ${where}${state.phase === 'paused' ? ', paused' : '…'}`;
}

/** Sets the Train / Pause / Reset buttons for the group's phase. */
export function setButtons(runs: LessonRuns, dataReady: boolean, start: HTMLButtonElement, pause: HTMLButtonElement, reset: HTMLButtonElement): void {
  const phase = runs.phase;
  start.textContent = phase === 'paused' ? 'Resume' : phase === 'finished' ? 'Train again' : 'Train';
  start.disabled = !dataReady || runs.busy || phase === 'running';
  pause.disabled = runs.busy || phase !== 'running';
  reset.disabled = runs.busy || phase === 'idle';
}
