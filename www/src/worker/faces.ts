// The worker's side of parts 8 and 9: the exported faces, the shipped faces
// network, and one network retrained in the page. Training the default
// network takes well under a second, so a run is one call into the module;
// its curve points are posted as they are measured (the page draws them
// while the run goes on).
//
// Everything numeric is a library function behind src/web.rs.

import { Faces, FacesNetwork, type FacesCurvePoint, type TrainingSummary } from '../../pkg/gradlab.js';
import type { FacesInfo, FacesModel, FacesUnits, FromWorker, ReplyValue, Request, Urls } from '../protocol';
import { fetchOk } from './errors';

export interface FacesHost {
  post(message: FromWorker, transfer?: Transferable[]): void;
  urls(): Urls | null;
}

type FacesRequest = Extract<Request, { type: 'faces-load' | 'faces-train' | 'faces-units' }>;

export function isFacesRequest(request: Request): request is FacesRequest {
  return request.type === 'faces-load' || request.type === 'faces-train' || request.type === 'faces-units';
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
  let faces: Faces | null = null;
  let shipped: FacesNetwork | null = null;
  let trained: FacesNetwork | null = null;
  let loading: Promise<FacesInfo> | null = null;

  async function load(): Promise<FacesInfo> {
    const urls = host.urls();
    if (!urls) throw new Error('the worker has not started yet');
    const [facesBytes, modelBytes, training] = await Promise.all([
      fetchOk(urls.faces.data).then((r) => r.arrayBuffer()),
      fetchOk(urls.faces.model).then((r) => r.arrayBuffer()),
      json<TrainingSummary>(urls.faces.training, 'faces/training.json'),
    ]);
    faces?.free();
    faces = new Faces('faces.safetensors', new Uint8Array(facesBytes));
    shipped?.free();
    shipped = FacesNetwork.fromSafetensors('faces/model.safetensors', new Uint8Array(modelBytes));
    const labels = Array.from(faces.labels());
    const indices = Uint32Array.from(labels, (_, i) => i);
    return {
      size: faces.size,
      people: faces.people().names,
      labels,
      splits: Array.from(faces.splits()),
      rgba: faces.imagesRgba(indices),
      shipped: training,
    };
  }

  function units(model: FacesModel, people: number[], count: number): FacesUnits {
    if (!faces) throw new Error('the faces are not loaded yet');
    const network = model === 'trained' ? trained : shipped;
    if (!network) throw new Error(model === 'trained' ? 'no network has been retrained yet: press Retrain in part 8' : 'the shipped faces network did not load');
    const chosen = people.map((person) => ({ person, units: network.favouredUnits(person, count) }));
    const rgba = network.unitImagesRgba(Uint32Array.from(chosen.flatMap((c) => c.units.map((u) => u.unit))));
    return { size: faces.size, people: chosen, rgba };
  }

  return {
    async handle(request: FacesRequest): Promise<{ value: ReplyValue[FacesRequest['type']]; transfer?: Transferable[] }> {
      switch (request.type) {
        case 'faces-load': {
          // Loaded once per worker; both chapters ask for it.
          loading ??= load().catch((error: unknown) => {
            loading = null;
            throw error;
          });
          return { value: await loading };
        }
        case 'faces-train': {
          if (!faces) throw new Error('the faces are not loaded yet');
          const run = FacesNetwork.train(faces, request.settings, (point: FacesCurvePoint) => host.post({ type: 'faces-point', point }));
          const summary = run.facesSummary();
          trained?.free();
          trained = run.takeNetwork();
          run.free();
          return { value: summary };
        }
        case 'faces-units': {
          const value = units(request.model, request.people, request.count);
          return { value, transfer: [value.rgba.buffer] };
        }
      }
    },
  };
}
