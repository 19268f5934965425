// The worker's side of parts 8 and 9: the exported faces, the shipped faces
// network, and one network retrained in the page. Training the default
// network takes well under a second, so a run is one call into the module;
// its curve points are posted as they are measured (the page draws them
// while the run goes on).
//
// Everything numeric is a library function behind src/web.rs.

import { Faces, FacesNetwork } from '../pkg/gradlab.js';
import type { FacesCurvePoint, FacesInfo, FacesModel, FacesSettings, FacesSummary, FacesUnits, FromWorker, ReplyValue, Request, UnitScore, Urls } from './protocol';

export interface FacesHost {
  post(message: FromWorker, transfer?: Transferable[]): void;
  urls(): Urls | null;
  fetchOk(url: string): Promise<Response>;
}

type FacesRequest = Extract<Request, { type: 'faces-load' | 'faces-train' | 'faces-units' }>;

export function isFacesRequest(request: Request): request is FacesRequest {
  return request.type === 'faces-load' || request.type === 'faces-train' || request.type === 'faces-units';
}

/** The settings a person may ask for; outside them a run would take too long. */
const LIMITS = { hidden_units: [1, 200], epochs: [1, 2000], learning_rate: [1e-6, 1], momentum: [0, 0.999] } as const;

/** Throws, naming the setting, when `settings` are outside LIMITS. Part 10's
 * classifier has the same network and trainer, so it is held to them too. */
export function checkSettings(settings: FacesSettings): void {
  for (const [key, [min, max]] of Object.entries(LIMITS) as [keyof typeof LIMITS, readonly [number, number]][]) {
    const value = settings[key];
    if (!(value >= min && value <= max)) throw new Error(`${key.replace('_', ' ')} must be between ${min} and ${max}, not ${value}`);
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
      host.fetchOk(urls.faces.data).then((r) => r.arrayBuffer()),
      host.fetchOk(urls.faces.model).then((r) => r.arrayBuffer()),
      host.fetchOk(urls.faces.training).then((r) => r.json() as Promise<FacesSummary>),
    ]);
    faces?.free();
    faces = new Faces('faces.safetensors', new Uint8Array(facesBytes));
    shipped?.free();
    shipped = FacesNetwork.fromSafetensors('faces/model.safetensors', new Uint8Array(modelBytes));
    const labels = Array.from(faces.labels());
    const indices = Uint32Array.from(labels, (_, i) => i);
    return {
      size: faces.size,
      people: faces.people() as string[],
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
    const chosen = people.map((person) => ({ person, units: network.favouredUnits(person, count) as UnitScore[] }));
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
          const info = await loading;
          return { value: info };
        }
        case 'faces-train': {
          if (!faces) throw new Error('the faces are not loaded yet');
          checkSettings(request.settings);
          const run = FacesNetwork.train(faces, request.settings, (point: FacesCurvePoint) => host.post({ type: 'faces-point', point }));
          const summary = run.summary as FacesSummary;
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
