// The runs the native binary recorded with the settings chapters 4 and 5
// open with (scripts/train-default-models.sh): the softmax network trained
// with plain gradient descent, and the same run with momentum. The chapters
// open with their curves (and chapter 4 with the weights), so that a learner
// scrolling through, and the report, see real figures before pressing Train;
// pressing Train with the same settings draws nearly the same curves, live.

import { assetUrl } from '../../lab';
import type { TrainingReport } from '../../protocol';
import { grouped } from './lesson';

/** softmax-gd: gradient descent (chapter 4, and chapter 5's first run);
 * softmax-momentum: the same with momentum (chapter 5's second). */
export type RecordedRun = 'softmax-gd' | 'softmax-momentum';

const loaded = new Map<RecordedRun, Promise<TrainingReport>>();

/** The recorded run's report.json, fetched once. */
export function recordedRun(name: RecordedRun): Promise<TrainingReport> {
  let report = loaded.get(name);
  if (!report) {
    const file = `models/${name}.report.json`;
    report = fetch(assetUrl(file))
      .then(async (response) => {
        if (!response.ok) throw new Error(`${file}: the server answered ${response.status} ${response.statusText}`);
        const json = (await response.json()) as Partial<TrainingReport>;
        if (json.format !== 'gradlab-mnist-report' || json.version !== 1 || !Array.isArray(json.curve) || json.curve.length === 0) {
          throw new Error(`${file} is not a gradlab-mnist-report of version 1 with a learning curve`);
        }
        return json as TrainingReport;
      })
      .catch((error: unknown) => {
        loaded.delete(name); // Tried again when a chapter next asks.
        throw error;
      });
    loaded.set(name, report);
  }
  return report;
}

/** "momentum β = 0.9, learning rate 0.05, batch 100, 2 epochs, seed 0". */
export function recordedSettings(report: TrainingReport): string {
  const c = report.config;
  const rule = c.optimizer.kind === 'momentum' ? `momentum β = ${c.optimizer.beta}` : 'gradient descent';
  const batch = c.batch_size === null || c.batch_size === undefined ? 'full batch' : `batch ${c.batch_size}`;
  return `${rule}, learning rate ${c.learning_rate}, ${batch}, ${c.epochs} epochs, seed ${c.seed}`;
}

/** "10,000 training and 10,000 test images": what the curve was measured on. */
export function recordedSample(report: TrainingReport): string {
  const test = report.config.test_evaluation_size ?? report.test_images;
  return `${grouped(report.config.train_evaluation_size)} training and ${grouped(Math.min(test, report.test_images))} test images`;
}
