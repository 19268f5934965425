// The worker's side of part 10: the three files of one `gradlab features`
// run (the faces' features, the classifier trained on them, features.json),
// read and checked against each other by the library, and the classifier
// retrained in the page on those features. As in part 8, a run is one call
// into the module (the default run takes well under a second) whose curve
// points are posted as they are measured.
//
// Everything numeric is a library function behind src/web.rs.

import { FacesNetwork, Features, type FacesCurvePoint } from '../../pkg/gradlab.js';
import type { FeaturesInfo, ReplyValue, Request } from '../protocol';
import { fetchOk } from './errors';
import type { FacesHost } from './faces';

type FeaturesRequest = Extract<Request, { type: 'features-load' | 'features-train' }>;

export function isFeaturesRequest(request: Request): request is FeaturesRequest {
  return request.type === 'features-load' || request.type === 'features-train';
}

const NAMES = { data: 'features/features.safetensors', classifier: 'features/classifier.safetensors', results: 'features/features.json' };

export function createFeatures(host: FacesHost) {
  let features: Features | null = null;
  let loading: Promise<FeaturesInfo> | null = null;

  async function load(): Promise<FeaturesInfo> {
    const urls = host.urls();
    if (!urls) throw new Error('the worker has not started yet');
    const [data, classifier, results] = await Promise.all(
      [urls.features.data, urls.features.classifier, urls.features.results].map(async (url) => new Uint8Array(await (await fetchOk(url)).arrayBuffer())),
    );
    const parsed = Features.fromRun(NAMES.data, data, NAMES.classifier, classifier, NAMES.results, results);
    features?.free();
    features = parsed;
    return {
      backbone: parsed.backbone,
      layer: parsed.layer,
      dim: parsed.dim,
      length: parsed.length,
      people: parsed.people().names,
      classifierHiddenUnits: parsed.classifierHiddenUnits,
      results: parsed.summary(),
    };
  }

  return {
    async handle(request: FeaturesRequest): Promise<{ value: ReplyValue[FeaturesRequest['type']] }> {
      switch (request.type) {
        case 'features-load': {
          // Loaded once per worker; a failed load may be tried again.
          loading ??= load().catch((error: unknown) => {
            loading = null;
            throw error;
          });
          return { value: await loading };
        }
        case 'features-train': {
          if (!features) throw new Error('the features are not loaded yet');
          const run = FacesNetwork.trainOnFeatures(features, request.settings, (point: FacesCurvePoint) => host.post({ type: 'features-point', point }));
          // Only the summary is shown; the network is freed with the run.
          const summary = run.classifierSummary();
          run.free();
          return { value: summary };
        }
      }
    },
  };
}
