// The worker's side of part 10: the three files of one `gradlab features`
// run (the faces' features, the classifier trained on them, features.json),
// read and checked against each other by the library, and the classifier
// retrained in the page on those features. As in part 8, a run is one call
// into the module (the default run takes well under a second) whose curve
// points are posted as they are measured.
//
// Everything numeric is a library function behind src/web.rs.

import { FacesNetwork, Features, type FacesCurvePoint } from '../../pkg/gradlab.js';
import type { FeaturesInfo, ReplyValue, Request, RunSource } from '../protocol';
import { fetchOk } from './errors';
import type { FacesHost } from './faces';

type FeaturesRequest = Extract<Request, { type: 'features-load' | 'features-train' | 'features-save' | 'features-files' }>;

export function isFeaturesRequest(request: Request): request is FeaturesRequest {
  return request.type === 'features-load' || request.type === 'features-train' || request.type === 'features-save' || request.type === 'features-files';
}

const NAMES = { data: 'features/features.safetensors', classifier: 'features/classifier.safetensors', results: 'features/features.json' };

export function createFeatures(host: FacesHost) {
  let features: Features | null = null;
  let current: Promise<FeaturesInfo> | null = null;
  /** The classifier last retrained here on `features`, kept to be saved. */
  let retrained: FacesNetwork | null = null;
  const forgetRetrained = () => {
    retrained?.free();
    retrained = null;
  };

  /** Shows `parsed` from now on. */
  const show = (parsed: Features, source: RunSource): FeaturesInfo => {
    features?.free();
    forgetRetrained();
    features = parsed;
    const value: FeaturesInfo = {
      source,
      backbone: parsed.backbone,
      layer: parsed.layer,
      dim: parsed.dim,
      length: parsed.length,
      people: parsed.people().names,
      classifierHiddenUnits: parsed.classifierHiddenUnits,
      results: parsed.summary(),
    };
    current = Promise.resolve(value);
    return value;
  };

  async function loadShipped(): Promise<FeaturesInfo> {
    const urls = host.urls();
    if (!urls) throw new Error('the worker has not started yet');
    const [data, classifier, results] = await Promise.all(
      [urls.features.data, urls.features.classifier, urls.features.results].map(async (url) => new Uint8Array(await (await fetchOk(url)).arrayBuffer())),
    );
    return show(Features.fromRun(NAMES.data, data, NAMES.classifier, classifier, NAMES.results, results), { kind: 'shipped' });
  }

  return {
    /** A learner's features run in place of the shipped one. */
    useRun(parsed: Features, name: string) {
      show(parsed, { kind: 'opened', name });
    },
    /** Back to the shipped features (loaded again when next asked for). */
    closeRun() {
      forgetRetrained();
      features?.free();
      features = null;
      current = null;
    },

    async handle(request: FeaturesRequest): Promise<{ value: ReplyValue[FeaturesRequest['type']]; transfer?: Transferable[] }> {
      switch (request.type) {
        case 'features-load': {
          // Loaded once per worker; a failed load may be tried again.
          current ??= loadShipped().catch((error: unknown) => {
            current = null;
            throw error;
          });
          return { value: await current };
        }
        case 'features-train': {
          if (!features) throw new Error('the features are not loaded yet');
          const run = FacesNetwork.trainOnFeatures(features, request.settings, (point: FacesCurvePoint) => host.post({ type: 'features-point', point }));
          try {
            const summary = run.classifierSummary();
            forgetRetrained();
            retrained = run.takeNetwork();
            return { value: summary };
          } finally {
            run.free();
          }
        }
        case 'features-files': {
          // The run shown, as the three files `gradlab features --out` writes.
          if (!features) throw new Error('the features are not loaded yet');
          const value = {
            [NAMES.data.split('/')[1]]: features.featuresSafetensors(),
            [NAMES.classifier.split('/')[1]]: features.classifierSafetensors(),
            [NAMES.results.split('/')[1]]: features.resultsJson(),
          };
          return { value, transfer: Object.values(value).map((bytes) => bytes.buffer) };
        }
        case 'features-save': {
          // The same file `gradlab features --out` writes as classifier.safetensors.
          if (!features || !retrained) throw new Error('retrain the classifier first: the shipped one is already a file of the run');
          return { value: retrained.toClassifierSafetensors(features.dim) };
        }
      }
    },
  };
}
