// The worker's side of part 10: the faces' features from a pretrained
// network (features.safetensors), the classifier shipped with them, the
// results of `gradlab features` (features.json), and the classifier
// retrained in the page on those features. As in part 8, a run is one call
// into the module (the default run takes well under a second) whose curve
// points are posted as they are measured.
//
// Everything numeric is a library function behind src/web.rs.

import { Features, FacesNetwork } from '../pkg/gradlab.js';
import type { ClassifierResult, FacesCurvePoint, FeaturesInfo, FeaturesResults, ReplyValue, Request } from './protocol';
import { checkSettings, type FacesHost } from './faces-worker';

type FeaturesRequest = Extract<Request, { type: 'features-load' | 'features-train' }>;

export function isFeaturesRequest(request: Request): request is FeaturesRequest {
  return request.type === 'features-load' || request.type === 'features-train';
}

const NAMES = { data: 'features/features.safetensors', classifier: 'features/classifier.safetensors', results: 'features/features.json' };

/** Throws when the three files do not come from one `gradlab features` run:
 * the page would otherwise compare one export's numbers with another's. */
function checkConsistent(features: Features, results: FeaturesResults, classifier: FacesNetwork): void {
  const people = features.people() as string[];
  const mismatch = (what: string, a: unknown, b: unknown) =>
    new Error(`${NAMES.data} and ${NAMES.results} disagree on ${what} (${String(a)} against ${String(b)}); export them again with gradlab features`);
  if (features.dim !== results.features) throw mismatch('the number of features', features.dim, results.features);
  if (features.backbone !== results.backbone || features.layer !== results.layer)
    throw mismatch('the network', `${features.backbone} ${features.layer}`, `${results.backbone} ${results.layer}`);
  if (people.join(',') !== results.people.join(',')) throw mismatch('the people', people.length, results.people.length);
  const faces = results.train_images + results.validation_images + results.test_images;
  if (features.length !== faces) throw mismatch('the number of faces', features.length, faces);
  if (classifier.hiddenUnits !== results.on_features.config.hidden_units) {
    throw new Error(
      `${NAMES.classifier} has ${classifier.hiddenUnits} hidden units but ${NAMES.results} says ${results.on_features.config.hidden_units}; export them again with gradlab features`,
    );
  }
}

export function createFeatures(host: FacesHost) {
  let features: Features | null = null;
  let loading: Promise<FeaturesInfo> | null = null;

  async function load(): Promise<FeaturesInfo> {
    const urls = host.urls();
    if (!urls) throw new Error('the worker has not started yet');
    const [dataBytes, classifierBytes, results] = await Promise.all([
      host.fetchOk(urls.features.data).then((r) => r.arrayBuffer()),
      host.fetchOk(urls.features.classifier).then((r) => r.arrayBuffer()),
      host.fetchOk(urls.features.results).then((r) =>
        (r.json() as Promise<FeaturesResults>).catch((error: unknown) => {
          throw new Error(`${NAMES.results} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
        }),
      ),
    ]);
    const parsed = new Features('features.safetensors', new Uint8Array(dataBytes));
    // The shipped classifier is read to check that it is the one features.json
    // describes; its results are features.json's, so it is not kept.
    const classifier = FacesNetwork.fromSafetensors(NAMES.classifier, new Uint8Array(classifierBytes));
    const classifierHiddenUnits = classifier.hiddenUnits;
    try {
      checkConsistent(parsed, results, classifier);
    } catch (error) {
      parsed.free();
      throw error;
    } finally {
      classifier.free();
    }
    features?.free();
    features = parsed;
    return {
      backbone: parsed.backbone,
      layer: parsed.layer,
      dim: parsed.dim,
      length: parsed.length,
      people: parsed.people() as string[],
      classifierHiddenUnits,
      results,
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
          checkSettings(request.settings);
          const run = FacesNetwork.trainOnFeatures(features, request.settings, (point: FacesCurvePoint) => host.post({ type: 'features-point', point }));
          // Only the summary is shown; the network is freed with the run.
          const summary = run.summary as ClassifierResult;
          run.free();
          return { value: summary };
        }
      }
    },
  };
}
