// The worker's side of parts 8 and 9: the exported faces, the shipped faces
// network, and one network retrained in the page. Training the default
// network takes well under a second, so a run is one call into the module;
// its curve points are posted as they are measured (the page draws them
// while the run goes on).
//
// Everything numeric is a library function behind src/web.rs.

import { Faces, FacesNetwork, trainingJson, type FacesCurvePoint, type TrainingSummary } from '../../pkg/gradlab.js';
import type { FacesInfo, FacesModel, FacesUnits, FromWorker, ReplyValue, Request, RunSource, Urls } from '../protocol';
import { fetchOk } from './errors';

export interface FacesHost {
  post(message: FromWorker, transfer?: Transferable[]): void;
  urls(): Urls | null;
}

type FacesRequest = Extract<Request, { type: 'faces-load' | 'faces-train' | 'faces-units' | 'faces-save' }>;

export function isFacesRequest(request: Request): request is FacesRequest {
  return request.type === 'faces-load' || request.type === 'faces-train' || request.type === 'faces-units' || request.type === 'faces-save';
}

/** A JSON file, or an error that names it. */
async function json<T>(url: string, name: string): Promise<T> {
  const response = await fetchOk(url);
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function createFaces(host: FacesHost) {
  /** The faces shown: the shipped ones, or a run the learner opened. */
  let faces: Faces | null = null;
  /** The network that came with them, if any. */
  let base: FacesNetwork | null = null;
  /** The network retrained in the page on them, and its summary. */
  let trained: FacesNetwork | null = null;
  let trainedSummary: TrainingSummary | null = null;
  let current: Promise<FacesInfo> | null = null;

  const info = (source: RunSource, set: Faces, summary: TrainingSummary | null): FacesInfo => {
    const labels = Array.from(set.labels());
    const indices = Uint32Array.from(labels, (_, i) => i);
    return {
      source,
      size: set.size,
      people: set.people().names,
      labels,
      splits: Array.from(set.splits()),
      rgba: set.imagesRgba(indices),
      trained: summary,
    };
  };

  /** Shows `set` (with `network` and its summary) from now on. */
  const show = (set: Faces, network: FacesNetwork | null, summary: TrainingSummary | null, source: RunSource): FacesInfo => {
    faces?.free();
    base?.free();
    trained?.free();
    trained = null;
    trainedSummary = null;
    faces = set;
    base = network;
    const shown = info(source, set, summary);
    current = Promise.resolve(shown);
    return shown;
  };

  async function loadShipped(): Promise<FacesInfo> {
    const urls = host.urls();
    if (!urls) throw new Error('the worker has not started yet');
    const [facesBytes, modelBytes, training] = await Promise.all([
      fetchOk(urls.faces.data).then((r) => r.arrayBuffer()),
      fetchOk(urls.faces.model).then((r) => r.arrayBuffer()),
      json<TrainingSummary>(urls.faces.training, 'faces/training.json'),
    ]);
    const set = new Faces('faces.safetensors', new Uint8Array(facesBytes));
    const network = FacesNetwork.fromSafetensors('faces/model.safetensors', new Uint8Array(modelBytes));
    return show(set, network, training, { kind: 'shipped' });
  }

  function units(model: FacesModel, people: number[], count: number): FacesUnits {
    if (!faces) throw new Error('the faces are not loaded yet');
    const network = model === 'trained' ? trained : base;
    if (!network) {
      throw new Error(
        model === 'trained' ? 'no network has been retrained yet: press Retrain in part 8' : 'these faces have no trained network yet: press Retrain in part 8',
      );
    }
    const chosen = people.map((person) => ({ person, units: network.favouredUnits(person, count) }));
    const rgba = network.unitImagesRgba(Uint32Array.from(chosen.flatMap((c) => c.units.map((u) => u.unit))));
    return { size: faces.size, people: chosen, rgba };
  }

  return {
    /** A learner's faces (and their network) in place of the shipped ones. */
    useRun(set: Faces, network: FacesNetwork | null, summary: TrainingSummary | null, name: string) {
      show(set, network, summary, { kind: 'opened', name });
    },
    /** Back to the shipped faces (loaded again when next asked for). */
    closeRun() {
      faces?.free();
      base?.free();
      trained?.free();
      faces = base = trained = null;
      trainedSummary = null;
      current = null;
    },

    async handle(request: FacesRequest): Promise<{ value: ReplyValue[FacesRequest['type']]; transfer?: Transferable[] }> {
      switch (request.type) {
        case 'faces-load': {
          // Loaded once per worker (both chapters ask for it); a failed load
          // may be tried again.
          current ??= loadShipped().catch((error: unknown) => {
            current = null;
            throw error;
          });
          return { value: await current };
        }
        case 'faces-train': {
          if (!faces) throw new Error('the faces are not loaded yet');
          const run = FacesNetwork.train(faces, request.settings, (point: FacesCurvePoint) => host.post({ type: 'faces-point', point }));
          const summary = run.facesSummary();
          trained?.free();
          trained = run.takeNetwork();
          trainedSummary = summary;
          run.free();
          return { value: summary };
        }
        case 'faces-save': {
          if (!faces || !trained || !trainedSummary) throw new Error('no network has been retrained here yet: press Retrain first');
          const model = trained.toSafetensors(faces.size);
          const training = trainingJson(trainedSummary);
          return { value: { 'model.safetensors': model, 'training.json': training }, transfer: [model.buffer, training.buffer] };
        }
        case 'faces-units': {
          const value = units(request.model, request.people, request.count);
          return { value, transfer: [value.rgba.buffer] };
        }
      }
    },
  };
}
